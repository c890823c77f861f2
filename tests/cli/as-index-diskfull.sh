#!/bin/sh
# SPDX-License-Identifier: MIT
# A disk that fills up, or an fsync, close or rename that fails, while an
# index is written (as-index -o, -u and merge, as-cluster -W, as-anomaly
# -W): no hang, the system's reason, exit 1, no summary, no temporary
# file, the lock released and the old index byte for byte as it was.
# The disk fills through tests/tools/failio.c (LD_PRELOAD), which makes
# writes to the temporary files fail after a given number of bytes.
. "$AS_SRC/tests/cli/lib.sh"

shim=$AS_TESTBIN/failio.so
[ -f "$shim" ] || fail "$shim not built"
cd "$T"
mkdir -p samples/tones
for f in 220 262 330 392 440 523 659 784; do
    mksignal -d 0.5 sine:$f samples/tones/t$f.wav
done
mksignal -d 0.5 -s 3 noise samples/tones/noise.wav
as-extract -r samples >all.tsv
head -n 5 all.tsv >some.tsv
as-index -o lib.asx some.tsv
as-index -o other.asx all.tsv
size=$(wc -c <other.asx)

# full OP BYTES CMD...: runs CMD with the shim failing OP on the temporary
# files after BYTES bytes, under timeout (a hang fails the test).
full() {
    _op=$1
    _bytes=$2
    shift 2
    run env AS_FAILIO_OP="$_op" AS_FAILIO_BYTES="$_bytes" \
        AS_FAILIO_MATCH=.tmp- LD_PRELOAD="$shim" timeout 20 "$@"
}

# after TOOL INDEX SAVED: what must hold after a failed write of INDEX.
after() {
    expect_status 1
    expect_err "$1: $2: No space left on device"
    cmp -s "$3" "$2" || fail "$1: $2 changed"
    for _f in .* *; do
        case $_f in
        *.tmp-*) fail "$1: temporary file left: $_f" ;;
        esac
    done
    # the lock is free: a writer that does not wait gets it
    as-index -q -w 0 -u "$2" some.tsv || fail "$1: $2 still locked"
    cmp -s "$3" "$2" || fail "$1: $2 changed by a no-op update"
}

cp lib.asx saved.asx
cp other.asx saved-other.asx
for bytes in 0 1 100 1000 4096 $((size - 1)); do
    # -o over an existing index, and -o of a new one
    full write "$bytes" as-index -o lib.asx all.tsv
    expect_out_empty
    after as-index lib.asx saved.asx
    full write "$bytes" as-index -o new.asx all.tsv
    expect_status 1
    expect_err "as-index: new.asx: No space left on device"
    [ ! -e new.asx ] || fail "new.asx made by a failed write"
    # -u, with and without -J: no summary
    full write "$bytes" as-index -u lib.asx all.tsv
    expect_out_empty
    after as-index lib.asx saved.asx
    full write "$bytes" as-index -J -u lib.asx all.tsv
    expect_out_empty
    after as-index lib.asx saved.asx
    # merge
    full write "$bytes" as-index merge -J -o lib.asx other.asx
    expect_out_empty
    after as-index lib.asx saved.asx
done
for op in fsync close rename; do
    full "$op" 0 as-index -u lib.asx all.tsv
    expect_out_empty
    after as-index lib.asx saved.asx
    full "$op" 0 as-index merge -o lib.asx other.asx
    expect_out_empty
    after as-index lib.asx saved.asx
done

# as-cluster -W and as-anomaly -W: the results are printed first, as
# always, but nothing is stored.
for op in write fsync close rename; do
    for bytes in 0 1000 $((size - 1)); do
        full "$op" "$bytes" as-cluster -W -k 2 other.asx
        after as-cluster other.asx saved-other.asx
        full "$op" "$bytes" as-anomaly -W other.asx
        after as-anomaly other.asx saved-other.asx
        [ "$op" = write ] || break
    done
done

# With room enough, the same commands succeed under the shim.
full write 100000000 as-index -u lib.asx all.tsv
expect_status 0
expect_err "as-index: lib.asx: added 5, changed 0, unchanged 4, removed 0, failed 0"
full write 100000000 as-cluster -q -W -k 2 other.asx
expect_status 0
