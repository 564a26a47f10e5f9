/*
 * test-api-rounds.c — competition rounds through `allot serve` end to
 * end over real sockets (the daemon as a child process, libcurl, as in
 * test-api.c, whose helpers are copied here): create a round, upload the
 * tiny fixture tests/data/round/basic file by file, close it, and compare
 * the decision with `allot round run --dir tests/data/round/basic --json`;
 * the audit chain still verifies; a member may not upload and sees no
 * scores before close; a tenant that is not a team sees nothing (404);
 * malformed CSV answers 400 naming the line; uploads after close 409.
 * Tests skip when $ALLOT is not set.
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


#define BASIC "tests/data/round/basic"


/* The text of file rel in the fixture (caller frees). */
static char *
slurp(const char *rel)
{
	char path[512];
	FILE *f;
	char *p = NULL;
	size_t n = 0, cap = 0, k;

	snprintf(path, sizeof path, "%s/%s", BASIC, rel);
	f = fopen(path, "rb");
	if (f == NULL)
		test_fail(__FILE__, __LINE__, "cannot read %s", path);
	do {
		if (n + 4096 + 1 > cap)
			p = realloc(p, cap = (n + 4096 + 1) * 2);
		k = fread(p + n, 1, 4096, f);
		n += k;
	} while (k > 0);
	fclose(f);
	p[n] = '\0';
	return p;
}

