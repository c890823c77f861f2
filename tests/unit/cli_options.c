/* SPDX-License-Identifier: MIT */
/*
 * The tools' common options (tools/common/options.c) on their own: which
 * letters cli_common_option() takes and what each records. -h and -V
 * exit, and a bad -f value is a usage error: the CLI tests check those
 * through the tools.
 */
#include "as/featio.h"
#include "check.h"
#include "common/cli.h"
#include "common/options.h"

static void
no_help(void)
{
}

int
main(void)
{
    struct cli_common o;
    cli_init("cli_options", "usage: cli_options");

    check_ctx("defaults");
    cli_common_init(&o, no_help);
    CHECK(o.help == no_help);
    CHECK_INT(o.format, AS_FEAT_TSV);
    CHECK_INT(o.header, 1);
    CHECK_INT(o.json, 0);
    CHECK_INT(o.nul, 0);

    check_ctx("taken");
    CHECK_INT(cli_common_option(&o, 'f', "bin"), 1);
    CHECK_INT(o.format, AS_FEAT_BIN);
    CHECK_INT(cli_common_option(&o, 'f', "tsv"), 1);
    CHECK_INT(o.format, AS_FEAT_TSV);
    CHECK_INT(cli_common_option(&o, 'H', NULL), 1);
    CHECK_INT(o.header, 0);
    CHECK_INT(cli_common_option(&o, 'J', NULL), 1);
    CHECK_INT(o.json, 1);
    CHECK_INT(cli_common_option(&o, 'z', NULL), 1);
    CHECK_INT(o.nul, 1);
    CHECK_INT(cli_quiet, 0);
    CHECK_INT(cli_common_option(&o, 'q', NULL), 1);
    CHECK_INT(cli_quiet, 1);

    check_ctx("record options");
    struct rec_opts r = cli_common_rec_opts(&o);
    CHECK_INT(r.json, 1);
    CHECK_INT(r.header, 0);
    CHECK_INT(r.nul, 1);

    check_ctx("not common");
    struct cli_common before = o;
    const char *others = "0AaCcgjklnopr?";
    for (const char *c = others; *c != '\0'; c++)
        CHECK_INT(cli_common_option(&o, *c, "x"), 0);
    CHECK_INT(cli_common_option(&o, 256, "x"), 0);
    CHECK(memcmp(&before, &o, sizeof o) == 0);
    return check_done();
}
