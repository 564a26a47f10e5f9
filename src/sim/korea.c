/*
 * korea.c — the Korean national GPU pool as a table, written out as a pool
 * description and parsed back (see korea.h for the layout).
 *
 * What rests on sources (DESIGN.md §1) and what is our choice:
 *  - Sourced: NHN hosts 6,120 B200, Kakao 2,040 B200, Naver 2,296 H200 of
 *    the government's 2025 purchase, in clusters of 255 or 510 eight-GPU
 *    servers; before those arrived the government rented over 1,000 B200
 *    from SK Telecom as one cluster and 1,000 H100/H200 from Naver.
 *  - Our choice: NHN's 765 servers as one cluster of 510 and one of 255;
 *    Naver's 287 H200 servers as 255 + 32 (2,296 is not a multiple of
 *    255 x 8, so one cluster must be short); SK Telecom's cluster as
 *    128 x 8 = 1,024 B200 ("over 1,000"); Naver's rented GPUs as
 *    125 x 8 H100 (the sources say "H100/H200" without a split).  One
 *    site per provider and ownership (government-owned vs rented); the
 *    sites' real locations are not in the sources, so they are named by
 *    provider.  Servers: 224 cores and 2 TiB (a typical HGX host; not
 *    sourced), each server its own NVLink domain, 4 per rack.  GPU
 *    figures (memory, price, power) are poolgen's built-in ones.
 *  - Left out: the rest of the 2025 purchase (10,080 B200 + 3,056 H200
 *    in all, of which the sources place 8,160 B200 and 2,296 H200 with a
 *    provider), the ~9,700 GPUs of 2026 and the Haenam centre of 2028.
 *    They come with the full scenario (a later issue), as capacity that
 *    changes over time.
 *
 * The text is built in one buffer sized up front from the table; no
 * globals, no I/O.
 */
#include "sim/korea.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/poolfile.h"
#include "util/alloc.h"

#define CPU_MILLI 224000
#define MEM_MIB 2097152
#define RACK_NODES 4

static const struct korea_cluster table[] = {
	{"NHN", "nhn-gov", "nhn-b200-a", "B200", 510, "nhn-a",
	 "NHN hosts 6,120 B200 (DESIGN.md 1); 510 + 255 servers is our split"},
	{"NHN", "nhn-gov", "nhn-b200-b", "B200", 255, "nhn-b", NULL},
	{"Kakao", "kakao-gov", "kakao-b200", "B200", 255, "kakao-",
	 "Kakao hosts 2,040 B200 = 255 servers"},
	{"Naver", "naver-gov", "naver-h200-a", "H200", 255, "naver-a",
	 "Naver hosts 2,296 H200 = 287 servers; 255 + 32 is our split"},
	{"Naver", "naver-gov", "naver-h200-b", "H200", 32, "naver-b", NULL},
	{"SKT", "skt-rent", "skt-b200", "B200", 128, "skt-",
	 "SK Telecom rents over 1,000 B200 as one cluster; 128 x 8 = 1,024"},
	{"Naver", "naver-rent", "naver-h100", "H100", 125, "naver-r",
	 "Naver rents 1,000 H100/H200; taken as 125 x 8 H100"},
};
#define NCLUSTERS (sizeof table / sizeof table[0])

/* Models and providers in order of first appearance in the table. */
static const char *const models[] = {"B200", "H200", "H100"};
static const char *const providers[] = {"NHN", "Kakao", "Naver", "SKT"};

const struct korea_cluster *
korea_cluster_at(size_t i)
{
	return i < NCLUSTERS ? &table[i] : NULL;
}

uint32_t
korea_scaled_nodes(uint32_t n, double scale)
{
	double x = floor((double)n * scale + 0.5);

	return x < 1 ? 1 : (uint32_t)x;
}

int
korea_scenario_check(const char *s, struct err *e)
{
	if (strcmp(s, KOREA_SCENARIO) == 0)
		return 0;
	return err_set(e, ERR_NOTFOUND, "scenario: unknown scenario \"%.64s\" "
		       "(known: %s)", s, KOREA_SCENARIO);
}

static int
check_scale(double scale, struct err *e)
{
	if (!(scale > 0 && scale <= KOREA_MAX_SCALE))
		return err_set(e, ERR_INVALID, "scale: expected a number in "
			       "(0, %g], got %g", KOREA_MAX_SCALE, scale);
	return 0;
}

static int
digits(uint32_t v)
{
	int d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/* Appends to buf[*n..cap); the caller sized cap so that it never
 * truncates (asserted). */
static void add(char *buf, size_t *n, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
add(char *buf, size_t *n, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	ALLOT_ASSERT(k >= 0 && (size_t)k < cap - *n);
	*n += (size_t)k;
}

int
korea_pool_text(double scale, char **text, size_t *len, struct err *e)
{
	size_t cap = 2048 + NCLUSTERS * 512, n = 0;
	uint64_t nodes = 0;
	char *buf;
	int rc;

	if ((rc = check_scale(scale, e)) != 0)
		return rc;
	buf = xmalloc(cap);
	buf[0] = '\0';
	add(buf, &n, cap, "allot-pool 1\n"
	    "# The Korean national GPU pool (scenario %s), scale %g.\n"
	    "# Sources and choices: src/sim/korea.c, DESIGN.md section 1.\n",
	    KOREA_SCENARIO, scale);
	for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
		add(buf, &n, cap, "model %s\n", models[i]);
	for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++)
		add(buf, &n, cap, "provider %s\n", providers[i]);
	for (size_t i = 0; i < NCLUSTERS; i++) {
		const struct korea_cluster *c = &table[i];
		uint32_t k = korea_scaled_nodes(c->nodes, scale);
		int w = digits(k - 1) < 3 ? 3 : digits(k - 1);

		if (i == 0 || strcmp(table[i - 1].site, c->site) != 0)
			add(buf, &n, cap, "site %s provider=%s\n", c->site,
			    c->provider);
		if (c->source != NULL)
			add(buf, &n, cap, "# %s\n", c->source);
		add(buf, &n, cap, "cluster %s site=%s\n", c->cluster, c->site);
		add(buf, &n, cap, "nodes %s[%0*d-%0*u] cluster=%s model=%s gpus=%d "
		    "cpu=%d mem=%d rack-nodes=%d\n", c->prefix, w, 0, w, k - 1,
		    c->cluster, c->model, KOREA_GPUS_PER_NODE, CPU_MILLI,
		    MEM_MIB, RACK_NODES);
		nodes += k;
	}
	add(buf, &n, cap, "end nodes=%llu gpus=%llu\n", (unsigned long long)nodes,
	    (unsigned long long)nodes * KOREA_GPUS_PER_NODE);
	*text = buf;
	if (len != NULL)
		*len = n;
	return 0;
}

int
korea_pool(double scale, struct pool *p, struct err *e)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = korea_pool_text(scale, &text, &len, e)) != 0)
		return rc;
	rc = poolfile_parse(KOREA_SCENARIO ".pool", text, len, p, e);
	free(text);
	return rc;
}

void
korea_workload_defaults(struct synth_opts *o)
{
	synth_defaults(o);
	o->seed = 1;
	o->tenants = KOREA_TENANTS;
	o->load = KOREA_LOAD;
	o->duration_s = (int64_t)KOREA_HOURS * 3600;
}