/* A scores body: kind, optional team and name, content (JSON-escaped). */
static char *
scores_body(const char *kind, const char *team, const char *name,
	    const char *content)
{
	json_t *o = json_pack("{s:s, s:s}", "kind", kind, "content", content);
	char *s;

	if (team != NULL)
		json_object_set_new(o, "team", json_string(team));
	if (name != NULL)
		json_object_set_new(o, "name", json_string(name));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static void
upload(const struct daemon *d, const char *tok, const char *kind,
       const char *team, const char *name, const char *rel, long want)
{
	char *text = slurp(rel), *body = scores_body(kind, team, name, text);

	json_decref(JREQ(d, "POST", "/v1/rounds/1/scores", tok, body, want));
	free(body);
	free(text);
}

/* The decision `allot round run --dir BASIC --json` prints (parsed). */
static json_t *
cli_decision(void)
{
	char cmd[700], *out;
	FILE *p;
	size_t n = 0, cap = 1 << 16, k;
	json_t *v;

	snprintf(cmd, sizeof cmd, "%s round run --dir %s --json", getenv("ALLOT"),
		 BASIC);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	out = malloc(cap);
	while ((k = fread(out + n, 1, cap - n - 1, p)) > 0) {
		n += k;
		if (n + 1 >= cap)
			out = realloc(out, cap *= 2);
	}
	out[n] = '\0';
	CHECK_EQ_INT(pclose(p), 0);
	v = json_loads(out, 0, NULL);
	if (v == NULL)
		test_fail(__FILE__, __LINE__, "round run --json: not JSON: %s", out);
	free(out);
	return v;
}

TEST(api_rounds)
{
	static const char *const setup[][2] = {
		{"/v1/tenants", "{\"name\":\"prog\"}"},
		{"/v1/tenants", "{\"name\":\"alpha\"}"},
		{"/v1/tenants", "{\"name\":\"zeta\"}"},
		{"/v1/users", "{\"name\":\"pm\",\"account\":\"prog\",\"role\":\"program-manager\"}"},
		{"/v1/users", "{\"name\":\"ev\",\"account\":\"prog\",\"role\":\"evaluator\"}"},
		{"/v1/users", "{\"name\":\"mem-alpha\",\"account\":\"alpha\",\"role\":\"member\"}"},
		{"/v1/users", "{\"name\":\"mem-zeta\",\"account\":\"zeta\",\"role\":\"member\"}"},
	};
	static const char *const teams[] = {"alpha", "beta", "gamma", "delta"};
	struct daemon d;
	char dir[600], *pm, *ev, *mema, *memz, *rubric, *body, *s, *cli_s, *srv_s;
	json_t *v, *o, *cli, *dec;
	long st;

	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
		json_decref(JREQ(&d, "POST", setup[i][0], d.token, setup[i][1], 201));
	pm = daemon_mktoken(&d, "pm");
	ev = daemon_mktoken(&d, "ev");
	mema = daemon_mktoken(&d, "mem-alpha");
	memz = daemon_mktoken(&d, "mem-zeta");

	/* Create: a bad rubric is refused naming its line; members may not. */
	CHECK_ERROR(&d, "POST", "/v1/rounds", pm,
		    "{\"name\":\"r1\",\"rubric\":\"rubric x\\npart a 1 group g source nope\\n\","
		    "\"teams\":[\"alpha\"]}", 400, "invalid", "rubric");
	s = daemon_req(&d, "POST", "/v1/rounds", pm,
		"{\"name\":\"r1\",\"rubric\":\"rubric x\\npart a 1 group g source nope\\n\","
		"\"teams\":[\"alpha\"]}", &st);
	CHECK_CONTAINS(s, "rubric.txt:2");
	free(s);
	CHECK_ERROR(&d, "POST", "/v1/rounds", pm,
		    "{\"name\":\"r1\",\"rubric\":\"x\",\"teams\":[\"a\",\"../b\"]}",
		    400, "invalid", "teams[1]");
	CHECK_ERROR(&d, "POST", "/v1/rounds", mema,
		    "{\"name\":\"r1\",\"rubric\":\"x\",\"teams\":[\"alpha\"]}",
		    403, "forbidden", NULL);
	CHECK_ERROR(&d, "POST", "/v1/rounds", ev,
		    "{\"name\":\"r1\",\"rubric\":\"x\",\"teams\":[\"alpha\"]}",
		    403, "forbidden", NULL);
	rubric = slurp("rubric.txt");
	o = json_pack("{s:s, s:s, s:[s,s,s,s]}", "name", "basic", "rubric", rubric,
		      "teams", teams[0], teams[1], teams[2], teams[3]);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	v = JREQ(&d, "POST", "/v1/rounds", pm, body, 201);
	CHECK_EQ_INT(daemon_jint(v, "id"), 1);
	json_decref(v);
	free(body);
	free(rubric);

	/* Uploads: the evaluator uploads; a member may not. */
	upload(&d, mema, "panel", NULL, NULL, "panel.csv", 403);
	upload(&d, ev, "panel", NULL, NULL, "panel.csv", 201);
	upload(&d, pm, "votes", NULL, NULL, "votes.csv", 201);
	upload(&d, d.token, "gates", NULL, NULL, "gates.csv", 201);
	/* Closing with results missing: 400 with roundin's message. */
	s = daemon_req(&d, "POST", "/v1/rounds/1/close", pm, "", &st);
	CHECK_EQ_INT(st, 400);
	CHECK_CONTAINS(s, "results");
	CHECK(strstr(s, dir) == NULL); /* no server paths in answers */
	free(s);
	for (size_t t = 0; t < 4; t++) {
		char rel[256];
		snprintf(rel, sizeof rel, "results/%s/results_2026-01-10T00-00-00.json",
			 teams[t]);
		upload(&d, ev, "results", teams[t], "results_2026-01-10T00-00-00.json",
		       rel, 201);
		snprintf(rel, sizeof rel,
			 "results/%s/samples_toy_2026-01-10T00-00-00.jsonl", teams[t]);
		upload(&d, ev, "results", teams[t],
		       "samples_toy_2026-01-10T00-00-00.jsonl", rel, 201);
	}
	/* Malformed CSV: 400 naming FILE:LINE; the stored file is kept. */
	body = scores_body("panel", NULL, NULL,
			   "evaluator,team,criterion,score\ne1,alpha,quality,8\n"
			   "e2,alpha,quality,eleven\n");
	s = daemon_req(&d, "POST", "/v1/rounds/1/scores", ev, body, &st);
	CHECK_EQ_INT(st, 400);
	CHECK_CONTAINS(s, "panel.csv:3");
	free(s);
	free(body);
	body = scores_body("gates", NULL, NULL, "team,gate,pass\nalpha,scratch,maybe\n");
	s = daemon_req(&d, "POST", "/v1/rounds/1/scores", ev, body, &st);
	CHECK_EQ_INT(st, 400);
	CHECK_CONTAINS(s, "gates.csv:2");
	free(s);
	free(body);
	body = scores_body("votes", NULL, NULL, "voter,model_a,model_b\n");
	s = daemon_req(&d, "POST", "/v1/rounds/1/scores", ev, body, &st);
	CHECK_EQ_INT(st, 400);
	CHECK_CONTAINS(s, "votes.csv:1");
	free(s);
	free(body);
	body = scores_body("results", "omega", "r.json", "{}");
	CHECK_ERROR(&d, "POST", "/v1/rounds/1/scores", ev, body, 400, "invalid", "team");
	free(body);
	body = scores_body("results", "alpha", "../x.json", "{}");
	CHECK_ERROR(&d, "POST", "/v1/rounds/1/scores", ev, body, 400, "invalid", "name");
	free(body);
	body = scores_body("podium", NULL, NULL, "x");
	CHECK_ERROR(&d, "POST", "/v1/rounds/1/scores", ev, body, 400, "invalid", "kind");
	free(body);
	CHECK_ERROR(&d, "POST", "/v1/rounds/9/scores", ev, "{\"kind\":\"panel\",\"content\":\"\"}",
		    404, "not_found", NULL);

	/* Before close: a team member sees status and teams, no scores; a
	 * tenant that is not a team sees nothing; the program roles see the
	 * files. */
	v = JREQ(&d, "GET", "/v1/rounds/1", mema, NULL, 200);
	CHECK_STR(daemon_jstr(v, "status"), "open");
	CHECK_EQ_INT(json_array_size(json_object_get(v, "teams")), 4);
	CHECK(json_object_get(v, "files") == NULL);
	CHECK(json_object_get(v, "decision") == NULL);
	s = json_dumps(v, 0);
	CHECK(strstr(s, "quality") == NULL && strstr(s, "scratch") == NULL);
	free(s);
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/rounds/1", memz, NULL, 404, "not_found", NULL);
	v = JREQ(&d, "GET", "/v1/rounds/1", ev, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "files")), 4);
	json_decref(v);
	CHECK_ERROR(&d, "POST", "/v1/rounds/1/close", ev, "", 403, "forbidden", NULL);
	CHECK_ERROR(&d, "POST", "/v1/rounds/1/close", mema, "", 403, "forbidden", NULL);

	/* Close: the decision is the CLI's, byte for byte. */
	v = JREQ(&d, "POST", "/v1/rounds/1/close", pm, "", 200);
	CHECK_STR(daemon_jstr(v, "status"), "closed");
	dec = json_object_get(v, "decision");
	cli = cli_decision();
	srv_s = json_dumps(dec, JSON_COMPACT | JSON_SORT_KEYS);
	cli_s = json_dumps(cli, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(srv_s, cli_s);
	CHECK(json_object_get(dec, "out") != NULL);
	free(srv_s);
	free(cli_s);
	json_decref(cli);
	json_decref(v);
	{
		/* The stored decision is roundin's canonical bytes: same as
		 * the CLI's output line. */
		char path[700], cmd[900], *a, *b;
		FILE *f;
		long n;
		snprintf(path, sizeof path, "%s/state/rounds/1/decision.json", dir);
		f = fopen(path, "rb");
		CHECK(f != NULL);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		a = calloc(1, (size_t)n + 1);
		CHECK(fread(a, 1, (size_t)n, f) == (size_t)n);
		fclose(f);
		snprintf(cmd, sizeof cmd, "%s round run --dir %s --json", getenv("ALLOT"),
			 BASIC);
		f = popen(cmd, "r");
		b = calloc(1, (size_t)n + 16);
		CHECK(fread(b, 1, (size_t)n + 8, f) == (size_t)n + 1);
		pclose(f);
		CHECK(b[n] == '\n');
		b[n] = '\0';
		CHECK_STR(a, b);
		free(a);
		free(b);
	}

	/* After close: uploads and a second close are refused; the team
	 * member sees the decision; the audit has the round and verifies. */
	upload(&d, ev, "panel", NULL, NULL, "panel.csv", 409);
	CHECK_ERROR(&d, "POST", "/v1/rounds/1/close", pm, "", 409, "conflict", NULL);
	v = JREQ(&d, "GET", "/v1/rounds/1", mema, NULL, 200);
	CHECK_STR(daemon_jstr(v, "status"), "closed");
	CHECK(json_object_get(json_object_get(v, "decision"), "inputs") != NULL);
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/rounds/1", memz, NULL, 404, "not_found", NULL);
	v = JREQ(&d, "GET", "/v1/audit", d.token, NULL, 200);
	{
		json_t *es = json_object_get(v, "entries");
		json_t *last = json_array_get(es, json_array_size(es) - 1);
		json_t *files = json_object_get(json_object_get(last, "payload"), "inputs");
		CHECK_STR(daemon_jstr(last, "kind"), "round");
		CHECK(json_array_size(files) >= 4);
		CHECK(strlen(daemon_jstr(json_array_get(files, 0), "sha256")) == 64);
	}
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/audit/verify", d.token, NULL, 200);
	CHECK(json_is_true(json_object_get(v, "ok")));
	json_decref(v);

	/* A restart keeps the round closed with its decision. */
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	daemon_start(&d, dir, NULL);
	v = JREQ(&d, "GET", "/v1/rounds/1", pm, NULL, 200);
	CHECK_STR(daemon_jstr(v, "status"), "closed");
	CHECK(json_object_get(v, "decision") != NULL);
	json_decref(v);
	v = JREQ(&d, "POST", "/v1/rounds", pm,
		 "{\"name\":\"r2\",\"rubric\":\"rubric r2\\npart e 1 group g source panel norm fixed 0 10\\nfinalists 1\\n\",\"teams\":[\"alpha\"]}",
		 201);
	CHECK_EQ_INT(daemon_jint(v, "id"), 2);
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	free(pm);
	free(ev);
	free(mema);
	free(memz);
}

