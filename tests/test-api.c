/*
 * test-api.c — `allot serve` end to end over real sockets: the daemon is
 * started as a child process ($ALLOT serve on 127.0.0.1, port 0, a
 * temporary database), driven with libcurl, and stopped by its pid.
 * The child gets PR_SET_PDEATHSIG so a failing test never leaves a
 * daemon behind.  Tests skip when $ALLOT is not set.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "daemon.h"
#include "test.h"


/* Waits until job id reaches a final state (or want); returns its JSON. */
static json_t *
wait_state(const struct daemon *d, const char *token, long long id,
	   const char *want, int ms)
{
	char path[64];
	json_t *v = NULL;

	snprintf(path, sizeof path, "/v1/jobs/%lld", id);
	for (int t = 0; t < ms; t += 50) {
		v = JREQ(d, "GET", path, token, NULL, 200);
		/* "running" means started: not merely marked for start. */
		if (strcmp(daemon_jstr(v, "state"), want) == 0 &&
		    !json_is_true(json_object_get(v, "starting")))
			return v;
		json_decref(v);
		daemon_nap_ms(50);
	}
	v = JREQ(d, "GET", path, token, NULL, 200);
	test_fail(__FILE__, __LINE__, "job %lld never became %s: %s", id, want,
		  json_dumps(v, 0));
}

static long long
submit(const struct daemon *d, const char *token, const char *body)
{
	json_t *v = JREQ(d, "POST", "/v1/jobs", token, body, 201);
	long long id = daemon_jint(v, "id");

	CHECK_STR(daemon_jstr(v, "state"), "pending");
	json_decref(v);
	return id;
}

/* ---- Tests ------------------------------------------------------------------ */

TEST(api_jobs)
{
	struct daemon d;
	char dir[600], body[1024];
	json_t *v, *jobs;
	long st;
	char *s;
	long long id, ids[5];
	const char *cur;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	/* Public OpenAPI, tokens everywhere else. */
	v = JREQ(&d, "GET", "/openapi.json", NULL, NULL, 200);
	CHECK_STR(daemon_jstr(v, "openapi"), "3.0.3");
	CHECK(json_object_get(json_object_get(json_object_get(v, "paths"),
					      "/v1/jobs/{id}/cancel"), "post") != NULL);
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/jobs", NULL, NULL, 401, "unauthorized", NULL);
	CHECK_ERROR(&d, "GET", "/v1/jobs", "allot_1_00", NULL, 401, "unauthorized", NULL);
	CHECK_ERROR(&d, "GET", "/v1/jobs",
		    "allot_1_0000000000000000000000000000000000000000000000000000000000000000",
		    NULL, 401, "unauthorized", NULL);
	CHECK_ERROR(&d, "GET", "/metrics", NULL, NULL, 401, "unauthorized", NULL);
	CHECK_ERROR(&d, "GET", "/v1/nope", d.token, NULL, 404, "not_found", NULL);
	/* A second token works until it is revoked. */
	{
		json_t *tk = JREQ(&d, "POST", "/v1/tokens", d.token, "{}", 201);
		char *t2 = strdup(daemon_jstr(tk, "token")), path[64];
		snprintf(path, sizeof path, "/v1/tokens/%lld/revoke", daemon_jint(tk, "id"));
		json_decref(tk);
		json_decref(JREQ(&d, "GET", "/v1/pool", t2, NULL, 200));
		json_decref(JREQ(&d, "POST", path, d.token, "", 200));
		CHECK_ERROR(&d, "GET", "/v1/pool", t2, NULL, 401, "unauthorized", NULL);
		CHECK_ERROR(&d, "POST", "/v1/tokens/999/revoke", d.token, "", 404,
			    "not_found", NULL);
		free(t2);
	}
	CHECK_ERROR(&d, "DELETE", "/v1/jobs", d.token, NULL, 405, "invalid", NULL);
	/* A job too large for the pool stays pending: 64 GPUs on 32. */
	id = submit(&d, d.token, "{\"command\":\"true\",\"gpus\":64,\"name\":\"big\"}");
	CHECK_EQ_INT(id, 1);
	v = JREQ(&d, "GET", "/v1/jobs/1", d.token, NULL, 200);
	CHECK_STR(daemon_jstr(v, "name"), "big");
	CHECK_STR(daemon_jstr(v, "account"), "admin");
	CHECK_STR(daemon_jstr(v, "user"), "admin");
	CHECK_EQ_INT(daemon_jint(v, "gpus"), 64);
	CHECK_EQ_INT(daemon_jint(v, "nodes"), 8);
	CHECK_EQ_INT(daemon_jint(v, "gpus_per_node"), 8);
	CHECK_STR(daemon_jstr(v, "state"), "pending");
	json_decref(v);
	daemon_nap_ms(300);
	v = JREQ(&d, "GET", "/v1/queue", d.token, NULL, 200);
	jobs = json_object_get(v, "jobs");
	CHECK_EQ_INT(json_array_size(jobs), 1);
	CHECK_STR(daemon_jstr(json_array_get(jobs, 0), "reason"), "never_fits");
	CHECK(json_object_get(json_array_get(jobs, 0), "priority_parts") != NULL);
	json_decref(v);
	/* Idempotency: the same key gives the same job, 200. */
	v = JREQ(&d, "POST", "/v1/jobs", d.token,
		 "{\"command\":\"true\",\"gpus\":64,\"idempotency_key\":\"k1\"}", 201);
	id = daemon_jint(v, "id");
	json_decref(v);
	v = JREQ(&d, "POST", "/v1/jobs", d.token,
		 "{\"command\":\"true\",\"gpus\":64,\"idempotency_key\":\"k1\"}", 200);
	CHECK_EQ_INT(daemon_jint(v, "id"), id);
	json_decref(v);
	/* Held jobs stay held; cancel a pending one. */
	for (int i = 0; i < 5; i++)
		ids[i] = submit(&d, d.token, "{\"command\":\"true\",\"gpus\":1,\"hold\":true}");
	v = JREQ(&d, "GET", "/v1/queue", d.token, NULL, 200);
	jobs = json_object_get(v, "jobs");
	CHECK_EQ_INT(json_array_size(jobs), 7);
	for (size_t k = 0; k < 7; k++) {
		json_t *o = json_array_get(jobs, k);
		if (daemon_jint(o, "id") >= ids[0])
			CHECK_STR(daemon_jstr(o, "reason"), "held");
	}
	json_decref(v);
	CHECK_EQ_INT(ids[4], id + 5);
	snprintf(body, sizeof body, "/v1/jobs/%lld/cancel", ids[0]);
	v = JREQ(&d, "POST", body, d.token, "", 200);
	CHECK_STR(daemon_jstr(v, "state"), "cancelled");
	json_decref(v);
	CHECK_ERROR(&d, "POST", body, d.token, "", 409, "conflict", NULL);
	snprintf(body, sizeof body, "/v1/jobs/%lld", ids[0]);
	v = JREQ(&d, "GET", body, d.token, NULL, 200);
	CHECK_STR(daemon_jstr(v, "state"), "cancelled");
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/jobs/9999", d.token, NULL, 404, "not_found", NULL);
	CHECK_ERROR(&d, "GET", "/v1/jobs/abc", d.token, NULL, 404, "not_found", NULL);
	/* Pagination: 7 jobs in pages of 3: 3, 3, 1, exact ids, then null. */
	cur = NULL;
	{
		long long seen = 0;
		char *next = NULL;
		for (int page = 0; page < 3; page++) {
			snprintf(body, sizeof body, "/v1/jobs?limit=3%s%s",
				 next ? "&cursor=" : "", next ? next : "");
			v = JREQ(&d, "GET", body, d.token, NULL, 200);
			jobs = json_object_get(v, "jobs");
			CHECK_EQ_INT(json_array_size(jobs), page < 2 ? 3 : 1);
			for (size_t k = 0; k < json_array_size(jobs); k++)
				CHECK_EQ_INT(daemon_jint(json_array_get(jobs, k), "id"), ++seen);
			cur = daemon_jstr(v, "next_cursor");
			free(next);
			next = cur ? strdup(cur) : NULL;
			CHECK((page < 2) == (cur != NULL));
			json_decref(v);
		}
		free(next);
		CHECK_EQ_INT(seen, 7);
	}
	v = JREQ(&d, "GET", "/v1/jobs?state=cancelled", d.token, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "jobs")), 1);
	json_decref(v);
	/* Release one held job: it is scheduled (pending reason changes). */
	snprintf(body, sizeof body, "/v1/jobs/%lld/release", ids[1]);
	v = JREQ(&d, "POST", body, d.token, "", 200);
	json_decref(v);
	s = daemon_req(&d, "GET", "/metrics", d.token, NULL, &st);
	CHECK_EQ_INT(st, 200);
	CHECK_CONTAINS(s, "allot_submissions_total 7");
	CHECK_CONTAINS(s, "allot_queue_depth{account=\"admin\"}");
	CHECK_CONTAINS(s, "allot_gpus{model=\"H100\",site=\"site-0\",state=\"idle\"}");
	CHECK_CONTAINS(s, "allot_pass_seconds_bucket{le=\"+Inf\"}");
	free(s);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	/* Restart: every job is still there, pending ones still pending. */
	daemon_start(&d, dir, NULL);
	v = JREQ(&d, "GET", "/v1/jobs/1", d.token, NULL, 200);
	CHECK_STR(daemon_jstr(v, "state"), "pending");
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/jobs?limit=1000", d.token, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "jobs")), 7);
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGINT), 0);
}

