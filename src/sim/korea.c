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
 *  - The rest of the 2025 purchase (10,080 B200 + 3,056 H200 in all, of
 *    which the sources place 8,160 B200 and 2,296 H200 with a provider):
 *    240 B200 and 95 H200 servers at a host the sources do not name
 *    ("Gov"); and the ~9,700 GPUs of 2026 as 1,212 B300 servers.  When
 *    each cluster is there is the scenario's business (korea-2026 below:
 *    rented clusters first, the government's from Dec 2025 and Oct 2026).
 *  - Left out: the Haenam centre of 2028 (after the scenario ends).
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
	{"Gov", "gov-2025", "gov-b200", "B200", 240, "govb-",
	 "the 1,920 B200 of the 2025 purchase without a named host"},
	{"Gov", "gov-2025", "gov-h200", "H200", 95, "govh-",
	 "the 760 H200 of the 2025 purchase without a named host"},
	{"Gov", "gov-2026", "gov-b300", "B300", 1212, "b300-",
	 "about 9,700 more government GPUs in 2026, B300 class (one "
	 "secondary source); 1,212 x 8 = 9,696; the host is our choice"},
};
#define NCLUSTERS (sizeof table / sizeof table[0])

/* Models and providers in order of first appearance in the table. */
static const char *const models[] = {"B200", "H200", "H100", "B300"};
static const char *const providers[] = {"NHN", "Kakao", "Naver", "SKT", "Gov"};

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
	if (strcmp(s, KOREA_SCENARIO) == 0 || strcmp(s, KOREA_SYNTHETIC) == 0)
		return 0;
	return err_set(e, ERR_NOTFOUND, "scenario: unknown scenario \"%.64s\" "
		       "(known: %s, %s)", s, KOREA_SCENARIO, KOREA_SYNTHETIC);
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

/*
 * The korea-2026 programme (docs/PROGRAMS.md walks through it).  Dates and
 * sizes are the sourced facts of DESIGN.md §1; where the sources are
 * silent the value is our choice and says so.
 */