/* GET /v1/rounds: program roles list every round, a team member only
 * its account's, cursor pages, ?status filters, bad queries name the
 * parameter; the list never carries scores or decisions. */
TEST(api_rounds_list)
{
	static const char *const setup[][2] = {
		{"/v1/tenants", "{\"name\":\"prog\"}"},
		{"/v1/tenants", "{\"name\":\"alpha\"}"},
		{"/v1/tenants", "{\"name\":\"zeta\"}"},
		{"/v1/tenants", "{\"name\":\"nobody\"}"},
		{"/v1/users", "{\"name\":\"pm\",\"account\":\"prog\",\"role\":\"program-manager\"}"},
		{"/v1/users", "{\"name\":\"ev\",\"account\":\"prog\",\"role\":\"evaluator\"}"},
		{"/v1/users", "{\"name\":\"mem-alpha\",\"account\":\"alpha\",\"role\":\"member\"}"},
		{"/v1/users", "{\"name\":\"view-zeta\",\"account\":\"zeta\",\"role\":\"viewer\"}"},
		{"/v1/users", "{\"name\":\"ta-nobody\",\"account\":\"nobody\",\"role\":\"tenant-admin\"}"},
	};
	static const char *const rounds[] = {
		"{\"name\":\"one\",\"rubric\":\"" "rubric r\\npart e 1 group g source panel norm fixed 0 10\\nfinalists 1\\n" "\",\"teams\":[\"alpha\",\"beta\"]}",
		"{\"name\":\"two\",\"rubric\":\"" "rubric r\\npart e 1 group g source panel norm fixed 0 10\\nfinalists 1\\n" "\",\"teams\":[\"zeta\"]}",
		"{\"name\":\"three\",\"rubric\":\"" "rubric r\\npart e 1 group g source panel norm fixed 0 10\\nfinalists 1\\n" "\",\"teams\":[\"alpha\",\"zeta\"]}",
	};
	struct daemon d;
	char dir[600], *pm, *ev, *mema, *viewz, *tan, *s;
	json_t *v, *a;
	long st;

	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
		json_decref(JREQ(&d, "POST", setup[i][0], d.token, setup[i][1], 201));
	pm = daemon_mktoken(&d, "pm");
	ev = daemon_mktoken(&d, "ev");
	mema = daemon_mktoken(&d, "mem-alpha");
	viewz = daemon_mktoken(&d, "view-zeta");
	tan = daemon_mktoken(&d, "ta-nobody");
	v = JREQ(&d, "GET", "/v1/rounds", pm, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "rounds")), 0);
	CHECK(json_is_null(json_object_get(v, "next_cursor")));
	json_decref(v);
	for (size_t i = 0; i < 3; i++)
		json_decref(JREQ(&d, "POST", "/v1/rounds", pm, rounds[i], 201));
	/* Close round 2 with a panel file so the list shows both states. */
	json_decref(JREQ(&d, "POST", "/v1/rounds/2/scores", ev,
			 "{\"kind\":\"panel\",\"content\":\"evaluator,team,criterion,score\\n"
			 "e1,zeta,e,7\\n\"}", 201));
	s = daemon_req(&d, "POST", "/v1/rounds/2/close", pm, "", &st);
	if (st != 200)
		test_fail(__FILE__, __LINE__, "close round 2: %ld %s", st, s);
	free(s);

	v = JREQ(&d, "GET", "/v1/rounds", pm, NULL, 200);
	a = json_object_get(v, "rounds");
	CHECK_EQ_INT(json_array_size(a), 3);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "id"), 1);
	CHECK_STR(daemon_jstr(json_array_get(a, 0), "name"), "one");
	CHECK_STR(daemon_jstr(json_array_get(a, 0), "status"), "open");
	CHECK_STR(daemon_jstr(json_array_get(a, 1), "status"), "closed");
	CHECK_EQ_INT(json_array_size(json_object_get(json_array_get(a, 2), "teams")), 2);
	CHECK(json_object_get(json_array_get(a, 1), "decision") == NULL);
	json_decref(v);
	/* Evaluators see all too. */
	v = JREQ(&d, "GET", "/v1/rounds", ev, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "rounds")), 3);
	json_decref(v);
	/* A team member: the rounds its account is in (1 and 3). */
	v = JREQ(&d, "GET", "/v1/rounds", mema, NULL, 200);
	a = json_object_get(v, "rounds");
	CHECK_EQ_INT(json_array_size(a), 2);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "id"), 1);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 1), "id"), 3);
	s = json_dumps(v, 0);
	CHECK(strstr(s, "\"two\"") == NULL);
	free(s);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/rounds", viewz, NULL, 200);
	a = json_object_get(v, "rounds");
	CHECK_EQ_INT(json_array_size(a), 2);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "id"), 2);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 1), "id"), 3);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/rounds", tan, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "rounds")), 0);
	json_decref(v);
	/* Filters and pages. */
	v = JREQ(&d, "GET", "/v1/rounds?status=closed", pm, NULL, 200);
	a = json_object_get(v, "rounds");
	CHECK_EQ_INT(json_array_size(a), 1);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "id"), 2);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/rounds?status=open&limit=1", mema, NULL, 200);
	a = json_object_get(v, "rounds");
	CHECK_EQ_INT(json_array_size(a), 1);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "id"), 1);
	CHECK_STR(daemon_jstr(v, "next_cursor"), "1");
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/rounds?limit=2&cursor=1", pm, NULL, 200);
	a = json_object_get(v, "rounds");
	CHECK_EQ_INT(json_array_size(a), 2);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "id"), 2);
	CHECK_STR(daemon_jstr(v, "next_cursor"), "3");
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/rounds?limit=2&cursor=3", pm, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "rounds")), 0);
	CHECK(json_is_null(json_object_get(v, "next_cursor")));
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/rounds?status=done", pm, NULL, 400, "invalid", "status");
	CHECK_ERROR(&d, "GET", "/v1/rounds?limit=0", pm, NULL, 400, "invalid", "limit");
	CHECK_ERROR(&d, "GET", "/v1/rounds?limit=1001", pm, NULL, 400, "invalid", "limit");
	CHECK_ERROR(&d, "GET", "/v1/rounds?cursor=x", pm, NULL, 400, "invalid", "cursor");
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	free(pm);
	free(ev);
	free(mema);
	free(viewz);
	free(tan);
}

