/*
 * cmd-cancel.c — `allot cancel`: scancel for allot.
 *
 *	allot cancel [-v] ID...
 *	allot cancel [-v] [-u USER] [-A ACCOUNT] [-t pending|running]
 *
 * POST /v1/jobs/ID/cancel for each id in turn; silent on success like
 * scancel, one line on stderr per id the server refused.  Without ids,
 * the filters pick the jobs (at least one filter, as scancel asks): every
 * pending and running job of that user and/or account, or only those in
 * the state -t names, listed with GET /v1/jobs (every page) first.  Every
 * job is tried; the exit status is the worst one (2 over 1 over 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "cmd/cmd.h"
#include "util/alloc.h"

/* Appends the ids of the jobs matching the filters, in state `state`, to
 * *ids.  Returns 0 or the client_call code (message printed). */
static int
select_jobs(struct client *c, const char *user, const char *account,
	    const char *state, long long **ids, size_t *n, size_t *cap)
{
	char path[512] = "/v1/jobs";
	struct client_resp r;
	struct err e = {0};
	json_t *jobs = json_array();
	int rc;

	client_path_add(path, sizeof path, "state", state);
	if (user != NULL)
		client_path_add(path, sizeof path, "user", user);
	if (account != NULL)
		client_path_add(path, sizeof path, "account", account);
	if ((rc = client_list(c, path, -1, 0, jobs, &r, &e)) != 0)
		rc = client_fail("cancel", rc, &r, &e);
	for (size_t k = 0; rc == 0 && k < json_array_size(jobs); k++) {
		*ids = xgrow(*ids, cap, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = client_jint(json_array_get(jobs, k), "id", -1);
	}
	client_resp_clear(&r);
	json_decref(jobs);
	return rc;
}

static int
cancel(int argc, char **argv)
{
	struct client_opts o = {0};
	const char *user = NULL, *account = NULL, *state = NULL, *v;
	int status = 0, verbose = 0;
	size_t nids = 0, cap = 0;
	long long *ids = NULL;
	struct client *c;

	for (int i = 1; i < argc; i++) {
		int f = client_flag(argc, argv, &i, &o);
		long long id;

		if (f < 0) {
			free(ids);
			return cmd_usage_error(&cmd_cancel_entry, "%s needs a value", argv[i]);
		}
		if (f > 0)
			continue;
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0)
			verbose = 1;
		else if ((v = cmd_opt_value(argc, argv, &i, "--user")) != NULL ||
			 (v = cmd_opt_value(argc, argv, &i, "-u")) != NULL)
			user = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--account")) != NULL ||
			 (v = cmd_opt_value(argc, argv, &i, "-A")) != NULL)
			account = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--state")) != NULL ||
			 (v = cmd_opt_value(argc, argv, &i, "-t")) != NULL) {
			if (strcmp(v, "pending") != 0 && strcmp(v, "running") != 0) {
				free(ids);
				return cmd_usage_error(&cmd_cancel_entry, "--state: pending or "
						       "running, got \"%s\"", v);
			}
			state = v;
		} else if ((id = cmd_parse_count(argv[i])) > 0) {
			ids = xgrow(ids, &cap, nids + 1, sizeof *ids);
			ids[nids++] = id;
		} else {
			free(ids);
			return cmd_usage_error(&cmd_cancel_entry, "not a job id: \"%s\"",
					       argv[i]);
		}
		if ((user != NULL && *user == '\0') || (account != NULL && *account == '\0')) {
			free(ids);
			return cmd_usage_error(&cmd_cancel_entry, "%s needs a value", argv[i]);
		}
	}
	if (nids > 0 && (user != NULL || account != NULL || state != NULL)) {
		free(ids);
		return cmd_usage_error(&cmd_cancel_entry, "give job ids or filters, "
				       "not both");
	}
	if (nids == 0 && user == NULL && account == NULL) {
		free(ids);
		return cmd_usage_error(&cmd_cancel_entry, state != NULL ?
				       "--state needs --user or --account too" :
				       "no job id (or -u USER / -A ACCOUNT)");
	}
	if ((c = client_open("cancel", o.url, o.token, o.timeout, &status)) == NULL) {
		free(ids);
		return status;
	}
	if (nids == 0) {
		/* by filter: pending first, so none starts while we look */
		if ((state == NULL || strcmp(state, "pending") == 0) &&
		    (status = select_jobs(c, user, account, "pending", &ids, &nids, &cap)) != 0)
			goto out;
		if ((state == NULL || strcmp(state, "running") == 0) &&
		    (status = select_jobs(c, user, account, "running", &ids, &nids, &cap)) != 0)
			goto out;
		if (verbose && nids == 0)
			printf("no matching jobs\n");
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
out:
	client_free(c);
	free(ids);
	return status;
}

const struct cmd_entry cmd_cancel_entry = {
	"cancel",
	"[-v] ID... | [-v] [-u USER] [-A ACCOUNT] [-t pending|running]",
	"cancel jobs (scancel)",
	"  ID...             these jobs\n"
	"  -u, --user U      every pending and running job of user U\n"
	"  -A, --account A   ... of tenant A (with -u: of both)\n"
	"  -t, --state S     only the pending or only the running ones\n"
	"  -v, --verbose     say what happened to each job\n"
	"      --url URL, --token T, --timeout S\n"
	"Exit: 0 all cancelled, 1 the server refused one (unknown id, not yours,\n"
	"already ended), 2 unreachable/5xx, 64 usage.\n",
	cancel,
};
