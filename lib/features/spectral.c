/* SPDX-License-Identifier: MIT */
/*
 * Spectral shape per frame, from the magnitude spectrum, as librosa
 * 0.10.1's feature.spectral_centroid, _rolloff, _bandwidth, _contrast and
 * _flatness compute it.
 */
#include <float.h>
#include <math.h>

#include "../dsp/dsp.h"
#include "internal.h"

void
as__spectral_frame(const float *mag, size_t n_bins, const double *freq,
                   float *centroid, float *rolloff, float *bandwidth)
{
    /* Sums in eight lanes (so they vectorise), then combined; librosa's
     * own sums are float32 pairwise and float64 sums, and the difference
     * is at the 1e-7 level. */
    double s0[8] = {0}, s1[8] = {0};
    size_t k = 0;
    for (; k + 8 <= n_bins; k += 8)
        for (size_t l = 0; l < 8; l++) {
            s0[l] += (double)mag[k + l];
            s1[l] += freq[k + l] * (double)mag[k + l];
        }
    double sum = 0.0, fsum = 0.0;
    for (size_t l = 0; l < 8; l++) {
        sum += s0[l];
        fsum += s1[l];
    }
    for (; k < n_bins; k++) {
        sum += (double)mag[k];
        fsum += freq[k] * (double)mag[k];
    }
    /* util.normalize(S, norm=1): divide by the sum unless it is below
     * FLT_MIN, in which case the frame is left as it is */
    double scale = (float)sum >= FLT_MIN ? 1.0 / sum : 1.0;
    double c = fsum * scale;
    *centroid = (float)c;

    double b[8] = {0};
    for (k = 0; k + 8 <= n_bins; k += 8)
        for (size_t l = 0; l < 8; l++) {
            double d = freq[k + l] - c;
            b[l] += (double)mag[k + l] * d * d;
        }
    double bw = 0.0;
    for (size_t l = 0; l < 8; l++)
        bw += b[l];
    for (; k < n_bins; k++) {
        double d = freq[k] - c;
        bw += (double)mag[k] * d * d;
    }
    *bandwidth = (float)sqrt(bw * scale);

    /* rolloff: the lowest bin whose running sum reaches 0.85 of the total,
     * both as numpy's float32 np.cumsum has them: one sequential float32
     * pass (a single bin's difference moves a short file's mean past the
     * tolerance, so this must be exact), then a binary search, the sums
     * being nondecreasing. */
    float cum[AS_N_BINS];
    float run = 0.0f;
    size_t nb = n_bins < AS_N_BINS ? n_bins : AS_N_BINS;
    for (k = 0; k < nb; k++) {
        run += mag[k];
        cum[k] = run;
    }
    float thr = 0.85f * run;
    size_t lo = 0, hi = nb; /* first k with cum[k] >= thr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] >= thr)
            hi = mid;
        else
            lo = mid + 1;
    }
    k = lo;
    *rolloff = (float)freq[k < n_bins ? k : n_bins - 1];
}

void
as__contrast_bands_init(struct as__contrast_bands *b, double rate_hz,
                        size_t n_fft)
{
    /* octa = [0, 200, 400, ..., 200 * 2^6]; band k holds the bins with
     * octa[k] <= f <= octa[k+1], plus one bin below (k > 0) and, for the
     * last band, everything above. Bands but the last drop their top bin.
     * The number averaged is rint(0.02 * band size before the drop), at
     * least 1. */
    size_t n_bins = n_fft / 2 + 1;
    double octa[AS_N_CONTRAST + 1];
    octa[0] = 0.0;
    for (int i = 1; i <= AS_N_CONTRAST; i++)
        octa[i] = 200.0 * pow(2.0, (double)(i - 1));
    for (int band = 0; band < AS_N_CONTRAST; band++) {
        size_t lo = n_bins, hi = 0;
        for (size_t k = 0; k < n_bins; k++) {
            double f = as__fft_freq(k, n_fft, rate_hz);
            if (f >= octa[band] && f <= octa[band + 1]) {
                if (lo == n_bins)
                    lo = k;
                hi = k + 1;
            }
        }
        if (band > 0 && lo > 0)
            lo--;
        if (band == AS_N_CONTRAST - 1)
            hi = n_bins;
        double q = rint(0.02 * (double)(hi - lo));
        b->nq[band] = q < 1.0 ? 1 : (size_t)q;
        if (band < AS_N_CONTRAST - 1)
            hi--;
        b->lo[band] = lo;
        b->hi[band] = hi;
    }
}

