/*
 * cmd-run.c — `allot run`: not built yet (placeholder so the table links).
 */
#include <stdio.h>

#include "cmd/cmd.h"

static int
exec_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "allot run: not implemented yet\n");
	return 70;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "",
	.summary = "(not implemented yet)",
	.help = "",
	.exec = exec_run,
};
