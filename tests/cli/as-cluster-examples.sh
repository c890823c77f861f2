#!/bin/sh
# SPDX-License-Identifier: MIT
# Every example of as-cluster(1) runs and succeeds: each .Dl line and each
# .Bd -literal block of its EXAMPLES section, with the man page's escapes
# undone, in a folder laid out as the page says. An example must print
# nothing on stderr: those whose tool prints notes there use -q.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
as_sample_folder
as-extract -r samples | as-index -o lib.asx

as_run_man_examples as-cluster.1 5
