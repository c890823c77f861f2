#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: manlint.sh MANDOC MANDIR -- every page must pass mandoc -Tlint
# without a warning (style notes about the operating system name aside),
# and no line of it may run past 80 columns on an 80-column terminal
# (a long example line is shown wrapped, and the page says so), and no
# quoted system message may lose its first word "No" to mdoc.
set -eu
mandoc=$1
dir=$2
bs=$(printf '\b')
status=0
for page in "$dir"/*.[1-9]; do
    out=$("$mandoc" -Tlint -W warning "$page" 2>&1) || true
    if [ -n "$out" ]; then
        printf '%s\n' "$out"
        status=1
    fi
    # -Tascii: one byte a column, bold and underline as "c BS c" and
    # "_ BS c" (taken out here, not by col(1), which a minimal system
    # lacks: a check that ran nothing would pass)
    wide=$("$mandoc" -Tascii -Owidth=80 "$page" | sed "s/.$bs//g" | awk -v p="$page" \
        'length($0) > 80 { printf "%s: line %d: %d columns\n", p, NR, length($0) }')
    if [ -n "$wide" ]; then
        printf '%s\n' "$wide"
        status=1
    fi
    # a quoted system message whose first word mdoc took for its macro
    # No (write \&No): "No such file or directory" shown without "No"
    eaten=$("$mandoc" -Tascii -Owidth=80 "$page" | sed "s/.$bs//g" |
        grep -n 'such file or directory' | grep -v 'No such file' || true)
    if [ -n "$eaten" ]; then
        printf '%s: "No" taken for a macro: %s\n' "$page" "$eaten"
        status=1
    fi
done
exit $status
