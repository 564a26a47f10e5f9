/*
 * fuzz-lmeval-samples.c — fuzzes the per-sample JSONL reader
 * (lmeval_samples_parse) over an in-memory buffer, once choosing the
 * metric from the rows and once asking for "acc" with filter "none".
 * Beyond "no crash, no leak": a failed read leaves the output empty and
 * its message names the input; a good read has at least one sample, doc
 * ids >= 0 and pairwise distinct, finite values, and a metric name.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/lmeval.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static void
one(const uint8_t *data, size_t size, const char *metric, const char *filter)
{
	struct lmeval_samples s;
	struct err e;
	long *ids;
	double mean, se;
	int rc;

	err_clear(&e);
	rc = lmeval_samples_parse("fuzz", (const char *)data, size, metric,
				  filter, &s, &e);
	ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	if (rc != 0) {
		ALLOT_ASSERT(rc < 0 && e.code == rc);
		ALLOT_ASSERT(s.v == NULL && s.n == 0 && s.metric == NULL &&
			     s.filter == NULL);
		ALLOT_ASSERT(strncmp(e.msg, "fuzz", 4) == 0);
		return;
	}
	ALLOT_ASSERT(s.n >= 1 && s.metric != NULL && s.filter != NULL);
	ALLOT_ASSERT(metric == NULL || strcmp(s.metric, metric) == 0);
	ids = xmalloc(s.n * sizeof *ids);
	for (size_t i = 0; i < s.n; i++) {
		ALLOT_ASSERT(s.v[i].doc_id >= 0);
		ALLOT_ASSERT(isfinite(s.v[i].value));
		ids[i] = s.v[i].doc_id;
	}
	qsort(ids, s.n, sizeof *ids, cmp_long);
	for (size_t i = 1; i < s.n; i++)
		ALLOT_ASSERT(ids[i] != ids[i - 1]);
	free(ids);
	lmeval_samples_stats(&s, &mean, &se);
	ALLOT_ASSERT(!isnan(mean));
	lmeval_samples_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, NULL, NULL);
	one(data, size, "acc", "none");
	return 0;
}
