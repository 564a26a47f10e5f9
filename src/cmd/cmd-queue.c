/*
 * cmd-queue.c — `allot queue`: squeue for allot.  Running jobs first
 * (GET /v1/jobs?state=running, every page), then the pending queue in
 * priority order (GET /v1/queue), in squeue's columns:
 *
 *	JOBID ACCOUNT USER NAME ST TIME GPUS REASON
 *
 * REASON is the pending reason (the server's: resources, quota_limit,
 * held, ...) or, for a running job, its nodes (squeue's NODELIST).
 * --why adds under each pending job the server's reason text, its
 * priority and the parts it is made of (sprio's breakdown), and the
 * planned start when the backfill planner has one.  --json prints
 * {"running": [...], "pending": [...]} as the server sent them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/client.h"
#include "cmd/cmd.h"
#include "util/slurmtime.h"

struct row {
	char id[24], account[24], user[24], name[32], st[8], time[24], gpus[16];
	char reason[64];
};

/* A string member, "-" when missing or empty, so columns never shift. */
static const char *
col(const json_t *j, const char *key, const char *fallback)
{
	const char *s = client_jstr(j, key, fallback);

	return s[0] != '\0' ? s : "-";
}

/* squeue's NODELIST from an alloc string "node:0,1;node2:0-7": the node
 * names joined by ',' ("-" when none); cut with "..." to fit. */
static void
nodelist(const char *alloc, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	while (*alloc) {
		size_t len = strcspn(alloc, ":;");

		if (len > 0) {
			if (n + len + 2 >= cap) {
				snprintf(out + (n < cap - 4 ? n : cap - 4), 4, "...");
				return;
			}
			if (n > 0)
				out[n++] = ',';
			memcpy(out + n, alloc, len);
			n += len;
			out[n] = '\0';
		}
		alloc += len;
		alloc += strcspn(alloc, ";");   /* skip the GPU list */
		if (*alloc == ';')
			alloc++;
	}
	if (n == 0)
		snprintf(out, cap, "-");
}

static void
fill(struct row *w, const json_t *j, int running, int64_t now)
{
	const char *s;

	snprintf(w->id, sizeof w->id, "%lld", (long long)client_jint(j, "id", -1));
	snprintf(w->account, sizeof w->account, "%s", col(j, "account", "-"));
	snprintf(w->user, sizeof w->user, "%s", col(j, "user", "-"));
	snprintf(w->name, sizeof w->name, "%s", col(j, "name", "-"));
	s = client_jstr(j, "state", running ? "running" : "pending");
	if (client_jint(j, "starting", 0) == 1)
		s = "starting";   /* marked running, the executor not yet confirmed */
	snprintf(w->st, sizeof w->st, "%s", client_state_code(s));
	slurmtime_format(client_job_elapsed(j, now), w->time, sizeof w->time);
	client_job_gpus(j, w->gpus, sizeof w->gpus);
	if (running) {
		nodelist(client_jstr(j, "alloc", ""), w->reason, sizeof w->reason);
		return;
	}
	s = col(j, "reason", "-");
	snprintf(w->reason, sizeof w->reason, "%s", s);
}

static void
print_row(const struct row *w)
{
	printf("%8s %-10s %-10s %-16s %2s %10s %5s %s\n", w->id, w->account, w->user,
	       w->name, w->st, w->time, w->gpus, w->reason);
}

