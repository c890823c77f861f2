#!/bin/sh
# SPDX-License-Identifier: MIT
# The installed libaudiosearch.a defines no global symbol of its own but
# as_ ones (STYLE.md): hnswlib, on which the approximate index builds, is
# kept inside it, so that a C++ program with hnswlib of its own links
# beside it and each uses its own.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_dev_install
lib=$(find "$T/prefix" -name libaudiosearch.a)
[ -n "$lib" ] || fail "no libaudiosearch.a installed"
command -v nm >/dev/null 2>&1 || fail "nm not installed"
nm -g --defined-only "$lib" | awk 'NF == 3 { print $2, $3 }' >syms
grep -q ' as_index_open$' syms || fail "nm: no as_index_open in $(wc -l <syms) symbols"
# a strong symbol must be the library's (as_, or C++ inside its as__
# types); weak ones are what the C++ compiler makes of the runtime's
# templates (vector<unsigned> and the like, many more unoptimised), the
# same in every program, but none may come from hnswlib
awk '$2 !~ /^as_/ && $2 !~ /^_ZN[0-9]+as_/ &&
    ($1 !~ /^[WVuvw]$/ || $2 ~ /hnswlib|cpuid|xgetbv|AVX/)' syms >foreign
[ -s foreign ] && fail "symbols outside as_: $(head -n 5 foreign | tr '\n' ' ')"

[ "$AS_WITH_APPROX" = ON ] || exit 0
cat >both.cpp <<'CPP'
// hnswlib of the program's own, beside the library's approximate index
#include <hnswlib/hnswlib.h>
#include <as/as.h>
#include <cstdio>
int
main()
{
    hnswlib::L2Space space(2);
    hnswlib::HierarchicalNSW<float> g(&space, 4);
    float v[4][2] = {{0, 0}, {1, 0}, {0, 1}, {5, 5}};
    for (size_t i = 0; i < 4; i++)
        g.addPoint(v[i], i);
    float q[2] = {4.5f, 5};
    std::printf("%zu %d\n", (size_t)g.searchKnn(q, 1).top().second,
                as_ann_available());
    as_ann_close(nullptr);
    return 0;
}
CPP
run pkg-config --cflags --libs --static audiosearch
expect_status 0
flags=$(cat "$T/out")
san=
[ "$AS_SANITIZE" = ON ] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
run "$AS_CXX" $san -std=c++11 -Wall -o both both.cpp $flags
expect_status 0
run ./both
expect_status 0
expect_out "3 1"
