/* SPDX-License-Identifier: MIT */
#ifndef AS_DECODE_H
#define AS_DECODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Decoding: any supported sample file to float32, optionally down-mixed to
 * mono and resampled, read in chunks of any size.
 *
 * Format is recognised from the content, never from the file name:
 *   RIFF/RIFX/RF64 WAVE, AIFF/AIFC, CAF, W64, AU and Ogg Vorbis/Opus through
 *   libsndfile; FLAC (native and Ogg) through libFLAC; MPEG audio layers
 *   I-III through libmpg123, with gapless trimming from the LAME/Xing tag.
 *
 * Sample values are what libsndfile's sf_readf_float returns, which is what
 * librosa 0.10.1 sees: integer PCM v becomes v / 2^(bits-1) (unsigned 8-bit:
 * (v - 128) / 128), float data passes unchanged, MP3 is libmpg123's float
 * output with the flags libsndfile 1.2 sets (gapless, no resampling, no
 * "Frankenstein" streams).
 *
 * Down-mix: the mean of the channels in float32, summed in numpy's pairwise
 * order and divided by the channel count, as librosa.to_mono computes it;
 * for stereo that is (L + R) / 2.
 *
 * Resampling (when out_rate_hz differs from the native rate): libsoxr HQ,
 * see resample.h; the output length is exactly as_resample_len(). The
 * resampler is mono: a file of several channels is resampled only
 * down-mixed (downmix set), and otherwise refused with AS_EINVAL; ask
 * for its native rate (out_rate_hz 0) to have its channels.
 */

#define AS_RATE_MIN_HZ 1000   /* lowest native sample rate accepted */
#define AS_RATE_MAX_HZ 768000 /* highest native sample rate accepted */
#define AS_CHANNELS_MAX 1024  /* most channels accepted (libsndfile's) */

typedef struct as_decoder as_decoder;

struct as_audio_info {
    const char *container; /* static name: "wav", "rf64", "bw64", "w64",
                              "aiff", "aifc", "caf", "au", "ogg", "flac",
                              "mp3" ...*/
    const char *codec;     /* static name: "pcm_s16", "pcm_u8", "float32",
                              "flac", "mp3", "vorbis", "opus" ... */
    int rate_hz;           /* native sample rate */
    int channels;          /* native channel count */
    int bits;              /* bits per stored sample; 0 for lossy codecs */
    int64_t frames;        /* native frames the header declares; -1 unknown */
    int64_t frames_read;   /* native frames decoded so far */
    int out_rate_hz;       /* sample rate of as_decoder_read's output */
    int out_channels;      /* channels of as_decoder_read's output */
};

struct as_decode_opts {
    int out_rate_hz; /* output rate; 0 keeps the native rate. Init: 22050 */
    int downmix;     /* nonzero: mono output. Init: 1 */
    /* as_decoder_open() only: nonzero refuses a FIFO as it refuses a
     * device (AS_EFORMAT), without waiting for a writer, for a path that
     * names a stored file (an index's entry), not a stream. Init: 0 */
    int regular_only;
};

/* Fills opts with the defaults: 22050 Hz mono, librosa's analysis signal. */
void as_decode_opts_init(struct as_decode_opts *opts);

/*
 * Opens the file at path and reads its header.
 * opts may be NULL for the defaults. On success *out is a decoder the
 * caller frees with as_decoder_close(). On failure *out is NULL and the
 * status says why: AS_EIO (errno set: ENOENT, EISDIR, EACCES ...),
 * AS_EEMPTY, AS_EFORMAT, AS_EISSTREAM (no audio but a feature stream:
 * the binary stream's magic or a TSV header's "path<TAB>" first, see
 * as-format(5)), AS_EENCODING, AS_ECORRUPT, AS_ETRUNCATED,
 * AS_ENOAUDIO, AS_ERATE, AS_ECHANNELS, AS_EINVAL (bad opts, or a file of
 * several channels to resample without downmix), AS_ENOMEM.
 * A path naming a character or block device or a socket is AS_EFORMAT
 * without being opened; a FIFO is read like standard input, or with
 * opts->regular_only refused as a device is. Standard input, a FIFO
 * or a pipe is first copied to a temporary file in $TMPDIR (else /tmp),
 * to seek in: AS_ETMP (errno set) when none can be made.
 */
