/*
 * test-api-proposals.c — open-call proposals through `allot serve` end
 * to end over real sockets (the daemon as a child process, libcurl; the
 * helpers are copied from test-api-rounds.c): a tenant-admin creates a
 * proposal, which it and the program manager see and another tenant does
 * not (404); a member may not create (403); bad fields answer 400 naming
 * the field; only the program manager sets scores, which tenants never
 * see; after a daemon restart the proposals are still there.  Tests skip
 * when $ALLOT is not set.
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




#define GOOD "\"program\":\"call26\",\"servers\":4,\"model\":\"H100\"," \
	     "\"months\":12,\"category\":\"academia\",\"region\":3,\"org\":\"univ-a\""

/* The number of proposals GET path answers to tok. */
static size_t
count(const struct daemon *d, const char *path, const char *tok, int line)
{
	json_t *v = daemon_jreq(d, "GET", path, tok, NULL, 200, __FILE__, line);
	size_t n = json_array_size(json_object_get(v, "proposals"));

	json_decref(v);
	return n;
}
#define COUNT(d, p, t) count(d, p, t, __LINE__)

TEST(api_proposals)
{
	static const char *const setup[][2] = {
		{"/v1/tenants", "{\"name\":\"prog\"}"},
		{"/v1/tenants", "{\"name\":\"alpha\"}"},
		{"/v1/tenants", "{\"name\":\"beta\"}"},
		{"/v1/programs", "{\"name\":\"call26\"}"},
		{"/v1/programs", "{\"name\":\"other\"}"},
		{"/v1/users", "{\"name\":\"pm\",\"account\":\"prog\",\"role\":\"program-manager\"}"},
		{"/v1/users", "{\"name\":\"ta-alpha\",\"account\":\"alpha\",\"role\":\"tenant-admin\"}"},
		{"/v1/users", "{\"name\":\"mem-alpha\",\"account\":\"alpha\",\"role\":\"member\"}"},
		{"/v1/users", "{\"name\":\"ta-beta\",\"account\":\"beta\",\"role\":\"tenant-admin\"}"},
	};
	static const char *const bad[][2] = {
		{"{\"program\":\"call26\",\"servers\":4,\"model\":\"Z999\",\"months\":6,"
		 "\"category\":\"academia\",\"org\":\"u\"}", "model"},
		{"{\"program\":\"call26\",\"servers\":4,\"model\":\"H100\",\"months\":13,"
		 "\"category\":\"academia\",\"org\":\"u\"}", "months"},
		{"{\"program\":\"call26\",\"servers\":0,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"academia\",\"org\":\"u\"}", "servers"},
		{"{\"program\":\"call26\",\"servers\":2,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"govt\",\"org\":\"u\"}", "category"},
		{"{\"program\":\"nope\",\"servers\":2,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"sme\",\"org\":\"u\"}", "program"},
		{"{\"program\":\"call26\",\"servers\":2,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"sme\"}", "org"},
		{"{" GOOD ",\"colour\":1}", "colour"},
		{"{\"program\":\"call26\",\"servers\":2,\"model\":\"H100\",\"months\":6,"
		 "\"category\":\"sme\",\"org\":\"u\",\"region\":256}", "region"},
	};
	struct daemon d;
	char dir[600], *pm, *taa, *mema, *tab;
	json_t *v;

	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
		json_decref(JREQ(&d, "POST", setup[i][0], d.token, setup[i][1], 201));
	pm = daemon_mktoken(&d, "pm");
	taa = daemon_mktoken(&d, "ta-alpha");
	mema = daemon_mktoken(&d, "mem-alpha");
	tab = daemon_mktoken(&d, "ta-beta");

	/* Create: the tenant-admin for its own account. */
	v = JREQ(&d, "POST", "/v1/proposals", taa, "{" GOOD "}", 201);
	CHECK_EQ_INT(daemon_jint(v, "id"), 1);
	json_decref(v);
	/* Not for another account, not with scores, not as a member. */
	CHECK_ERROR(&d, "POST", "/v1/proposals", taa, "{" GOOD ",\"tenant\":\"beta\"}",
		    403, "forbidden", "tenant");
	CHECK_ERROR(&d, "POST", "/v1/proposals", taa,
		    "{" GOOD ",\"scores\":{\"impact\":90,\"ecosystem\":80,\"feasibility\":70}}",
		    403, "forbidden", "scores");
	CHECK_ERROR(&d, "POST", "/v1/proposals", mema, "{" GOOD "}", 403,
		    "forbidden", NULL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_ERROR(&d, "POST", "/v1/proposals", taa, bad[i][0], 400,
			    "invalid", bad[i][1]);
	CHECK_ERROR(&d, "POST", "/v1/proposals", pm,
		    "{" GOOD ",\"tenant\":\"beta\",\"scores\":{\"impact\":101,"
		    "\"ecosystem\":80,\"feasibility\":70}}", 400, "invalid",
		    "scores.impact");
	/* The program manager, for beta, with scores, in another program. */
	v = JREQ(&d, "POST", "/v1/proposals", pm,
		 "{\"program\":\"other\",\"tenant\":\"beta\",\"servers\":2,"
		 "\"model\":\"H100\",\"months\":6,\"category\":\"sme\",\"org\":\"sme-b\","
		 "\"scores\":{\"impact\":90,\"ecosystem\":80.5,\"feasibility\":70}}", 201);
	CHECK_EQ_INT(daemon_jint(v, "id"), 2);
	json_decref(v);

	/* Visibility. */
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", pm), 2);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", d.token), 2);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals?program=other", pm), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals?program=call26", pm), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", taa), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", mema), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", tab), 1);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals?program=call26", tab), 0);
	v = JREQ(&d, "GET", "/v1/proposals/1", taa, NULL, 200);
	CHECK_STR(daemon_jstr(v, "tenant"), "alpha");
	CHECK_STR(daemon_jstr(v, "program"), "call26");
	CHECK_STR(daemon_jstr(v, "category"), "academia");
	CHECK_STR(daemon_jstr(v, "model"), "H100");
	CHECK_EQ_INT(daemon_jint(v, "servers"), 4);
	CHECK_EQ_INT(daemon_jint(v, "months"), 12);
	CHECK_EQ_INT(daemon_jint(v, "region"), 3);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/proposals/1", pm, NULL, 200);
	CHECK_STR(daemon_jstr(v, "org"), "univ-a");
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/proposals/1", tab, NULL, 404, "not_found", NULL);
	CHECK_ERROR(&d, "GET", "/v1/proposals/2", taa, NULL, 404, "not_found", NULL);
	CHECK_ERROR(&d, "GET", "/v1/proposals/3", pm, NULL, 404, "not_found", NULL);
	/* Scores: the program manager sees them, the tenant does not. */
	v = JREQ(&d, "GET", "/v1/proposals/2", pm, NULL, 200);
	CHECK_NEAR(json_real_value(json_object_get(json_object_get(v, "scores"),
						   "ecosystem")), 80.5, 1e-9);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/proposals/2", tab, NULL, 200);
	CHECK(json_object_get(v, "scores") == NULL);
	CHECK_STR(daemon_jstr(v, "tenant"), "beta");
	json_decref(v);

	/* A restart keeps them. */
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	daemon_start(&d, dir, NULL);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", pm), 2);
	CHECK_EQ_INT(COUNT(&d, "/v1/proposals", taa), 1);
	CHECK_ERROR(&d, "GET", "/v1/proposals/1", tab, NULL, 404, "not_found", NULL);
	v = JREQ(&d, "GET", "/v1/proposals/2", pm, NULL, 200);
	CHECK_NEAR(json_real_value(json_object_get(json_object_get(v, "scores"),
						   "impact")), 90, 1e-9);
	json_decref(v);
	v = JREQ(&d, "POST", "/v1/proposals", taa, "{\"program\":\"call26\",\"servers\":1,"
		 "\"model\":\"H100\",\"months\":1,\"category\":\"large\",\"org\":\"c\"}", 201);
	CHECK_EQ_INT(daemon_jint(v, "id"), 3);
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	free(pm);
	free(taa);
	free(mema);
	free(tab);
}

