/*
 * test-api-ledger.c — GET /v1/ledger over a real daemon: a 4-GPU run of
 * an account holding a 2-GPU grant is booked half on the grant (at its
 * subsidised price, drawn from its program's budget) and half as
 * borrowed capacity at the model's market price, exactly, in won rounded
 * half up (docs/LEDGER.md); a tenant sees its own rows and no budgets;
 * a bad period is a 400 naming the field.
 */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "daemon.h"
#include "test.h"

/* milli * seconds * price / 3,600,000 rounded half up. */
static long long
won(long long milli, long long secs, long long price)
{
	long long num = milli * secs * price;

	return num / 3600000 + (num % 3600000 * 2 >= 3600000);
}

TEST(api_ledger)
{
	struct daemon d;
	char dir[600], body[800];
	json_t *v, *j, *rows, *progs;
	long long id, start, end, dur, grant = -1, prog;
	char *ta;
	int seen = 0;

	snprintf(dir, sizeof dir, "%s/d", test_tmpdir());
	daemon_start(&d, dir, NULL);
	json_decref(JREQ(&d, "POST", "/v1/tenants", d.token, "{\"name\":\"teamA\"}", 201));
	json_decref(JREQ(&d, "POST", "/v1/users", d.token,
			 "{\"name\":\"a\",\"account\":\"teamA\"}", 201));
	ta = daemon_mktoken(&d, "a");
	v = JREQ(&d, "POST", "/v1/programs", d.token,
		 "{\"name\":\"p1\",\"budget_won\":5000000}", 201);
	prog = daemon_jint(v, "id");
	json_decref(v);
	snprintf(body, sizeof body, "{\"account\":\"teamA\",\"model\":\"H100\","
		 "\"gpus\":2,\"start\":0,\"end\":9999999999,\"program\":%lld,"
		 "\"price_won_hour\":1000000}", prog);
	v = JREQ(&d, "POST", "/v1/grants", d.token, body, 201);
	grant = daemon_jint(v, "id");
	json_decref(v);
	snprintf(body, sizeof body, "{\"command\":\"sleep 2\",\"gpus\":4,"
		 "\"workdir\":\"%s\"}", dir);
	v = JREQ(&d, "POST", "/v1/jobs", ta, body, 201);
	id = daemon_jint(v, "id");
	json_decref(v);
	for (int i = 0; i < 300; i++) {
		char path[64];
		snprintf(path, sizeof path, "/v1/jobs/%lld", id);
		j = JREQ(&d, "GET", path, ta, NULL, 200);
		if (strcmp(daemon_jstr(j, "state"), "completed") == 0)
			break;
		json_decref(j);
		j = NULL;
		daemon_nap_ms(50);
	}
	CHECK(j != NULL);
	start = daemon_jint(j, "start");
	end = daemon_jint(j, "end");
	json_decref(j);
	dur = end - start;
	CHECK(dur >= 1);

	v = JREQ(&d, "GET", "/v1/ledger", d.token, NULL, 200);
	rows = json_object_get(v, "rows");
	CHECK_EQ_INT(json_array_size(rows), 2);
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *r = json_array_get(rows, i);
		json_t *g = json_object_get(r, "grant");
		double h = json_real_value(json_object_get(r, "gpu_hours"));
		CHECK_STR(daemon_jstr(r, "account"), "teamA");
		CHECK_STR(daemon_jstr(r, "model"), "H100");
		CHECK(h > 2.0 * (double)dur / 3600 - 1e-9 &&
		      h < 2.0 * (double)dur / 3600 + 1e-9);
		if (json_is_null(g)) { /* borrowed: the market price, 4,200 */
			CHECK_EQ_INT(daemon_jint(r, "won"), won(2000, dur, 4200));
			seen |= 1;
		} else {
			CHECK_EQ_INT(json_integer_value(g), grant);
			CHECK_EQ_INT(daemon_jint(r, "won"), won(2000, dur, 1000000));
			seen |= 2;
		}
	}
	CHECK_EQ_INT(seen, 3);
	progs = json_object_get(v, "programs");
	CHECK_EQ_INT(json_array_size(progs), 1);
	CHECK_EQ_INT(daemon_jint(json_array_get(progs, 0), "program"), prog);
	CHECK_EQ_INT(daemon_jint(json_array_get(progs, 0), "budget_won"), 5000000);
	CHECK_EQ_INT(daemon_jint(json_array_get(progs, 0), "drawn_won"),
		     won(2000, dur, 1000000));
	CHECK_EQ_INT(daemon_jint(json_array_get(progs, 0), "remaining_won"),
		     5000000 - won(2000, dur, 1000000));
	CHECK_EQ_INT(daemon_jint(v, "runs_booked"), 1);
	json_decref(v);

	/* The tenant: its rows, no budgets. */
	v = JREQ(&d, "GET", "/v1/ledger", ta, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "rows")), 2);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "programs")), 0);
	CHECK_EQ_INT(daemon_jint(json_array_get(json_object_get(v, "accounts"), 0),
				 "won"), won(2000, dur, 1000000) + won(2000, dur, 4200));
	json_decref(v);
	/* A period that ends before the run: nothing booked. */
	v = JREQ(&d, "GET", "/v1/ledger?from=0&to=1000", d.token, NULL, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(v, "rows")), 0);
	json_decref(v);
	CHECK_ERROR(&d, "GET", "/v1/ledger?from=x", d.token, NULL, 400, "invalid",
		    "from");
	CHECK_ERROR(&d, "GET", "/v1/ledger?from=10&to=5", d.token, NULL, 400,
		    "invalid", "to");
	free(ta);
	CHECK_EQ_INT(daemon_stop(&d, SIGTERM), 0);
}
