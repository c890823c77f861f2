#!/bin/sh
# SPDX-License-Identifier: MIT
# The entry filters (--cluster, -g, -l, -t): as-cluster groups the
# entries that pass as if the index held only them.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples >lib.tsv
as-index -o lib.asx lib.tsv
{ head -n 1 lib.tsv; grep -E '^samples/(hats|tones)/' lib.tsv; } >sub.tsv
as-index -o sub.asx sub.tsv

set -f # the globs are as-cluster's
for m in "-k 2" "-k 2 -s" "-m dbscan -M 2 -J" "-K 2:3 -s -J"; do
    as-cluster -q $m sub.asx >want
    for f in "-l hats -l tones" "-g *hats* -g samples/tones/*" \
        "--label=tones --label=hats" "--path-glob=samples/[ht][ao]*/*"; do
        run as-cluster -q $m $f lib.asx
        expect_status 0
        expect_no_err
        cmp -s want "$T/out" || { diff want "$T/out" >&2 || true; fail "as-cluster $m $f"; }
    done
done
set +f

# Durations and stored clusters: the entries as-search -L lists.
as-search -L -H -t :1 lib.asx | cut -f 1 | sort >short
run as-cluster -q -H -k 2 -t :1 lib.asx
expect_status 0
cut -f 1 "$T/out" | sort | cmp -s short - || fail "-t :1"
as-cluster -q -W -k 2 lib.asx >/dev/null
as-search -L -H -c 1 lib.asx | cut -f 1 | sort >one
run as-cluster -q -H -k 2 --cluster 1 lib.asx
expect_status 0
cut -f 1 "$T/out" | sort | cmp -s one - || fail "--cluster 1"
# a filter leaves the clusters stored in the index alone
cp lib.asx before.asx
run as-cluster -q -k 2 -l hats lib.asx
expect_status 0
cmp -s before.asx lib.asx || fail "a filtered run changed the index"
# the entries that pass are an index of their own, in a temporary file
# that nothing else sees: none is left in $TMPDIR, and one that cannot
# be made is a failure that names the index
mkdir tmp
run env TMPDIR=$T/tmp as-cluster -q -H -k 2 -l hats lib.asx
expect_status 0
[ -z "$(ls -A tmp)" ] || fail "left in TMPDIR: $(ls -A tmp)"
run env TMPDIR=$T/no-such-dir as-cluster -H -k 2 -l hats lib.asx
expect_status 1
expect_err "as-cluster: lib.asx: the entries that pass, in a temporary file in $T/no-such-dir (TMPDIR): No such file or directory"
# a filter that nothing passes: nothing to cluster, as with an empty
# index (as-tools(7) names this exception)
run as-cluster -l nothing lib.asx
expect_status 1
expect_out_empty
expect_err "as-cluster: lib.asx: no entry passes the filters" \
    "as-cluster: lib.asx: no entries to cluster"

# Bad values; -W and -P want the whole index; an index is a file.
USAGE="$(as_usage as-cluster)
Try 'as-cluster --help'."
run as-cluster - <lib.asx
expect_status 2
expect_err "as-cluster: an index is a file, not standard input" "$USAGE"
run as-cluster -t x: lib.asx
expect_status 2
expect_err "as-cluster: -t: 'x' is not a number" "$USAGE"
run as-cluster -W -l hats lib.asx
expect_status 2
expect_err "as-cluster: -W stores clusters for the whole index: not with --cluster, -g, -l or -t" "$USAGE"
run as-cluster -P --cluster 1 lib.asx
expect_status 2
expect_err "as-cluster: -P clusters the whole index: not with --cluster, -g, -l or -t" "$USAGE"
cmp -s before.asx lib.asx || fail "a refused run changed the index"
