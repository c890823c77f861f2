#!/bin/sh
# SPDX-License-Identifier: MIT
# as-search -C/--copy-to and -A/--link-to gather the printed matches into
# a folder: each file once, under its own name unless another match
# shares it (then with the folders above), numbered only against a
# different file already there; never replacing anything.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
mkdir -p lib/808/kicks lib/909/kicks lib/909/hats
cp "$FIX/kick_44k1.flac" lib/808/kicks/kick.flac
cp "$FIX/real_bd_808_44k1.wav" lib/909/kicks/kick.flac
cp "$FIX/hihat_48k.wav" lib/909/hats/hat.wav
cp "$FIX/sine440_44k1.wav" lib/909/kick.flac
as-extract -r lib | as-index -o lib.asx

# Copies: the three kick.flac take as many folders as tell them apart;
# the printed output is that of a plain search.
as-search -k 4 lib.asx "$FIX/hihat_48k.wav" >want
run as-search -k 4 -C crate lib.asx "$FIX/hihat_48k.wav"
expect_status 0
expect_no_err
expect_out_file want
(cd crate && ls -A) >got
printf '%s\n' 808_kicks_kick.flac 909_kick.flac 909_kicks_kick.flac hat.wav >want
cmp -s want got || fail "crate: $(cat got)"
cmp -s crate/808_kicks_kick.flac lib/808/kicks/kick.flac || fail "not a copy"
cmp -s crate/909_kick.flac lib/909/kick.flac || fail "not a copy"
[ ! -L crate/hat.wav ] || fail "a link, not a copy"
[ "$(stat -c %Y crate/hat.wav)" = "$(stat -c %Y lib/909/hats/hat.wav)" ] ||
    fail "the copy lost its modification time"

# A copy goes in place by a rename that replaces nothing, or by a hard
# link where the file system lacks such a rename: FAT has no hard links
# (failing link() here failed every copy before), NFS no such rename.
for op in link renameat2; do
    rm -rf fs
    run env AS_FAILIO_OP=$op AS_FAILIO_MATCH=.as-crate- \
        LD_PRELOAD="$AS_TESTBIN/failio.so" \
        as-search -k 4 -C fs lib.asx "$FIX/hihat_48k.wav"
    expect_status 0
    expect_no_err
    (cd fs && ls -A) >got
    cmp -s want got || fail "crate without $op: $(cat got)"
    cmp -s fs/hat.wav lib/909/hats/hat.wav || fail "without $op: not a copy"
done

# A copy that cannot be synced (a full disk) does not take its name: it
# is reported by that name, in the crate (the file copied is fine), the
# rest are not tried, and the exit status is 1.
rm -rf fs
run env AS_FAILIO_OP=fsync AS_FAILIO_MATCH=.as-crate- \
    LD_PRELOAD="$AS_TESTBIN/failio.so" \
    as-search -k 4 -C fs lib.asx "$FIX/hihat_48k.wav"
expect_status 1
expect_err "as-search: fs/hat.wav: No space left on device" \
    "as-search: fs: 3 more matches not gathered"
[ -z "$(ls -A fs)" ] || fail "unsynced copies took their names: $(ls -A fs)"

# The same search again adds nothing; another file of a name taken gets
# a number; -L gathers too.
run as-search -k 4 -C crate lib.asx "$FIX/hihat_48k.wav"
expect_status 0
[ "$(ls -A crate | wc -l)" -eq 4 ] || fail "a repeated run added files: $(ls -A crate)"
mkdir -p other/hats
cp "$FIX/noise_white_44k1.wav" other/hats/hat.wav
as-extract -r other | as-index -o other.asx
run as-search -L -C crate other.asx
expect_status 0
expect_no_err
cmp -s crate/hat-2.wav other/hats/hat.wav || fail "no hat-2.wav: $(ls -A crate)"
cmp -s crate/hat.wav lib/909/hats/hat.wav || fail "hat.wav was replaced"

# Links: absolute targets; the same file from two queries goes in once.
run as-search -k 1 -A links lib.asx lib/909/hats/hat.wav lib/909/hats/hat.wav
expect_status 0
expect_no_err
[ "$(ls -A links)" = hat.wav ] || fail "links: $(ls -A links)"
[ "$(readlink links/hat.wav)" = "$T/lib/909/hats/hat.wav" ] ||
    fail "link target: $(readlink links/hat.wav)"

# A match whose file is gone: reported, the others still go in, exit 1.
rm lib/909/kick.flac
run as-search -L -C crate2 lib.asx
expect_status 1
expect_err 'as-search: lib/909/kick.flac: No such file or directory'
[ "$(ls -A crate2 | wc -l)" -eq 3 ] || fail "crate2: $(ls -A crate2)"
# -q says nothing of it (one input gone past), and the status is 1
run as-search -q -L -C crate3 lib.asx
expect_status 1
expect_no_err
[ "$(ls -A crate3 | wc -l)" -eq 3 ] || fail "crate3: $(ls -A crate3)"

