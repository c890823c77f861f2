#!/bin/sh
# SPDX-License-Identifier: MIT
# --help, --version, usage errors, and the man page's options.
. "$AS_SRC/tests/cli/lib.sh"

usage="$(as_usage as-index)"
hint="Try 'as-index --help'."

run as-index --help
expect_status 0
[ "$(sed '/^$/q' "$T/out" | sed '$d')" = "$usage" ] ||
    fail "--help: $(head -n 3 "$T/out")"
run as-index --version
expect_status 0
grep -qx 'as-index [0-9.]*' "$T/out" || fail "--version"
# the common options (tools/common/options.c): help to a full disk,
# a format that is not one
if [ -w /dev/full ]; then
    set +e
    as-index --help >/dev/full 2>"$T/err"
    status=$?
    set -e
    expect_status 1
    expect_err "as-index: stdout: No space left on device"
fi
run as-index -f xml -d a.asx
expect_status 2
expect_err "as-index: -f: 'xml' is not tsv or bin" "$usage" "$hint"

run as-index
expect_status 2
expect_err "as-index: one of -a, -c, -d, -L, -o and -u is needed" "$usage" "$hint"
# two modes, or one mode twice (the first index would go unread, and
# "as-index -c a.asx -c b.asx || alarm" pass with a.asx damaged)
run as-index -o a1.asx -u u1.asx s.tsv
expect_status 2
expect_err "as-index: -o and -u do not go together" "$usage" "$hint"
run as-index -d b.asx -c a.asx -a c.asx
expect_status 2
expect_err "as-index: -a and -c do not go together" "$usage" "$hint"
for args in "c a.asx -c b.asx" "a a.asx -A b.asx"; do
    # shellcheck disable=SC2086
    run as-index -$args
    expect_status 2
    expect_err "as-index: -${args%% *} can be given only once" "$usage" "$hint"
done
# an option is named as it was given last
run as-index -c a.asx --check=b.asx
expect_status 2
expect_err "as-index: --check can be given only once" "$usage" "$hint"
# an index is a file in every mode, never standard input or output
for args in "-a -" "-c -" "-d -" "-L -" "-o -" "-u -" "merge -o - a.asx" \
    "merge -o a.asx b.asx -"; do
    # shellcheck disable=SC2086
    run as-index $args </dev/null
    expect_status 2
    expect_err "as-index: an index is a file, not standard input" "$usage" "$hint"
