# SPDX-License-Identifier: MIT
# bash completion for the audiosearch tools. The option names come from
# each tool's --help, so they follow the tools; the words a few options
# take are listed here. Installed once per tool name, as bash-completion
# loads completions by command name; sourcing it also works. Needs bash
# 4 (mapfile), as bash-completion 2 does.

# _as_tools_options TOOL [takes]: every -x and --long option of TOOL
# (the "-x, --long" lines of --help, and the "--long" lines of options
# without a short form), one a line, a long option that takes a value
# ending with '='; with "takes", only the options that take a value,
# every form bare.
_as_tools_options() {
    "$1" --help 2>/dev/null | awk -v takes="${2-}" '
        /^ +(-[A-Za-z0-9], )?--[a-z0-9-]+/ {
            sub(/^ +/, "")
            short = ""
            long = $1
            if ($0 ~ /^-[A-Za-z0-9], /) {
                short = substr($0, 1, 2) "\n"
                long = $2
            }
            arg = long ~ /=/
            if (takes != "") {
                sub(/=.*/, "", long)
                if (arg)
                    print short long
                next
            }
            if (arg)
                sub(/=.*/, "=", long)
            print short long
        }'
}

# _as_tools_values TOOL OPTION: the words OPTION of TOOL takes, or
# "@file" for a file name, "@dir" for a folder, or nothing (a number:
# no completion).
_as_tools_values() {
    case "$1:$2" in
    as-extract:--format | as-extract:-f | as-index:--format | as-index:-f)
        echo 'tsv bin' ;;
    as-extract:--features | as-extract:-s) echo 'default librosa45' ;;
    as-index:--label-from | as-index:-l) echo 'dir column none' ;;
    as-search:--metric | as-search:-m) echo 'cosine euclidean' ;;
    as-search:--kind | as-search:-K | as-search:--like | as-search:-i)
        echo 'clap cowbell crash cymbal_other fx hihat_closed hihat_open' \
            'hihat_pedal kick loop other_perc perc_shaken ride rimshot' \
            'snare tom tonal' ;;
    as-anomaly:--method | as-anomaly:-a) echo 'knn lof iforest' ;;
    as-cluster:--method | as-cluster:-m) echo 'kmeans dbscan hdbscan auto' ;;
    as-map:--method | as-map:-m) echo 'tsne umap pca' ;;
    as-map:--color | as-map:-c) echo 'label cluster anomaly kind' ;;
    as-map:--dims | as-map:-d) echo '2 3' ;;
    esac
    case "$1:$2" in
    *:--output | *:-o | *:--files-from | *:-T | *:--skip-unchanged | \
        *:--token | \
        *:-U | *:--check | *:--dump | *:--learn | *:--update | \
        as-extract:--kind-model | as-extract:-M | \
        as-index:-[AacdLu] | as-index:--approx | as-search:--features | as-search:-F | \
        as-search:--path | as-search:-p | as-map:--svg | as-map:-s | \
        as-map:--html | as-map:-w | as-serve:-k)
        echo @file ;;
    as-serve:--directory | as-serve:-C | as-search:--copy-to | \
        as-search:--link-to | as-search:-[AC])
        echo @dir ;;
    esac
}

# _as_tools_long TOOL OPTION: OPTION, or the one long option of TOOL
# that a shortened "--lo" names, as the tools take it (as-tools(7)).
_as_tools_long() {
    local all
    case $2 in
    --?*)
        all=$(_as_tools_options "$1" | sed 's/=$//')
        if ! printf '%s\n' "$all" | grep -qxF -- "$2"; then
            all=$(printf '%s\n' "$all" | awk -v p="$2" 'index($0, p) == 1')
            if [ "$(printf '%s\n' "$all" | grep -c .)" -eq 1 ]; then
                printf '%s\n' "$all"
                return
            fi
        fi
        ;;
    esac
    printf '%s\n' "$2"
}

