#!/bin/sh
# SPDX-License-Identifier: MIT
# --help, --version, usage errors, and the man page's options.
. "$AS_SRC/tests/cli/lib.sh"

usage1='usage: as-index [-FHJpq] [-f tsv | bin] [-l dir | column | none] [-w seconds] [-c index | -d index | -o index | -u index] [stream ...]'
usage2='       as-index -L index [-q] [-b blend] [-s shrinkage] [-w seconds]'
usage3='       as-index merge [-Jq] [-w seconds] -o index index ...
       as-index -A index [-q] [-E ef] [-M links]'
hint="Try 'as-index --help'."

run as-index --help
expect_status 0
[ "$(head -n 1 "$T/out")" = "$usage1" ] || fail "--help starts with the usage"
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
expect_err "as-index: -f: 'xml' is not tsv or bin" "$usage1" "$usage2" "$usage3" "$hint"

run as-index
expect_status 2
expect_err "as-index: one of -A, -c, -d, -L, -o and -u is needed" "$usage1" "$usage2" "$usage3" "$hint"
run as-index -o a.asx -u b.asx
expect_status 2
run as-index -p -o a.asx
expect_status 2
expect_err "as-index: -p goes with -u" "$usage1" "$usage2" "$usage3" "$hint"
run as-index -c a.asx stream.tsv
expect_status 2
run as-index merge a.asx b.asx
expect_status 2
expect_err "as-index: merge needs -o index and one or more indexes" "$usage1" "$usage2" "$usage3" "$hint"
run as-index -l folder -o a.asx
expect_status 2
expect_err "as-index: -l: 'folder' is not dir, column or none" "$usage1" "$usage2" "$usage3" "$hint"
run as-index -w soon -o a.asx
expect_status 2
expect_err "as-index: -w: 'soon' is not a number" "$usage1" "$usage2" "$usage3" "$hint"
run as-index -w -1 -o a.asx
expect_status 2
run as-index -o a.asx - -
expect_status 2

as_check_man_options as-index