/* The selection of a call (POST /v1/calls/{call}/select): opencall's
 * ranking under the given capacity, awards as grants, one audit entry
 * with the input's hash, each tenant sees only its own outcome, a second
 * selection and late proposals are 409, broken bodies name the field,
 * and a restart keeps it all. */
TEST(api_proposals_select)
{
	static const char *const setup[][2] = {
		{"/v1/tenants", "{\"name\":\"prog\"}"},
		{"/v1/tenants", "{\"name\":\"alpha\"}"},
		{"/v1/tenants", "{\"name\":\"beta\"}"},
		{"/v1/tenants", "{\"name\":\"gamma\"}"},
		{"/v1/programs", "{\"name\":\"call26\"}"},
		{"/v1/programs", "{\"name\":\"c2\"}"},
		{"/v1/users", "{\"name\":\"pm\",\"account\":\"prog\",\"role\":\"program-manager\"}"},
		{"/v1/users", "{\"name\":\"ev\",\"account\":\"prog\",\"role\":\"evaluator\"}"},
		{"/v1/users", "{\"name\":\"ta-alpha\",\"account\":\"alpha\",\"role\":\"tenant-admin\"}"},
		{"/v1/users", "{\"name\":\"mem-gamma\",\"account\":\"gamma\",\"role\":\"member\"}"},
	};
	static const char *const props[] = {
		"{\"program\":\"call26\",\"tenant\":\"alpha\",\"servers\":2,\"model\":\"H100\","
		"\"months\":6,\"category\":\"academia\",\"org\":\"univ-a\","
		"\"scores\":{\"impact\":90,\"ecosystem\":90,\"feasibility\":90}}",
		"{\"program\":\"call26\",\"tenant\":\"beta\",\"servers\":2,\"model\":\"H100\","
		"\"months\":3,\"category\":\"sme\",\"region\":2,\"org\":\"sme-b\","
		"\"scores\":{\"impact\":80,\"ecosystem\":80,\"feasibility\":80}}",
		"{\"program\":\"call26\",\"tenant\":\"gamma\",\"servers\":1,\"model\":\"H100\","
		"\"months\":1,\"category\":\"large\",\"org\":\"big-c\","
		"\"scores\":{\"impact\":70,\"ecosystem\":70,\"feasibility\":70}}",
		"{\"program\":\"c2\",\"tenant\":\"gamma\",\"servers\":1,\"model\":\"H100\","
		"\"months\":1,\"category\":\"large\",\"org\":\"big-c\","
		"\"scores\":{\"impact\":80,\"ecosystem\":80,\"feasibility\":80}}",
	};
	static const char *const bad[][2] = {
		{"{}", "capacity"},
		{"{\"capacity\":{\"Z999\":1}}", "capacity.Z999"},
		{"{\"capacity\":{\"H100\":-1}}", "capacity.H100"},
		{"{\"capacity\":{\"H100\":\"4\"}}", "capacity.H100"},
		{"{\"capacity\":{\"H100\":0}}", "capacity"},
		{"{\"capacity\":[4]}", "capacity"},
		{"{\"capacity\":{\"H100\":4},\"start\":\"now\"}", "start"},
		{"{\"capacity\":{\"H100\":4},\"when\":1}", "when"},
		{"{\"capacity\":{\"H100\":4},\"rules\":[]}", "rules"},
		{"{\"capacity\":{\"H100\":4},\"rules\":{\"colour\":1}}", "rules.colour"},
		{"{\"capacity\":{\"H100\":4},\"rules\":{\"max_org_share\":2}}", "rules.max_org_share"},
		{"{\"capacity\":{\"H100\":4},\"rules\":{\"weights\":[1,2]}}", "rules.weights"},
		{"{\"capacity\":{\"H100\":4},\"rules\":{\"weights\":[1,\"x\",2]}}", "rules.weights[1]"},
		{"{\"capacity\":{\"H100\":4},\"rules\":{\"max_months\":0}}", "rules.max_months"},
		{"{\"capacity\":{\"H100\":4},\"rules\":{\"cap_servers\":{\"B9\":1}}}", "rules.cap_servers.B9"},
		{"{\"capacity\":{\"H100\":4},\"rules\":{\"category_share_max\":{\"govt\":0.5}}}",
		 "rules.category_share_max.govt"},
		{"{\"capacity\":{\"H100\":4},\"rules\":{\"category_share_min\":{\"sme\":0.6},"
		 "\"category_share_max\":{\"sme\":0.5}}}", "rules"},
	};
	struct daemon d;
	char dir[600], *pm, *ev, *taa, *memg, *s;
	json_t *v, *a, *x, *last;
	long long start = 1900000000, g1, g2;
	long st;

	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
		json_decref(JREQ(&d, "POST", setup[i][0], d.token, setup[i][1], 201));
	pm = daemon_mktoken(&d, "pm");
	ev = daemon_mktoken(&d, "ev");
	taa = daemon_mktoken(&d, "ta-alpha");
	memg = daemon_mktoken(&d, "mem-gamma");
	for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
		json_decref(JREQ(&d, "POST", "/v1/proposals", pm, props[i], 201));

	/* Who may select: program roles only; unknown calls 404. */
	CHECK_ERROR(&d, "POST", "/v1/calls/call26/select", taa,
		    "{\"capacity\":{\"H100\":4}}", 403, "forbidden", NULL);
	CHECK_ERROR(&d, "POST", "/v1/calls/call26/select", ev,
		    "{\"capacity\":{\"H100\":4}}", 403, "forbidden", NULL);
	CHECK_ERROR(&d, "POST", "/v1/calls/call26/select", memg,
		    "{\"capacity\":{\"H100\":4}}", 403, "forbidden", NULL);
	CHECK_ERROR(&d, "POST", "/v1/calls/nope/select", pm,
		    "{\"capacity\":{\"H100\":4}}", 404, "not_found", NULL);
	/* Broken bodies: 400 naming the field; nothing selected. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_ERROR(&d, "POST", "/v1/calls/call26/select", pm, bad[i][0], 400,
			    "invalid", bad[i][1]);
	CHECK_ERROR(&d, "POST", "/v1/calls/call26/select", pm, "{\"capacity\":",
		    400, "invalid", NULL);
	v = JREQ(&d, "GET", "/v1/grants", pm, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "grants")), 0);
	json_decref(v);

	/* Select: 4 H100 servers; alpha (rank 1) and beta (rank 2) get 2
	 * each, gamma waits. */
	{
		char body[128];
		snprintf(body, sizeof body, "{\"capacity\":{\"H100\":4},\"start\":%lld}",
			 start);
		v = JREQ(&d, "POST", "/v1/calls/call26/select", pm, body, 200);
	}
	CHECK_STR(daemon_jstr(v, "status"), "closed");
	CHECK_EQ_INT(daemon_jint(v, "servers_awarded"), 4);
	a = json_object_get(v, "awards");
	CHECK_EQ_INT(json_array_size(a), 3);
	x = json_array_get(a, 0);
	CHECK_STR(daemon_jstr(x, "tenant"), "alpha");
	CHECK_STR(daemon_jstr(x, "status"), "awarded");
	CHECK_EQ_INT(daemon_jint(x, "rank"), 1);
	CHECK_EQ_INT(daemon_jint(x, "servers"), 2);
	CHECK_EQ_INT(daemon_jint(x, "gpus"), 16);
	CHECK_EQ_INT(daemon_jint(x, "start"), start);
	CHECK_EQ_INT(daemon_jint(x, "end"), start + 6LL * 30 * 86400);
	CHECK_EQ_INT(daemon_jint(x, "price_won_hour"), 0); /* academia: free */
	g1 = daemon_jint(x, "grant");
	x = json_array_get(a, 1);
	CHECK_STR(daemon_jstr(x, "status"), "awarded");
	CHECK_EQ_INT(daemon_jint(x, "rank"), 2);
	CHECK_EQ_INT(daemon_jint(x, "end"), start + 3LL * 30 * 86400);
	g2 = daemon_jint(x, "grant");
	CHECK(g1 >= 1 && g2 == g1 + 1);
	x = json_array_get(a, 2);
	CHECK_STR(daemon_jstr(x, "status"), "waitlist");
	CHECK(json_object_get(x, "grant") == NULL);
	CHECK_STR(daemon_jstr(json_array_get(json_object_get(v, "inputs"), 0), "name"),
		  "proposals.csv");
	json_decref(v);

	/* The grants are the scheduler's now. */
	v = JREQ(&d, "GET", "/v1/grants", pm, NULL, 200);
	a = json_object_get(v, "grants");
	CHECK_EQ_INT(json_array_size(a), 2);
	CHECK_STR(daemon_jstr(json_array_get(a, 0), "account"), "alpha");
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "gpus"), 16);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "start"), start);
	CHECK_STR(daemon_jstr(json_array_get(a, 1), "account"), "beta");
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/grants", taa, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "grants")), 1);
	json_decref(v);

	/* One audit entry of kind award with the input's hash. */
	v = JREQ(&d, "GET", "/v1/audit?limit=1000", pm, NULL, 200);
	a = json_object_get(v, "entries");
	last = json_array_get(a, json_array_size(a) - 1);
	CHECK_STR(daemon_jstr(last, "kind"), "award");
	x = json_object_get(last, "payload");
	CHECK_STR(daemon_jstr(x, "call"), "call26");
	CHECK_EQ_INT(strlen(daemon_jstr(json_array_get(json_object_get(x, "inputs"), 0),
					"sha256")), 64);
	CHECK_EQ_INT(json_array_size(json_object_get(x, "awards")), 3);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/audit/verify", pm, NULL, 200);
	CHECK(json_is_true(json_object_get(v, "ok")));
	json_decref(v);

	/* Each tenant sees its own outcome, never another's, nor ranks. */
	v = JREQ(&d, "GET", "/v1/proposals/1", taa, NULL, 200);
	x = json_object_get(v, "outcome");
	CHECK_STR(daemon_jstr(x, "status"), "awarded");
	CHECK_EQ_INT(daemon_jint(x, "servers"), 2);
	CHECK_EQ_INT(daemon_jint(x, "grant"), g1);
	CHECK(json_object_get(x, "rank") == NULL);
	CHECK(json_object_get(x, "composite") == NULL);
	CHECK(json_object_get(x, "tenant") == NULL);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/proposals", memg, NULL, 200);
	a = json_object_get(v, "proposals");
	CHECK_EQ_INT(json_array_size(a), 2); /* its call26 and c2 proposals */
	CHECK_STR(daemon_jstr(json_object_get(json_array_get(a, 0), "outcome"), "status"),
		  "waitlist");
	CHECK(json_object_get(json_array_get(a, 1), "outcome") == NULL); /* c2 open */
	s = json_dumps(v, 0);
	CHECK(strstr(s, "alpha") == NULL && strstr(s, "beta") == NULL);
	free(s);
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/proposals/2", taa, NULL, 404, "not_found", NULL);
	v = JREQ(&d, "GET", "/v1/proposals/2", pm, NULL, 200);
	CHECK_EQ_INT(daemon_jint(json_object_get(v, "outcome"), "rank"), 2);
	json_decref(v);

	/* Replay: selecting twice is 409; the call takes no new proposals. */
	CHECK_ERROR(&d, "POST", "/v1/calls/call26/select", pm,
		    "{\"capacity\":{\"H100\":4}}", 409, "conflict", NULL);
	CHECK_ERROR(&d, "POST", "/v1/proposals", pm, props[0], 409, "conflict", "program");

	/* Rules given in the request: a minimum score rejects c2's one. */
	v = JREQ(&d, "POST", "/v1/calls/c2/select", pm,
		 "{\"capacity\":{\"H100\":4},\"rules\":{\"min_score\":85,"
		 "\"weights\":[1,1,2],\"max_org_share\":0.5}}", 200);
	CHECK_EQ_INT(daemon_jint(v, "servers_awarded"), 0);
	x = json_array_get(json_object_get(v, "awards"), 0);
	CHECK_STR(daemon_jstr(x, "status"), "rejected-score");
	CHECK_NEAR(json_real_value(json_object_get(json_object_get(v, "rules"),
						   "min_score")), 85, 1e-9);
	json_decref(v);

	/* A restart keeps the selection: still closed, outcomes shown. */
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	daemon_start(&d, dir, NULL);
	s = daemon_req(&d, "POST", "/v1/calls/call26/select", pm,
		       "{\"capacity\":{\"H100\":4}}", &st);
	CHECK_EQ_INT(st, 409);
	CHECK_CONTAINS(s, "already selected");
	free(s);
	v = JREQ(&d, "GET", "/v1/proposals/3", memg, NULL, 200);
	CHECK_STR(daemon_jstr(json_object_get(v, "outcome"), "status"), "waitlist");
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/grants", pm, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "grants")), 2);
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	free(pm);
	free(ev);
	free(taa);
	free(memg);
}