# A match that is no longer a regular file is reported by its own path
# (-q hides it): a FIFO is neither waited on nor read (that hung), a
# folder neither copied nor linked (-A linked it, without a word).
mkfifo lib/909/kick.flac
run timeout 60 as-search -L -C crate4 lib.asx
expect_status 1
expect_err 'as-search: lib/909/kick.flac: not a regular file'
[ "$(ls -A crate4 | wc -l)" -eq 3 ] || fail "FIFO: $(ls -A crate4)"
rm lib/909/kick.flac
mkdir lib/909/kick.flac
for op in C A; do
    run as-search -L -$op dir$op lib.asx
    expect_status 1
    expect_err 'as-search: lib/909/kick.flac: not a regular file'
    [ "$(ls -A dir$op | wc -l)" -eq 3 ] || fail "-$op, a folder: $(ls -A dir$op)"
    run as-search -q -L -$op qdir$op lib.asx
    expect_status 1
    expect_no_err
done
rmdir lib/909/kick.flac

# -A links to the path as indexed, made absolute from the current
# directory as the shell names it: a link on the way stays in the
# target (it led to where the link pointed).
mkdir -p sl/real sl/fav
cp "$FIX/hihat_48k.wav" sl/real/hat.wav
ln -s ../real/hat.wav sl/fav/best.wav
ln -s . here
as-extract -r sl/fav | as-index -o sl.asx
run as-search -L -A slc sl.asx
expect_status 0
[ "$(readlink slc/best.wav)" = "$T/sl/fav/best.wav" ] ||
    fail "-A through a link: $(readlink slc/best.wav)"
cd here
run as-search -L -A slc2 sl.asx
cd "$T"
expect_status 0
[ "$(readlink slc2/best.wav)" = "$T/here/sl/fav/best.wav" ] ||
    fail "-A from a linked folder: $(readlink slc2/best.wav)"
# the same crate from the other spelling of the folder adds nothing: a
# link spelt otherwise that leads to the same file is already there
run as-search -L -A slc2 sl.asx
expect_status 0
[ "$(ls -A slc2)" = best.wav ] || fail "-A again, spelt otherwise: $(ls -A slc2)"