int as_decoder_open(as_decoder **out, const char *path,
                    const struct as_decode_opts *opts);

/*
 * Like as_decoder_open() for an open file descriptor, which stays the
 * caller's to close. Decoding starts at the descriptor's current offset.
 * A descriptor that cannot seek (a pipe, a terminal) is first copied to an
 * unlinked temporary file (in TMPDIR, else /tmp), so memory stays bounded;
 * when its first megabyte is of no format the decoder knows, the rest is
 * not read (AS_EFORMAT, or AS_EISSTREAM for a feature stream). Another
 * device is AS_EFORMAT (a disk, unread; /dev/zero, of which one byte is
 * read), or AS_EEMPTY when it has nothing to read (/dev/null).
 */
int as_decoder_open_fd(as_decoder **out, int fd,
                       const struct as_decode_opts *opts);

/*
 * A more precise reason than as_strerror(status) for why the file at path
 * failed to open with status, when there is one: for AS_EENCODING in a
 * WAV, RF64 or W64 file whose codec libsndfile does not decode,
 * "unsupported WAV codec 0x674f" (the format tag in hex, from reading the
 * header again); for AS_EFORMAT from a device or socket, "not a regular
 * file". Writes a NUL-terminated line of at most cap bytes to buf
 * and returns 1, or returns 0 with buf unchanged when there is nothing
 * to add (another status, another format, a file that cannot be read).
 */
int as_decode_reason(const char *path, int status, char *buf, size_t cap);

/* Copies the stream description into *info. */
void as_decoder_info(const as_decoder *dec, struct as_audio_info *info);

/*
 * Decodes the whole file (path, or fd when path is NULL; the descriptor
 * stays the caller's) at its native rate and fills *info as
 * as_decoder_info() gives it at the end, so that info->frames_read holds
 * the frames the file really has, whatever its header declares. Returns
 * AS_OK; what as_decoder_open() or as_decoder_read() returned (*info is
 * then filled with what was read until a read error, and left alone when
 * the file could not be opened); AS_EINVAL (info NULL, no path and fd
 * below 0) or AS_ENOMEM.
 */
int as_decode_describe(const char *path, int fd, struct as_audio_info *info);

/*
 * Reads up to cap samples (frames times out_channels; cap below
 * out_channels is AS_EINVAL) into pcm. *n_read is the number of samples
 * stored, always whole frames; 0 with AS_OK means the end of the stream.
 * The concatenated output does not depend on the sizes of cap used, up
 * to an error too: samples decoded before it are stored first (AS_OK),
 * and the error comes with the next call. Errors: AS_ECORRUPT, AS_ETRUNCATED
 * (the data ended before the frame count the header declares), AS_ENOAUDIO (the
 * stream held no frames), AS_EIO, AS_EINVAL. After an error the decoder only
 * returns that error again; close it. AS_EINVAL (pcm or n_read NULL, cap too
 * small) is the exception: it reads nothing (*n_read, if not NULL, is 0)
 * and leaves the decoder as it was: the next call with good arguments goes
 * on.
 */
int as_decoder_read(as_decoder *dec, float *pcm, size_t cap, size_t *n_read);

/*
 * Starts decoding again from the beginning (standard input included: it
 * was spooled). The output is the same as the first time. Returns AS_OK
 * or a status as from as_decoder_open(), or AS_ECHANGED for a file whose
 * header now says otherwise (rewritten in place since it was opened);
 * after an error, close it.
 */
int as_decoder_rewind(as_decoder *dec);

/* Seconds spent so far decoding (backend and down-mix) and resampling. */
void as_decoder_times(const as_decoder *dec, double *decode_s,
                      double *resample_s);

/* Frees the decoder. NULL is accepted. */
void as_decoder_close(as_decoder *dec);

#ifdef __cplusplus
}
#endif

#endif