TEST(api_errors)
{
	struct daemon d;
	char dir[600], *big;
	const char *t;
	long st;
	char *s;
	size_t n = (size_t)2 << 20;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	t = d.token;
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":", 400, "invalid", NULL);
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "[1,2]", 400, "invalid", NULL);
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "", 400, "invalid", NULL);
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{}", 400, "invalid", "command");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":7}", 400, "invalid", "command");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"gpus\":\"2\"}",
		    400, "invalid", "gpus");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"gpus\":1.5}",
		    400, "invalid", "gpus");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"gpus\":12}",
		    400, "invalid", "gpus");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"gpus\":-1}",
		    400, "invalid", "gpus");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"gpux\":1}",
		    400, "invalid", "gpux");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t,
		    "{\"command\":\"x\",\"models\":[\"H100\",\"Z9\"]}", 400, "invalid",
		    "models[1]");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"models\":\"H100\"}",
		    400, "invalid", "models");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"class\":\"war\"}",
		    400, "invalid", "class");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"preemptible\":1}",
		    400, "invalid", "preemptible");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"workdir\":\"rel\"}",
		    400, "invalid", "workdir");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t,
		    "{\"command\":\"x\",\"gpus\":1,\"gpu_milli\":500,\"nodes\":2}",
		    400, "invalid", "gpus");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t,
		    "{\"command\":\"x\",\"gpus_per_node\":2,\"gpu_milli\":500}",
		    400, "invalid", "gpu_milli");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t,
		    "{\"command\":\"x\",\"time_limit_s\":99999999999}", 400, "invalid",
		    "time_limit_s");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"account\":\"nobody\"}",
		    400, "invalid", "account");
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, "{\"command\":\"x\",\"command\":\"y\"}",
		    400, "invalid", NULL);
	CHECK_ERROR(&d, "POST", "/v1/tenants", t, "{\"name\":\"a b\"}", 400, "invalid", "name");
	CHECK_ERROR(&d, "POST", "/v1/tenants", t, "{\"name\":\"ab\",\"shares\":0}", 400,
		    "invalid", "shares");
	CHECK_ERROR(&d, "POST", "/v1/users", t, "{\"name\":\"u\",\"role\":\"king\"}", 400,
		    "invalid", "role");
	CHECK_ERROR(&d, "POST", "/v1/grants", t,
		    "{\"account\":\"admin\",\"model\":\"H100\",\"gpus\":8,\"start\":10,\"end\":5}",
		    400, "invalid", "end");
	CHECK_ERROR(&d, "POST", "/v1/grants", t,
		    "{\"account\":\"admin\",\"model\":\"Q\",\"gpus\":8,\"start\":1,\"end\":5}",
		    400, "invalid", "model");
	CHECK_ERROR(&d, "GET", "/v1/jobs?limit=0", t, NULL, 400, "invalid", "limit");
	CHECK_ERROR(&d, "GET", "/v1/jobs?state=zzz", t, NULL, 400, "invalid", "state");
	CHECK_ERROR(&d, "GET", "/v1/jobs?cursor=x", t, NULL, 400, "invalid", "cursor");
	/* A body over 1 MiB: 413, and the daemon goes on. */
	big = malloc(n + 1);
	memset(big, ' ', n);
	big[n] = '\0';
	big[0] = '{';
	big[n - 1] = '}';
	CHECK_ERROR(&d, "POST", "/v1/jobs", t, big, 413, "too_large", NULL);
	free(big);
	s = daemon_req(&d, "GET", "/v1/pool", t, NULL, &st);
	CHECK_EQ_INT(st, 200);
	CHECK_CONTAINS(s, "\"gpus\":32");
	free(s);
	/* Headers over 32 KiB: refused before any handler runs. */
	{
		CURL *c = curl_easy_init();
		struct curl_slist *h = NULL;
		char *hdr = malloc(100 * 1024), url[128];
		long code = 0;
		memcpy(hdr, "X-Big: ", 7);
		memset(hdr + 7, 'a', 100 * 1024 - 8);
		hdr[100 * 1024 - 1] = '\0';
		h = curl_slist_append(h, hdr);
		snprintf(url, sizeof url, "%s/openapi.json", d.url);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, daemon_on_data);
		{
			struct daemon_buf b = {NULL, 0};
			curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
			curl_easy_perform(c);
			free(b.p);
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		CHECK_EQ_INT(code, 431);
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
		free(hdr);
	}
	s = daemon_req(&d, "GET", "/v1/pool", t, NULL, &st);
	CHECK_EQ_INT(st, 200);
	free(s);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}

