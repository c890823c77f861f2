#!/bin/sh
# SPDX-License-Identifier: MIT
# Every example of as-stats(1) runs and succeeds: each .Dl line and each
# .Bd -literal block of its EXAMPLES section, with the man page's escapes
# undone, in a folder laid out as the page says.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder -7
as-extract -r samples | as-index -o lib.asx

as_run_man_examples as-stats.1 8
