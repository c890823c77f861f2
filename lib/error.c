/* SPDX-License-Identifier: MIT */
#include "as/error.h"

const char *
as_strerror(int status)
{
    switch (status) {
    case AS_OK:
        return "success";
    case AS_ENOMEM:
        return "out of memory";
    case AS_EIO:
        return "input/output error";
    case AS_EFORMAT:
        return "unsupported format";
    case AS_ECORRUPT:
        return "corrupt data";
    case AS_EINVAL:
        return "invalid argument";
    case AS_EEMPTY:
        return "empty file";
    case AS_ENOAUDIO:
        return "no audio data";
    case AS_ETRUNCATED:
        return "truncated file";
    case AS_ERATE:
        return "unsupported sample rate";
    case AS_ECHANNELS:
        return "unsupported channel count";
    case AS_EENCODING:
        return "unsupported encoding";
    case AS_ENOTSTREAM:
        return "not a feature stream";
    case AS_ESTREAMVER:
        return "feature stream version not supported";
    case AS_EMISMATCH:
        return "columns differ from the first header";
    case AS_ESYNTAX:
        return "malformed row";
    case AS_ENONFINITE:
        return "value is not finite";
    case AS_EPATH:
        return "path contains a tab or newline";
    case AS_ENOTINDEX:
        return "not an index";
    case AS_EINDEXVER:
        return "index version not supported";
    case AS_EINDEX:
        return "corrupt index";
    case AS_ENOENT_PATH:
        return "no such entry";
    case AS_ELOCKED:
        return "locked by another process";
    case AS_ECHECKSUM:
        return "index is damaged (checksum mismatch)";
    case AS_ECHANGED:
        return "file changed since it was read";
    case AS_EMODEL:
        return "not a valid kind model";
    case AS_ENOTANN:
        return "not an approximate index";
    case AS_ESTALE:
        return "approximate index made for another version of the index";
    case AS_ENOTSUP:
        return "not supported by this build";
    case AS_ETMP:
        return "cannot make a temporary file (TMPDIR)";
    case AS_EISSTREAM:
        return "a feature stream, not audio";
    case AS_ETOOLONG:
        return "audio longer than the limit";
    default:
        return "unknown error";
    }
}
