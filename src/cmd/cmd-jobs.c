/*
 * cmd-jobs.c — `allot jobs`: one job in detail (scontrol show job), or
 * the history (sacct), from GET /v1/jobs/ID and GET /v1/jobs.
 *
 *	allot jobs ID [--json]
 *	allot jobs ID --hold | --release       (scontrol hold / release)
 *	allot jobs [--state S] [-A ACCOUNT] [-u USER] [--limit N | --all] [--json]
 *
 * The list follows next_cursor page after page until --limit jobs (100
 * by default) or, with --all, every job the token may see.  --json
 * prints {"jobs": [...]} with every page's jobs in one array, so scripts
 * see one document whatever the page size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/client.h"
#include "cmd/cmd.h"
#include "util/slurmtime.h"

/* Whether member k holds a unix time (printed with its UTC date too). */
static int
is_time(const char *k)
{
	return strcmp(k, "submit") == 0 || strcmp(k, "start") == 0 ||
	       strcmp(k, "end") == 0 || strcmp(k, "planned_start") == 0;
}

static void
show_one(const json_t *j)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)j, k, v) {
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		printf("%-16s %s", k, s != NULL ? s : json_string_value(v));
		if (is_time(k) && json_is_integer(v) && json_integer_value(v) > 0) {
			time_t t = (time_t)json_integer_value(v);
			struct tm tm;
			char buf[32];

			gmtime_r(&t, &tm);
			strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
			printf(" (%s)", buf);
		}
		printf("\n");
		free(s);
	}
}

/* A string member, "-" when missing or empty, so columns never shift. */
static const char *
col(const json_t *j, const char *key)
{
	const char *s = client_jstr(j, key, "-");

	return s[0] != '\0' ? s : "-";
}

static void
table(const json_t *jobs, int header)
{
	int64_t now = (int64_t)time(NULL);

	if (header)
		printf("%8s %-16s %-10s %-10s %2s %10s %5s %4s %s\n", "JOBID", "NAME",
		       "ACCOUNT", "USER", "ST", "ELAPSED", "GPUS", "EXIT", "REASON");
	for (size_t k = 0; k < json_array_size(jobs); k++) {
		const json_t *j = json_array_get(jobs, k);
		char t[24], g[16], x[24];
		int64_t code = client_jint(j, "exit_code", -1);

		slurmtime_format(client_job_elapsed(j, now), t, sizeof t);
		client_job_gpus(j, g, sizeof g);
		if (code >= 0)
			snprintf(x, sizeof x, "%lld", (long long)code);
		else
			snprintf(x, sizeof x, "-");
		printf("%8lld %-16.16s %-10.10s %-10.10s %2s %10s %5s %4s %s\n",
		       (long long)client_jint(j, "id", -1), col(j, "name"),
		       col(j, "account"), col(j, "user"),
		       client_state_code(client_jstr(j, "state", NULL)), t, g, x,
		       client_jstr(j, "reason", ""));
	}
}

