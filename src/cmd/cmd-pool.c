/*
 * cmd-pool.c — `allot pool`: not built yet (placeholder so the table links).
 */
#include <stdio.h>

#include "cmd/cmd.h"

static int
exec_pool(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "allot pool: not implemented yet\n");
	return 70;
}

const struct cmd_entry cmd_pool_entry = {
	.name = "pool",
	.usage = "",
	.summary = "(not implemented yet)",
	.help = "",
	.exec = exec_pool,
};
