/*
 * cmd.h — subcommands.  Each lives in its own cmd-NAME.c as one
 * struct cmd_entry, listed once in cmd.c's table; `allot help` and the
 * usage lines come from the table.
 *
 * exec gets argv with argv[0] = the subcommand name and returns the
 * process exit status (0, or err_exit_status of what failed).
 */
#ifndef ALLOT_CMD_CMD_H
#define ALLOT_CMD_CMD_H

struct cmd_entry {
	const char *name;
	const char *usage;   /* argument synopsis */
	const char *summary; /* one line */
	const char *help;    /* option list, printed by --help */
	int (*exec)(int argc, char **argv);
};

extern const struct cmd_entry cmd_sim_entry;
extern const struct cmd_entry cmd_fgd_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_pool_entry;
extern const struct cmd_entry cmd_bench_pass_entry;
extern const struct cmd_entry cmd_audit_entry;
extern const struct cmd_entry cmd_submit_entry;
extern const struct cmd_entry cmd_queue_entry;
extern const struct cmd_entry cmd_cancel_entry;
extern const struct cmd_entry cmd_jobs_entry;
extern const struct cmd_entry cmd_grant_entry;
extern const struct cmd_entry cmd_usage_entry;
extern const struct cmd_entry cmd_whatif_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_round_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_exec_agent_entry;

/* `allot run` of a programme (cmd-run-prog.c): korea-2026 or a file. */
int cmd_run_program(int argc, char **argv);

/* Dispatches argv[1] (prefix matching, like tmux) or prints help. */
int cmd_main(int argc, char **argv);
/* Prints "usage: allot NAME USAGE" and the help text to f. */
void cmd_usage(const struct cmd_entry *c, void *f);
/* Returns 1 if argv holds -h or --help (after printing the help). */
int cmd_wants_help(const struct cmd_entry *c, int argc, char **argv);
/* If argv[*i] is option opt ("--opt VALUE" or "--opt=VALUE"), returns its
 * value (advancing *i past a separate value; "" when the value is
 * missing); otherwise NULL. */
const char *cmd_opt_value(int argc, char **argv, int *i, const char *opt);
/* Prints "allot NAME: <message>" and the usage line to stderr; returns
 * the usage exit status, 64. */
int cmd_usage_error(const struct cmd_entry *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Seconds on the monotonic clock, for timing a command's work. */
double cmd_now_s(void);
/* Parses a non-negative integer or returns -1. */
long long cmd_parse_count(const char *s);

#endif
