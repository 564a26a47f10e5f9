/*
 * fuzz-openb-nodes.c — fuzzes the openb node-list reader
 * (trace_parse_openb_nodes), strict and with skip_bad.  Beyond "no crash,
 * no leak": a failed read leaves the pool exactly as it was (no node, no
 * model added), and a good one adds only nodes with at most 8 GPUs, all
 * free, of a known model.
 */
#include <stdint.h>
#include <string.h>

#include "model/pool.h"
#include "sim/trace.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int skip = 0; skip < 2; skip++) {
		size_t skipped = 0;
		struct trace_opts o = {.skip_bad = skip, .max_jobs = 500,
				       .skipped = &skipped};
		struct pool p;
		struct err e;
		uint64_t gpus = 0;
		int rc;

		pool_init(&p);
		ALLOT_ASSERT(pool_model(&p, "T4", NULL, NULL) == 0);
		rc = trace_parse_openb_nodes("fuzz", (const char *)data, size, &o,
					     &p, &e);
		ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
		if (rc != 0) {
			ALLOT_ASSERT(p.nnodes == 0 && p.model_names.n == 1);
			ALLOT_ASSERT(strncmp(e.msg, "fuzz:", 5) == 0);
		} else {
			ALLOT_ASSERT(p.nnodes <= 500);
			ALLOT_ASSERT(skip || skipped == 0);
		}
		for (size_t i = 0; i < p.nnodes; i++) {
			const struct node *n = &p.nodes[i];
			ALLOT_ASSERT(n->ngpu <= POOL_MAX_GPUS_PER_NODE);
			ALLOT_ASSERT(n->ngpu == 0 || n->model < p.model_names.n);
			ALLOT_ASSERT(node_full_free(n) == n->ngpu);
			gpus += n->ngpu;
		}
		ALLOT_ASSERT(gpus == p.total_gpus);
		ALLOT_ASSERT(p.model_names.n <= POOL_MAX_MODELS);
		pool_free(&p);
	}
	return 0;
}
