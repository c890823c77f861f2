/* SPDX-License-Identifier: MIT */
#ifndef AS_ERROR_H
#define AS_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes. Every library function that can fail returns AS_OK (0) or
 * one of these negative codes. After AS_EIO, errno says what the system
 * reported. Codes are stable: new ones are only ever added at the end.
 */
enum {
    AS_OK = 0,
    AS_ENOMEM = -1,       /* out of memory */
    AS_EIO = -2,          /* input/output error: see errno */
    AS_EFORMAT = -3,      /* content is not a recognised audio format */
    AS_ECORRUPT = -4,     /* recognised format, but the data is damaged */
    AS_EINVAL = -5,       /* invalid argument */
    AS_EEMPTY = -6,       /* the file is empty (0 bytes) */
    AS_ENOAUDIO = -7,     /* valid container holding 0 audio frames */
    AS_ETRUNCATED = -8,   /* the file ends before its header says it does */
    AS_ERATE = -9,        /* sample rate outside AS_RATE_MIN_HZ..MAX_HZ */
    AS_ECHANNELS = -10,   /* channel count outside 1..AS_CHANNELS_MAX */
    AS_EENCODING = -11,   /* recognised container, unsupported encoding */
    AS_ENOTSTREAM = -12,  /* input is not a feature stream */
    AS_ESTREAMVER = -13,  /* feature stream format version not supported */
    AS_EMISMATCH = -14,   /* a stream's columns differ from the first's */
    AS_ESYNTAX = -15,     /* malformed row in a feature stream */
    AS_ENONFINITE = -16,  /* NaN or infinity where a number must be finite */
    AS_EPATH = -17,       /* path holds a TAB or newline (not in TSV) */
    AS_ENOTINDEX = -18,   /* not an index file */
    AS_EINDEXVER = -19,   /* index format version not supported */
    AS_EINDEX = -20,      /* corrupt index: checksum, size or layout */
    AS_ENOENT_PATH = -21, /* no entry with that path */
    AS_ELOCKED = -22,     /* another process holds the index's lock */
    AS_ECHECKSUM = -23,   /* index bytes fail their checksum: damaged */
    AS_ECHANGED = -24,    /* the file changed since it was read: an index
                             replaced, audio rewritten between two passes */
    AS_EMODEL = -25,      /* not a kind model, or a malformed one */
    AS_ENOTANN = -26,     /* not an approximate index file */
    AS_ESTALE = -27,      /* approximate index made for another index */
    AS_ENOTSUP = -28,     /* not supported by this build */
    AS_ETMP = -29,        /* no temporary file in TMPDIR: see errno */
    AS_EISSTREAM = -30,   /* a feature stream where audio is expected */
    AS_ETOOLONG = -31,    /* audio longer than the caller's limit */
};

/*
 * Returns a static, lower-case English description of status, suitable
 * for "program: file: description". Unknown codes give "unknown error".
 * For AS_EIO callers usually print strerror(errno) instead, and for
 * AS_ETMP name the folder ($TMPDIR, else /tmp) with strerror(errno).
 */
const char *as_strerror(int status);

#ifdef __cplusplus
}
#endif

#endif