TEST(api_ratelimit)
{
	struct daemon d;
	char dir[600];
	int ok = 0, limited = 0;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, "--rate", "5", NULL);
	for (int i = 0; i < 30; i++) {
		long st;
		char *s = daemon_req(&d, "GET", "/v1/pool", d.token, NULL, &st);
		if (st == 200)
			ok++;
		else if (st == 429) {
			CHECK_CONTAINS(s, "\"rate_limited\"");
			limited++;
		}
		free(s);
	}
	/* Burst of 10, 5 more per second: well under 30 pass. */
	CHECK(ok >= 10 && ok < 25);
	CHECK_EQ_INT(ok + limited, 30);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}

/* The executor runs a real child: CUDA_VISIBLE_DEVICES names the GPUs
 * allot chose, the exit code is recorded. */
TEST(api_run)
{
	struct daemon d;
	char dir[600], body[2048], out[700], got[64] = "", want[64] = "";
	json_t *v;
	const char *alloc;
	FILE *f;
	long long id;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	snprintf(body, sizeof body, "{\"command\":\"echo $CUDA_VISIBLE_DEVICES > out\","
		 "\"gpus\":2,\"workdir\":\"%s\"}", dir);
	id = submit(&d, d.token, body);
	for (int t = 0; t < 100; t++) {
		char path[64];
		snprintf(path, sizeof path, "/v1/jobs/%lld", id);
		v = JREQ(&d, "GET", path, d.token, NULL, 200);
		if (strcmp(daemon_jstr(v, "state"), "failed") == 0 &&
		    strcmp(daemon_jstr(v, "reason"), "start failed") == 0) {
			json_decref(v);
			daemon_stop(&d, SIGTERM);
			test_skip("the local executor cannot start jobs yet");
		}
		if (strcmp(daemon_jstr(v, "state"), "completed") == 0)
			break;
		json_decref(v);
		v = NULL;
		daemon_nap_ms(100);
	}
	CHECK(v != NULL);
	CHECK_EQ_INT(daemon_jint(v, "exit_code"), 0);
	alloc = daemon_jstr(v, "alloc");
	CHECK(alloc != NULL && strchr(alloc, ':') != NULL);
	snprintf(want, sizeof want, "%s", strchr(alloc, ':') + 1);
	json_decref(v);
	snprintf(out, sizeof out, "%s/out", dir);
	f = fopen(out, "r");
	CHECK(f != NULL);
	CHECK(fgets(got, sizeof got, f) != NULL);
	fclose(f);
	got[strcspn(got, "\n")] = '\0';
	CHECK_STR(got, want);
	CHECK_EQ_INT(strlen(got), 3); /* two GPU ids "a,b" */
	/* A failing command records its exit code. */
	snprintf(body, sizeof body, "{\"command\":\"exit 3\",\"gpus\":1,"
		 "\"workdir\":\"%s\"}", dir);
	id = submit(&d, d.token, body);
	v = wait_state(&d, d.token, id, "failed", 10000);
	CHECK_EQ_INT(daemon_jint(v, "exit_code"), 3);
	json_decref(v);
	/* Cancel a running job: SIGTERM, recorded as cancelled. */
	snprintf(body, sizeof body, "{\"command\":\"sleep 30\",\"gpus\":1,"
		 "\"grace_s\":1,\"workdir\":\"%s\"}", dir);
	id = submit(&d, d.token, body);
	v = wait_state(&d, d.token, id, "running", 10000);
	json_decref(v);
	snprintf(body, sizeof body, "/v1/jobs/%lld/cancel", id);
	v = JREQ(&d, "POST", body, d.token, "", 200);
	CHECK_STR(daemon_jstr(v, "state"), "cancelling");
	json_decref(v);
	v = wait_state(&d, d.token, id, "cancelled", 10000);
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}

/* ---- Authorisation: every role x every endpoint ------------------------------ */

enum { R_ADMIN, R_PM, R_EV, R_TA, R_MEM, R_VIEW, R_MEMB, NR };

static const char *const rnames[NR] = {
	"admin", "pm", "ev", "ta-A", "mem-A", "view-A", "mem-B",
};

#define RUBRIC "rubric r\\npart e 1 group g source panel norm fixed 0 10\\nfinalists 1\\n"
#define PANEL "evaluator,team,criterion,score\\ne1,teamA,e,7\\n"
#define PROPOSAL "\"program\":\"call26\",\"servers\":1,\"model\":\"H100\"," \
		 "\"months\":6,\"category\":\"academia\",\"org\":\"u\""

struct cell {
	const char *method, *path, *body; /* body may hold one %d: the role */
	int want[NR];
};

