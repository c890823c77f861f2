#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: bench/kind.sh [CORPUSDIR]
#
# The kind model's cross-source figures on the labelled drum corpus
# (default bench/corpus/out): for each hold-out unit (the source, with
# MuseScore_General and FluidR3_GM one unit), trained without it and
# tested on it: accuracy, macro-F1, the confusion matrix, the expected
# calibration error (10 equal bins of the top probability) and the
# reliability table, beside the k-nearest-neighbour vote (k 5) of the
# same standardised columns trained on the same rows; then the cost of
# inference per file next to extraction's (as-extract -j 1). What is
# measured is what bench/corpus/train.sh ships: its header says how.
set -eu
exec "$(dirname "$0")/corpus/train.sh" measure "$@"
