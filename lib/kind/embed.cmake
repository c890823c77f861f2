# SPDX-License-Identifier: MIT
# cmake -DIN=model -DOUT=file.c -P embed.cmake: the bytes of the kind
# model IN as a C array, so that the library needs no file at run time.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR n "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUT}.tmp"
"/* Generated from lib/kind/default.model by lib/kind/embed.cmake: do not edit. */
#include <stddef.h>

#include \"kind/internal.h\"

const char as__kind_default_text[] = {
    ${bytes}
};
const size_t as__kind_default_len = ${n};
")
file(RENAME "${OUT}.tmp" "${OUT}")
