#!/bin/sh
# SPDX-License-Identifier: MIT
# The bash and zsh completions are installed with the tools, load, and
# complete option names (from each tool's --help) and the words a few
# options take.
. "$AS_SRC/tests/cli/lib.sh"

# The build tree holds the tools' folder (CTest runs the tools from
# there); install its completions into a private prefix (a plain
# cmake --install installs them with everything else).
build=$(dirname "$AS_BIN")
[ -f "$build/CMakeCache.txt" ] || fail "no build tree above $AS_BIN"
cmake --install "$build" --prefix "$T/p" --component completions >/dev/null ||
    fail "cmake --install failed"
bashc=$T/p/share/bash-completion/completions
for t in as-extract as-index as-search as-cluster as-stats as-anomaly as-map; do
    [ -f "$bashc/$t" ] || fail "no bash completion installed for $t"
done
zshc=$T/p/share/zsh/site-functions/_as-tools
[ -f "$zshc" ] || fail "no zsh completion installed"
# Under the prefix /usr (a package's, staged through DESTDIR), zsh's goes
# where Debian's zsh looks for it (its fpath holds vendor-completions
# there, not site-functions), bash's as before.
DESTDIR=$T/d cmake --install "$build" --prefix /usr \
    --component completions >/dev/null || fail "cmake --install /usr failed"
[ -f "$T/d/usr/share/bash-completion/completions/as-search" ] ||
    fail "/usr: no bash completion installed"
[ -f "$T/d/usr/share/zsh/vendor-completions/_as-tools" ] ||
    fail "/usr: no zsh completion in share/zsh/vendor-completions: $(find "$T/d" -name _as-tools)"
# (a note, not a failure: the folder is Debian's choice, and the test
# may run on another system's zsh)
if command -v zsh >/dev/null 2>&1; then
    zsh -fc 'print -l $fpath' | grep -qx /usr/share/zsh/vendor-completions ||
        echo "note: this zsh does not search /usr/share/zsh/vendor-completions" >&2
fi

# bash: the words _as_tools offers for a command line, joined by '|'.
cat >"$T/c.bash" <<'B'
. "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMPREPLY=()
_as_tools
printf '%s|' "${COMPREPLY[@]}"
echo
B
# bcomp WANT WORD...: the words of a command line (the last one being
# completed) complete to WANT.
bcomp() {
    _want=$1
    shift
    got=$(cd "$T" && bash "$T/c.bash" "$bashc/$1" "$@") ||
        fail "bash: $*: the completion failed"
    [ "$got" = "$_want" ] || fail "bash: '$*' completes to '$got', want '$_want'"
}
bcomp "--json|" as-extract --js
bcomp "--duplicates|--dup-difference=|" as-search --dup
bcomp "tsv|bin|" as-extract -f ""
bcomp "iforest|" as-anomaly --method = i
bcomp "pca|" as-map -m p
bcomp "merge|" as-index mer
bcomp "merge|" as-index -J -o x.asx mer
bcomp "merge|" as-index --label = kicks -t 0:1 mer
bcomp "|" as-index a.tsv mer
bcomp "|" as-stats -k ""
mkdir -p "$T/crates"
bcomp "crates|" as-search -C cra
bcomp "--cluster=|" as-map --clu
bcomp "kind|" as-map --color k
# as-index -a (--approx, old spelling -A) takes an index file
touch "$T/lib.asx"
bcomp "lib.asx|" as-index -a li
bcomp "lib.asx|" as-index -A li
bcomp "lib.asx|" as-index --approx = li
# -f is a format only for as-extract and as-index: as-anomaly's -f
# (--fail) takes nothing, and the index follows it
bcomp "tsv|bin|" as-index -d lib.asx -f ""
bcomp "lib.asx|" as-anomaly -C -f li
# every option of --help is offered, those without a short form too,
# for every tool
for t in as-extract as-index as-search as-cluster as-stats as-anomaly as-map \
    as-serve; do
    want=$("$t" --help | sed -n \
        -e 's/^ *\(-[A-Za-z0-9]\), \(--[a-z0-9-]*=\{0,1\}\).*/\1|\2|/p' \
        -e 's/^ *\(--[a-z0-9-]*=\{0,1\}\)[^ ]* .*/\1|/p' | tr -d '\n')
    case $want in
    *"|--"[a-z]*"|"*) ;;
    *) fail "$t: no long options found in --help" ;;
    esac
    bcomp "$want" "$t" -
