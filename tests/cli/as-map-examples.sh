#!/bin/sh
# SPDX-License-Identifier: MIT
# Every example of as-map(1) runs and succeeds: each .Dl line and each
# .Bd -literal block of its EXAMPLES section, with the man page's escapes
# undone, in a folder laid out as the page says. An example must print
# nothing on stderr: t-SNE on this small library notes its perplexity,
# so those examples use -q or a perplexity that fits.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples | as-index -o lib.asx

as_run_man_examples as-map.1 8
# what the examples wrote
[ "$(grep -c '<circle' map.svg)" -eq 9 ] || fail "map.svg"
[ "$(grep -c '<circle' clusters.svg)" -eq 9 ] || fail "clusters.svg"
grep -q '"n":9,' map.html || fail "map.html"
grep -q '"n":9,' odd.html || fail "odd.html"
[ "$(wc -l <map.tsv)" -eq 10 ] || fail "map.tsv"