static const struct cell matrix[] = {
	/* Jobs: 1 is mem-A's, 2 mem2-A's, 3 mem-B's (all held). */
	{"GET", "/v1/jobs/1", NULL, {200, 403, 403, 200, 200, 200, 404}},
	{"GET", "/v1/jobs/3", NULL, {200, 403, 403, 404, 404, 404, 200}},
	{"GET", "/v1/jobs", NULL, {200, 403, 403, 200, 200, 200, 200}},
	{"GET", "/v1/jobs?account=teamA", NULL, {200, 403, 403, 200, 200, 200, 403}},
	{"GET", "/v1/queue", NULL, {200, 403, 403, 200, 200, 200, 200}},
	{"GET", "/v1/queue?account=teamB", NULL, {200, 403, 403, 403, 403, 403, 200}},
	{"POST", "/v1/jobs/1/hold", "", {200, 403, 403, 200, 200, 403, 404}},
	{"POST", "/v1/jobs/2/hold", "", {200, 403, 403, 200, 403, 403, 404}},
	{"POST", "/v1/jobs/3/hold", "", {200, 403, 403, 404, 404, 403, 200}},
	/* A released job starts at once: one permitted release per job,
	 * the others (0) not tried; every denial is. */
	{"POST", "/v1/jobs/1/release", "", {0, 403, 403, 200, 0, 403, 404}},
	{"POST", "/v1/jobs/2/release", "", {0, 403, 403, 200, 403, 403, 404}},
	{"POST", "/v1/jobs/3/release", "", {0, 403, 403, 404, 404, 403, 200}},
	{"POST", "/v1/jobs/3/cancel", "", {0, 403, 403, 404, 404, 403, 200}},
	{"POST", "/v1/jobs", "{\"command\":\"true\",\"gpus\":1,\"hold\":true}",
	 {201, 403, 403, 201, 201, 403, 201}},
	{"POST", "/v1/jobs", "{\"command\":\"true\",\"hold\":true,\"account\":\"teamB\"}",
	 {201, 403, 403, 403, 403, 403, 201}},
	/* Pool and nodes. */
	{"GET", "/v1/pool", NULL, {200, 200, 200, 200, 200, 200, 200}},
	{"GET", "/v1/nodes", NULL, {200, 200, 200, 200, 200, 200, 200}},
	{"POST", "/v1/nodes/site-0-c0-n00000/drain", "", {200, 403, 403, 403, 403, 403, 403}},
	{"POST", "/v1/nodes/site-0-c0-n00000/resume", "", {200, 403, 403, 403, 403, 403, 403}},
	/* Tenants, users, tokens. */
	{"GET", "/v1/tenants", NULL, {200, 200, 403, 200, 200, 200, 200}},
	{"POST", "/v1/tenants", "{\"name\":\"t-%d\"}", {201, 403, 403, 403, 403, 403, 403}},
	{"GET", "/v1/users", NULL, {200, 403, 403, 200, 200, 200, 200}},
	{"POST", "/v1/users", "{\"name\":\"u-%d\",\"role\":\"member\"}",
	 {201, 403, 403, 201, 403, 403, 403}},
	{"POST", "/v1/users", "{\"name\":\"v-%d\",\"account\":\"teamB\"}",
	 {201, 403, 403, 403, 403, 403, 403}},
	{"POST", "/v1/users", "{\"name\":\"w-%d\",\"role\":\"admin\"}",
	 {201, 403, 403, 403, 403, 403, 403}},
	{"POST", "/v1/tokens", "{}", {201, 201, 201, 201, 201, 201, 201}},
	{"POST", "/v1/tokens", "{\"user\":\"mem2-A\"}", {201, 403, 403, 201, 403, 403, 403}},
	{"POST", "/v1/tokens", "{\"user\":\"admin\"}", {201, 403, 403, 403, 403, 403, 403}},
	/* Programs and grants. */
	{"GET", "/v1/programs", NULL, {200, 200, 200, 200, 200, 200, 200}},
	{"POST", "/v1/programs", "{\"name\":\"p-%d\"}", {201, 201, 403, 403, 403, 403, 403}},
	{"GET", "/v1/grants", NULL, {200, 200, 403, 200, 200, 200, 200}},
	{"GET", "/v1/grants?account=teamB", NULL, {200, 200, 403, 403, 403, 403, 200}},
	{"POST", "/v1/grants", "{\"account\":\"teamA\",\"model\":\"H100\",\"gpus\":8,"
	 "\"start\":0,\"end\":9999999999}", {201, 201, 403, 403, 403, 403, 403}},
	{"GET", "/v1/usage", NULL, {200, 200, 403, 200, 200, 200, 200}},
	{"GET", "/v1/usage?account=teamB", NULL, {200, 200, 403, 403, 403, 403, 200}},
	{"GET", "/v1/usage/check", NULL, {200, 200, 403, 200, 200, 200, 200}},
	{"GET", "/v1/usage/check?account=teamB", NULL, {200, 200, 403, 403, 403, 403, 200}},
	{"GET", "/v1/ledger", NULL, {200, 200, 403, 200, 200, 200, 200}},
	{"GET", "/v1/ledger?account=teamB", NULL, {200, 200, 403, 403, 403, 403, 200}},
	{"GET", "/v1/executor", NULL, {200, 403, 403, 403, 403, 403, 403}},
	{"GET", "/v1/audit", NULL, {200, 200, 403, 403, 403, 403, 403}},
	{"GET", "/v1/audit/verify", NULL, {200, 200, 403, 403, 403, 403, 403}},
	{"GET", "/metrics", NULL, {200, 200, 200, 200, 200, 200, 200}},
	/* Rounds: 1 and 3 have team teamA, 2 team teamB; 3 has a panel. */
	{"GET", "/v1/rounds", NULL, {200, 200, 200, 200, 200, 200, 200}},
	{"GET", "/v1/rounds?status=open", NULL, {200, 200, 200, 200, 200, 200, 200}},
	{"GET", "/v1/rounds/1", NULL, {200, 200, 200, 200, 200, 200, 404}},
	{"GET", "/v1/rounds/2", NULL, {200, 200, 200, 404, 404, 404, 200}},
	{"GET", "/v1/rounds/9", NULL, {404, 404, 404, 404, 404, 404, 404}},
	{"POST", "/v1/rounds", "{\"name\":\"r-%d\",\"rubric\":\"" RUBRIC "\","
	 "\"teams\":[\"teamA\"]}", {201, 201, 403, 403, 403, 403, 403}},
	{"POST", "/v1/rounds/1/scores", "{\"kind\":\"panel\",\"content\":\"" PANEL "\"}",
	 {201, 201, 201, 403, 403, 403, 403}},
	{"POST", "/v1/rounds/9/scores", "{\"kind\":\"panel\",\"content\":\"" PANEL "\"}",
	 {404, 404, 404, 403, 403, 403, 403}},
	{"POST", "/v1/rounds/3/close", "", {200, 409, 403, 403, 403, 403, 403}},
	{"POST", "/v1/rounds/3/scores", "{\"kind\":\"panel\",\"content\":\"" PANEL "\"}",
	 {409, 409, 409, 403, 403, 403, 403}},
	/* Proposals: 1 is teamA's, 2 teamB's, both in call26. */
	{"GET", "/v1/proposals", NULL, {200, 200, 403, 200, 200, 200, 200}},
	{"GET", "/v1/proposals/1", NULL, {200, 200, 403, 200, 200, 200, 404}},
	{"GET", "/v1/proposals/2", NULL, {200, 200, 403, 404, 404, 404, 200}},
	{"POST", "/v1/proposals", "{" PROPOSAL "}", {201, 201, 403, 201, 403, 403, 403}},
	{"POST", "/v1/proposals", "{" PROPOSAL ",\"tenant\":\"teamB\"}",
	 {201, 201, 403, 403, 403, 403, 403}},
	{"POST", "/v1/proposals", "{" PROPOSAL ",\"scores\":{\"impact\":1,"
	 "\"ecosystem\":1,\"feasibility\":1}}", {201, 201, 403, 403, 403, 403, 403}},
	{"POST", "/v1/proposals/1/scores", "{\"impact\":1,\"ecosystem\":1,\"feasibility\":1}",
	 {200, 200, 403, 403, 403, 403, 403}},
	{"POST", "/v1/proposals/99/scores", "{\"impact\":1,\"ecosystem\":1,\"feasibility\":1}",
	 {404, 404, 403, 403, 403, 403, 403}},
	{"GET", "/v1/calls/call26", NULL, {200, 200, 403, 200, 200, 200, 200}},
	{"GET", "/v1/calls", NULL, {200, 200, 403, 200, 200, 200, 200}},
	{"GET", "/v1/calls/nope", NULL, {404, 404, 403, 404, 404, 404, 404}},
	/* Selection (min_score 50: every proposal here is rejected, so no
	 * grants change the counts checked below). */
	{"POST", "/v1/calls/nope/select", "{\"capacity\":{\"H100\":4}}",
	 {404, 404, 403, 403, 403, 403, 403}},
	{"POST", "/v1/calls/call26/select", "{\"capacity\":{\"H100\":4},"
	 "\"rules\":{\"min_score\":50}}", {200, 409, 403, 403, 403, 403, 403}},
	{"POST", "/v1/proposals", "{" PROPOSAL "}", {409, 409, 403, 409, 403, 403, 403}},
	{"POST", "/v1/proposals/1/scores", "{\"impact\":1,\"ecosystem\":1,\"feasibility\":1}",
	 {409, 409, 403, 403, 403, 403, 403}},
};


