#!/bin/sh
# SPDX-License-Identifier: MIT
# as-stats counts the entries of each kind of an index with kind tags
# (as-extract -K): a kind line per class, "kinds" in JSON; the tags are
# not counted in a group, and -c gives them none; an index without tags
# has no kind line.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
tab=$(printf '\t')
{
    printf 'path\tlabel\tf1\tkind_p_kick\tkind_p_snare\tkind_p_tonal\n'
    printf 'a.wav\tx\t1\t0.9\t0.05\t0.05\n'
    printf 'b.wav\tx\t2\t0.4\t0.5\t0.1\n'
    printf 'c.wav\ty\t3\t0.2\t0.7\t0.1\n'
    printf 'd.wav\ty\t4\t0.6\t0.3\t0.1\n'
} >tags.tsv
as-index -o tags.asx tags.tsv

run as-stats tags.asx
expect_status 0
expect_no_err
grep "^kind$tab" "$T/out" >kinds
printf 'kind\tkick\t2\nkind\tsnare\t2\nkind\ttonal\t0\n' | cmp -s - kinds ||
    fail "kinds: $(cat kinds)"
grep "^group$tab" "$T/out" >groups
printf 'group\tother\t1\t1\n' | cmp -s - groups || fail "groups: $(cat groups)"

run as-stats -n -c tags.asx
expect_status 0
grep "^column$tab" "$T/out" | cut -f 2-3 >cols
printf 'f1\tother\nkind_p_kick\t\nkind_p_snare\t\nkind_p_tonal\t\n' |
    cmp -s - cols || fail "column groups: $(cat cols)"
run as-stats -n -c -J tags.asx
expect_status 0
grep -q '"name":"f1","group":"other",' "$T/out" || fail "JSON f1: $(cat "$T/out")"
grep -q '"name":"kind_p_kick","group":null,' "$T/out" ||
    fail "JSON tag column: $(cat "$T/out")"

run as-stats -J tags.asx
expect_status 0
grep -q '"genres":{"x":2,"y":2},"kinds":{"kick":2,"snare":2,"tonal":0},' "$T/out" ||
    fail "JSON: $(cat "$T/out")"

cut -f 1-3 tags.tsv >plain.tsv
as-index -o plain.asx plain.tsv
run as-stats plain.asx
expect_status 0
if grep -q "^kind$tab" "$T/out"; then fail "kinds without tags"; fi
run as-stats -J plain.asx
if grep -q '"kinds"' "$T/out"; then fail "JSON kinds without tags"; fi