static const char *const scenario_lines[] = {
	"# korea-2026: the Korean national AI compute programme, Aug 2025 - Jul 2027.",
	"# Sourced facts from DESIGN.md section 1; \"(ours)\" marks our choices.",
	"scenario korea-2026",
	"start 2025-08-01",
	"end 2027-08-01",
	"seed 1",
	"pool korea",
	"",
	"# Capacity over time: rented clusters first, government GPUs from Dec 2025.",
	"cluster skt-b200     from 2025-08-01 to 2026-07-01  # SKT rents >= 1,000 B200, Aug 2025 - Jun 2026",
	"cluster naver-h100   from 2025-08-01 to 2026-08-01  # Naver rents 1,000 H100/H200 (end: ours)",
	"cluster nhn-b200-a   from 2025-12-01                # ~13,000 government GPUs delivered Dec 2025",
	"cluster nhn-b200-b   from 2025-12-01",
	"cluster kakao-b200   from 2025-12-01",
	"cluster naver-h200-a from 2025-12-01",
	"cluster naver-h200-b from 2025-12-01",
	"cluster gov-b200     from 2025-12-01",
	"cluster gov-h200     from 2025-12-01",
	"cluster gov-b300     from 2026-10-01                # ~9,700 more in 2026, B300 class (date: ours)",
	"",
	"# Budgets in won (ours; the 2026 AI budget line is 10.1 trillion won).",
	"program sovereign-ai competition budget 350000000000",
	"program specialised  reserved    budget 40000000000",
	"program ai-compute   opencall    budget 450000000000",
	"program ministries   reserved    budget 30000000000",
	"",
	"# The five consortia of Aug 2025 and the Feb 2026 wildcard.  Efficiency and",
	"# prior compute (GPU-hours before the programme) drive the quality model of",
	"# later rounds (ours).  SKT and Naver supply GPUs and get none meanwhile.",
	"tenant naver   program sovereign-ai efficiency 1.05 prior 2000000 supplier 2025-08-01..2026-08-01",
	"tenant skt     program sovereign-ai efficiency 1.05 prior 1500000 supplier 2025-08-01..2026-07-01",
	"tenant upstage program sovereign-ai efficiency 1.00 prior 300000",
	"tenant nc-ai   program sovereign-ai efficiency 0.90 prior 400000",
	"tenant lg      program sovereign-ai efficiency 1.10 prior 1000000",
	"tenant motif   program sovereign-ai efficiency 0.95 prior 100000 enters 2026-02-20",
	"",
	"# Phase 1: Upstage, NC AI and LG get 512 B200 or 1,024 H100 each (the",
	"# rented H100 cluster holds 1,000).",
	"grant upstage B200 512  from 2025-08-01 to 2026-03-01",
	"grant lg      B200 512  from 2025-08-01 to 2026-03-01",
	"grant nc-ai   H100 1000 from 2025-08-01 to 2026-03-01",
	"# The wildcard: Motif, 768 B200-equivalent, Feb - Jul 2026.",
	"grant motif   B200 768  from 2026-02-20 to 2026-08-01",
	"",
	"# 15 Jan 2026: LG first with 90.2 (average 79.7), NC AI lowest, Naver fails",
	"# the from-scratch gate: SKT, Upstage and LG advance.  The other scores are",
	"# ours, chosen to keep the published average.  Phase 2: LG and Upstage about",
	"# 512 B200 + 512 H100 each (SKT, still a supplier, gets none).",
	"round sovereign-ai r1 2026-01-15 keep 3 notice 14d realloc equal next B200:1024,H100:1000 until 2026-08-17 scores lg=90.2,skt=80.5,upstage=79.9,naver=75.5,nc-ai=72.4 gate-fail naver",
	"# Aug 2026: 4 -> 3; later phases on government B200 (~6,000 earmarked).",
	"round sovereign-ai r2 2026-08-17 keep 3 notice 14d realloc equal next B200:3072",
	"# Early 2027: 3 -> 2 finalists, the GPUs concentrate by score.",
	"round sovereign-ai r3 2027-01-15 keep 2 notice 14d realloc score next B200:4096 until 2027-08-01",
	"",
	"# The specialised-model track: 2 teams x 256 B200, Nov 2025 - Sep 2026",
	"# (from Dec 2025, when the government B200 arrive).",
	"tenant spec-a program specialised kind team",
	"tenant spec-b program specialised kind team",
	"grant spec-a B200 256 from 2025-12-01 to 2026-10-01",
	"grant spec-b B200 256 from 2025-12-01 to 2026-10-01",
	"",
	"# The open calls.  Call 1 (22 Dec 2025 - 28 Jan 2026): 514 projects ask",
	"# 13,712 GPUs for 4,224 (528 servers); caps 256 H200 / 128 B200; <= 12 months.",
	"call ai-compute call-2026a award 2026-02-02 capacity H200:264,B200:264 proposals 514 asked-gpus 13712 months 12",
	"# Later 2026 calls: ~4,000 GPUs for industry and 1,000 for academia, with a",
	"# regional preference and limits on concentration (shares: ours).",
	"call ai-compute call-2026b award 2026-10-05 capacity B300:500 proposals 300 asked-gpus 12000 months 12 mix 0,0,0.7,0.3 region-min 0.3 org-max 0.1",
	"call ai-compute call-2026c award 2026-10-05 capacity B300:125 proposals 200 asked-gpus 4000 months 12 mix 0.85,0.15,0,0 region-min 0.3 org-max 0.1",
	"",
	"# Ministries' reserved share (ours).",
	"tenant msit program ministries activity 0.7",
	"grant msit H200 256 from 2026-01-01 to 2027-08-01",
	"",
	"# Idle or misused GPUs are reclaimed and reassigned (the rule's figures: ours).",
	"idle threshold 0.7 window 28d notice 14d rampup 30d keep 1 every 7d",
	"# Demand: each tenant offers 0.8 x activity x its grant (ours; docs/PROGRAMS.md).",
	"workload load 0.8 pass-interval 300s backfill 8 max-gang 1024",
};
#define NSCENARIO_LINES (sizeof scenario_lines / sizeof scenario_lines[0])

char *
korea_scenario_text(size_t *len)
{
	size_t n = 0;
	char *buf, *p;

	for (size_t i = 0; i < NSCENARIO_LINES; i++)
		n += strlen(scenario_lines[i]) + 1;
	buf = p = xmalloc(n + 1);
	for (size_t i = 0; i < NSCENARIO_LINES; i++) {
		size_t k = strlen(scenario_lines[i]);
		memcpy(p, scenario_lines[i], k);
		p[k] = '\n';
		p += k + 1;
	}
	*p = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}
