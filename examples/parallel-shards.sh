#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: examples/parallel-shards.sh [-n shards] [-S sshlogins] [-w seconds]
#        dir index
#
# Builds INDEX from the audio files under DIR with the extraction spread
# over several machines by GNU parallel (Debian package `parallel`): the
# list of files is dealt round-robin into SHARDS lists, each shard is
# extracted and indexed on whichever host is free, and the shard indexes
# are merged with `as-index merge`. INDEX holds the entries that
#   as-extract -r DIR | as-index -o INDEX
# would give (in another order), as long as the audio files under DIR
# have names ending in an audio extension (.wav .flac .mp3 .aiff .ogg
# ...): the list is made by name, since a file named in a list that is
# not audio is an error, not a file to skip.
#
#   -n shards      how many lists to deal the files into (default 4); more
#                  shards than hosts let a fast host take more of them
#   -S sshlogins   where to run, as parallel -S takes it (default ':', this
#                  machine): -S host1,host2,: uses two other hosts and this
#                  one. Each host extracts one shard at a time, on every
#                  core it has.
#   -w seconds     wait that long for another writer of INDEX (default 3600)
#
# Without parallel the shards are extracted one after another here, with
# a note on standard error. The tools are taken from $AS_BIN when it is
# set, otherwise from PATH (after the quick start: build/tools).
#
# Several hosts need the samples under the same paths, and the tools on
# their PATH (leave AS_BIN unset, or install the tools at the same path
# everywhere). With a shared folder (NFS ...) mounted at the same place on
# every host and holding the samples and INDEX (the shards are written in
# a temporary folder next to INDEX), nothing else is needed:
#
#   examples/parallel-shards.sh -n 32 -S host1,host2,: /nfs/samples /nfs/lib.asx
#
# Use absolute paths: paths go into the index as they are listed, and
# the jobs run in the directory the script was started from (--workdir .,
# which parallel takes relative to the home directory when it lies under
# it). When the samples are shared but the folder of INDEX is not, let
# parallel copy each list to its host and the shard index back, by adding
#   --transferfile {} --return {.}.asx --cleanup
# to the parallel command below (the shard streams stay on the hosts).
#
# Exit status: 0 when everything was extracted and INDEX written; 1 when
# a file could not be read (INDEX is written without it), a shard could
# not be made at all (INDEX is left as it was) or INDEX could not be
# written; 2 on a usage error.
set -eu

prog=parallel-shards.sh
usage() {
    echo "usage: $prog [-n shards] [-S sshlogins] [-w seconds] dir index" >&2
    exit 2
}

shards=4
hosts=:
wait_s=3600
while getopts hn:S:w: opt; do
    case $opt in
    h)
        echo "usage: $prog [-n shards] [-S sshlogins] [-w seconds] dir index"
        exit 0
        ;;
    n)
        case $OPTARG in
        '' | *[!0-9]*) shards=0 ;;
        *) shards=$OPTARG ;;
        esac
        if [ "${#shards}" -gt 3 ] || [ "$shards" -lt 1 ] ||
            [ "$shards" -gt 256 ]; then
            echo "$prog: -n: not a number of shards from 1 to 256: $OPTARG" >&2
            usage
        fi
        ;;
    S)
        [ -n "$OPTARG" ] || usage
        hosts=$OPTARG
        ;;
    w)
        case $OPTARG in
        '' | . | *[!0-9.]* | *.*.*)
            echo "$prog: -w: not a number of seconds: $OPTARG" >&2
            usage
            ;;
        esac
        wait_s=$OPTARG
        ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ "$#" -eq 2 ] || usage
dir=$1
index=$2
if [ -z "$dir" ] || [ -z "$index" ]; then
    usage
fi

if [ -n "${AS_BIN:-}" ]; then
    extract=$AS_BIN/as-extract
    indexer=$AS_BIN/as-index
else
    extract=as-extract
    indexer=as-index
fi
for tool in "$extract" "$indexer"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$prog: $tool: not found (set PATH or AS_BIN)" >&2
        exit 1
    fi
done
if [ ! -d "$dir" ]; then
    echo "$prog: $dir: not a directory" >&2
    exit 1
fi

# The shards go next to INDEX: on a shared folder, every host sees them.
work=$(mktemp -d "$(dirname -- "$index")/.shards.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# The audio files, in byte order, hidden names skipped as as-extract -r
# skips them.
find "$dir" -mindepth 1 -name '.*' -prune -o -type f \( \
    -iname '*.wav' -o -iname '*.wave' -o -iname '*.bwf' -o \
    -iname '*.rf64' -o -iname '*.w64' -o -iname '*.aif' -o \
    -iname '*.aiff' -o -iname '*.aifc' -o -iname '*.caf' -o \
    -iname '*.au' -o -iname '*.snd' -o -iname '*.flac' -o \
    -iname '*.ogg' -o -iname '*.oga' -o -iname '*.opus' -o \
    -iname '*.mp1' -o -iname '*.mp2' -o -iname '*.mp3' \) -print |
    LC_ALL=C sort >"$work/files"
if [ ! -s "$work/files" ]; then
    echo "$prog: $dir: no audio files" >&2
    exit 1
fi

# Deal them round-robin: neighbours (a folder of long loops, say) are
# spread over every shard. shard-000.list, shard-001.list ...
AS_WORK=$work AS_SHARDS=$shards awk '{
    f = sprintf("%s/shard-%03d.list", ENVIRON["AS_WORK"],
        (NR - 1) % ENVIRON["AS_SHARDS"])
    print > f
}' "$work/files"

# One job per shard: its stream (-k: without the files that cannot be
# read, and status 1), then its index.
shquote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
ex=$(shquote "$extract")
ix=$(shquote "$indexer")
status=0
if command -v parallel >/dev/null 2>&1; then
    parallel -S "$hosts" --workdir . -j 1 --halt never \
        "$ex -k -T {} -o {.}.tsv; s=\$?; $ix -o {.}.asx {.}.tsv && exit \$s" \
        ::: "$work"/shard-*.list </dev/null || status=1
else
    echo "$prog: GNU parallel not installed; extracting the shards here, one after another" >&2
    for list in "$work"/shard-*.list; do
        shard=${list%.list}
        "$extract" -k -T "$list" -o "$shard.tsv" || status=1
        "$indexer" -o "$shard.asx" "$shard.tsv" || status=1
    done
fi

# Merge only when every shard has its index: a missing shard (a host that
# failed) would silently drop its files.
for list in "$work"/shard-*.list; do
    if [ ! -f "${list%.list}.asx" ]; then
        echo "$prog: ${list##*/}: no shard index; $index left as it is" >&2
        exit 1
    fi
done
"$indexer" merge -w "$wait_s" -o "$index" "$work"/shard-*.asx || status=1
[ "$status" -eq 0 ] || exit 1