# Two runs into one crate at once: each file goes in once, as after one
# run (a run that finds the other's copy, or link, under the name it
# was about to take leaves it; it numbered a second copy before).
mkdir -p race
cp "$FIX"/* race/
as-extract -r race | as-index -o race.asx
n=$(ls race | wc -l)
for op in C A; do
    for round in 1 2; do
        rm -rf rc
        as-search -L -$op rc race.asx >/dev/null &
        as-search -L -$op rc race.asx >/dev/null
        wait $! || fail "-$op, two at once: a run failed"
        [ "$(ls -A rc | wc -l)" -eq "$n" ] ||
            fail "-$op, two at once: $(ls -A rc | wc -l) files for $n"
    done
done

# No match, no crate: a query that failed, a filter that passes nothing.
run as-search -C none1 lib.asx nothere.wav
expect_status 1
run as-search -L -l nosuchlabel -C none2 lib.asx
[ ! -e none1 ] && [ ! -e none2 ] || fail "an empty crate was made"

# The crate must be a folder; -D takes none; one crate at a time.
: >afile
run as-search -L -C afile lib.asx
expect_status 1
expect_err 'as-search: afile: Not a directory'
usage="$(as_usage as-search)"
run as-search -D -C x lib.asx
expect_status 2
expect_err 'as-search: -C goes with a search or -L, not -D' "$usage" "Try 'as-search --help'."
run as-search -L -C x -A y lib.asx
expect_status 2
expect_err 'as-search: one of -A and -C, once' "$usage" \
    "Try 'as-search --help'."
[ ! -e x ] && [ ! -e y ] || fail "a usage error made a crate"

# A link that -A put in the crate is no copy: -C puts the copy beside it,
# numbered, and leaves the link.
mkdir -p mixed/a
cp "$FIX/hihat_48k.wav" mixed/a/hat.wav
as-extract -r mixed | as-index -o mixed.asx
as-search -L -A both mixed.asx >/dev/null
run as-search -L -C both mixed.asx
expect_status 0
[ -L both/hat.wav ] && [ -f both/hat-2.wav ] && [ ! -L both/hat-2.wav ] ||
    fail "-C after -A: $(ls -lA both)"
cmp -s both/hat-2.wav mixed/a/hat.wav || fail "-C after -A: not a copy"

# Two matches whose names are as long as a name can be: the number takes
# the place of the stem's last characters (here a 2-byte one, kept
# whole), not a name too long for the file system.
long=$(printf '%0249d' 0 | tr 0 x)é
mkdir -p longn/a longn/b
cp "$FIX/hihat_48k.wav" "longn/a/$long.wav"
cp "$FIX/kick_44k1.flac" "longn/b/$long.wav"
as-extract -r longn | as-index -o longn.asx
run as-search -L -C lcrate longn.asx
expect_status 0
expect_no_err
[ "$(ls -A lcrate | wc -l)" -eq 2 ] || fail "long names: $(ls -A lcrate)"
[ -f "lcrate/$long.wav" ] || fail "long names: the first not under its name"
[ -f "lcrate/$(printf '%0249d' 0 | tr 0 x)-2.wav" ] ||
    fail "long names: $(ls -A lcrate | cut -c 240-)"

# With -z, a match whose path holds a TAB is left out of the output, and
# so of the crate (which gathers the files printed); with -J it is in
# both.
mkdir -p tabs
cp "$FIX/hihat_48k.wav" "$(printf 'tabs/a\tb.wav')"
cp "$FIX/kick_44k1.flac" tabs/c.flac
as-extract -b -r tabs | as-index -o tabs.asx -
run as-search -z -H -L -C zcrate tabs.asx
expect_status 1
[ "$(ls -A zcrate)" = c.flac ] || fail "-z crate: $(ls -A zcrate)"
run as-search -J -L -C jcrate tabs.asx
expect_status 0
[ "$(ls -A jcrate | wc -l)" -eq 2 ] || fail "-J crate: $(ls -A jcrate)"

# A copy's temporary file left by a killed run is removed by the next
# run into the crate once it is a minute old and nobody holds it; a
# fresh one, one held by a live writer (flock), and other names stay.
mkdir -p kcrate
for t in abcdef held12 fresh1; do
    printf 'half a copy' >"kcrate/.as-crate-$t"
done
printf 'mine' >kcrate/.as-crate-abc
touch -d '2 hours ago' kcrate/.as-crate-abcdef kcrate/.as-crate-held12 \
    kcrate/.as-crate-abc
flock kcrate/.as-crate-held12 sleep 4 </dev/null >/dev/null 2>&1 &
holder=$!
sleep 1
run as-search -k 1 -C kcrate lib.asx "$FIX/hihat_48k.wav"
expect_status 0
wait "$holder" || true
[ -e kcrate/.as-crate-abcdef ] && fail "a killed run's copy stays"
for t in held12 fresh1 abc; do
    [ -e "kcrate/.as-crate-$t" ] || fail ".as-crate-$t removed"
done
[ "$(ls kcrate | wc -l)" -eq 1 ] || fail "kcrate: $(ls -A kcrate)"
# a match whose name has a temporary file's form (and an old time, which
# its copy keeps) takes a number: the next run's sweep would take it for
# a killed run's
mkdir -p odd
cp "$FIX/hihat_48k.wav" odd/.as-crate-Ab12Cd
touch -d '2 hours ago' odd/.as-crate-Ab12Cd
as-extract odd/.as-crate-Ab12Cd | as-index -q -o odd.asx
run as-search -L -C ocrate odd.asx
expect_status 0
run as-search -k 1 -C ocrate lib.asx "$FIX/kick_44k1.flac"
expect_status 0
[ "$(ls -A ocrate | sort | tr '\n' ' ')" = ".as-crate-Ab12Cd-2 kick.flac " ] ||
    fail "a match named as a temporary file: $(ls -A ocrate)"
cmp -s odd/.as-crate-Ab12Cd ocrate/.as-crate-Ab12Cd-2 || fail "its copy differs"
# and a number that would give that form is passed over (.as-crate-Ab12
# taken: -2 to -9 make six characters after the prefix)
mkdir -p odd2/a odd2/b
cp "$FIX/hihat_48k.wav" odd2/a/.as-crate-Ab12
cp "$FIX/kick_44k1.flac" odd2/b/.as-crate-Ab12
touch -d '2 hours ago' odd2/a/.as-crate-Ab12 odd2/b/.as-crate-Ab12
as-extract odd2/a/.as-crate-Ab12 odd2/b/.as-crate-Ab12 | as-index -q -o odd2.asx
as-search -q -k 1 -C o2crate odd2.asx "$FIX/kick_44k1.flac" >/dev/null
as-search -q -k 1 -C o2crate odd2.asx "$FIX/hihat_48k.wav" >/dev/null
as-search -q -k 1 -C o2crate odd2.asx "$FIX/kick_44k1.flac" >/dev/null
[ "$(ls -A o2crate | sort | tr '\n' ' ')" = ".as-crate-Ab12 .as-crate-Ab12-10 " ] ||
    fail "a number giving a temporary file's form: $(ls -A o2crate)"
