# SPDX-License-Identifier: MIT
# cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed_file.cmake
#
# Writes OUT, a C file defining `const char NAME[]`: the bytes of IN and
# a terminating NUL. A first line holding the SPDX licence tag is left
# out: it belongs to the source file, not to what the program writes.
if(NOT DEFINED IN OR NOT DEFINED OUT OR NOT DEFINED NAME)
    message(FATAL_ERROR "usage: cmake -DIN=... -DOUT=... -DNAME=... -P embed_file.cmake")
endif()
file(READ "${IN}" text)
if(text MATCHES "^[^\n]*SPDX-License-Identifier[^\n]*\n")
    string(LENGTH "${CMAKE_MATCH_0}" skip)
else()
    set(skip 0)
endif()
file(READ "${IN}" hex OFFSET ${skip} HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
if(bytes MATCHES "0x00,")
    # text only: a NUL byte would end the string early
    message(FATAL_ERROR "${IN}: holds a NUL byte")
endif()
# sixteen bytes a line (CMake's regular expressions have no {16})
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line)
string(REGEX REPLACE "(${line})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUT}.tmp"
    "/* Generated from ${IN} by cmake/embed_file.cmake: do not edit. */\n"
    "const char ${NAME}[] = {\n    ${bytes}0x00\n};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
