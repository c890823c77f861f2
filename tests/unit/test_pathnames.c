/* SPDX-License-Identifier: MIT */
/*
 * Names for gathering files into one folder (as_path_names in
 * as/pathlist.h): a file's own name when no other has it, folders added
 * while names are shared, no growth past the first folder or name_max,
 * paths without a name, and the argument checks.
 *
 * usage: test_pathnames DATADIR (unused)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as/as.h"
#include "check.h"

/* Names paths[0, n) with name_max and compares with want (NULL: no
 * name). */
static void
expect(const char *what, const char *const *paths, size_t n, size_t name_max,
       const char *const *want)
{
    char *names[8];
    check_ctx("%s", what);
    CHECK_STATUS(as_path_names(paths, n, name_max, names), AS_OK);
    for (size_t i = 0; i < n; i++) {
        check_ctx("%s: %s", what, paths[i]);
        if (want[i] == NULL)
            CHECK(names[i] == NULL);
        else if (names[i] == NULL)
            CHECK_FAIL_("no name, want %s", want[i]);
        else
            CHECK_STR(names[i], want[i]);
        free(names[i]);
    }
}

int
main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    {
        const char *p[] = {"lib/kitA/kick.wav", "lib/kitB/kick.wav",
                           "lib/kitA/snare.wav"};
        const char *w[] = {"kitA_kick.wav", "kitB_kick.wav", "snare.wav"};
        expect("one folder", p, 3, 255, w);
    }
    {
        /* the same kit folder under two libraries: two folders */
        const char *p[] = {"/a/kit/kick.wav", "b/kit/kick.wav", "kick.wav",
                           "c/kit/hat.wav"};
        const char *w[] = {"a_kit_kick.wav", "b_kit_kick.wav", "kick.wav",
                           "hat.wav"};
        expect("two folders", p, 4, 255, w);
    }
    {
        /* no folder left: the shorter stays shared until the other
         * moves away */
        const char *p[] = {"./kick.wav", "kick.wav", "d/kick.wav"};
        const char *w[] = {"kick.wav", "kick.wav", "d_kick.wav"};
        expect("no folder left", p, 3, 255, w);
    }
    {
        /* empty, "." and ".." components are no folders */
        const char *p[] = {"x//./y/../k.wav", "z/k.wav", ".", "/", "../..", ""};
        const char *w[] = {"y_k.wav", "z_k.wav", NULL, NULL, NULL, NULL};
        expect("components", p, 6, 255, w);
    }
    {
        /* aaaa_k.wav (10 bytes) would pass name_max */
        const char *p[] = {"aaaa/k.wav", "bbbb/k.wav", "c/toolongname.wav"};
        const char *w[] = {"k.wav", "k.wav", "toolongname.wav"};
        expect("name_max", p, 3, 8, w);
    }
    check_ctx("arguments");
    char *names[2] = {(char *)1, (char *)1};
    const char *p[] = {"a", NULL};
    CHECK_STATUS(as_path_names(NULL, 0, 255, NULL), AS_OK);
    CHECK_STATUS(as_path_names(NULL, 1, 255, names), AS_EINVAL);
    CHECK_STATUS(as_path_names(p, 1, 255, NULL), AS_EINVAL);
    CHECK_STATUS(as_path_names(p, 2, 255, names), AS_EINVAL);
    CHECK(names[0] == NULL && names[1] == NULL);
    return check_done();
}
