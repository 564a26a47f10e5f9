/*
 * fuzz-poolfile.c — fuzzes the pool file reader (poolfile_parse).  Beyond
 * "no crash, no leak": a failed read leaves the pool empty and its message
 * names the input; a good read writes out (poolfile_write) and reads back
 * into the same pool, index for index.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/poolfile.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same_name(const struct pool *a, uint32_t x, const struct pool *b, uint32_t y)
{
	return strcmp(strtab_get(&a->names, x), strtab_get(&b->names, y)) == 0;
}

static void
check_same(const struct pool *a, const struct pool *b)
{
	ALLOT_ASSERT(a->model_names.n == b->model_names.n);
	for (size_t i = 0; i < a->model_names.n; i++) {
		ALLOT_ASSERT(strcmp(a->model_names.str[i], b->model_names.str[i]) == 0);
		ALLOT_ASSERT(memcmp(&a->models[i], &b->models[i],
				    sizeof a->models[i]) == 0);
	}
	ALLOT_ASSERT(a->nsites == b->nsites && a->nclusters == b->nclusters &&
		     a->nracks == b->nracks && a->ndomains == b->ndomains &&
		     a->nnodes == b->nnodes && a->total_gpus == b->total_gpus);
	for (size_t i = 0; i < a->nsites; i++)
		ALLOT_ASSERT(same_name(a, a->sites[i].name, b, b->sites[i].name) &&
			     same_name(a, a->sites[i].provider, b,
				       b->sites[i].provider));
	for (size_t i = 0; i < a->nclusters; i++)
		ALLOT_ASSERT(same_name(a, a->clusters[i].name, b, b->clusters[i].name) &&
			     a->clusters[i].site == b->clusters[i].site);
	for (size_t i = 0; i < a->nracks; i++)
		ALLOT_ASSERT(same_name(a, a->racks[i].name, b, b->racks[i].name) &&
			     a->racks[i].cluster == b->racks[i].cluster);
	for (size_t i = 0; i < a->ndomains; i++)
		ALLOT_ASSERT(same_name(a, a->domains[i].name, b, b->domains[i].name) &&
			     a->domains[i].rack == b->domains[i].rack &&
			     a->domains[i].ngpu == b->domains[i].ngpu);
	for (size_t i = 0; i < a->nnodes; i++) {
		struct node x = a->nodes[i], y = b->nodes[i];
		ALLOT_ASSERT(same_name(a, x.name, b, y.name));
		x.name = y.name = 0;
		ALLOT_ASSERT(memcmp(&x, &y, sizeof x) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool p, q;
	struct err e;
	char *text = NULL;
	size_t n = 0;
	FILE *f;
	int rc;

	pool_init(&p);
	rc = poolfile_parse("fuzz", (const char *)data, size, &p, &e);
	if (rc != 0) {
		ALLOT_ASSERT(rc < 0 && e.code == rc);
		ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
		ALLOT_ASSERT(strncmp(e.msg, "fuzz", 4) == 0);
		ALLOT_ASSERT(p.nnodes == 0 && p.names.n == 0 &&
			     p.model_names.n == 0);
		pool_free(&p);
		return 0;
	}
	f = open_memstream(&text, &n);
	ALLOT_ASSERT(f != NULL);
	rc = poolfile_write(f, &p, &e);
	fclose(f);
	ALLOT_ASSERT(rc == 0);
	pool_init(&q);
	rc = poolfile_parse("fuzz-rt", text, n, &q, &e);
	if (rc != 0)
		allot_die("written pool does not read back: %s", e.msg);
	check_same(&p, &q);
	free(text);
	pool_free(&q);
	pool_free(&p);
	return 0;
}