# _as_tools_takes TOOL WORD: the option whose value is the word after
# WORD, when there is one: a long option (shortened or not) that takes a
# value, or the last letter of a word of short options ("-qK": -K) that
# takes one; nothing when the value is in WORD itself ("-ofile",
# "--output=x") or no option of WORD takes one. An option takes a value
# when --help says so or it has values here (an old spelling such as
# as-index -A has no line of its own in --help).
_as_tools_takes() {
    local takes w=$2 i c
    takes=$(_as_tools_options "$1" takes)
    case $w in
    -- | --*=*) ;;
    --?*)
        w=$(_as_tools_long "$1" "$w")
        printf '%s\n' "$takes" | grep -qxF -- "$w" && printf '%s\n' "$w"
        ;;
    -?*)
        for ((i = 1; i < ${#w}; i++)); do
            c=-${w:i:1}
            if printf '%s\n' "$takes" | grep -qxF -- "$c" ||
                [ -n "$(_as_tools_values "${1##*/}" "$c")" ]; then
                [ $((i + 1)) -eq ${#w} ] && printf '%s\n' "$c"
                break
            fi
        done
        ;;
    esac
    return 0
}

# _as_tools_reply WORDS|@file|@dir CUR: adds to COMPREPLY the words, or
# the file or folder names, that start with CUR; one a word, whatever
# spaces or glob characters a name holds, and names quoted and folders
# ended with '/' on the line (-o filenames) only when they are names.
_as_tools_reply() {
    case $1 in
    @file)
        compopt -o filenames 2>/dev/null
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$2")
        ;;
    @dir)
        compopt -o filenames 2>/dev/null
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$2")
        ;;
    ?*)
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -W "$1" -- "$2")
        ;;
    esac
}

# _as_tools_first_operand: succeeds when no operand comes before the
# word being completed (the words before it are options and their
# values).
_as_tools_first_operand() {
    local i w skip=
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [ -n "$skip" ] || [ "$w" = "=" ]; then
            # an option's value ("-o x"), or the "=" before it
            [ "$w" = "=" ] && skip=1 || skip=
            continue
        fi
        case $w in
        --) return 1 ;;
        -?*)
            [ "${COMP_WORDS[i + 1]}" != "=" ] &&
                [ -n "$(_as_tools_takes "${COMP_WORDS[0]}" "$w")" ] &&
                skip=1
            ;;
        *) return 1 ;;
        esac
    done
    return 0
}

_as_tools() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    local tool=${COMP_WORDS[0]##*/} opt= values
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    # after "--", every word is an operand: a file
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [ "${COMP_WORDS[i]}" = "--" ]; then
            _as_tools_reply @file "$cur"
            return 0
        fi
    done
    # "--format=t" arrives as "--format" "=" "t" (= breaks words)
    if [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
        opt=${COMP_WORDS[COMP_CWORD - 2]}
    elif [ "$cur" = "=" ]; then
        opt=$prev
        cur=
    elif [[ $prev == -?* ]]; then
        # an option given its value as the next word
        opt=$(_as_tools_takes "${COMP_WORDS[0]}" "$prev")
    fi
    if [ -n "$opt" ]; then
        values=$(_as_tools_values "$tool" \
            "$(_as_tools_long "${COMP_WORDS[0]}" "$opt")")
        _as_tools_reply "$values" "$cur"
        return 0
    fi
    if [[ $cur == -* ]]; then
        _as_tools_reply "$(_as_tools_options "${COMP_WORDS[0]}")" "$cur"
        # no space after a long option that takes a value
        if [ "${#COMPREPLY[@]}" -eq 1 ] && [[ ${COMPREPLY[0]} == *= ]]; then
            compopt -o nospace 2>/dev/null
        fi
        return 0
    fi
    if [ "$tool" = as-index ] && _as_tools_first_operand; then
        _as_tools_reply merge "$cur"
    fi
    _as_tools_reply @file "$cur"
    return 0
}

complete -F _as_tools as-extract as-index as-search as-cluster as-stats \
    as-anomaly as-map as-serve
