#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: manlint.sh MANDOC MANDIR -- every page must pass mandoc -Tlint
# without a warning (style notes about the operating system name aside).
set -eu
mandoc=$1
dir=$2
status=0
for page in "$dir"/*.[1-9]; do
    out=$("$mandoc" -Tlint -W warning "$page" 2>&1) || true
    if [ -n "$out" ]; then
        printf '%s\n' "$out"
        status=1
    fi
done
exit $status
