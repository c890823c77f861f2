/* SPDX-License-Identifier: MIT */
/*
 * Output files written the way the library writes an index: a reader
 * sees the file as it was or the new one whole, never half of it, and
 * a symbolic link stays a link. as-extract -o and as-map's files use it.
 */
#ifndef AS_FILE_H
#define AS_FILE_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The file that path names once symbolic links in its last component
 * are followed, as often as needed (a relative link from the link's
 * folder); it need not exist. The kernel's links to open files in /proc
 * (/proc/self/fd/N, where /dev/stdout and /dev/fd/N lead) are not
 * followed: they name no path, only open(2) gets through them. Every writer of
 * the library, and the index's lock, take their target from here: they replace
 * (and lock) the file a link names, and the link stays. A caller that makes
 * several such calls on one path (lock, read, write) should call this once and
 * pass the result to each, so that a link pointed elsewhere meanwhile
 * cannot split the work between two files. The readers of an index
 * (as_index_open(), as_index_ident()) follow it once too. A new string
 * to free, or NULL with errno set: EINVAL for a NULL path, ENOENT for
 * the empty one, ELOOP for a loop of links, ENOMEM, or
 * what readlink(2) says of a link. Anything else that keeps path from
 * being looked at (a folder on the way missing or not searchable, a loop
 * there) gives path as it is, for the caller's own call to fail on.
 */
char *as_path_target(const char *path);

typedef struct as_outfile as_outfile;

/*
 * Opens path for writing. A symbolic link is followed (as often as it
 * takes; a relative one from the link's folder), and the file it names
 * is the one written: the link stays. A regular file, or one that does
 * not exist yet, is written to a temporary file .NAME.tmp-XXXXXX in the
 * same folder (mode 0666 less the umask; a NAME too long for that is
 * shortened, with a hash of it), which as_outfile_commit()
 * renames over it; until then the file at path is untouched. The writer
 * holds an flock(2) on it meanwhile, and removes the temporary files of
 * that name that none holds and that are over a minute old: a killed
 * run's. Anything
 * else that exists (a device such as /dev/null, a FIFO) is opened and
 * written directly, as a shell redirection would, and stays what it is;
 * so is a file opened already, through the kernel's link to it: one of
 * this process's (/dev/stdout, /dev/fd/N) through a copy of its
 * descriptor, where it stands, so that what the shell writes to it next
 * comes after; another process's at its end (O_APPEND). One of this
 * process's descriptors that is closed, or open for reading alone, is
 * refused with errno EBADF, as write(2) would (/dev/stdout after >&-).
 * A directory is
 * refused (AS_EIO, errno EISDIR), and so is a socket that is not one of
 * this process's descriptors, which cannot be opened (ENXIO). Returns
 * AS_OK, AS_EINVAL (NULL arguments), AS_ENOMEM, or AS_EIO with errno
 * set (ELOOP for a loop of links).
 */
int as_outfile_open(as_outfile **out, const char *path);
/* The stream to write to; f owns it. */
FILE *as_outfile_stream(const as_outfile *f);
/*
 * Makes what was written durable without putting it in place (for a
 * caller that writes several files and commits all or none): flushes the
 * stream and, for a temporary file, syncs it to the disk. Returns AS_OK,
 * or AS_EIO with errno the reason a write failed, found again when stdio
 * has lost it ("No space left on device"); f then commits nothing.
 */
int as_outfile_sync(as_outfile *f);
/*
 * Puts the file in place and frees f: as_outfile_sync() (again after an
 * earlier one, for what was written since), then the temporary file is
 * renamed over the target while its flock is held, the stream closed and
 * the folder synced, so that the rename survives a crash too. Returns
 * AS_OK, or AS_EIO with errno set: the temporary file is then removed
 * and the target is as it was, unless what failed came after the rename
 * (the close, or the folder's sync: the new file, synced, is then in
 * place but may not survive a power failure, as with
 * as_index_builder_write()); a device or FIFO, written directly, has had
 * what got out.
 */
int as_outfile_commit(as_outfile *f);
/* Closes the stream, removes the temporary file (the target stays as it
 * was; a device or FIFO has had what was written) and frees f. */
void as_outfile_abort(as_outfile *f);

/*
 * Removes the files of the folder dir named prefix and six more
 * characters (as mkstemp(3) makes a temporary file's name from
 * "prefixXXXXXX") that are regular, held by no process's flock(2) and
 * were last written over a minute ago: the temporary files of runs that
 * were killed, for a writer that makes its own in dir and holds an flock
 * on each until it is renamed or removed (as_outfile_open() does so for
 * its own). Errors are ignored: a file that cannot be opened or removed
 * stays.
 */
void as_remove_stale_temps(const char *dir, const char *prefix);

/*
 * Flushes fp (standard output, say) and tells whether everything written
 * to it so far got out: AS_OK, or AS_EIO with errno the reason a write
 * failed. stdio drops its buffer after a failed write and later calls
 * reset errno, so that only the error flag is left by the end; when fp's
 * error flag is set, one more byte ("\n") is written to its descriptor,
 * to output that is broken already, to meet the condition again: "No
 * space left on device", not a vague "Input/output error". If the
 * condition has passed, that byte gets out and the reason is EIO. For
 * streams with a descriptor (fileno()); any other stream with its error
 * flag set gives EBADF.
 */
int as_stream_flush(FILE *fp);

#ifdef __cplusplus
}
#endif

#endif
