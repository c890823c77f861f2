/* SPDX-License-Identifier: MIT */
/* Writing files whole: temporary files beside the target, renamed into
 * place (the index, its segment, INDEX.ann, as_outfile). */
#ifndef AS_UTIL_FILE_H
#define AS_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "as/file.h" /* as_path_target() */

/* The file beside the one path names (as_path_target(): links
 * followed), named after it with suffix appended (".seg", ".ann",
 * ".lock"): a new string, or NULL with errno set as as_path_target()
 * sets it. */
char *as__target_with(const char *path, const char *suffix);
/* sb's modification time in ns since the epoch, as the index stores
 * it: -1 when it does not fit 64 bits (before 1677-09-21 or after
 * 2262-04-11), and a real -1 ns is -2, so -1 always means unknown. */
int64_t as__mtime_ns(const struct stat *sb);
/* A time as as__mtime_ns() gives sb's modification time. */
int64_t as__time_ns(const struct timespec *ts);
/* The directory part of path ("." if none), into buf. */
void as__dir_of(const char *path, char *buf, size_t cap);
/* A new temporary file dir/.base.tmp-XXXXXX, mode 0666 less the umask
 * (a base too long for that name is shortened, with a hash of it, so that
 * any name a file can have has a temporary file): its descriptor, or -1
 * with errno set. */
int as__make_temp(const char *dir, const char *base, char *tmp, size_t cap);
/* Whether the file name name (no folder) is one as__make_temp() makes
 * for base: ".base.tmp-" (base shortened as there) and six characters. */
int as__is_temp_of(const char *name, const char *base);

/* Whether err, from opening or looking at path, means there is no such
 * file: ENOENT, or ENAMETOOLONG for a last part (after its last '/')
 * longer than a file's name can be (255 bytes), which no file has,
 * whatever the folder. ENAMETOOLONG from a path too long as a whole
 * (PATH_MAX) says nothing of that: the file may be there. */
int as__no_such_file(int err, const char *path);
/* fsync of a directory: 0, or -1 with errno set. */
int as__sync_dir(const char *dir);
/* Opens a stored file (an index's entry, not a stream) for reading,
 * path from the directory dirfd (AT_FDCWD: the current one), without
 * waiting on a FIFO: O_NONBLOCK until fstat() has told a regular file.
 * AS_OK with *fd; AS_EIO with errno set (EISDIR for a folder);
 * AS_EFORMAT, not read, for a FIFO, device or socket. *fd is -1 on
 * failure. */
int as__open_regular(int dirfd, const char *path, int *fd);
/* as__make_temp() beside path: in its directory (into dir), named after
 * its base name. The descriptor, or -1 with errno set. */
int as__temp_beside(const char *path, char *dir, size_t dir_cap, char *tmp,
                    size_t tmp_cap);
/* Gives the file open at fd, about to replace path, the owner, group and
 * permission bits of path, or when there is none of like (a file that
 * belongs with it, such as the index of a segment; NULL: none), so that
 * a job run with another umask (cron's) changes nothing of who may read
 * it. The owner and group as far as the system lets (root: both; else a
 * group of the caller's); the bits (never set-id ones) only when both
 * could be kept, since the bits of another's file would shut its owner
 * out of the new one, which then keeps the umask's. Done at the commit,
 * so that the temporary file stays readable to the next run that finds
 * it stale. */
void as__keep_mode(int fd, const char *path, const char *like);
/* Puts the temporary file tmp (open at fd, written whole) in place of
 * path, in directory dir: as__keep_mode() (path, like), fsync, close,
 * rename, and the fsync of dir that takes the rename to the disk; a
 * failure before the rename removes tmp. 0, or the errno of the failure
 * (the file is in place when only the directory's sync failed). */
int as__temp_commit(int fd, const char *tmp, const char *path, const char *like,
                    const char *dir);
/* A temporary file with no name in $TMPDIR (else /tmp): made unnamed
 * where the system can (O_TMPFILE), else named and removed at once;
 * not inherited by programs run later. The descriptor, or -1 with errno
 * set (the copy of a builder's index, a pipe decoded). */
int as__unnamed_file(void);
/* The lexical form of path into out (which may be path itself; cap >=
 * strlen(path) + 1): repeated slashes and "." components dropped,
 * "dir/.." removed where dir is not itself ".."; "/.." is "/". An empty
 * result is ".". Symbolic links are not followed: the name, not the
 * file (as_entry_find(), as_spellings). */
void as__path_lexical(const char *path, char *out);
/* The lexical form of path, made absolute from cwd first when path is
 * relative and cwd is not NULL, into *buf (grown as needed: *cap
 * bytes): *buf, or NULL when out of memory. */
char *as__path_lexical_from(const char *path, const char *cwd, char **buf,
                            size_t *cap);

#endif