void
as__contrast_frame(const struct as__contrast_bands *b, const float *mag,
                   float *peak, float *valley)
{
    /* The mean of the nq smallest and of the nq largest values of each
     * band (np.sort, then the ends), by keeping two small sorted lists. */
    for (int band = 0; band < AS_N_CONTRAST; band++) {
        float lo[32], hi[32];
        size_t nq = b->nq[band] < 32 ? b->nq[band] : 32, n = 0;
        for (size_t k = b->lo[band]; k < b->hi[band]; k++) {
            float v = mag[k];
            size_t m = n < nq ? n : nq;
            /* insert into lo (ascending, the nq smallest) */
            if (m < nq || v < lo[m - 1]) {
                size_t i = m < nq ? m : m - 1;
                while (i > 0 && lo[i - 1] > v) {
                    lo[i] = lo[i - 1];
                    i--;
                }
                lo[i] = v;
            }
            /* insert into hi (descending, the nq largest) */
            if (m < nq || v > hi[m - 1]) {
                size_t i = m < nq ? m : m - 1;
                while (i > 0 && hi[i - 1] < v) {
                    hi[i] = hi[i - 1];
                    i--;
                }
                hi[i] = v;
            }
            n++;
        }
        size_t m = n < nq ? n : nq;
        double sl = 0.0, sh = 0.0;
        for (size_t i = 0; i < m; i++) {
            sl += (double)lo[i];
            sh += (double)hi[i];
        }
        valley[band] = m ? (float)(sl / (double)m) : 0.0f;
        peak[band] = m ? (float)(sh / (double)m) : 0.0f;
    }
}

float
as__flatness_frame(const float *power, size_t n_bins)
{
    /* spectral_flatness(power=2, amin 1e-10): gmean / amean of
     * max(1e-10, |X|^2). The sum of logs is taken as the log of a
     * product kept in range by frexp every 16 factors (values are at
     * least 1e-10, so 16 of them stay above 1e-160): one log per frame
     * instead of one per bin, equal to ~1e-13. */
    double prod = 1.0, s = 0.0;
    long expo = 0;
    for (size_t k = 0; k < n_bins; k++) {
        double v = power[k] > 1e-10f ? (double)power[k] : 1e-10;
        prod *= v;
        s += v;
        if ((k & 15) == 15) {
            int e;
            prod = frexp(prod, &e);
            expo += e;
        }
    }
    double mean_log =
        (log(prod) + (double)expo * 0.69314718055994530942) / (double)n_bins;
    double gmean = exp(mean_log), amean = s / (double)n_bins;
    return (float)(gmean / amean);
}

/* Spectral crest of the power spectrum (the peak-to-mean ratio of
 * Peeters' CUIDADO descriptors, here over the whole band), in dB. DC is
 * left out of the peak so that an offset does not read as a tone. */
float
as__crest_frame(const float *power, size_t n_bins)
{
    if (n_bins < 2)
        return 0.0f;
    float best = power[1];
    double sum = (double)power[0];
    for (size_t k = 1; k < n_bins; k++) {
        sum += (double)power[k];
        if (power[k] > best)
            best = power[k];
    }
    double mean = sum / (double)n_bins;
    if (!((double)best > 1e-20) || !(mean > 1e-20))
        return 0.0f;
    return (float)(10.0 * log10((double)best / mean));
}

void
as__bands_init(size_t *first_bin, double rate_hz, size_t n_fft)
{
    static const double hi_hz[AS_N_BANDS] = AS_BAND_HI_HZ;
    size_t n_bins = n_fft / 2 + 1, k = 0;
    first_bin[0] = 0;
    for (size_t b = 0; b < AS_N_BANDS; b++) {
        while (k < n_bins && (double)k * rate_hz / (double)n_fft < hi_hz[b])
            k++;
        first_bin[b + 1] = k;
    }
    first_bin[AS_N_BANDS] = n_bins;
}

void
as__bands_frame(const size_t *first_bin, const float *power, float *band)
{
    for (size_t b = 0; b < AS_N_BANDS; b++) {
        double s = 0.0;
        for (size_t k = first_bin[b]; k < first_bin[b + 1]; k++)
            s += (double)power[k];
        band[b] = (float)s;
    }
}
