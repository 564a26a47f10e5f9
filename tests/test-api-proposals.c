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
