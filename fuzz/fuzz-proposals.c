/*
 * fuzz-proposals.c — fuzzes the proposals reader (proposals_parse)
 * against a fixed pool with models H200 and B200, and runs the 2026
 * selection over whatever it accepts.  Beyond "no crash, no leak": a
 * failed read keeps nothing and its message names the input; a good read
 * keeps only proposals the selection accepts (ids unique, servers and
 * months in range, finite scores 0..100, names in the tables), and the
 * selection never awards more than the capacity or a model's cap.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compete/opencall.h"
#include "model/pool.h"
#include "sim/proposals.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool p;
	struct proposals ps;
	struct oc_rules r;
	struct oc_award *a;
	uint32_t cap[2] = {40, 20}, used[2] = {0, 0};
	struct err e;
	long got;
	int rc;

	pool_init(&p);
	ALLOT_ASSERT(pool_model(&p, "H200", NULL, NULL) == 0);
	ALLOT_ASSERT(pool_model(&p, "B200", NULL, NULL) == 1);
	proposals_init(&ps);
	rc = proposals_parse("fuzz", (const char *)data, size, &p, &ps, &e);
	ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	if (rc != 0) {
		ALLOT_ASSERT(ps.n == 0);
		ALLOT_ASSERT(strncmp(e.msg, "fuzz:", 5) == 0);
	}
	for (size_t i = 0; i < ps.n; i++) {
		const struct oc_proposal *q = &ps.v[i];

		ALLOT_ASSERT(q->model == 0 || q->model == 1);
		ALLOT_ASSERT(q->servers >= 1 &&
			     q->servers <= PROPOSALS_MAX_SERVERS);
		ALLOT_ASSERT(q->months >= 1 && q->months <= PROPOSALS_MAX_MONTHS);
		ALLOT_ASSERT(q->category < OC_NCATEGORIES);
		ALLOT_ASSERT(q->tenant < ps.tenants.n && q->org < ps.orgs.n);
		for (int k = 0; k < PROPOSALS_NCRITERIA; k++)
			ALLOT_ASSERT(q->scores[k] >= 0 && q->scores[k] <= 100);
	}
	opencall_rules_2026(&r, &p);
	r.max_months = 0;  /* the reader allows up to 120 */
	r.min_servers = 1;
	r.max_org_share = 0.25;
	r.region_share_min = 0.2;
	a = xcalloc(ps.n + 1, sizeof *a);
	got = opencall_select(&r, ps.v, ps.n, cap, 2, a, &e);
	ALLOT_ASSERT(got >= 0 && got <= 60);
	for (size_t i = 0; i < ps.n; i++) {
		ALLOT_ASSERT(a[i].servers <= r.cap_servers[ps.v[i].model]);
		used[ps.v[i].model] += a[i].servers;
	}
	ALLOT_ASSERT(used[0] <= cap[0] && used[1] <= cap[1]);
	free(a);
	proposals_free(&ps);
	pool_free(&p);
	return 0;
}