TEST(api_authz)
{
	struct daemon d;
	char dir[600], log[700], *tok[NR], *mem2;
	static const char *const setup[][2] = {
		{"/v1/tenants", "{\"name\":\"teamA\"}"},
		{"/v1/tenants", "{\"name\":\"teamB\"}"},
		{"/v1/tenants", "{\"name\":\"prog\"}"},
		{"/v1/users", "{\"name\":\"pm\",\"account\":\"prog\",\"role\":\"program-manager\"}"},
		{"/v1/users", "{\"name\":\"ev\",\"account\":\"prog\",\"role\":\"evaluator\"}"},
		{"/v1/users", "{\"name\":\"ta-A\",\"account\":\"teamA\",\"role\":\"tenant-admin\"}"},
		{"/v1/users", "{\"name\":\"mem-A\",\"account\":\"teamA\",\"role\":\"member\"}"},
		{"/v1/users", "{\"name\":\"mem2-A\",\"account\":\"teamA\",\"role\":\"member\"}"},
		{"/v1/users", "{\"name\":\"view-A\",\"account\":\"teamA\",\"role\":\"viewer\"}"},
		{"/v1/users", "{\"name\":\"mem-B\",\"account\":\"teamB\",\"role\":\"member\"}"},
		{"/v1/programs", "{\"name\":\"call26\"}"},
		{"/v1/rounds", "{\"name\":\"ra\",\"rubric\":\"" RUBRIC "\",\"teams\":[\"teamA\"]}"},
		{"/v1/rounds", "{\"name\":\"rb\",\"rubric\":\"" RUBRIC "\",\"teams\":[\"teamB\"]}"},
		{"/v1/rounds", "{\"name\":\"rc\",\"rubric\":\"" RUBRIC "\",\"teams\":[\"teamA\"]}"},
		{"/v1/rounds/3/scores", "{\"kind\":\"panel\",\"content\":\"" PANEL "\"}"},
		{"/v1/proposals", "{" PROPOSAL ",\"tenant\":\"teamA\"}"},
		{"/v1/proposals", "{" PROPOSAL ",\"tenant\":\"teamB\"}"},
	};
	json_t *v;
	FILE *f;
	size_t nbad = 0;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
		json_decref(JREQ(&d, "POST", setup[i][0], d.token, setup[i][1], 201));
	tok[R_ADMIN] = strdup(d.token);
	for (int r = 1; r < NR; r++)
		tok[r] = daemon_mktoken(&d, rnames[r]);
	mem2 = daemon_mktoken(&d, "mem2-A");
	CHECK_EQ_INT(submit(&d, tok[R_MEM], "{\"command\":\"true\",\"hold\":true}"), 1);
	CHECK_EQ_INT(submit(&d, mem2, "{\"command\":\"true\",\"hold\":true}"), 2);
	CHECK_EQ_INT(submit(&d, tok[R_MEMB], "{\"command\":\"true\",\"hold\":true}"), 3);
	for (size_t i = 0; i < sizeof matrix / sizeof matrix[0]; i++) {
		const struct cell *c = &matrix[i];
		for (int r = 0; r < NR; r++) {
			char body[512];
			long st;
			char *s;
			int want = c->want[r];
			if (c->body != NULL) {
				const char *pc = strstr(c->body, "%d");
				if (pc != NULL)
					snprintf(body, sizeof body, "%.*s%d%s",
						 (int)(pc - c->body), c->body, r, pc + 2);
				else
					snprintf(body, sizeof body, "%s", c->body);
			}
			if (want == 0)
				continue; /* not tried: see the row */
			s = daemon_req(&d, c->method, c->path, tok[r], c->body ? body : NULL, &st);
			if (st != want) {
				fprintf(stderr, "%s %s as %s: %ld, want %d: %s\n", c->method,
					c->path, rnames[r], st, want, s);
				nbad++;
			} else if (want >= 400) {
				const char *code = want == 403 ? "\"forbidden\"" :
						   want == 409 ? "\"conflict\"" :
						   "\"not_found\"";
				if (strstr(s, code) == NULL) {
					fprintf(stderr, "%s %s as %s: body %s\n", c->method,
						c->path, rnames[r], s);
					nbad++;
				}
			}
			free(s);
		}
	}
	CHECK_EQ_INT(nbad, 0);
	/* Revoking a token: its user, that account's tenant-admin or an
	 * admin; for anybody else the token does not exist (404: ids are
	 * not revealed).  mem2-A's tokens, made by the admin. */
	{
		static const int want[NR] = {0, 404, 404, 200, 404, 404, 404};
		for (int r = 1; r < NR; r++) {
			char path[64];
			long st;
			char *s;
			json_t *tk = JREQ(&d, "POST", "/v1/tokens", d.token,
					  "{\"user\":\"mem2-A\"}", 201);
			snprintf(path, sizeof path, "/v1/tokens/%lld/revoke",
				 daemon_jint(tk, "id"));
			json_decref(tk);
			s = daemon_req(&d, "POST", path, tok[r], "", &st);
			if (st != want[r]) {
				fprintf(stderr, "revoke as %s: %ld, want %d: %s\n",
					rnames[r], st, want[r], s);
				nbad++;
			}
			free(s);
		}
		CHECK_EQ_INT(nbad, 0);
	}
	/* What each one sees: its own account only. */
	v = JREQ(&d, "GET", "/v1/jobs?limit=1000", tok[R_MEM], NULL, 200);
	for (size_t k = 0; k < json_array_size(json_object_get(v, "jobs")); k++)
		CHECK_STR(daemon_jstr(json_array_get(json_object_get(v, "jobs"), k), "account"),
			  "teamA");
	CHECK(json_array_size(json_object_get(v, "jobs")) >= 3);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/tenants", tok[R_VIEW], NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "tenants")), 1);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/users", tok[R_MEM], NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "users")), 1);
	json_decref(v);
	{
		/* /metrics: a team sees its own queue depth only. */
		long st;
		char *s = daemon_req(&d, "GET", "/metrics", tok[R_MEMB], NULL, &st);
		CHECK_EQ_INT(st, 200);
		CHECK_CONTAINS(s, "allot_queue_depth{account=\"teamB\"}");
		CHECK(strstr(s, "account=\"teamA\"") == NULL);
		free(s);
		s = daemon_req(&d, "GET", "/metrics", tok[R_PM], NULL, &st);
		CHECK_CONTAINS(s, "allot_queue_depth{account=\"teamA\"}");
		CHECK_CONTAINS(s, "allot_queue_depth{account=\"teamB\"}");
		free(s);
	}
	v = JREQ(&d, "GET", "/v1/grants", tok[R_MEMB], NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "grants")), 0);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/grants", tok[R_MEM], NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "grants")), 2);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/queue", tok[R_MEMB], NULL, 200);
	for (size_t k = 0; k < json_array_size(json_object_get(v, "jobs")); k++)
		CHECK_STR(daemon_jstr(json_array_get(json_object_get(v, "jobs"), k), "account"),
			  "teamB");
	json_decref(v);
	/* Only its owner could cancel job 3. */
	v = JREQ(&d, "GET", "/v1/jobs/3", tok[R_MEMB], NULL, 200);
	CHECK_STR(daemon_jstr(v, "state"), "cancelled");
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	snprintf(log, sizeof log, "%s/serve.log", dir);
	f = fopen(log, "r");
	CHECK(f != NULL);
	{
		char line[1024];
		int denials = 0, hidden = 0;
		while (fgets(line, sizeof line, f) != NULL) {
			if (strstr(line, "denied: user mem-A (member") != NULL)
				denials++;
			if (strstr(line, "not visible: answered 404") != NULL)
				hidden++;
		}
		CHECK(denials >= 10);
		CHECK(hidden >= 5);
	}
	fclose(f);
	for (int r = 0; r < NR; r++)
		free(tok[r]);
	free(mem2);
}

