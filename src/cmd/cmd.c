/*
 * cmd.c — the table of subcommands and the dispatcher.  Adding a
 * subcommand is one file and one line here.
 */
#include "cmd/cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ALLOT_VERSION "0.1.0"

static const struct cmd_entry *const table[] = {
	&cmd_run_entry,
	&cmd_sim_entry,
	&cmd_fgd_entry,
	&cmd_pool_entry,
	&cmd_bench_pass_entry,
	&cmd_audit_entry,
	&cmd_submit_entry,
	&cmd_queue_entry,
	&cmd_cancel_entry,
	&cmd_jobs_entry,
	&cmd_grant_entry,
	&cmd_usage_entry,
	&cmd_whatif_entry,
	&cmd_report_entry,
	&cmd_round_entry,
	&cmd_serve_entry,
	&cmd_exec_agent_entry,
};
#define NCMDS (sizeof table / sizeof table[0])

void
cmd_usage(const struct cmd_entry *c, void *fp)
{
	FILE *f = fp;

	fprintf(f, "usage: allot %s %s\n%s\n", c->name, c->usage, c->summary);
	if (c->help != NULL && c->help[0] != '\0')
		fprintf(f, "\n%s", c->help);
}

int
cmd_wants_help(const struct cmd_entry *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cmd_usage(c, stdout);
			return 1;
		}
	return 0;
}

static void
help(FILE *f)
{
	fprintf(f, "allot %s — GPU allocation and scheduling for a national pool\n\n"
		   "usage: allot COMMAND [ARGS]\n\ncommands:\n", ALLOT_VERSION);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %-12s %s\n", table[i]->name, table[i]->summary);
	fprintf(f, "\n`allot COMMAND --help` describes one command.\n");
}

int
cmd_main(int argc, char **argv)
{
	const struct cmd_entry *found = NULL;
	size_t len;
	int nfound = 0;

	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		if (argc >= 3)
			for (size_t i = 0; i < NCMDS; i++)
				if (strcmp(argv[2], table[i]->name) == 0) {
					cmd_usage(table[i], stdout);
					return 0;
				}
		help(argc < 2 ? stderr : stdout);
		return argc < 2 ? 64 : 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("allot %s\n", ALLOT_VERSION);
		return 0;
	}
	len = strlen(argv[1]);
	for (size_t i = 0; i < NCMDS; i++) {
		if (strcmp(argv[1], table[i]->name) == 0) {
			found = table[i];
			nfound = 1;
			break;
		}
		if (strncmp(argv[1], table[i]->name, len) == 0) {
			found = table[i];
			nfound++;
		}
	}
	if (nfound != 1) {
		fprintf(stderr, "allot: %s command: %s\n",
			nfound ? "ambiguous" : "unknown", argv[1]);
		help(stderr);
		return 64;
	}
	if (cmd_wants_help(found, argc - 1, argv + 1))
		return 0;
	return found->exec(argc - 1, argv + 1);
}

const char *
cmd_opt_value(int argc, char **argv, int *i, const char *opt)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}

long long
cmd_parse_count(const char *s)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return -1;
	return v;
}

int
cmd_usage_error(const struct cmd_entry *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "allot %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: allot %s %s\n", c->name, c->usage);
	return 64;
}

double
cmd_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
