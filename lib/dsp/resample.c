/* SPDX-License-Identifier: MIT */
/*
 * Streaming resampler over libsoxr HQ (the only file that includes soxr.h).
 *
 * librosa 0.10.1 resamples with python-soxr's resample(x, sr_in, sr_out,
 * 'soxr_hq'): soxr_quality_spec(SOXR_HQ, 0), float32 in and out, one
 * thread, the whole input then a flush, and librosa then pads or trims the
 * result to ceil(n_in * sr_out / sr_in) (util.fix_length). We do the same
 * in bounded memory: the input goes to libsoxr in fixed blocks, the output
 * is released only up to ceil(n_fed * ratio), and the end is padded with
 * zeros or trimmed to the exact length.
 */
#include "as/resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <soxr.h>

#include "as/error.h"

struct as_resampler {
    soxr_t soxr; /* NULL: equal rates, samples pass through */
    int in_rate_hz;
    int out_rate_hz;
    float *block; /* input gathered for libsoxr */
    size_t blen;  /* samples in block */
    size_t bpos;  /* samples of block libsoxr has taken */
    float *obuf;  /* libsoxr output not yet delivered */
    size_t ocap;
    size_t opos;
    size_t olen;
    int64_t n_in;  /* samples fed by the caller */
    int64_t n_out; /* samples delivered to the caller */
    int ended;     /* the caller marked the end of the input */
    int drained;   /* libsoxr's flush returned nothing more */
    int failed;
};

int64_t
as_resample_len(int64_t n_in, int in_rate_hz, int out_rate_hz)
{
    if (n_in <= 0 || in_rate_hz <= 0 || out_rate_hz <= 0)
        return 0;
    if (in_rate_hz == out_rate_hz)
        return n_in;
    /* librosa: ratio = float(target_sr) / orig_sr;
     * n_samples = int(np.ceil(y.shape[-1] * ratio)), in double. */
    double ratio = (double)out_rate_hz / (double)in_rate_hz;
    return (int64_t)ceil((double)n_in * ratio);
}

int
as_resampler_new(as_resampler **out, int in_rate_hz, int out_rate_hz)
{
    if (out == NULL)
        return AS_EINVAL;
    *out = NULL;
    if (in_rate_hz <= 0 || in_rate_hz > 10000000 || out_rate_hz <= 0 ||
        out_rate_hz > 10000000)
        return AS_EINVAL;

    as_resampler *rs = calloc(1, sizeof *rs);
    if (rs == NULL)
        return AS_ENOMEM;
    rs->in_rate_hz = in_rate_hz;
    rs->out_rate_hz = out_rate_hz;
    if (in_rate_hz == out_rate_hz) {
        *out = rs;
        return AS_OK;
    }

    int status = AS_ENOMEM;
    double ratio = (double)out_rate_hz / (double)in_rate_hz;
    /* Room for one block's output twice over: libsoxr never returns more
     * per call than it can have ready, and a call that finds the buffer
     * full simply keeps the rest of its input for the next call. */
    rs->ocap = 2 * (size_t)ceil(AS_RESAMPLE_BLOCK * ratio) + 1024;
    rs->block = malloc(AS_RESAMPLE_BLOCK * sizeof *rs->block);
    rs->obuf = malloc(rs->ocap * sizeof *rs->obuf);
    if (rs->block == NULL || rs->obuf == NULL)
        goto fail;

    soxr_error_t serr = NULL;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    rs->soxr = soxr_create(in_rate_hz, out_rate_hz, 1, &serr, &io, &q, &rt);
    if (rs->soxr == NULL || serr != NULL) {
        status = AS_EINVAL;
        goto fail;
    }
    *out = rs;
    return AS_OK;

fail:
    as_resampler_free(rs);
    return status;
}

/* Runs libsoxr on the unconsumed part of the block, or flushes it when the
 * input has ended and the block is used up. Appends to obuf. */
