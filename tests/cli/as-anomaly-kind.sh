#!/bin/sh
# SPDX-License-Identifier: MIT
# --mislabeled without usable labels (all in one folder): the kinds
# (kind tags, or the built-in model) stand in for them, so a file whose
# kind its nearest neighbours do not share is found, with its kind as
# the label.
. "$AS_SRC/tests/cli/lib.sh"

cd "$T"
tab=$(printf '\t')
{
    printf 'path\tlabel\tf1\tkind_p_kick\tkind_p_snare\n'
    printf 'k1.wav\tpack\t0\t0.9\t0.1\n'
    printf 'k2.wav\tpack\t0.1\t0.8\t0.2\n'
    printf 'k3.wav\tpack\t0.2\t0.7\t0.3\n'
    printf 'k4.wav\tpack\t0.3\t0.4\t0.6\n'
    printf 's1.wav\tpack\t10\t0.1\t0.9\n'
    printf 's2.wav\tpack\t10.1\t0.2\t0.8\n'
    printf 's3.wav\tpack\t10.2\t0.3\t0.7\n'
    printf 's4.wav\tpack\t10.3\t0.1\t0.9\n'
} >tags.tsv
as-index -o tags.asx tags.tsv
run as-anomaly -M -k 3 tags.asx
expect_status 0
expect_no_err
expect_out "path${tab}label${tab}looks_like${tab}count${tab}k" \
    "k4.wav${tab}snare${tab}kick${tab}3${tab}3"

# two labels are usable: the labels are voted on, not the kinds
sed '2,5s/pack/kicks/' tags.tsv >two.tsv
as-index -o two.asx two.tsv
run as-anomaly -M -k 3 two.asx
expect_status 0
expect_out "path${tab}label${tab}looks_like${tab}count${tab}k"

# no labels at all, and the built-in model on the default columns:
# every row is a row of the model's vocabulary
cp "$FIX/kick_44k1.flac" "$FIX/real_bd_808_44k1.wav" "$FIX/hihat_48k.wav" \
    "$FIX/sine440_44k1.wav" "$FIX/noise_white_44k1.wav" .
as-extract kick_44k1.flac real_bd_808_44k1.wav hihat_48k.wav \
    sine440_44k1.wav noise_white_44k1.wav | as-index -l none -o plain.asx
run as-anomaly -M -H -m 0 -k 2 plain.asx
expect_status 0
vocab=" clap cowbell crash cymbal_other fx hihat_closed hihat_open hihat_pedal kick loop other_perc perc_shaken ride rimshot snare tom tonal "
awk -F '\t' -v v="$vocab" 'index(v, " " $2 " ") == 0 || index(v, " " $3 " ") == 0 ||
    $2 == $3 { exit 1 }' "$T/out" || fail "kinds: $(cat "$T/out")"

# The kind tags (as-extract -K) are no feature of the sound (as-stats
# counts them in no group): no ranking sees them, the forest's neither,
# nor the group an entry is unusual in ("other" was one). The same
# features with other tags rank the same.
as-extract -K kick_44k1.flac real_bd_808_44k1.wav hihat_48k.wav \
    sine440_44k1.wav noise_white_44k1.wav >k.tsv
awk -F '\t' -v OFS='\t' '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^kind_p_/) k[++n] = i }
    NR > 1 { t = $k[1]; for (j = 1; j < n; j++) $k[j] = $k[j + 1]; $k[n] = t }
    { print }' k.tsv >rotated.tsv
as-index -q -l none -o k.asx k.tsv
as-index -q -l none -o rotated.asx rotated.tsv
for a in "knn -k 2" "lof -k 2" iforest; do
    # shellcheck disable=SC2086
    as-anomaly -H -a $a k.asx | sort >"${a%% *}.tags"
    # shellcheck disable=SC2086
    as-anomaly -H -a $a rotated.asx | sort >"${a%% *}.rotated"
    a=${a%% *}
    [ -s "$a.tags" ] || fail "-a $a: no ranking"
    cmp -s "$a.tags" "$a.rotated" || fail "-a $a sees the kind tags"
    if cut -f 5 "$a.tags" | grep -qx other; then
        fail "-a $a: group other: $(cat "$a.tags")"
    fi
done
