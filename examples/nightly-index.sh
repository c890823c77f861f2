#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: examples/nightly-index.sh [-w seconds] dir index
#
# Keeps INDEX current with the audio files under DIR; made to run from
# cron (see examples/crontab). The first run extracts every file and
# builds INDEX; later runs extract only the files that are new or changed
# since (as-extract -U), reuse the features of files that moved, and
# update INDEX in place, dropping the entries of deleted files
# (as-index -u -p). A summary of what as-index did goes to standard
# error (the first run counts every file as added):
#
#   nightly-index.sh: lib.asx: added 3, changed 1, unchanged 0, removed 1, failed 0
#
# and on a night a file could not be read, ", kept N" after it: the
# entries of files gone that were not pruned that night (as-index -m).
#
#   -w seconds  wait that long for another writer of INDEX (another run of
#               this script, say) instead of failing; default 3600
#
# The tools are taken from $AS_BIN when it is set, otherwise from PATH.
# After the quick start they are in build/tools of the source tree:
#
#   PATH="$HOME/audiosearch/build/tools:$PATH" examples/nightly-index.sh \
#       "$HOME/samples" "$HOME/samples.asx"
#
# Paths go into INDEX as they are found under DIR, and deleted files are
# looked up the same way, so give DIR the same way every night: absolute,
# from cron. as-index refuses a prune that would lose more than half of
# INDEX (DIR on a file system that is not mounted looks like that; a
# folder renamed or moved whole is no loss), or the files of a folder
# that is there but empty or holds other disks' mount points (a disk not
# mounted under DIR), and then writes nothing; after a real mass
# deletion, prune once by hand, with the same DIR:
#
#   as-extract -r -U INDEX DIR | as-index -u INDEX -p -F
#
# The stream of new rows is kept in a temporary file in $TMPDIR (or
# /tmp), removed at the end.
#
# Two runs at once are safe: as-index locks INDEX and the second waits
# for the first; at worst both extract the same files. INDEX is only
# ever replaced whole (as-index writes a temporary file and renames it),
# so a run that fails or is killed leaves it as it was.
#
# Exit status: 0 when everything was extracted and indexed; 1 when
# something failed: a file could not be read (the others are still
# indexed, but no entry of a deleted file is dropped that night, since a
# file that cannot be read is not a deleted file; those of files moved
# are), INDEX is locked, damaged or could not
# be written, as-index refused to prune most of it, or a tool is missing;
# 2 on a usage error.
set -eu

prog=nightly-index.sh
usage() {
    echo "usage: $prog [-w seconds] dir index" >&2
    exit 2
}

wait_s=3600
while getopts hw: opt; do
    case $opt in
    h)
        echo "usage: $prog [-w seconds] dir index"
        exit 0
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
stream=$(mktemp "${TMPDIR:-/tmp}/nightly-index.XXXXXX")
trap 'rm -f "$stream"' EXIT
trap 'exit 1' HUP INT TERM

# Extract. A file that cannot be read makes as-extract exit 1 after
# writing the rows of the others: index those, and prune only the
# entries of files that moved (-m: their audio came back under another
# path tonight), since a failure to read is not a deletion; the night
# after, -p would no longer see them as moved.
status=0
if [ -e "$index" ]; then
    "$extract" -r -U "$index" "$dir" >"$stream" || status=$?
else
    "$extract" -r "$dir" >"$stream" || status=$?
fi
if [ "$status" -gt 1 ]; then
    echo "$prog: as-extract failed (status $status); $index left as it is" >&2
    exit 1
fi
# Nothing at all, not even a header: every file that needed extracting
# failed, or -U's index could not be read (said above).
if [ ! -s "$stream" ]; then
    echo "$prog: $index: as-extract wrote nothing (see above); left as it is" >&2
    exit 1
fi

# Index, with a summary line. Whether INDEX exists is asked again: another
# run may have built it in the meantime, and updating keeps what it wrote.
if [ -e "$index" ]; then
    if [ "$status" -eq 0 ]; then
        json=$("$indexer" -J -w "$wait_s" -u "$index" -p "$stream") || status=1
    else
        json=$("$indexer" -J -w "$wait_s" -u "$index" -m "$stream") || status=1
    fi
else
    json=$("$indexer" -J -w "$wait_s" -o "$index" "$stream") || status=1
fi
# The JSON summary, {"index":"lib.asx","added":3,"changed":1,...}, in
# words, read from "added" on, where the index's name cannot get in the way.
counts=$(printf '%s\n' "$json" |
    sed -n '/,"added":/{s/.*,"added"/"added"/;s/[{}"]//g;s/:/ /g;s/,/, /gp;}')
if [ -n "$counts" ]; then
    printf '%s: %s: %s\n' "$prog" "$index" "$counts" >&2
fi
[ "$status" -eq 0 ] || exit 1
