/* SPDX-License-Identifier: MIT */
#ifndef AS_PATHLIST_H
#define AS_PATHLIST_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Called by as_walk() for each file (status AS_OK, err 0), for an entry
 * that is skipped because it is not a regular file, a directory or a link
 * to either (a FIFO, socket or device: status AS_EFORMAT, err 0), and for
 * a directory or link that could not be read (status AS_EIO, err the
 * errno value). Return 0 to go on; anything else stops the walk and is
 * returned by as_walk().
 */
typedef int (*as_walk_fn)(void *ctx, const char *path, int status, int err);

/*
 * Walks the directory root depth first, calling fn for every regular file,
 * in a deterministic order: the entries of each directory sorted by name
 * in byte order (strcmp), a subdirectory's files in place of its name.
 * Names starting with '.' are skipped. A symbolic link to a file is
 * reported; one to a directory is not followed (no loops). Returns AS_OK,
 * fn's nonzero value, AS_ENOMEM, or AS_EIO (errno set) if root itself
 * cannot be opened.
 */
int as_walk(const char *root, as_walk_fn fn, void *ctx);

/* The longest list entry as_pathlist_next() takes: far more than a path
 * the system can open (PATH_MAX), so that only what is no path is left
 * out, and memory stays bounded whatever the list holds. */
#define AS_PATHLIST_MAX 65536

/*
 * Reads the next path of a list, one per line (delim '\n') or NUL-
 * terminated (delim '\0'), into *buf (grown with realloc; the caller frees
 * it). Empty entries are skipped. Returns the length; -1 at the end of
 * the list or on a read error (ferror(fp) tells which; errno is set); or
 * -2 for an entry that is no path, with errno set: EILSEQ when a line
 * holds a NUL byte (the list is NUL-terminated: read no more of it with
 * delim '\n'), ENAMETOOLONG when the entry is longer than AS_PATHLIST_MAX
 * bytes (the rest of it is skipped; the next call reads the next entry),
 * ENOMEM. at, if not NULL, counts the entries read, empty ones too: after
 * a call, the number (from 1, when it started at 0) of the entry returned
 * or refused, for messages.
 */
ssize_t as_pathlist_next(FILE *fp, int delim, char **buf, size_t *cap,
                         unsigned long long *at);

/*
 * Names under which the files at paths[0, n) can be gathered into one
 * folder (as-search --copy-to): each path's last component when no other
 * path ends so; where several do, each takes the folders above it too,
 * joined with '_' (kitA_kick.wav, kitB_kick.wav), one more folder while
 * they still share a name. Empty, "." and ".." components are no
 * folders. A name grows no longer than name_max bytes and no further
 * than the path's first component, so names may still be shared then
 * (the caller numbers them). The paths should be distinct: equal ones
 * share a name whatever it grows to.
 *
 * names[i] receives path i's name, allocated (the caller frees each with
 * free()); NULL when the path has no component to name it by (say "."
 * or "/"). A last component longer than name_max is the name as it is,
 * which the caller cannot use as a file name. Returns AS_OK, AS_EINVAL
 * (NULL arguments) or AS_ENOMEM (then no name is set: every names[i] is
 * NULL).
 */
int as_path_names(const char *const *paths, size_t n, size_t name_max,
                  char **names);

/*
 * The current directory as the user's shell names it, to make a
 * relative path absolute, or an absolute one relative, the way the user
 * would have spelt it (as as-extract stored "$PWD/kit/kick.wav"): $PWD
 * when it is an absolute path without "." or ".." components that names
 * the current directory (the same device and inode as "."), else the
 * physical path getcwd(3) gives, which differs where a folder on the way
 * is a symbolic link. A new string to free, or NULL with errno set.
 */
char *as_path_cwd(void);
/*
 * The current directory both ways a relative path may be read from it:
 * as_path_cwd()'s and, when that differs (a folder on the way is a
 * link), getcwd(3)'s, which tells where a "../" leads. Into dirs (new
 * strings to free; unused ones NULL); the count, 0 when neither could be
 * had (errno set).
 */
size_t as_path_cwds(char *dirs[2]);

#ifdef __cplusplus
}
#endif

#endif
