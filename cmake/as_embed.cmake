# SPDX-License-Identifier: MIT
# as_embed(target symbol file): builds the bytes of file into target as
# `const char symbol[]` (NUL-terminated), generated at build time by
# cmake/embed_file.cmake, so that a change to the file rebuilds target.
set(AS_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake)

function(as_embed target symbol file)
    set(out ${CMAKE_CURRENT_BINARY_DIR}/embed/${symbol}.c)
    add_custom_command(OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -E make_directory
            ${CMAKE_CURRENT_BINARY_DIR}/embed
        COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DNAME=${symbol}
            -P ${AS_EMBED_SCRIPT}
        DEPENDS ${file} ${AS_EMBED_SCRIPT}
        COMMENT "Embedding ${file}"
        VERBATIM)
    target_sources(${target} PRIVATE ${out})
endfunction()