/* Skips the test (stopping d) when the executor cannot start jobs yet. */
static void
need_executor(struct daemon *d)
{
	long long id = submit(d, d->token, "{\"command\":\"true\",\"hold\":false}");
	char path[64];

	snprintf(path, sizeof path, "/v1/jobs/%lld", id);
	for (int t = 0; t < 200; t++) {
		json_t *v = JREQ(d, "GET", path, d->token, NULL, 200);
		const char *st = daemon_jstr(v, "state"), *why = daemon_jstr(v, "reason");
		int skip = strcmp(st, "failed") == 0 && strcmp(why, "start failed") == 0;
		int done = strcmp(st, "completed") == 0;
		json_decref(v);
		if (skip) {
			daemon_stop(d, SIGTERM);
			test_skip("the local executor cannot start jobs yet");
		}
		if (done)
			return;
		daemon_nap_ms(50);
	}
	test_fail(__FILE__, __LINE__, "the probe job never finished");
}

/* ---- Preemption and restart ------------------------------------------------------ */

static long
lines_in(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int ch;

	if (f == NULL)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* The owner of a guarantee reclaims it: the borrower gets SIGTERM, a
 * grace period, and is requeued (it is preemptible); one that ignores
 * SIGTERM is killed after its grace. */
TEST(api_preempt)
{
	struct daemon d;
	char dir[600], body[2048], path[700];
	char *ta, *tb;
	json_t *v;
	long long b1, b2, a1;
	double t0, t1;
	struct timespec ts;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	json_decref(JREQ(&d, "POST", "/v1/tenants", d.token, "{\"name\":\"teamA\"}", 201));
	json_decref(JREQ(&d, "POST", "/v1/tenants", d.token, "{\"name\":\"teamB\"}", 201));
	json_decref(JREQ(&d, "POST", "/v1/users", d.token,
			 "{\"name\":\"a\",\"account\":\"teamA\"}", 201));
	json_decref(JREQ(&d, "POST", "/v1/users", d.token,
			 "{\"name\":\"b\",\"account\":\"teamB\"}", 201));
	need_executor(&d);
	ta = daemon_mktoken(&d, "a");
	tb = daemon_mktoken(&d, "b");
	json_decref(JREQ(&d, "POST", "/v1/grants", d.token,
			 "{\"account\":\"teamA\",\"model\":\"H100\",\"gpus\":32,"
			 "\"start\":0,\"end\":9999999999}", 201));
	/* B borrows the whole pool: one job that leaves on SIGTERM, one that
	 * ignores it. */
	snprintf(body, sizeof body, "{\"command\":\"trap 'echo TERM >> b1.log; exit 0' "
		 "TERM; echo start >> b1.log; sleep 30 & wait\",\"gpus\":16,"
		 "\"preemptible\":true,\"grace_s\":5,\"workdir\":\"%s\"}", dir);
	b1 = submit(&d, tb, body);
	snprintf(body, sizeof body, "{\"command\":\"trap '' TERM; echo start >> b2.log; "
		 "sleep 30\",\"gpus\":16,\"grace_s\":1,\"checkpointable\":true,"
		 "\"workdir\":\"%s\"}", dir);
	b2 = submit(&d, tb, body);
	json_decref(wait_state(&d, tb, b1, "running", 10000));
	json_decref(wait_state(&d, tb, b2, "running", 10000));
	snprintf(path, sizeof path, "%s/b1.log", dir);
	for (int i = 0; i < 100 && lines_in(path) < 1; i++)
		daemon_nap_ms(50);
	snprintf(path, sizeof path, "%s/b2.log", dir);
	for (int i = 0; i < 100 && lines_in(path) < 1; i++)
		daemon_nap_ms(50);
	/* A wants all 32 of its GPUs back. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	snprintf(body, sizeof body, "{\"command\":\"echo ok > a1.out\",\"gpus\":32,"
		 "\"workdir\":\"%s\"}", dir);
	a1 = submit(&d, ta, body);
	v = wait_state(&d, ta, a1, "completed", 20000);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t1 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	json_decref(v);
	/* b2 ignored SIGTERM: it went only after its 1 s grace. */
	CHECK(t1 - t0 >= 1.0);
	CHECK(t1 - t0 < 15.0);
	snprintf(path, sizeof path, "%s/b1.log", dir);
	CHECK_EQ_INT(lines_in(path) >= 2, 1); /* start, TERM (then maybe a rerun) */
	/* Both borrowers were requeued and run again once A is done. */
	v = wait_state(&d, tb, b1, "running", 10000);
	CHECK_EQ_INT(daemon_jint(v, "runs"), 2);
	json_decref(v);
	v = wait_state(&d, tb, b2, "running", 10000);
	CHECK_EQ_INT(daemon_jint(v, "runs"), 2);
	json_decref(v);
	{
		char logp[700], line[1024];
		FILE *f;
		int pre = 0;
		snprintf(logp, sizeof logp, "%s/serve.log", dir);
		f = fopen(logp, "r");
		CHECK(f != NULL);
		while (fgets(line, sizeof line, f) != NULL)
			pre += strstr(line, "preempted for job") != NULL;
		fclose(f);
		CHECK_EQ_INT(pre, 2);
	}
	/* The grant and both preemptions are audit entries; the chain holds. */
	v = JREQ(&d, "GET", "/v1/audit", d.token, NULL, 200);
	{
		json_t *en = json_object_get(v, "entries");
		CHECK_EQ_INT(json_array_size(en), 3);
		CHECK_STR(daemon_jstr(json_array_get(en, 0), "kind"), "quota");
		CHECK_STR(daemon_jstr(json_array_get(en, 1), "kind"), "preemption");
		CHECK_STR(daemon_jstr(json_object_get(json_array_get(en, 2), "payload"),
			       "account"), "teamB");
		CHECK_EQ_INT(daemon_jint(json_object_get(json_array_get(en, 2), "payload"),
				  "for_job"), a1);
	}
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/audit/verify", d.token, NULL, 200);
	CHECK(json_is_true(json_object_get(v, "ok")));
	CHECK_EQ_INT(daemon_jint(v, "entries"), 3);
	json_decref(v);
	/* Usage: B's first runs (>= 1 s of 16 GPUs for the one killed after
	 * its grace) and the reruns, seen by B; A sees only its own. */
	v = JREQ(&d, "GET", "/v1/usage", tb, NULL, 200);
	{
		json_t *u = json_object_get(v, "usage");
		CHECK_EQ_INT(json_array_size(u), 1);
		CHECK_STR(daemon_jstr(json_array_get(u, 0), "account"), "teamB");
		CHECK_STR(daemon_jstr(json_array_get(u, 0), "model"), "H100");
		CHECK(json_real_value(json_object_get(json_array_get(u, 0),
						      "gpu_seconds")) >= 16);
	}
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/usage", ta, NULL, 200);
	for (size_t k = 0; k < json_array_size(json_object_get(v, "usage")); k++)
		CHECK_STR(daemon_jstr(json_array_get(json_object_get(v, "usage"), k),
			       "account"), "teamA");
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	free(ta);
	free(tb);
}

/* kill -9 the daemon while jobs run: after a restart each is reattached
 * (or found finished) and completes exactly once. */
TEST(api_restart)
{
	struct daemon d;
	char dir[600], body[2048], path[700];
	long long j1, j2, j3;
	json_t *v;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	need_executor(&d);
	/* j1 outlives the restart; j2 finishes while the daemon is down;
	 * j3 is pending (too big while j1 and j2 run). */
	snprintf(body, sizeof body, "{\"command\":\"echo x >> j1.ran; sleep 3\","
		 "\"gpus\":8,\"workdir\":\"%s\"}", dir);
	j1 = submit(&d, d.token, body);
	snprintf(body, sizeof body, "{\"command\":\"echo x >> j2.ran; sleep 0.5; exit 4\","
		 "\"gpus\":8,\"workdir\":\"%s\"}", dir);
	j2 = submit(&d, d.token, body);
	json_decref(wait_state(&d, d.token, j1, "running", 10000));
	json_decref(wait_state(&d, d.token, j2, "running", 10000));
	/* Both really run (their first line is written) before the kill. */
	snprintf(path, sizeof path, "%s/j1.ran", dir);
	for (int i = 0; i < 200 && lines_in(path) < 1; i++)
		daemon_nap_ms(10);
	snprintf(path, sizeof path, "%s/j2.ran", dir);
	for (int i = 0; i < 200 && lines_in(path) < 1; i++)
		daemon_nap_ms(10);
	snprintf(body, sizeof body, "{\"command\":\"echo x >> j3.ran\",\"gpus\":24,"
		 "\"workdir\":\"%s\"}", dir);
	j3 = submit(&d, d.token, body);
	CHECK_EQ_INT(daemon_stop(&d, SIGKILL), 128 + SIGKILL);
	daemon_nap_ms(1200);
	daemon_start(&d, dir, NULL);
	v = wait_state(&d, d.token, j2, "failed", 10000);
	if (daemon_jint(v, "exit_code") != 4) {
		char cmd[2200];
		snprintf(cmd, sizeof cmd, "cat %s/serve.log >&2; ls -R %s/state >&2; "
			 "cat %s/state/*/exit >&2", dir, dir, dir);
		if (system(cmd) != 0)
			fprintf(stderr, "no log\n");
		fprintf(stderr, "%s\n", json_dumps(v, 0));
	}
	CHECK_EQ_INT(daemon_jint(v, "exit_code"), 4);
	json_decref(v);
	v = wait_state(&d, d.token, j1, "running", 2000);
	json_decref(v);
	json_decref(wait_state(&d, d.token, j1, "completed", 10000));
	json_decref(wait_state(&d, d.token, j3, "completed", 10000));
	snprintf(path, sizeof path, "%s/j1.ran", dir);
	CHECK_EQ_INT(lines_in(path), 1);
	snprintf(path, sizeof path, "%s/j2.ran", dir);
	CHECK_EQ_INT(lines_in(path), 1);
	snprintf(path, sizeof path, "%s/j3.ran", dir);
	CHECK_EQ_INT(lines_in(path), 1);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	/* And once more: nothing runs again after a clean restart. */
	daemon_start(&d, dir, NULL);
	daemon_nap_ms(300);
	snprintf(path, sizeof path, "%s/j1.ran", dir);
	CHECK_EQ_INT(lines_in(path), 1);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}

/* The whole file (allocated; "" if it cannot be read). */
static char *
slurp_file(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0, cap = 4096;
	char *b = malloc(cap);

	CHECK(b != NULL);
	if (f != NULL) {
		size_t k;
		while ((k = fread(b + n, 1, cap - 1 - n, f)) > 0) {
			n += k;
			if (n + 1 == cap) {
				cap *= 2;
				b = realloc(b, cap);
				CHECK(b != NULL);
			}
		}
		fclose(f);
	}
	b[n] = '\0';
	return b;
}

/* "pid=N start=N" of a local executor file, or 0. */
static pid_t
pid_of(const char *path)
{
	FILE *f = fopen(path, "r");
	long long p = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "pid=%lld", &p) != 1)
		p = 0;
	fclose(f);
	return (pid_t)p;
}