static void
print_why(const json_t *j)
{
	const json_t *parts = json_object_get(j, "priority_parts"), *v;
	const char *k, *text = client_jstr(j, "reason_text", NULL);
	int first = 1;

	if (text != NULL)
		printf("%8s why: %s\n", "", text);
	if (json_object_get(j, "priority") != NULL) {
		const json_t *p = json_object_get(j, "priority");
		if (json_is_real(p))
			printf("%8s priority %.3f", "", json_real_value(p));
		else
			printf("%8s priority %lld", "", (long long)client_jint(j, "priority", 0));
		if (json_is_object(parts)) {
			json_object_foreach((json_t *)parts, k, v) {
				if (json_is_integer(v))
					printf("%s%s %lld", first ? " = " : " + ", k,
					       (long long)json_integer_value(v));
				else if (json_is_real(v))
					printf("%s%s %.3f", first ? " = " : " + ", k,
					       json_real_value(v));
				else
					continue;
				first = 0;
			}
		}
		printf("\n");
	}
	if (json_object_get(j, "blocked_by") != NULL) {
		char *b = json_dumps(json_object_get(j, "blocked_by"),
				     JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%8s blocked by %s\n", "", b != NULL ? b : "?");
		free(b);
	}
	if (client_jint(j, "planned_start", -1) > 0) {
		time_t t = (time_t)client_jint(j, "planned_start", 0);
		struct tm tm;
		char buf[32];

		gmtime_r(&t, &tm);
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%8s planned start %s\n", "", buf);
	}
}

static int
queue(int argc, char **argv)
{
	struct client_opts o = {0};
	const char *account = NULL, *user = NULL, *limit = NULL, *v;
	int why = 0, json = 0, header = 1, status = 0, rc;
	char path[1024] = "/v1/queue", rpath[1024] = "/v1/jobs?state=running";
	struct client_resp r = {0};
	struct client *c;
	struct err e = {0};
	json_t *running = json_array(), *pending;
	int64_t now = (int64_t)time(NULL);

	for (int i = 1; i < argc; i++) {
		int f = client_flag(argc, argv, &i, &o);

		if (f < 0 || ((v = cmd_opt_value(argc, argv, &i, "--account")) != NULL ||
			      (v = cmd_opt_value(argc, argv, &i, "-A")) != NULL)) {
			if (f < 0 || *v == '\0') {
				json_decref(running);
				return cmd_usage_error(&cmd_queue_entry, "%s needs a value",
						       argv[i]);
			}
			account = v;
		} else if (f > 0)
			continue;
		else if ((v = cmd_opt_value(argc, argv, &i, "--user")) != NULL ||
			 (v = cmd_opt_value(argc, argv, &i, "-u")) != NULL) {
			if (*v == '\0') {
				json_decref(running);
				return cmd_usage_error(&cmd_queue_entry, "--user needs a value");
			}
			user = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--limit")) != NULL) {
			if (cmd_parse_count(v) < 1 || cmd_parse_count(v) > 100000) {
				json_decref(running);
				return cmd_usage_error(&cmd_queue_entry, "--limit: expected "
						       "1..100000, got \"%s\"", v);
			}
			limit = v;
		} else if (strcmp(argv[i], "--why") == 0)
			why = 1;
		else if (strcmp(argv[i], "--noheader") == 0)
			header = 0;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			json_decref(running);
			return cmd_usage_error(&cmd_queue_entry, "unexpected argument %s",
					       argv[i]);
		}
	}
	if (account != NULL) {
		client_path_add(path, sizeof path, "account", account);
		client_path_add(rpath, sizeof rpath, "account", account);
	}
	if (limit != NULL)
		client_path_add(path, sizeof path, "limit", limit);
	if (user != NULL) {
		client_path_add(path, sizeof path, "user", user);
		client_path_add(rpath, sizeof rpath, "user", user);
	}
	if ((c = client_open("queue", o.url, o.token, o.timeout, &status)) == NULL) {
		json_decref(running);
		return status;
	}
	if ((rc = client_list(c, rpath, -1, 0, running, &r, &e)) != 0) {
		status = client_fail("queue", rc, &r, &e);
		goto out;
	}
	client_resp_clear(&r);
	if ((rc = client_call(c, "GET", path, NULL, CLIENT_RETRY, &r, &e)) != 0) {
		status = client_fail("queue", rc, &r, &e);
		goto out;
	}
	pending = json_object_get(r.json, "jobs");
	if (!json_is_array(pending)) {
		fprintf(stderr, "allot queue: the reply has no \"jobs\" array: %.200s\n",
			r.body);
		status = CLIENT_EXIT_SERVER;
		goto out;
	}
	if (json) {
		json_t *both = json_object();
		char *s;

		json_object_set(both, "running", running);
		json_object_set(both, "pending", pending);
		s = json_dumps(both, JSON_COMPACT);
		printf("%s\n", s);
		free(s);
		json_decref(both);
		goto out;
	}
	if (header)
		printf("%8s %-10s %-10s %-16s %2s %10s %5s %s\n", "JOBID", "ACCOUNT",
		       "USER", "NAME", "ST", "TIME", "GPUS", why ? "REASON / WHY" : "REASON");
	for (size_t k = 0; k < json_array_size(running); k++) {
		struct row w = {0};
		const json_t *j = json_array_get(running, k);

		if (user != NULL && strcmp(client_jstr(j, "user", user), user) != 0)
			continue;
		fill(&w, j, 1, now);
		print_row(&w);
	}
	for (size_t k = 0; k < json_array_size(pending); k++) {
		struct row w = {0};
		const json_t *j = json_array_get(pending, k);

		if (user != NULL && strcmp(client_jstr(j, "user", user), user) != 0)
			continue;
		fill(&w, j, 0, now);
		print_row(&w);
		if (why)
			print_why(j);
	}
out:
	json_decref(running);
	client_resp_clear(&r);
	client_free(c);
	return status;
}

const struct cmd_entry cmd_queue_entry = {
	"queue",
	"[-A ACCOUNT] [-u USER] [--limit N] [--why] [--noheader] [--json]",
	"running and pending jobs, squeue-style, with why each one waits",
	"  -A, --account A   one tenant's jobs\n"
	"  -u, --user U      one user's jobs\n"
	"      --limit N     at most N pending jobs (default: the server's, 1000)\n"
	"      --why         the reason text and priority breakdown of each\n"
	"                    pending job (sprio), and its planned start\n"
	"      --noheader    no header line (squeue -h)\n"
	"      --json        {\"running\": [...], \"pending\": [...]} as served\n"
	"      --url URL, --token T, --timeout S\n"
	"Exit: 0 ok, 1 refused by the server, 2 unreachable/5xx, 64 usage.\n",
	queue,
};
