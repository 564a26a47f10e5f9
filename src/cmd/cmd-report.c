/*
 * cmd-report.c — `allot report DIR [-o FILE] [--json]`: the report of a
 * program run directory (sim/report.h; docs/REPORT.md).
 *
 * Reads DIR, writes the HTML page to FILE (default DIR/report.html) by
 * way of FILE.tmp renamed into place, so a failed run never leaves half a
 * page, and prints the summary (text, or with --json one JSON object that
 * also names the page).  A malformed input exits 65 with FILE:LINE: field:
 * reason on stderr, a missing DIR 66, bad usage 64.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "sim/report.h"
#include "util/err.h"
#include "util/jsonw.h"

static int
write_page(const struct report *r, const char *out, struct err *e)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", out) >= sizeof tmp)
		return err_set(e, ERR_LIMIT, "%s: path too long", out);
	if ((f = fopen(tmp, "w")) == NULL)
		return err_set(e, ERR_IO, "%s: %s", tmp, strerror(errno));
	rc = report_write_html(f, r, e);
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(e, ERR_IO, "%s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, out) != 0)
		rc = err_set(e, ERR_IO, "%s: %s", out, strerror(errno));
	if (rc != 0)
		remove(tmp);
	return rc;
}

static int
exec_report(int argc, char **argv)
{
	const char *dir = NULL, *out = NULL, *v;
	char def[4096];
	struct report r;
	struct err e;
	int json = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if ((v = cmd_opt_value(argc, argv, &i, "-o")) != NULL ||
			   (v = cmd_opt_value(argc, argv, &i, "--out")) != NULL) {
			if (*v == '\0')
				return cmd_usage_error(&cmd_report_entry,
						       "-o needs a file");
			out = v;
		} else if (argv[i][0] == '-' || dir != NULL) {
			return cmd_usage_error(&cmd_report_entry,
					       "unexpected argument %s", argv[i]);
		} else {
			dir = argv[i];
		}
	}
	if (dir == NULL)
		return cmd_usage_error(&cmd_report_entry, "DIR is missing");
	if (out == NULL) {
		if ((size_t)snprintf(def, sizeof def, "%s/report.html", dir) >=
		    sizeof def)
			return cmd_usage_error(&cmd_report_entry, "DIR too long");
		out = def;
	}
	err_clear(&e);
	if ((rc = report_read(dir, &r, &e)) != 0 ||
	    (rc = write_page(&r, out, &e)) != 0) {
		fprintf(stderr, "allot report: %s\n", e.msg);
		report_free(&r);
		return err_exit_status(rc);
	}
	if (json) {
		struct jsonw w;
		jsonw_init(&w, stdout);
		jsonw_obj(&w);
		report_summary_json(&w, &r);
		jsonw_key(&w, "html");
		jsonw_str(&w, out);
		jsonw_end(&w);
		jsonw_nl(&w);
	} else {
		report_summary(stdout, &r);
		printf("report          %s\n", out);
	}
	report_free(&r);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "allot report: stdout: %s\n", strerror(errno));
		return err_exit_status(ERR_IO);
	}
	return 0;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "DIR [-o FILE] [--json]",
	.summary = "the HTML report and summary of a program run directory",
	.help =
	    "  DIR        a run's output (allot run SCENARIO --out DIR); every\n"
	    "             file is optional (docs/REPORT.md)\n"
	    "  -o FILE    where to write the page (default DIR/report.html)\n"
	    "  --json     the summary as one JSON object on stdout\n",
	.exec = exec_report,
};