/* The number of audit entries of kind k. */
static size_t
audit_count(const struct daemon *d, const char *k)
{
	json_t *v = JREQ(d, "GET", "/v1/audit?limit=1000", d->token, NULL, 200), *x;
	size_t i, n = 0;

	json_array_foreach(json_object_get(v, "entries"), i, x)
		n += strcmp(daemon_jstr(x, "kind"), k) == 0;
	json_decref(v);
	return n;
}

/* A selection a crash interrupted (the call's record still "selecting")
 * is completed at the next start: grants made before the crash are found
 * and not made again, missing ones are made, the award entry is appended
 * once. */
TEST(api_proposals_select_recovery)
{
	static const char *const setup[][2] = {
		{"/v1/tenants", "{\"name\":\"alpha\"}"},
		{"/v1/tenants", "{\"name\":\"beta\"}"},
		{"/v1/programs", "{\"name\":\"A\"}"},
		{"/v1/programs", "{\"name\":\"B\"}"},
		{"/v1/proposals", "{\"program\":\"A\",\"tenant\":\"alpha\",\"servers\":2,"
		 "\"model\":\"H100\",\"months\":6,\"category\":\"academia\",\"org\":\"u\","
		 "\"scores\":{\"impact\":90,\"ecosystem\":90,\"feasibility\":90}}"},
		{"/v1/proposals", "{\"program\":\"A\",\"tenant\":\"beta\",\"servers\":1,"
		 "\"model\":\"H100\",\"months\":3,\"category\":\"sme\",\"org\":\"s\","
		 "\"scores\":{\"impact\":80,\"ecosystem\":80,\"feasibility\":80}}"},
	};
	struct daemon d;
	char dir[600], path[700];
	json_t *v, *calls, *a, *b, *x;
	json_error_t je;
	long long g2, bid;
	size_t i;

	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	for (i = 0; i < sizeof setup / sizeof setup[0]; i++)
		json_decref(JREQ(&d, "POST", setup[i][0], d.token, setup[i][1], 201));
	v = JREQ(&d, "GET", "/v1/programs", d.token, NULL, 200);
	bid = daemon_jint(json_array_get(json_object_get(v, "programs"), 1), "id");
	json_decref(v);
	v = JREQ(&d, "POST", "/v1/calls/A/select", d.token,
		 "{\"capacity\":{\"H100\":4},\"start\":1900000000}", 200);
	g2 = daemon_jint(json_array_get(json_object_get(v, "awards"), 1), "grant");
	CHECK(g2 > 0);
	json_decref(v);
	CHECK_EQ_INT(audit_count(&d, "award"), 1);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);

	/* Pretend two crashes: A's after beta's grant was made but before the
	 * record said so (and after its audit entry); B's right after the
	 * decision was stored. */
	snprintf(path, sizeof path, "%s/state/proposals/calls.json", dir);
	calls = json_load_file(path, 0, &je);
	CHECK(calls != NULL);
	a = json_object_get(calls, "A");
	json_object_set_new(a, "status", json_string("selecting"));
	json_object_del(json_array_get(json_object_get(a, "awards"), 1), "grant");
	b = json_deep_copy(a);
	json_object_set_new(b, "call", json_string("B"));
	json_object_set_new(b, "program_id", json_integer(bid));
	json_array_foreach(json_object_get(b, "awards"), i, x) {
		json_object_del(x, "grant");
		json_object_set_new(x, "start", json_integer(1900001000));
		json_object_set_new(x, "end", json_integer(
			1900001000 + daemon_jint(x, "months") * 30 * 86400));
	}
	json_object_set_new(calls, "B", b);
	CHECK_EQ_INT(json_dump_file(calls, path, JSON_COMPACT), 0);
	json_decref(calls);

	daemon_start(&d, dir, NULL);
	/* A: beta's grant found, not made again; B: two new grants. */
	v = JREQ(&d, "GET", "/v1/grants", d.token, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "grants")), 4);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/proposals/2", d.token, NULL, 200);
	CHECK_EQ_INT(daemon_jint(json_object_get(v, "outcome"), "grant"), g2);
	json_decref(v);
	CHECK_EQ_INT(audit_count(&d, "award"), 2);
	CHECK_ERROR(&d, "POST", "/v1/calls/A/select", d.token,
		    "{\"capacity\":{\"H100\":4}}", 409, "conflict", NULL);
	CHECK_ERROR(&d, "POST", "/v1/calls/B/select", d.token,
		    "{\"capacity\":{\"H100\":4}}", 409, "conflict", NULL);
	v = JREQ(&d, "GET", "/v1/audit/verify", d.token, NULL, 200);
	CHECK(json_is_true(json_object_get(v, "ok")));
	json_decref(v);
	/* Another restart changes nothing. */
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	daemon_start(&d, dir, NULL);
	v = JREQ(&d, "GET", "/v1/grants", d.token, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "grants")), 4);
	json_decref(v);
	CHECK_EQ_INT(audit_count(&d, "award"), 2);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}

