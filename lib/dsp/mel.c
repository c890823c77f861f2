/* SPDX-License-Identifier: MIT */
/*
 * Mel filter bank, computed as librosa 0.10.1's filters.mel(norm='slaney',
 * htk=False, dtype=float32) computes it, operation for operation in
 * double precision, so the float32 weights come out the same:
 *   Slaney mel scale: linear at 200/3 Hz per mel below 1000 Hz, then
 *   logarithmic with 27 mels per factor of 6.4 (hz_to_mel / mel_to_hz);
 *   n_mels + 2 edges evenly spaced in mel from fmin to fmax (np.linspace);
 *   triangle m rises from edge m to m+1 and falls to m+2, against the bin
 *   frequencies of np.fft.rfftfreq; weights rounded to float32, then
 *   scaled by 2 / (edge[m+2] - edge[m]) (unit area) and rounded again.
 */
#include "dsp.h"

#include <math.h>
#include <stdlib.h>

#include "as/error.h"

double
as__fft_freq(size_t k, size_t n_fft, double rate_hz)
{
    /* np.fft.rfftfreq(n, d=1/sr): arange(N) * (1.0 / (n * d)) */
    return (double)k * (1.0 / ((double)n_fft * (1.0 / rate_hz)));
}

static double
hz_to_mel(double hz)
{
    const double f_sp = 200.0 / 3, min_log_hz = 1000.0;
    const double min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    if (hz >= min_log_hz)
        return min_log_mel + log(hz / min_log_hz) / logstep;
    return hz / f_sp;
}

static double
mel_to_hz(double mel)
{
    const double f_sp = 200.0 / 3, min_log_hz = 1000.0;
    const double min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    if (mel >= min_log_mel)
        return min_log_hz * exp(logstep * (mel - min_log_mel));
    return 0.0 + f_sp * mel;
}

int
as__melbank_init(struct as__melbank *mb, double rate_hz, size_t n_fft,
                 size_t n_mels)
{
    size_t n_bins = n_fft / 2 + 1;
    double *edges = malloc((n_mels + 2) * sizeof *edges);
    float *dense = calloc(n_mels * n_bins, sizeof *dense);
    mb->n_mels = n_mels;
    mb->n_bins = n_bins;
    mb->start = calloc(n_mels, sizeof *mb->start);
    mb->len = calloc(n_mels, sizeof *mb->len);
    mb->off = calloc(n_mels, sizeof *mb->off);
    mb->w = NULL;
    if (edges == NULL || dense == NULL || mb->start == NULL ||
        mb->len == NULL || mb->off == NULL)
        goto nomem;

    /* np.linspace(min_mel, max_mel, n): i * step + start, last = stop */
    double min_mel = hz_to_mel(0.0), max_mel = hz_to_mel(rate_hz / 2.0);
    double step = (max_mel - min_mel) / (double)(n_mels + 1);
    for (size_t i = 0; i < n_mels + 2; i++)
        edges[i] = mel_to_hz((double)i * step + min_mel);
    edges[n_mels + 1] = mel_to_hz(max_mel);

    size_t total = 0;
    for (size_t m = 0; m < n_mels; m++) {
        double lo_d = edges[m + 1] - edges[m],
               hi_d = edges[m + 2] - edges[m + 1];
        double enorm = 2.0 / (edges[m + 2] - edges[m]);
        size_t first = n_bins, last = 0;
        for (size_t k = 0; k < n_bins; k++) {
            double f = as__fft_freq(k, n_fft, rate_hz);
            double lower = -(edges[m] - f) / lo_d;
            double upper = (edges[m + 2] - f) / hi_d;
            double w = fmax(0.0, fmin(lower, upper));
            float wf = (float)((double)(float)w * enorm);
            dense[m * n_bins + k] = wf;
            if (wf != 0.0f) {
                if (first == n_bins)
                    first = k;
                last = k;
            }
        }
        mb->start[m] = first == n_bins ? 0 : first;
        mb->len[m] = first == n_bins ? 0 : last - first + 1;
        mb->off[m] = total;
        total += mb->len[m];
    }
    mb->w = malloc((total ? total : 1) * sizeof *mb->w);
    if (mb->w == NULL)
        goto nomem;
    for (size_t m = 0; m < n_mels; m++)
        for (size_t j = 0; j < mb->len[m]; j++)
            mb->w[mb->off[m] + j] = dense[m * n_bins + mb->start[m] + j];
    free(edges);
    free(dense);
    return AS_OK;

nomem:
    free(edges);
    free(dense);
    as__melbank_free(mb);
    return AS_ENOMEM;
}

void
as__melbank_apply(const struct as__melbank *mb, const float *power, float *mel)
{
    for (size_t m = 0; m < mb->n_mels; m++) {
        const float *w = mb->w + mb->off[m];
        const float *p = power + mb->start[m];
        float s = 0.0f;
        for (size_t j = 0; j < mb->len[m]; j++)
            s += w[j] * p[j];
        mel[m] = s;
    }
}

void
as__melbank_free(struct as__melbank *mb)
{
    free(mb->start);
    free(mb->len);
    free(mb->off);
    free(mb->w);
    mb->start = mb->len = mb->off = NULL;
    mb->w = NULL;
}