/* A restart that finds a running job the executor has no trace of (the
 * daemon died between the durable start mark and exec_start: simulated by
 * killing the run and removing its executor directory) requeues it under
 * the next run id, and it completes; a running job whose shepherd died
 * (its directory still there: it may have run) stays failed, "lost". */
TEST(api_lost_before_start_requeued)
{
	struct daemon d;
	char dir[600], body[2048], path[700], cmd[1500], *s;
	long long j1, j2;
	pid_t sp, jp;
	json_t *v;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	need_executor(&d);
	/* run 0 writes its run number and waits; a later run ends at once */
	snprintf(body, sizeof body, "{\"command\":\"echo $ALLOT_RUN >> j1.ran; "
		 "[ $ALLOT_RUN = 0 ] || exit 0; sleep 30\",\"gpus\":8,"
		 "\"workdir\":\"%s\"}", dir);
	j1 = submit(&d, d.token, body);
	snprintf(body, sizeof body, "{\"command\":\"echo $ALLOT_RUN >> j2.ran; "
		 "sleep 30\",\"gpus\":8,\"workdir\":\"%s\"}", dir);
	j2 = submit(&d, d.token, body);
	json_decref(wait_state(&d, d.token, j1, "running", 10000));
	json_decref(wait_state(&d, d.token, j2, "running", 10000));
	snprintf(path, sizeof path, "%s/state/%lld/job", dir, j1);
	for (int i = 0; i < 300 && pid_of(path) == 0; i++)
		daemon_nap_ms(10);
	snprintf(path, sizeof path, "%s/state/%lld/job", dir, j2);
	for (int i = 0; i < 300 && pid_of(path) == 0; i++)
		daemon_nap_ms(10);
	CHECK_EQ_INT(daemon_stop(&d, SIGKILL), 128 + SIGKILL);
	for (int k = 0; k < 2; k++) {
		long long id = k ? j2 : j1;
		snprintf(path, sizeof path, "%s/state/%lld/pid", dir, id);
		sp = pid_of(path);
		snprintf(path, sizeof path, "%s/state/%lld/job", dir, id);
		jp = pid_of(path);
		CHECK(sp > 0 && jp > 0);
		CHECK_EQ_INT(kill(sp, SIGKILL), 0);
		kill(-jp, SIGKILL); /* its process group */
	}
	daemon_nap_ms(200);
	/* j1's run 0 leaves no trace: as if exec_start never happened */
	snprintf(cmd, sizeof cmd, "rm -rf '%s/state/%lld'", dir, j1);
	CHECK_EQ_INT(system(cmd), 0);
	daemon_start(&d, dir, NULL);
	v = wait_state(&d, d.token, j2, "failed", 10000);
	CHECK_STR(daemon_jstr(v, "reason"), "lost");
	json_decref(v);
	v = wait_state(&d, d.token, j1, "completed", 10000);
	CHECK_EQ_INT(daemon_jint(v, "runs"), 2);
	json_decref(v);
	snprintf(path, sizeof path, "%s/j1.ran", dir);
	s = slurp_file(path);
	CHECK_STR(s, "0\n1\n"); /* run 0 (killed by the test), then run 1 */
	free(s);
	snprintf(path, sizeof path, "%s/j2.ran", dir);
	s = slurp_file(path);
	CHECK_STR(s, "0\n"); /* not requeued: it may have run */
	free(s);
	snprintf(path, sizeof path, "%s/serve.log", dir);
	s = slurp_file(path);
	snprintf(cmd, sizeof cmd, "job %lld was lost before it started: requeued", j1);
	CHECK(strstr(s, cmd) != NULL);
	snprintf(cmd, sizeof cmd, "job %lld was lost before", j2);
	CHECK(strstr(s, cmd) == NULL);
	free(s);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}