static int
run_soxr(as_resampler *rs)
{
    if (rs->opos > 0) {
        memmove(rs->obuf, rs->obuf + rs->opos,
                (rs->olen - rs->opos) * sizeof *rs->obuf);
        rs->olen -= rs->opos;
        rs->opos = 0;
    }
    size_t room = rs->ocap - rs->olen;
    size_t odone = 0, idone = 0;
    soxr_error_t serr;
    if (rs->bpos < rs->blen) {
        serr = soxr_process(rs->soxr, rs->block + rs->bpos, rs->blen - rs->bpos,
                            &idone, rs->obuf + rs->olen, room, &odone);
        rs->bpos += idone;
        if (rs->bpos == rs->blen)
            rs->bpos = rs->blen = 0;
    } else {
        serr = soxr_process(rs->soxr, NULL, 0, NULL, rs->obuf + rs->olen, room,
                            &odone);
        if (odone == 0)
            rs->drained = 1;
    }
    if (serr != NULL)
        return AS_EINVAL;
    if (odone == 0 && idone == 0 && !rs->drained)
        return AS_EINVAL; /* no progress: would loop forever */
    rs->olen += odone;
    return AS_OK;
}

int
as_resampler_process(as_resampler *rs, const float *in, size_t in_len,
                     size_t *in_used, float *out, size_t out_cap,
                     size_t *out_len)
{
    size_t used = 0, done = 0;
    if (in_used != NULL)
        *in_used = 0;
    if (out_len != NULL)
        *out_len = 0;
    if (rs == NULL || in_used == NULL || out_len == NULL ||
        (out == NULL && out_cap > 0) || rs->failed)
        return AS_EINVAL;
    if (in != NULL && rs->ended)
        return AS_EINVAL;
    if (in == NULL)
        rs->ended = 1;

    if (rs->soxr == NULL) {
        if (in != NULL) {
            used = in_len < out_cap ? in_len : out_cap;
            memcpy(out, in, used * sizeof *out);
            rs->n_in += (int64_t)used;
            rs->n_out += (int64_t)used;
            *in_used = *out_len = used;
        }
        return AS_OK;
    }

    for (;;) {
        /* Deliver what may be delivered: never past the length librosa
         * would give the input fed so far. */
        int64_t limit =
            as_resample_len(rs->n_in, rs->in_rate_hz, rs->out_rate_hz);
        size_t avail = rs->olen - rs->opos;
        size_t k = out_cap - done;
        if ((int64_t)k > limit - rs->n_out)
            k = (size_t)(limit - rs->n_out);
        if (k > avail)
            k = avail;
        memcpy(out + done, rs->obuf + rs->opos, k * sizeof *out);
        rs->opos += k;
        rs->n_out += (int64_t)k;
        done += k;
        if (done == out_cap)
            break;
        if (rs->ended && rs->n_out == limit)
            break; /* complete; anything libsoxr still holds is trimmed */
        int status = AS_OK;
        if (rs->bpos < rs->blen &&
            (rs->blen == AS_RESAMPLE_BLOCK || rs->ended)) {
            status = run_soxr(rs);
        } else if (!rs->ended) {
            if (used == in_len)
                break; /* needs more input */
            size_t take = in_len - used;
            if (take > AS_RESAMPLE_BLOCK - rs->blen)
                take = AS_RESAMPLE_BLOCK - rs->blen;
            memcpy(rs->block + rs->blen, in + used, take * sizeof *in);
            rs->blen += take;
            used += take;
            rs->n_in += (int64_t)take;
        } else if (!rs->drained) {
            status = run_soxr(rs);
        } else {
            /* libsoxr gave less than librosa's length: pad with zeros. */
            size_t z = out_cap - done;
            if ((int64_t)z > limit - rs->n_out)
                z = (size_t)(limit - rs->n_out);
            memset(out + done, 0, z * sizeof *out);
            rs->n_out += (int64_t)z;
            done += z;
        }
        if (status != AS_OK) {
            rs->failed = 1;
            *in_used = used;
            *out_len = done;
            return status;
        }
    }
    *in_used = used;
    *out_len = done;
    return AS_OK;
}

void
as_resampler_free(as_resampler *rs)
{
    if (rs == NULL)
        return;
    if (rs->soxr != NULL)
        soxr_delete(rs->soxr);
    free(rs->block);
    free(rs->obuf);
    free(rs);
}