/* /openapi.json: every POST route of rounds, proposals and calls names a
 * request schema, and every schema it names exists with its fields. */
TEST(api_rounds_openapi)
{
	static const char *const posts[][2] = {
		{"/v1/rounds", "RoundRequest"},
		{"/v1/rounds/{id}/scores", "RoundScoresRequest"},
		{"/v1/proposals", "ProposalRequest"},
		{"/v1/calls/{call}/select", "CallSelectRequest"},
		{"/v1/proposals/{id}/scores", "ProposalScoresRequest"},
	};
	struct daemon d;
	char dir[600];
	json_t *v, *paths, *schemas, *item;
	const char *path;

	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	v = JREQ(&d, "GET", "/openapi.json", NULL, NULL, 200);
	paths = json_object_get(v, "paths");
	schemas = json_object_get(json_object_get(v, "components"), "schemas");
	for (size_t i = 0; i < sizeof posts / sizeof posts[0]; i++) {
		json_t *op = json_object_get(json_object_get(paths, posts[i][0]), "post");
		const char *ref = json_string_value(json_object_get(json_object_get(
			json_object_get(json_object_get(json_object_get(op, "requestBody"),
			"content"), "application/json"), "schema"), "$ref"));
		char want[128];
		if (op == NULL)
			test_fail(__FILE__, __LINE__, "no POST %s", posts[i][0]);
		snprintf(want, sizeof want, "#/components/schemas/%s", posts[i][1]);
		if (ref == NULL || strcmp(ref, want) != 0)
			test_fail(__FILE__, __LINE__, "POST %s: schema %s", posts[i][0],
				  ref ? ref : "(none)");
	}
	/* Every $ref of a request body resolves. */
	json_object_foreach(paths, path, item) {
		const char *m;
		json_t *op;
		json_object_foreach(item, m, op) {
			const char *ref = json_string_value(json_object_get(json_object_get(
				json_object_get(json_object_get(json_object_get(op,
				"requestBody"), "content"), "application/json"), "schema"),
				"$ref"));
			if (ref != NULL && json_object_get(schemas, ref + strlen(
				"#/components/schemas/")) == NULL)
				test_fail(__FILE__, __LINE__, "%s %s: %s missing", m, path, ref);
		}
	}
	CHECK(json_object_get(json_object_get(json_object_get(schemas, "RoundRequest"),
					      "properties"), "teams") != NULL);
	CHECK(json_object_get(json_object_get(json_object_get(schemas, "ProposalRequest"),
					      "properties"), "scores") != NULL);
	CHECK(json_object_get(json_object_get(json_object_get(schemas, "CallSelectRequest"),
					      "properties"), "capacity") != NULL);
	CHECK(json_object_get(json_object_get(paths, "/v1/rounds"), "get") != NULL);
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}
