/*
 * cmd-cancel.c — `allot cancel ID...`: scancel for allot.  POST
 * /v1/jobs/ID/cancel for each id in turn; silent on success like
 * scancel, one line on stderr per id the server refused.  Every id is
 * tried; the exit status is the worst one (2 over 1 over 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "cmd/cmd.h"
#include "util/alloc.h"

static int
cancel(int argc, char **argv)
{
	struct client_opts o = {0};
	int status = 0, verbose = 0;
	size_t nids = 0;
	long long *ids = xcalloc((size_t)argc, sizeof *ids);
	struct client *c;

	for (int i = 1; i < argc; i++) {
		int f = client_flag(argc, argv, &i, &o);

		if (f < 0) {
			free(ids);
			return cmd_usage_error(&cmd_cancel_entry, "%s needs a value", argv[i]);
		}
		if (f > 0)
			continue;
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)
			verbose = 1;
		else if ((ids[nids] = cmd_parse_count(argv[i])) > 0)
			nids++;
		else {
			free(ids);
			return cmd_usage_error(&cmd_cancel_entry, "not a job id: \"%s\"",
					       argv[i]);
		}
	}
	if (nids == 0) {
		free(ids);
		return cmd_usage_error(&cmd_cancel_entry, "no job id");
	}
	if ((c = client_open("cancel", o.url, o.token, o.timeout, &status)) == NULL) {
		free(ids);
		return status;
	}
	for (size_t k = 0; k < nids; k++) {
		struct client_resp r;
		struct err e = {0};
		char path[64];
		int rc, st;

		snprintf(path, sizeof path, "/v1/jobs/%lld/cancel", ids[k]);
		rc = client_call(c, "POST", path, NULL, 0, &r, &e);
		if (rc != 0) {
			fprintf(stderr, "allot cancel: job %lld: %s\n", ids[k], e.msg);
			st = client_exit_status(rc, r.status);
			if (st > status)
				status = st;
		} else if (verbose)
			printf("cancelled job %lld (%s)\n", ids[k],
			       client_jstr(r.json, "state", "cancelled"));
		client_resp_clear(&r);
	}
	client_free(c);
	free(ids);
	return status;
}

const struct cmd_entry cmd_cancel_entry = {
	"cancel",
	"[-v] ID...",
	"cancel jobs (scancel)",
	"  -v, --verbose     say what happened to each job\n"
	"      --url URL, --token T, --timeout S\n"
	"Exit: 0 all cancelled, 1 the server refused one (unknown id, not yours,\n"
	"already ended), 2 unreachable/5xx, 64 usage.\n",
	cancel,
};