/* Panel scores set after submission (POST /v1/proposals/{id}/scores, the
 * program side only, until the call is selected) and a call's state
 * (GET /v1/calls/{call}): counts for the program side, each tenant only
 * its own awards. */
TEST(api_proposals_scores_and_call)
{
	static const char *const setup[][2] = {
		{"/v1/tenants", "{\"name\":\"prog\"}"},
		{"/v1/tenants", "{\"name\":\"alpha\"}"},
		{"/v1/tenants", "{\"name\":\"beta\"}"},
		{"/v1/programs", "{\"name\":\"call26\"}"},
		{"/v1/users", "{\"name\":\"pm\",\"account\":\"prog\",\"role\":\"program-manager\"}"},
		{"/v1/users", "{\"name\":\"ta-alpha\",\"account\":\"alpha\",\"role\":\"tenant-admin\"}"},
		{"/v1/users", "{\"name\":\"ta-beta\",\"account\":\"beta\",\"role\":\"tenant-admin\"}"},
	};
	static const char *const bad[][2] = {
		{"{\"impact\":101,\"ecosystem\":1,\"feasibility\":1}", "impact"},
		{"{\"impact\":50}", "ecosystem"},
		{"{\"impact\":1,\"ecosystem\":1,\"feasibility\":\"high\"}", "feasibility"},
		{"{\"impact\":1,\"ecosystem\":1,\"feasibility\":1,\"novelty\":3}", "novelty"},
	};
	struct daemon d;
	char dir[600], *pm, *taa, *tab;
	json_t *v, *a;

	if (getenv("ALLOT") == NULL)
		test_skip("needs ALLOT (the allot binary)");
	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
		json_decref(JREQ(&d, "POST", setup[i][0], d.token, setup[i][1], 201));
	pm = daemon_mktoken(&d, "pm");
	taa = daemon_mktoken(&d, "ta-alpha");
	tab = daemon_mktoken(&d, "ta-beta");
	json_decref(JREQ(&d, "POST", "/v1/proposals", taa, "{\"program\":\"call26\","
			 "\"servers\":2,\"model\":\"H100\",\"months\":6,\"category\":"
			 "\"academia\",\"org\":\"univ-a\"}", 201));
	json_decref(JREQ(&d, "POST", "/v1/proposals", tab, "{\"program\":\"call26\","
			 "\"servers\":2,\"model\":\"H100\",\"months\":6,\"category\":"
			 "\"sme\",\"org\":\"sme-b\"}", 201));

	v = JREQ(&d, "GET", "/v1/calls/call26", pm, NULL, 200);
	CHECK_STR(daemon_jstr(v, "status"), "open");
	CHECK_EQ_INT(daemon_jint(v, "proposals"), 2);
	CHECK_EQ_INT(daemon_jint(v, "unscored"), 2);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/calls/call26", taa, NULL, 200);
	CHECK_STR(daemon_jstr(v, "status"), "open");
	CHECK(json_object_get(v, "proposals") == NULL);
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/calls/nope", pm, NULL, 404, "not_found", NULL);
	/* The list: the program side with counts, a team without. */
	v = JREQ(&d, "GET", "/v1/calls", pm, NULL, 200);
	a = json_object_get(v, "calls");
	CHECK_EQ_INT(json_array_size(a), 1);
	CHECK_STR(daemon_jstr(json_array_get(a, 0), "call"), "call26");
	CHECK_STR(daemon_jstr(json_array_get(a, 0), "status"), "open");
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "proposals"), 2);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/calls", taa, NULL, 200);
	a = json_object_get(v, "calls");
	CHECK_EQ_INT(json_array_size(a), 1);
	CHECK(json_object_get(json_array_get(a, 0), "proposals") == NULL);
	json_decref(v);

	/* Scores: the program side only, every field checked. */
	CHECK_ERROR(&d, "POST", "/v1/proposals/1/scores", taa,
		    "{\"impact\":90,\"ecosystem\":90,\"feasibility\":90}", 403,
		    "forbidden", NULL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_ERROR(&d, "POST", "/v1/proposals/1/scores", pm, bad[i][0], 400,
			    "invalid", bad[i][1]);
	CHECK_ERROR(&d, "POST", "/v1/proposals/1/scores", pm, "[1,2]", 400,
		    "invalid", NULL);
	CHECK_ERROR(&d, "POST", "/v1/proposals/9/scores", pm,
		    "{\"impact\":90,\"ecosystem\":90,\"feasibility\":90}", 404,
		    "not_found", NULL);
	v = JREQ(&d, "POST", "/v1/proposals/1/scores", pm,
		 "{\"impact\":90,\"ecosystem\":90,\"feasibility\":90}", 200);
	CHECK_NEAR(json_real_value(json_object_get(json_object_get(v, "scores"),
						   "impact")), 90, 1e-9);
	json_decref(v);
	json_decref(JREQ(&d, "POST", "/v1/proposals/2/scores", pm,
			 "{\"impact\":80,\"ecosystem\":80,\"feasibility\":80.5}", 200));
	v = JREQ(&d, "GET", "/v1/proposals/1", taa, NULL, 200);
	CHECK(json_object_get(v, "scores") == NULL);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/calls/call26", pm, NULL, 200);
	CHECK_EQ_INT(daemon_jint(v, "unscored"), 0);
	json_decref(v);

	/* Select 2 servers: alpha (90) is awarded, beta (80.2) waits. */
	v = JREQ(&d, "POST", "/v1/calls/call26/select", pm,
		 "{\"capacity\":{\"H100\":2}}", 200);
	CHECK_EQ_INT(daemon_jint(v, "unscored"), 0);
	CHECK_STR(daemon_jstr(json_array_get(json_object_get(v, "awards"), 0), "status"),
		  "awarded");
	CHECK_STR(daemon_jstr(json_array_get(json_object_get(v, "awards"), 1), "status"),
		  "waitlist");
	json_decref(v);
	CHECK_ERROR(&d, "POST", "/v1/proposals/2/scores", pm,
		    "{\"impact\":99,\"ecosystem\":99,\"feasibility\":99}", 409,
		    "conflict", NULL);
	v = JREQ(&d, "GET", "/v1/calls/call26", taa, NULL, 200);
	CHECK_STR(daemon_jstr(v, "status"), "closed");
	a = json_object_get(v, "awards");
	CHECK_EQ_INT(json_array_size(a), 1);
	CHECK_EQ_INT(daemon_jint(json_array_get(a, 0), "proposal"), 1);
	CHECK_STR(daemon_jstr(json_array_get(a, 0), "status"), "awarded");
	CHECK(json_object_get(json_array_get(a, 0), "rank") == NULL);
	CHECK(json_object_get(v, "rules") == NULL);
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/calls/call26", tab, NULL, 200);
	a = json_object_get(v, "awards");
	CHECK_EQ_INT(json_array_size(a), 1);
	CHECK_STR(daemon_jstr(json_array_get(a, 0), "status"), "waitlist");
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/calls", tab, NULL, 200);
	CHECK_STR(daemon_jstr(json_array_get(json_object_get(v, "calls"), 0),
			      "status"), "closed");
	json_decref(v);
	v = JREQ(&d, "GET", "/v1/calls/call26", pm, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "awards")), 2);
	CHECK_EQ_INT(daemon_jint(json_array_get(json_object_get(v, "awards"), 1), "rank"), 2);
	json_decref(v);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
	free(pm);
	free(taa);
	free(tab);
}
