#!/bin/sh
# SPDX-License-Identifier: MIT
# as-tools(7)'s example of a long option shortened to a prefix that names
# one option: --dur is --duration in every tool that filters an index.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -q -r samples | as-index -q -o lib.asx
q=samples/kicks/kick_44k1.flac
for tool in "as-search -k 3 -p $q" "as-search -L" "as-cluster -k 2" \
    "as-map -m pca" "as-anomaly" "as-stats -n" "as-index -d"; do
    name=${tool%% *}
    rest=${tool#"$name"}
    # shellcheck disable=SC2086
    $name --duration=0.2:3 $rest lib.asx >want 2>&1 || fail "$tool --duration"
    # shellcheck disable=SC2086
    run $name --dur=0.2:3 $rest lib.asx
    expect_status 0
    expect_out_file want
done
