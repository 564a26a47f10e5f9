/*
 * cmd-run-prog.c — `allot run korea-2026` and `allot run FILE`: replays a
 * national programme (sim/program.h) and reports it: the terminal
 * summary, --json, and with --out DIR the run's files, its audit log and
 * one self-contained HTML report (sim/report.h).  cmd-run.c hands every
 * scenario but korea-synthetic to cmd_run_program.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "sim/korea.h"
#include "sim/progfile.h"
#include "sim/program.h"
#include "sim/report.h"
#include "util/err.h"

#define usage(...) cmd_usage_error(&cmd_run_entry, __VA_ARGS__)

static int
parse_double(const char *v, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	return errno == 0 && end != v && *end == '\0' && *out > lo && *out <= hi;
}

/* Writes DIR/report.html from the files just written. */
static int
write_report(const char *dir, struct err *e)
{
	struct report r;
	char path[4096];
	FILE *f;
	int rc;

	if ((rc = report_read(dir, &r, e)) != 0)
		return rc;
	snprintf(path, sizeof path, "%s/report.html", dir);
	if ((f = fopen(path, "w")) == NULL) {
		report_free(&r);
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	}
	rc = report_write_html(f, &r, e);
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(e, ERR_IO, "%s: write failed", path);
	report_free(&r);
	return rc;
}

int
cmd_run_program(int argc, char **argv)
{
	const char *scenario = NULL, *out = NULL;
	struct program_opts o;
	struct progfile pf;
	struct program *P = NULL;
	struct err e;
	int json = 0, print = 0, rc;
	double t0, t_run;

	program_opts_init(&o);
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--print-scenario") == 0) {
			print = 1;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--scale")) != NULL) {
			if (!parse_double(v, 0, KOREA_MAX_SCALE, &o.scale))
				return usage("--scale: expected a number in (0, 100], got \"%s\"", v);
		} else if ((v = cmd_opt_value(argc, argv, &i, "--seed")) != NULL) {
			long long s = cmd_parse_count(v);
			if (s < 1)
				return usage("--seed: expected a positive integer, got \"%s\"", v);
			o.seed = (uint64_t)s;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--pass-interval")) != NULL) {
			long long s = cmd_parse_count(v);
			if (s < 0 || s > 86400)
				return usage("--pass-interval: expected seconds 0..86400, got \"%s\"", v);
			o.pass_interval = s;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--reps")) != NULL) {
			long long s = cmd_parse_count(v);
			if (s < 1 || s > 100000)
				return usage("--reps: expected 1..100000 replicates, got \"%s\"", v);
			o.reps = (int)s;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--out")) != NULL) {
			if (*v == '\0')
				return usage("--out needs a value%s", "");
			out = v;
		} else if (argv[i][0] == '-') {
			return usage("unknown option %s", argv[i]);
		} else if (scenario != NULL) {
			return usage("one scenario only (got a second: \"%s\")", argv[i]);
		} else {
			scenario = argv[i];
		}
	}
	if (scenario == NULL)
		scenario = KOREA_SCENARIO;
	err_clear(&e);
	if (strcmp(scenario, KOREA_SCENARIO) == 0) {
		size_t len;
		char *text = korea_scenario_text(&len);
		if (print) {
			fputs(text, stdout);
			free(text);
			return 0;
		}
		rc = progfile_parse(KOREA_SCENARIO, text, len, &pf, &e);
		free(text);
	} else {
		if (print)
			return usage("--print-scenario prints the built-in %s only",
				     KOREA_SCENARIO);
		rc = progfile_read(scenario, &pf, &e);
	}
	if (rc != 0) {
		fprintf(stderr, "allot run: %s\n", e.msg);
		return err_exit_status(rc);
	}
	t0 = cmd_now_s();
	if ((rc = program_new(&pf, &o, &P, &e)) != 0 ||
	    (rc = program_run(P, &e)) != 0) {
		fprintf(stderr, "allot run: %s\n", e.msg);
		program_free(P);
		progfile_free(&pf);
		return err_exit_status(rc);
	}
	t_run = cmd_now_s() - t0;
	if (out != NULL && ((rc = program_write_dir(P, out, &e)) != 0 ||
			    (rc = write_report(out, &e)) != 0)) {
		fprintf(stderr, "allot run: %s\n", e.msg);
		program_free(P);
		progfile_free(&pf);
		return err_exit_status(rc);
	}
	if (json) {
		program_json(P, stdout);
	} else {
		program_summary(P, stdout);
		if (out != NULL)
			printf("report       %s/report.html (and the run's files in %s/)\n",
			       out, out);
		printf("time         %.2f s\n", t_run);
	}
	program_free(P);
	progfile_free(&pf);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "allot run: stdout: %s\n", strerror(errno));
		return err_exit_status(ERR_IO);
	}
	return 0;
}
