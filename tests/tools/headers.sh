#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: headers.sh CC CXX INCLUDE GENERATED_INCLUDE
#
# Each public header compiles on its own (every header it needs comes
# with it), twice in a row (its include guard), with the project's
# warnings as errors: as C11, and as C++11 (with CXX, when it is not
# empty), which needs the extern "C" blocks to link. Prints what fails; exits 1 then.
set -eu
cc=$1
cxx=$2
inc=$3
gen=$4
T=$(mktemp -d "${TMPDIR:-/tmp}/as-headers.XXXXXX")
trap 'rm -rf "$T"' EXIT
bad=0
n=0
for h in "$inc"/as/*.h "$gen"/as/version.h; do
    name=as/$(basename "$h")
    printf '#include "%s"\n#include "%s"\ntypedef int as_unit_not_empty;\n' \
        "$name" "$name" >"$T/t.c"
    if ! "$cc" -std=c11 -pedantic -Wall -Wextra -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wcast-qual -Wvla -Werror -fsyntax-only \
        -I "$inc" -I "$gen" "$T/t.c" 2>"$T/err"; then
        sed 's/^/  /' "$T/err"
        echo "FAIL: $name does not compile on its own as C"
        bad=1
    fi
    if [ -n "$cxx" ]; then
        cp "$T/t.c" "$T/t.cpp"
        # (no -Wshadow: as_index_entry() beside struct as_index_entry is
        # plain C, and C++ callers name the struct with "struct")
        # A pointer to every function the header declares (a name after
        # a type at the start of a line), so that the object refers to
        # each: with C linkage its symbol is the plain name, without it a
        # mangled _Z one.
        sed -n 's/^[a-z][a-z0-9_ *]*[ *]\(as_[a-z0-9_]*\)(.*/\1/p' "$h" |
            sort -u >"$T/funcs"
        {
            cat "$T/t.c"
            echo 'typedef void (*as_fn)(void);'
            echo 'extern const as_fn as_fns[];'
            echo 'const as_fn as_fns[] = {'
            sed 's/.*/    (as_fn)\&&,/' "$T/funcs"
            echo '    0};'
        } >"$T/t.cpp"
        if ! "$cxx" -std=c++11 -pedantic -Wall -Wextra -Werror -c \
            -o "$T/t.o" -I "$inc" -I "$gen" "$T/t.cpp" 2>"$T/err"; then
            sed 's/^/  /' "$T/err"
            echo "FAIL: $name does not compile on its own as C++"
            bad=1
        elif nm -u "$T/t.o" | grep -q ' _Z.*as_'; then
            nm -uC "$T/t.o" | grep 'as_' | sed 's/^/  /'
            echo "FAIL: $name: functions without C linkage in C++ (extern \"C\")"
            bad=1
        fi
    fi
    n=$((n + 1))
done
[ "$n" -gt 10 ] || { echo "FAIL: only $n headers found in $inc/as"; exit 1; }
exit "$bad"
