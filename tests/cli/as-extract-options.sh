#!/bin/sh
# SPDX-License-Identifier: MIT
# --help, --version, bad options and operands.
. "$AS_SRC/tests/cli/lib.sh"

usage="$(as_usage as-extract)"

run as-extract --help
expect_status 0
expect_no_err
[ "$(sed '/^$/q' "$T/out" | sed '$d')" = "$usage" ] ||
    fail "--help starts with the usage"
run as-extract -h
expect_status 0

run as-extract --version
expect_status 0
expect_no_err
grep -qx 'as-extract [0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' "$T/out" ||
    fail "--version prints 'as-extract X.Y.Z'"
run as-extract -V
expect_status 0

run as-extract --bogus
expect_status 2
expect_out_empty
expect_err "as-extract: unknown option --bogus" "$usage" \
    "Try 'as-extract --help'."

run as-extract -i -T
expect_status 2
expect_err "as-extract: -T needs an argument" "$usage" \
    "Try 'as-extract --help'."
# a second list would drop the first without a word
run as-extract -T a.txt -T b.txt
expect_status 2
expect_out_empty
expect_err "as-extract: -T can be given only once" "$usage" \
    "Try 'as-extract --help'."

# -U names an index, which is a file
run as-extract -U - "$FIX/kick_44k1.flac"
expect_status 2
expect_out_empty
expect_err "as-extract: an index is a file, not standard input" "$usage" \
    "Try 'as-extract --help'."

# The messages name the tool, not the path it was run by, and say what
# was wrong with a long option in the tool's words.
run "$(command -v as-extract)" --quiet=1
expect_status 2
expect_err "as-extract: --quiet takes no argument" "$usage" \
    "Try 'as-extract --help'."
run "$(command -v as-extract)" -qZ
expect_status 2
expect_err "as-extract: unknown option -Z" "$usage" \
    "Try 'as-extract --help'."
# inside a cluster, after a long option: the letter, not the option before
run as-extract --json -Zq
expect_status 2
expect_err "as-extract: unknown option -Z" "$usage" \
    "Try 'as-extract --help'."
run as-extract --bogus=3 --=x
expect_status 2
expect_err "as-extract: unknown option --bogus" "$usage" \
    "Try 'as-extract --help'."
run as-extract --=x
expect_status 2
expect_err "as-extract: unknown option --=x" "$usage" \
    "Try 'as-extract --help'."
run as-extract --output
expect_status 2
expect_err "as-extract: --output needs an argument" "$usage" \
    "Try 'as-extract --help'."
run as-extract --k x
expect_status 2
expect_err "as-extract: ambiguous option --k (--kind, --keep-going, --kind-model)" \
    "$usage" "Try 'as-extract --help'."

# Standard input can only be read once.
run as-extract -i -T - -
expect_status 2
expect_err "as-extract: standard input can be used only once" "$usage" \
    "Try 'as-extract --help'."

# A list entry "-" is a file of that name, not standard input (the list
# may be standard input itself, or the operand "-" may read it).
cd "$T"
cp "$FIX/sine440_44k1.wav" ./-
printf -- '-\n' >dash.list
run_in "$FIX/kick_44k1.flac" as-extract -i -H -T dash.list -
expect_status 0
expect_no_err
[ "$(cut -f 1,2 "$T/out")" = "./-	wav
-	flac" ] || fail "-T entry -: $(cut -f 1,2 "$T/out")"
printf -- '-\n' | as-extract -i -H -T - >"$T/out" 2>"$T/err" || fail "-T - listing -"
[ "$(cut -f 1,2 "$T/out")" = "./-	wav" ] || fail "-T - entry -: $(cat "$T/out")"
rm ./-
cd - >/dev/null

# A missing -T list is a runtime failure that names the list.
run as-extract -i -T "$T/no-such-list"
expect_status 1
expect_err "as-extract: $T/no-such-list: No such file or directory"

# Every option of --help is documented in the man page.
as_check_man_options as-extract
