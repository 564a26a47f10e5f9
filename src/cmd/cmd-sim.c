/*
 * cmd-sim.c — `allot sim`: not built yet (placeholder so the table links).
 */
#include <stdio.h>

#include "cmd/cmd.h"

static int
exec_sim(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "allot sim: not implemented yet\n");
	return 70;
}

const struct cmd_entry cmd_sim_entry = {
	.name = "sim",
	.usage = "",
	.summary = "(not implemented yet)",
	.help = "",
	.exec = exec_sim,
};
