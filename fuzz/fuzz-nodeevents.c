/*
 * fuzz-nodeevents.c — fuzzes the capacity-events reader (nodeevents_parse)
 * against a fixed pool of nodes n0..n15 and gpu[00-03] (and a rack named
 * like a node, r0, which must not be taken for one).  Beyond "no crash, no
 * leak": a failed read leaves no event and its message names the input; a
 * good read gives events on nodes of the pool, with known actions, sorted
 * by time.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/pool.h"
#include "sim/nodeevents.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool p;
	struct nodeevents ev;
	struct err e;
	char name[16];
	uint32_t site, cl;
	int rc;

	pool_init(&p);
	ALLOT_ASSERT(pool_model(&p, "H100", NULL, NULL) == 0);
	site = pool_add_site(&p, "s", "prov");
	cl = pool_add_cluster(&p, "c", site);
	(void)pool_add_rack(&p, "r0", cl);
	for (int i = 0; i < 20; i++) {
		if (i < 16)
			snprintf(name, sizeof name, "n%d", i);
		else
			snprintf(name, sizeof name, "gpu%02d", i - 16);
		ALLOT_ASSERT(pool_add_node(&p, name, UINT32_MAX, 0, 8, 1000, 1024,
					   NULL) == i);
	}
	nodeevents_init(&ev);
	rc = nodeevents_parse("fuzz", (const char *)data, size, &p, &ev, &e);
	ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	if (rc != 0) {
		ALLOT_ASSERT(ev.n == 0 && ev.v == NULL);
		ALLOT_ASSERT(strncmp(e.msg, "fuzz:", 5) == 0);
	} else {
		ALLOT_ASSERT(e.code == 0);
	}
	for (size_t i = 0; i < ev.n; i++) {
		ALLOT_ASSERT(ev.v[i].node < p.nnodes);
		ALLOT_ASSERT(ev.v[i].action < NODEEVENT_NACTIONS);
		ALLOT_ASSERT(i == 0 || ev.v[i - 1].time <= ev.v[i].time);
	}
	nodeevents_free(&ev);
	pool_free(&p);
	return 0;
}
