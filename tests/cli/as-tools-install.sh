#!/bin/sh
# SPDX-License-Identifier: MIT
# A plain cmake --install (every component installed by default) into a
# private prefix: each tool with its page, the overview pages, and the
# documents: the README, the licence, and every examples/ file a page
# names, the scripts executable, where the pages say they are.
. "$AS_SRC/tests/cli/lib.sh"

build=$(dirname "$AS_BIN")
[ -f "$build/CMakeCache.txt" ] || fail "no build tree above $AS_BIN"
run cmake --install "$build" --prefix "$T/p"
expect_status 0
p=$T/p
for page in "$AS_SRC"/man/as-*.1; do
    t=$(basename "$page" .1)
    # as-serve is built only with libmicrohttpd
    [ -x "$AS_BIN/$t" ] || continue
    [ -x "$p/bin/$t" ] || fail "$t not installed in bin"
    [ -f "$p/share/man/man1/$t.1" ] || fail "$t.1 not installed"
done
for page in as-tools.7 as-kind.7 as-format.5; do
    sect=${page##*.}
    [ -f "$p/share/man/man$sect/$page" ] || fail "$page not installed"
done
doc=$p/share/doc/audiosearch
cmp -s "$doc/LICENSE" "$AS_SRC/LICENSE" || fail "LICENSE not installed in $doc"
cmp -s "$doc/README.md" "$AS_SRC/README.md" || fail "README.md not installed"
# every examples/ file a page or the README names, as it is in the tree
names=$(cat "$AS_SRC"/man/*.[1357] "$AS_SRC/README.md" |
    grep -o 'examples/[A-Za-z0-9_.-]\{1,\}' | sort -u |
    grep -v -e '^examples/quickstart\.sh$' -e '^examples/deps\.sh$')
[ -n "$names" ] || fail "no examples/ file named in the pages"
for f in $names; do
    cmp -s "$doc/$f" "$AS_SRC/$f" || fail "$f not installed in $doc"
    case $f in
    *.sh) [ -x "$doc/$f" ] || fail "$doc/$f is not executable" ;;
    esac
done
# the pages that name an example say where it is installed
for page in as-index.1 as-serve.1 libaudiosearch.3 as-tools.7; do
    grep -q 'share/doc/audiosearch' "$AS_SRC/man/$page" ||
        fail "$page does not say where the examples are installed"
done