done
[ -e - ] && fail "as-index -o -: a file named -"
# the index is the word right after its option: one that is an option
# of as-index was a slip (-d -H lib.asx took -H for the index and
# refused lib.asx as a stream; -o -q lib.asx made -q.lock), never a
# file; attached (-d-H, --dump=-H) it is the index as given
cd "$T"
for c in "-d -H a.asx|-d|index|-H" "-d -f bin a.asx|-d|index|-f" \
    "--dump --no-header a.asx|--dump|index|--no-header" \
    "--dump --no-h a.asx|--dump|index|--no-h" "-d -- a.asx|-d|index|--" \
    "-c -q a.asx|-c|index|-q" "-o -q a.asx|-o|index|-q" \
    "-u -p a.asx|-u|index|-p" "-L -q a.asx|-L|index|-q" \
    "-a -q a.asx|-a|index|-q" "-A -q a.asx|-a|index|-q" \
    "merge -o -J a.asx b.asx|-o|index|-J"; do
    args=${c%%|*} rest=${c#*|}
    opt=${rest%%|*} rest=${rest#*|}
    what=${rest%%|*} word=${rest#*|}
    # shellcheck disable=SC2086
    run as-index $args </dev/null
    expect_status 2
    expect_err "as-index: $opt needs the $what right after it, not the option $word (for a file of that name, write ./$word)" \
        "$usage" "$hint"
done
[ -e -q.lock ] || [ -e -q ] && fail "as-index -o -q a.asx: a file named -q"
for c in "-d-H|-H" "--dump=-H|-H" "-d ./-H|./-H" "-d -x|-x"; do
    # shellcheck disable=SC2086
    run as-index ${c%|*}
    expect_status 1
    expect_err "as-index: ${c#*|}: No such file or directory"
done
cd - >/dev/null
run as-index -o a.asx -u b.asx
expect_status 2
run as-index -p -o a.asx
expect_status 2
expect_err "as-index: -p goes with -u" "$usage" "$hint"
# the options of one mode are refused in every other, merge, -a and -L
# included (they went unread there)
for c in "merge -p -o m.asx a.asx|-p goes with -u" \
    "merge -E 5 -o m.asx a.asx|-E and -M go with -a" \
    "merge -s 0.5 -o m.asx a.asx|-b and -s go with -L" \
    "-a a.asx -p|-p goes with -u" "-a a.asx -b 0.1|-b and -s go with -L" \
    "-L a.asx -p|-p goes with -u" "-L a.asx -M 3|-E and -M go with -a" \
    "-d a.asx -J|-J goes with -o, -u and merge" \
    "-c a.asx -J|-J goes with -o, -u and merge" \
    "-f bin -o m.asx stream.tsv|-f goes with -d" \
    "-H -u m.asx stream.tsv|-H goes with -d" \
    "-l dir -d a.asx|-l goes with -o and -u (labels of stream rows)" \
    "merge -l dir -o m.asx a.asx|-l goes with -o and -u (labels of stream rows)" \
    "-c a.asx -w 5|-w goes with -o, -u, merge, -L and -a" \
    "-d a.asx -w 5|-w goes with -o, -u, merge, -L and -a"; do
    # shellcheck disable=SC2086
    run as-index ${c%%|*}
    expect_status 2
    expect_err "as-index: ${c#*|}" "$usage" "$hint"
done
[ -e m.asx ] && fail "a refused merge wrote m.asx"
run as-index -c a.asx stream.tsv
expect_status 2
run as-index merge a.asx b.asx
expect_status 2
expect_err "as-index: merge needs -o index and one or more indexes" "$usage" "$hint"
run as-index -l folder -o a.asx
expect_status 2
expect_err "as-index: -l: 'folder' is not dir, column or none (here -l is --label-from; the label filter is --label)" "$usage" "$hint"
# named by its long name, it needs no hint
run as-index --label-from=folder -o a.asx
expect_status 2
expect_err "as-index: --label-from: 'folder' is not dir, column or none" "$usage" "$hint"
run as-index -w soon -o a.asx
expect_status 2
expect_err "as-index: -w: 'soon' is not a number" "$usage" "$hint"
run as-index -w -1 -o a.asx
expect_status 2
run as-index -o a.asx - -
expect_status 2

as_check_man_options as-index

# -a/--approx builds the approximate index (the letter as-search -a
# searches it with); -A, its old spelling, does the same
cd "$T"
printf 'path\tx0\tx1\tx2\n' >s.tsv
i=0
while [ $i -lt 40 ]; do
    printf 'd/%02d.wav\t%d\t%d\t%d\n' $i $((i % 7)) $((i % 5)) $((i % 3))
    i=$((i + 1))
done >>s.tsv
as-index -o lib.asx s.tsv
for spelling in "-a lib.asx" "-A lib.asx" "--approx=lib.asx"; do
    rm -f lib.asx.ann
    # shellcheck disable=SC2086
    run as-index $spelling
    if [ "${AS_WITH_APPROX-}" != ON ]; then
        expect_status 1
        expect_err "as-index: lib.asx.ann: not supported by this build (built without hnswlib)"
        continue
    fi
    expect_status 0
    expect_no_err
    [ -s lib.asx.ann ] || fail "$spelling: no lib.asx.ann"
    if [ -f first.ann ]; then
        cmp -s first.ann lib.asx.ann || fail "$spelling: another graph"
    else
        cp lib.asx.ann first.ann
    fi
done
run as-index -a lib.asx s.tsv
expect_status 2
expect_err "as-index: -a takes no streams" "$usage" "$hint"
run as-index -o x.asx -M 8 s.tsv
expect_status 2
expect_err "as-index: -E and -M go with -a" "$usage" "$hint"