done
# as-serve's token is a file, its -C a folder
touch "$T/crates.tok"
bcomp "crates.tok|" as-serve -k crates.t
bcomp "crates|" as-serve -C cra
bcomp "crates|" as-serve --directory = cra
# as-search's crate is a folder too (crates.tok was offered)
bcomp "crates|" as-search -C cra
bcomp "crates|" as-search --link-to = cra
# an option without a short form takes its value as the next word
bcomp "|" as-anomaly --duration ""
bcomp "|" as-stats --cluster ""
# a name with a space (or a glob character) is one word, a file's or a
# folder's
mkdir "$T/my samples"
touch "$T/odd *.asx"
bcomp "my samples|" as-search --copy-to my
bcomp "my samples|" as-search my
bcomp "odd *.asx|" as-search od
bcomp "odd *.asx|" as-stats -o od
# a long option shortened, as the tools take it: its words, its file
bcomp "kind|" as-map --col k
bcomp "kind|" as-map --col = k
bcomp "my samples|" as-search --copy my
bcomp "merge|" as-index --lab = kicks mer
# options that are echo(1)'s own flags are options all the same
bcomp "merge|" as-index -E 32 mer
bcomp "|" as-search -n ""
bcomp "|" as-cluster -e ""
# short options in one word: the last one takes the next word ("-qm":
# -m), unless one before it takes the rest of the word ("-mpca")
bcomp "pca|" as-map -qm p
bcomp "|" as-stats -qk ""
bcomp "merge|" as-index -qo x.asx mer
bcomp "lib.asx|" as-map -mpca li
bcomp "lib.asx|" as-map -qmpca li
# an old spelling with no --help line of its own still takes its value
# (as-index -A, for -a), and after "--" every word is an operand
bcomp "|" as-index -A mer
bcomp "|" as-search -S -- -m e
bcomp "--json|" as-search --js
# names are quoted and folders end with '/' only where names are
# offered (-o filenames there alone): "--color=" is not "--color\=", and
# a word such as "kick" is not a folder "kick/"
got=$(bash -c '. "$1"; complete -p as-map' sh "$bashc/as-map")
[ "$got" = "complete -F _as_tools as-map" ] ||
    fail "bash: the completion is registered as: $got"

# zsh: type a line and TAB in an interactive zsh on a pseudo-terminal,
# and read the line back.
if ! command -v zsh >/dev/null 2>&1; then
    echo "note: zsh not installed; zsh completion not checked" >&2
    exit 0
fi
zsh -n "$zshc" || fail "zsh: _as-tools does not parse"
cat >"$T/c.zsh" <<'Z'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1=''; fpath=(${1:h} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'show() { zle -I; print -r -- "<B""UF:$BUFFER:END>"; BUFFER=; }'
zpty -w z 'zle -N show; bindkey "^X" show; print SY""NC'
zpty -r -m z out '*SYNC*'
shift
for line in "$@"; do
    zpty -w -n z "$line"$'\t\x18'
    zpty -r -m z out '*<BUF:*:END>*' || exit 1
    out=${out##*<BUF:}
    print -r -- "${out%%:END>*}|"
done
zpty -d z
Z
cd "$T"
# the timeout only catches a hang: under a loaded machine (ctest -j2
# beside other work) 30 s was seen to run out for eighteen lines
got=$(timeout 300 zsh -f "$T/c.zsh" "$zshc" 'as-extract --js' \
    'as-anomaly --method=if' 'as-map -m t' 'as-search -J --cou' \
    'as-index mer' 'as-stats -' 'as-cluster --sum' 'as-anomaly --dur' \
    'as-map --clu' 'as-search -K kick -K sn' 'as-search -l a --lab' \
    'as-stats -g x --path-g' 'as-map -m tsne --met' 'as-serve -C cra' \
    'as-serve --vers' 'as-extract --zero' 'as-search -A cra' \
    'as-search -w timbre=2 --wei') ||
    fail "zsh: the completion failed or hung"
want='as-extract --json |
as-anomaly --method=iforest |
as-map -m tsne |
as-search -J --count=|
as-index merge |
as-stats -|
as-cluster --summary |
as-anomaly --duration=|
as-map --cluster=|
as-search -K kick -K snare |
as-search -l a --label=|
as-stats -g x --path-glob=|
as-map -m tsne --met|
as-serve -C crates/|
as-serve --version |
as-extract --zero-terminated |
as-search -A crates/|
as-search -w timbre=2 --weight=|'
[ "$got" = "$want" ] || fail "zsh completes to:
$got"

# zsh: an option's description is its whole help, with the colons and
# brackets _arguments would read quoted ("127.0.0.1:8001" lost its colon)
got=$(zsh -f -c 'autoload -U compinit; compinit -u -D
    _call_program() { shift; eval "$@"; }
    source <(sed "\$d" "$1"); _as_tools_specs as-serve' sh "$zshc") ||
    fail "zsh: the specs could not be read"
printf '%s\n' "$got" | grep -qF -- '--listen=[where to listen (default 127.0.0.1\:8001; port 0 picks a free one)]' ||
    fail "zsh: --listen's spec: $(printf '%s\n' "$got" | grep -e --listen)"