/* The queue explains itself: held, quota limit, drained nodes; a drained
 * node takes no new job and a resumed one does; /metrics counts the GPUs
 * a running job holds. */
TEST(api_queue)
{
	struct daemon d;
	char dir[600], body[1024];
	const char *nodes[] = {"site-0-c0-n00000", "site-0-c0-n00001",
			       "site-0-c0-n00002", "site-0-c0-n00003"};
	json_t *v, *jobs;
	long long held, over, big;
	long st;
	char *s;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	need_executor(&d);
	json_decref(JREQ(&d, "POST", "/v1/tenants", d.token, "{\"name\":\"teamA\"}", 201));
	/* teamA: 8 guaranteed GPUs, may not borrow. */
	json_decref(JREQ(&d, "POST", "/v1/grants", d.token,
			 "{\"account\":\"teamA\",\"model\":\"H100\",\"gpus\":8,\"start\":0,"
			 "\"end\":9999999999,\"borrow_limit\":0}", 201));
	held = submit(&d, d.token, "{\"command\":\"true\",\"gpus\":1,\"hold\":true,"
		      "\"account\":\"teamA\"}");
	over = submit(&d, d.token, "{\"command\":\"true\",\"gpus\":16,\"account\":\"teamA\"}");
	daemon_nap_ms(400);
	v = JREQ(&d, "GET", "/v1/queue", d.token, NULL, 200);
	jobs = json_object_get(v, "jobs");
	CHECK_EQ_INT(json_array_size(jobs), 2);
	for (size_t k = 0; k < 2; k++) {
		json_t *o = json_array_get(jobs, k);
		CHECK(daemon_jstr(o, "reason_text") != NULL && *daemon_jstr(o, "reason_text"));
		CHECK(daemon_jint(o, "id") == held || daemon_jint(o, "id") == over);
		CHECK_STR(daemon_jstr(o, "reason"), daemon_jint(o, "id") == held ? "held" : "quota_limit");
		CHECK_STR(daemon_jstr(o, "account"), "teamA");
	}
	json_decref(v);
	/* Every node drained: an 8-GPU job of the admin account waits. */
	for (int i = 0; i < 4; i++) {
		snprintf(body, sizeof body, "/v1/nodes/%s/drain", nodes[i]);
		json_decref(JREQ(&d, "POST", body, d.token, "", 200));
	}
	snprintf(body, sizeof body, "{\"command\":\"sleep 2\",\"gpus\":8,"
		 "\"workdir\":\"%s\"}", dir);
	big = submit(&d, d.token, body);
	daemon_nap_ms(400);
	v = JREQ(&d, "GET", "/v1/queue?account=admin", d.token, NULL, 200);
	jobs = json_object_get(v, "jobs");
	CHECK_EQ_INT(json_array_size(jobs), 1);
	CHECK_EQ_INT(daemon_jint(json_array_get(jobs, 0), "id"), big);
	CHECK_STR(daemon_jstr(json_array_get(jobs, 0), "state"), "pending");
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/nodes", d.token, NULL, 200);
	CHECK_STR(daemon_jstr(json_array_get(json_object_get(v, "nodes"), 0), "state"), "drain");
	json_decref(v);
	/* Resume one node: the 8-GPU job starts there. */
	snprintf(body, sizeof body, "/v1/nodes/%s/resume", nodes[2]);
	json_decref(JREQ(&d, "POST", body, d.token, "", 200));
	v = wait_state(&d, d.token, big, "running", 10000);
	CHECK(strncmp(daemon_jstr(v, "alloc"), nodes[2], strlen(nodes[2])) == 0);
	json_decref(v);
	s = daemon_req(&d, "GET", "/metrics", d.token, NULL, &st);
	CHECK_EQ_INT(st, 200);
	CHECK_CONTAINS(s, "allot_gpus{model=\"H100\",site=\"site-0\",state=\"allocated\"} 8\n");
	CHECK_CONTAINS(s, "allot_queue_depth{account=\"teamA\"} 2\n");
	free(s);
	/* Drained nodes stay drained across a restart. */
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	daemon_start(&d, dir, NULL);
	v = JREQ(&d, "GET", "/v1/nodes", d.token, NULL, 200);
	jobs = json_object_get(v, "nodes");
	CHECK_STR(daemon_jstr(json_array_get(jobs, 0), "state"), "drain");
	CHECK_STR(daemon_jstr(json_array_get(jobs, 2), "state"), "up");
	json_decref(v);
	json_decref(wait_state(&d, d.token, big, "completed", 10000));
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}

/* Clients that give up while their submission is committing: the job
 * may be committed (it then must be queued, not forgotten) or not; the
 * daemon neither leaks nor hangs at shutdown. */
TEST(api_abandoned)
{
	struct daemon d;
	char dir[600], auth[400], url[128];
	json_t *v;
	size_t listed, queued;
	double t0, t1;
	struct timespec ts;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", d.token);
	snprintf(url, sizeof url, "%s/v1/jobs", d.url);
	for (int i = 0; i < 300; i++) {
		CURL *c = curl_easy_init();
		struct curl_slist *h = curl_slist_append(NULL, auth);
		struct daemon_buf b = {NULL, 0};
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS,
				 "{\"command\":\"true\",\"gpus\":1,\"hold\":true}");
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, daemon_on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(1 + i % 3));
		curl_easy_perform(c); /* mostly times out */
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
		free(b.p);
	}
	daemon_nap_ms(500);
	v = JREQ(&d, "GET", "/v1/jobs?limit=1000", d.token, NULL, 200);
	listed = json_array_size(json_object_get(v, "jobs"));
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/queue?limit=1000", d.token, NULL, 200);
	queued = json_array_size(json_object_get(v, "jobs"));
	json_decref(v);
	CHECK(listed > 0);
	CHECK_EQ_INT(queued, listed);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t1 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	CHECK(t1 - t0 < 5);
}
