#!/bin/sh
# SPDX-License-Identifier: MIT
# Every example of as-search(1) runs and succeeds: each .Dl line and each
# .Bd -literal block of its EXAMPLES section, with the man page's escapes
# undone, in a folder laid out as the page says.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples | as-index -o lib.asx
as-extract -r samples/kicks samples/hats | as-index -o drums.asx
as-extract -r samples/tones samples/loops | as-index -o music.asx

# the sample folder holds no snare: the note says so
as_run_man_examples as-search.1 8 \
    '^as-search: kinds\.asx: no entry passes the filters$'
