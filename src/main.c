/*
 * main.c — allot's entry point: everything is a subcommand (cmd/cmd.c).
 */
#include "cmd/cmd.h"

int
main(int argc, char **argv)
{
	return cmd_main(argc, argv);
}