static int
jobs(int argc, char **argv)
{
	struct client_opts o = {0};
	const char *state = NULL, *account = NULL, *user = NULL, *v;
	long long id = -1, limit = 100, page = 0;
	int json = 0, header = 1, status = 0, rc;
	const char *action = NULL;   /* "hold" or "release" */
	char path[1024] = "/v1/jobs";
	struct client_resp r = {0};
	struct client *c;
	struct err e = {0};
	json_t *all;

	for (int i = 1; i < argc; i++) {
		int f = client_flag(argc, argv, &i, &o);

		if (f < 0)
			return cmd_usage_error(&cmd_jobs_entry, "%s needs a value", argv[i]);
		if (f > 0)
			continue;
#define OPT(name) ((v = cmd_opt_value(argc, argv, &i, name)) != NULL)
		if (OPT("--state") || OPT("-s")) {
			if (*v == '\0')
				return cmd_usage_error(&cmd_jobs_entry, "--state needs a value");
			state = v;
		} else if (OPT("--account") || OPT("-A")) {
			if (*v == '\0')
				return cmd_usage_error(&cmd_jobs_entry, "--account needs a value");
			account = v;
		} else if (OPT("--user") || OPT("-u")) {
			if (*v == '\0')
				return cmd_usage_error(&cmd_jobs_entry, "--user needs a value");
			user = v;
		} else if (OPT("--limit")) {
			if ((limit = cmd_parse_count(v)) < 1)
				return cmd_usage_error(&cmd_jobs_entry, "--limit: expected a "
						       "positive integer, got \"%s\"", v);
		} else if (OPT("--page-size")) {
			if ((page = cmd_parse_count(v)) < 1 || page > 1000)
				return cmd_usage_error(&cmd_jobs_entry, "--page-size: expected "
						       "1..1000, got \"%s\"", v);
		} else if (strcmp(argv[i], "--hold") == 0)
			action = "hold";
		else if (strcmp(argv[i], "--release") == 0)
			action = "release";
		else if (strcmp(argv[i], "--all") == 0)
			limit = -1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--noheader") == 0)
			header = 0;
		else if (argv[i][0] != '-' && id < 0 && (id = cmd_parse_count(argv[i])) > 0)
			;
		else
			return cmd_usage_error(&cmd_jobs_entry, "unexpected argument %s",
					       argv[i]);
#undef OPT
	}
	if (id > 0 && (state || account || user))
		return cmd_usage_error(&cmd_jobs_entry, "give a job id or filters, not both");
	if (action != NULL && id <= 0)
		return cmd_usage_error(&cmd_jobs_entry, "--%s needs a job id", action);
	if ((c = client_open("jobs", o.url, o.token, o.timeout, &status)) == NULL)
		return status;
	if (id > 0 && action != NULL) {
		/* scontrol hold / release */
		snprintf(path, sizeof path, "/v1/jobs/%lld/%s", id, action);
		if ((rc = client_call(c, "POST", path, NULL, 0, &r, &e)) != 0)
			status = client_fail("jobs", rc, &r, &e);
		else if (json)
			printf("%s\n", r.body);
		client_resp_clear(&r);
		client_free(c);
		return status;
	}
	if (id > 0) {
		snprintf(path, sizeof path, "/v1/jobs/%lld", id);
		if ((rc = client_call(c, "GET", path, NULL, CLIENT_RETRY, &r, &e)) != 0)
			status = client_fail("jobs", rc, &r, &e);
		else if (json)
			printf("%s\n", r.body);
		else
			show_one(r.json);
		client_resp_clear(&r);
		client_free(c);
		return status;
	}
	if (state != NULL)
		client_path_add(path, sizeof path, "state", state);
	if (account != NULL)
		client_path_add(path, sizeof path, "account", account);
	if (user != NULL)
		client_path_add(path, sizeof path, "user", user);
	all = json_array();
	if ((rc = client_list(c, path, limit, page, all, &r, &e)) != 0)
		status = client_fail("jobs", rc, &r, &e);
	else if (json) {
		json_t *doc = json_pack("{sO}", "jobs", all);
		char *s = json_dumps(doc, JSON_COMPACT);

		printf("%s\n", s);
		free(s);
		json_decref(doc);
	} else
		table(all, header);
	json_decref(all);
	client_resp_clear(&r);
	client_free(c);
	return status;
}

const struct cmd_entry cmd_jobs_entry = {
	"jobs",
	"ID [--hold | --release] [--json] | [--state S] [-A ACCOUNT] [-u USER] [--limit N | --all]\n"
	"       [--page-size N] [--noheader] [--json]",
	"one job in detail, or the job history (scontrol show job, sacct)",
	"  ID                one job: every field the server keeps\n"
	"      --hold, --release   hold a pending job / let it be scheduled\n"
	"                    (scontrol hold|release); silent on success\n"
	"  -s, --state S     pending, running, completed, failed, cancelled, preempted\n"
	"  -A, --account A   one tenant's jobs\n"
	"  -u, --user U      one user's jobs\n"
	"      --limit N     at most N jobs (default 100), oldest first\n"
	"      --all         every job, page after page\n"
	"      --page-size N jobs per request (1..1000, default 1000)\n"
	"      --noheader    no header line (sacct -n)\n"
	"      --json        {\"jobs\": [...]} (or the one job) as served\n"
	"      --url URL, --token T, --timeout S\n"
	"Exit: 0 ok, 1 refused by the server (e.g. no such job), 2 unreachable/5xx,\n"
	"64 usage.\n",
	jobs,
};
