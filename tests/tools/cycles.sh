#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: cycles.sh LIBRARY MEMBER ...
#
# Fails when some of the named members of the static LIBRARY (object
# files such as decode.c.o) depend on each other in a cycle: member A
# depends on member B when A uses a symbol B defines. Prints each pair
# of members that reach each other.
set -eu
lib=$1
shift
nm -A "$lib" 2>/dev/null | awk -v want="$*" '
    BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) keep[w[i]] = 1 }
    {
        # "LIB:MEMBER:[VALUE] TYPE NAME"
        split($1, f, ":")
        m = f[2]
        if ($(NF - 1) ~ /^[TDRB]$/) def[$NF] = m
        else if ($(NF - 1) == "U") use[m, ++nu[m]] = $NF
        mem[m] = 1
    }
    END {
        for (a in mem)
            for (i = 1; i <= nu[a]; i++) {
                b = def[use[a, i]]
                if (b != "" && b != a && (a in keep) && (b in keep))
                    r[a, b] = 1
            }
        for (k in keep) for (a in keep) if ((a, k) in r)
            for (b in keep) if ((k, b) in r) r[a, b] = 1
        bad = 0
        for (a in keep) for (b in keep)
            if (a < b && (a, b) in r && (b, a) in r) {
                print "cycle: " a " <-> " b
                bad = 1
            }
        for (k in keep) if (!(k in mem)) { print "no member " k; bad = 1 }
        exit bad
    }'
