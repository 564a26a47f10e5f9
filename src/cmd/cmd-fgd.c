/*
 * cmd-fgd.c — `allot fgd`: not built yet (placeholder so the table links).
 */
#include <stdio.h>

#include "cmd/cmd.h"

static int
exec_fgd(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "allot fgd: not implemented yet\n");
	return 70;
}

const struct cmd_entry cmd_fgd_entry = {
	.name = "fgd",
	.usage = "",
	.summary = "(not implemented yet)",
	.help = "",
	.exec = exec_fgd,
};
