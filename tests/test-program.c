/*
 * test-program.c — program scenario files (sim/progfile.h) and the
 * programme driver (sim/program.h): parsing, every error naming its
 * line, the round and reallocation rules on small hand-checked worlds,
 * the audit chain of a run, determinism, and the Philly table the job
 * shapes come from.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/audit.h"
#include "sim/korea.h"
#include "sim/progfile.h"
#include "sim/program.h"
#include "test.h"
#include "util/csv.h"
#include "util/file.h"

#define DAY 86400

static int
parse(const char *text, struct progfile *pf, struct err *e)
{
	memset(e, 0, sizeof *e);
	return progfile_parse("t.scn", text, strlen(text), pf, e);
}

TEST(progfile_korea)
{
	struct progfile pf;
	struct err e;
	size_t len;
	char *text = korea_scenario_text(&len);
	char d[16];

	memset(&e, 0, sizeof e);
	CHECK_EQ_INT(progfile_parse("korea-2026", text, len, &pf, &e), 0);
	free(text);
	CHECK_STR(pf.name, "korea-2026");
	CHECK_EQ_INT(pf.start_unix, csv_days_from_civil(2025, 8, 1) * DAY);
	CHECK_EQ_INT(pf.end, 730 * DAY); /* 2025-08-01 .. 2027-08-01 */
	CHECK_EQ_INT(pf.nprograms, 4);
	CHECK_EQ_INT(pf.nrounds, 3);
	CHECK_EQ_INT(pf.ncalls, 3);
	/* 2025-08-01 + 167 days = 2026-01-15, the first evaluation. */
	CHECK_EQ_INT(pf.rounds[0].at, 167 * DAY);
	CHECK_EQ_INT(pf.rounds[0].keep, 3);
	CHECK_EQ_INT(pf.rounds[0].notice_s, 14 * DAY);
	CHECK_EQ_INT(pf.rounds[0].nscores, 5);
	CHECK_NEAR(pf.rounds[0].scores[0].score, 90.2, 1e-12);
	CHECK_EQ_INT(pf.rounds[0].ngate_fail, 1);
	CHECK_STR(pf.rounds[0].gate_fail[0], "naver");
	CHECK_EQ_INT(pf.rounds[0].nnext, 2);
	CHECK_STR(pf.rounds[0].next[1].model, "H100");
	CHECK_EQ_INT(pf.rounds[0].next[1].n, 1000);
	CHECK_EQ_INT(pf.calls[0].capacity[0].n + pf.calls[0].capacity[1].n, 528);
	CHECK_EQ_INT(pf.calls[0].asked_gpus, 13712);
	CHECK_EQ_INT(pf.calls[0].proposals, 514);
	CHECK_NEAR(pf.calls[1].mix[2], 0.7, 1e-12);
	CHECK_EQ_INT(pf.idle.window_s, 28 * DAY);
	CHECK_NEAR(pf.idle.threshold, 0.7, 1e-12);
	CHECK_EQ_INT(pf.work.pass_interval, 300);
	progfile_date(&pf, pf.rounds[1].at, d);
	CHECK_STR(d, "2026-08-17");
	progfile_date(&pf, 0, d);
	CHECK_STR(d, "2025-08-01");
	/* Suppliers: SKT from the start to 2026-07-01. */
	{
		long k = progfile_tenant(&pf, "skt");
		CHECK(k >= 0);
		CHECK_EQ_INT(pf.tenants[k].supplier_from, 0);
		CHECK_EQ_INT(pf.tenants[k].supplier_to, 334 * DAY);
	}
	progfile_free(&pf);
}

/* Each broken line gives NAME:LINE: field: reason, and nothing is kept. */
TEST(progfile_errors)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nfrobnicate\n",
		 "t.scn:4: directive: unknown directive"},
		{"scenario x\nstart 2026-13-01\n", "t.scn:2: start: expected a date"},
		{"scenario x\nstart 2026-01-01\nend 2025-01-01\n", "t.scn:3: end:"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\ntenant a program p\n",
		 "t.scn:4: program: no such program"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p lottery\n",
		 "t.scn:4: kind: expected competition, opencall or reserved"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p reserved\n"
		 "tenant a program p\ntenant a program p\n", "t.scn:6: tenant: declared twice"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p reserved\n"
		 "grant b B200 8\n", "t.scn:5: tenant: no such tenant"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p reserved\n"
		 "tenant a program p\ngrant a B200 0\n", "t.scn:6: gpus:"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p reserved\n"
		 "tenant a program p\ngrant a B200 8 from 2026-03-01\n",
		 "t.scn:6: from: outside the scenario's start..end"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p reserved\n"
		 "round p r 2026-01-10 keep 1\n", "t.scn:5: program: rounds belong to a competition"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p competition\n"
		 "round p r 2026-01-10\n", "t.scn:5: keep: expected `round"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p competition\n"
		 "tenant a program p\nround p r 2026-01-10 keep 1 scores a=101\n",
		 "t.scn:6: scores:"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p competition\n"
		 "round p r 2026-01-10 keep 1 scores z=50\n", "names a team that is not a tenant"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p competition\n"
		 "round p r 2026-01-10 keep 1 notice 3w\n", "t.scn:5: notice: expected a duration"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p opencall\n"
		 "call p c award 2026-01-05 capacity B200:8 proposals 5 mix 0.5,0.5,0.5,0\n",
		 "t.scn:5: mix: expected four shares"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p opencall\n"
		 "call p c award 2026-01-05 capacity B200 proposals 5\n",
		 "t.scn:5: capacity: expected MODEL:N"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p opencall\n"
		 "call p c award 2026-01-05\n", "t.scn:5: capacity: a call needs"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nidle every 0s\n",
		 "t.scn:4: every: must be at least 1s"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nworkload load -1\n",
		 "t.scn:4: load:"},
		{"scenario x\n", "t.scn: start: a scenario needs"},
		{"start 2026-01-01\nend 2026-02-01\n", "t.scn: scenario: missing"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\ncluster c from 2026-01-20 to 2026-01-10\n",
		 "t.scn:4: to: the cluster must arrive before it leaves"},
		{"scenario x\nstart 2026-01-01\nend 2026-02-01\nprogram p competition\n"
		 "tenant a program p supplier 2026-01-20..2026-01-10\n",
		 "t.scn:5: supplier: FROM must be before TO"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct progfile pf;
		struct err e;
		int rc = parse(cases[i].text, &pf, &e);
		if (rc == 0)
			test_fail(__FILE__, __LINE__, "case %zu parsed", i);
		CHECK_EQ_INT(rc, ERR_INVALID);
		CHECK_CONTAINS(e.msg, cases[i].want);
		CHECK(pf.programs == NULL && pf.ntenants == 0);
	}
}

/* A competition of three: c supplies GPUs until March and b scores
 * lowest.  Round r1 on 2026-02-01 (day 31) keeps 2, with a notice of 7
 * days (cut at day 38): b is out and its grant ends at day 38; a's
 * phase-1 grant ends there too; the next phase's 96 B200 (12 servers)
 * go to the survivors who supply nothing then — only a, as c is still a
 * supplier on day 38 — from day 38 to 2026-05-01 (day 120). */
static const char small[] =
	"scenario small\n"
	"start 2026-01-01\n"
	"end 2026-07-01\n"
	"seed 3\n"
	"pool gen:sites=1,nodes=32,gpus=8,models=B200\n"
	"program comp competition budget 1000000000\n"
	"tenant a program comp efficiency 1.2 prior 1000\n"
	"tenant b program comp efficiency 1.0 prior 1000\n"
	"tenant c program comp efficiency 0.8 prior 1000 supplier 2026-01-01..2026-03-01\n"
	"grant a B200 32 from 2026-01-01 to 2026-03-01\n"
	"grant b B200 32 from 2026-01-01 to 2026-03-01\n"
	"round comp r1 2026-02-01 keep 2 notice 7d realloc equal next B200:96 until 2026-05-01 scores a=80,b=60,c=70\n"
	"round comp r2 2026-05-01 keep 1 notice 7d realloc equal next B200:40 until 2026-07-01\n"
	"workload load 0.8 pass-interval 600s\n";

static struct program *
run_text(const char *text, struct progfile *pf)
{
	struct program_opts o;
	struct program *p = NULL;
	struct err e;

	CHECK_EQ_INT(parse(text, pf, &e), 0);
	program_opts_init(&o);
	if (program_new(pf, &o, &p, &e) != 0 || program_run(p, &e) != 0)
		test_fail(__FILE__, __LINE__, "run: %s", e.msg);
	return p;
}

static size_t
grants_of(const struct grants *gs, long t, const struct grant **out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < gs->n && n < cap; i++)
		if ((long)gs->v[i].tenant == t)
			out[n++] = &gs->v[i];
	return n;
}

TEST(program_round_realloc)
{
	struct progfile pf;
	struct program *p = run_text(small, &pf);
	const struct grants *gs = program_grants(p);
	const struct grant *g[8];
	long a = program_tenant(p, "comp/a"), b = program_tenant(p, "comp/b"),
	     c = program_tenant(p, "comp/c");
	const struct audit_log *log = program_audit(p);
	struct err e;
	size_t n;

	CHECK(a >= 0 && b >= 0 && c >= 0);
	n = grants_of(gs, b, g, 8);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(g[0]->gpus, 32);
	CHECK_EQ_INT(g[0]->end, 38 * DAY); /* cut after the notice */
	n = grants_of(gs, a, g, 8);
	CHECK(n >= 2);
	CHECK_EQ_INT(g[0]->end, 38 * DAY);
	CHECK_EQ_INT(g[1]->gpus, 96);     /* all 12 servers: c supplies */
	CHECK_EQ_INT(g[1]->start, 38 * DAY);
	CHECK_EQ_INT(g[1]->end, 120 * DAY);
	CHECK_EQ_INT(g[1]->price_won_hour, 0); /* the programme pays */
	/* Round r2 (day 120) keeps one of a and c; 40 B200 = 5 servers go
	 * to the survivor, who supplies nothing by then. */
	n = grants_of(gs, c, g, 8);
	{
		size_t na = grants_of(gs, a, g, 8);
		size_t total = n + na;
		CHECK(total == 3 || total == 4);
	}
	/* The decisions: the scenario's grants, r1, its reallocation, r2,
	 * its reallocation. */
	CHECK_EQ_INT(log->n, 5);
	CHECK_EQ_INT(log->v[0].kind, AUDIT_QUOTA);
	CHECK_CONTAINS(log->v[0].payload, "[\"comp/a\",\"B200\",32,0,5097600,0]");
	CHECK_EQ_INT(log->v[1].kind, AUDIT_ROUND);
	CHECK_CONTAINS(log->v[1].payload, "\"why\":\"b: lowest (60.0)\"");
	CHECK_EQ_INT(log->v[2].kind, AUDIT_REALLOCATION);
	CHECK_CONTAINS(log->v[2].payload, "[\"comp/a\",\"B200\",96]");
	CHECK_EQ_INT(log->v[3].kind, AUDIT_ROUND);
	CHECK_CONTAINS(log->v[3].payload, "\"source\":\"quality model\"");
	memset(&e, 0, sizeof e);
	CHECK_EQ_INT(audit_verify(log, NULL, &e), 0);
	program_free(p);
	progfile_free(&pf);
}

/* The same scenario and seed give the same files, byte for byte. */
TEST(program_deterministic)
{
	char d1[4096], d2[4096];
	static const char *const files[] = {
		"summary.json", "tenants.csv", "gpus_by_tenant.csv", "capacity_by_site.csv",
		"waits.csv", "rounds.csv", "phases.csv", "budget.csv", "audit.jsonl"};
	struct err e;

	for (int k = 0; k < 2; k++) {
		struct progfile pf;
		struct program *p = run_text(small, &pf);
		snprintf(k ? d2 : d1, sizeof d1, "%s/out%d", test_tmpdir(), k);
		memset(&e, 0, sizeof e);
		if (program_write_dir(p, k ? d2 : d1, &e) != 0)
			test_fail(__FILE__, __LINE__, "write: %s", e.msg);
		program_free(p);
		progfile_free(&pf);
	}
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char p1[4200], p2[4200], *b1, *b2;
		size_t n1, n2;
		snprintf(p1, sizeof p1, "%s/%s", d1, files[i]);
		snprintf(p2, sizeof p2, "%s/%s", d2, files[i]);
		CHECK_EQ_INT(file_read_all(p1, 1 << 26, &b1, &n1, &e), 0);
		CHECK_EQ_INT(file_read_all(p2, 1 << 26, &b2, &n2, &e), 0);
		if (n1 != n2 || memcmp(b1, b2, n1) != 0)
			test_fail(__FILE__, __LINE__, "%s differs", files[i]);
		CHECK(n1 > 0);
		free(b1);
		free(b2);
	}
}

/* Errors the driver finds with the pool in hand name the scenario line. */
TEST(program_errors)
{
	static const struct {
		const char *tail, *want;
	} cases[] = {
		{"grant a H100 8\n", "t.scn:10: model: no such model in the pool \"H100\""},
		{"grant c B200 8 from 2026-02-01\n",
		 "t.scn:10: grant: c supplies capacity then and gets none"},
		{"cluster nowhere from 2026-02-01\n",
		 "t.scn:10: cluster: no cluster \"nowhere\" in the pool"},
	};
	static const char head[] =
		"scenario small\nstart 2026-01-01\nend 2026-07-01\n"
		"pool gen:sites=1,nodes=4,gpus=8,models=B200\n"
		"program comp competition\n"
		"tenant a program comp\ntenant b program comp\n"
		"tenant c program comp supplier 2026-01-01..2026-03-01\n"
		"grant a B200 8\n";

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[2048];
		struct progfile pf;
		struct program_opts o;
		struct program *p = NULL;
		struct err e;
		snprintf(text, sizeof text, "%s%s", head, cases[i].tail);
		CHECK_EQ_INT(parse(text, &pf, &e), 0);
		program_opts_init(&o);
		CHECK_EQ_INT(program_new(&pf, &o, &p, &e), ERR_INVALID);
		CHECK(p == NULL);
		CHECK_CONTAINS(e.msg, cases[i].want);
		progfile_free(&pf);
	}
}

/* The korea-2026 programme at a tenth of its size: the January round as
 * published (Naver fails the gate, NC AI lowest), LG and Upstage share
 * phase 2 equally, open-call awards, idle reclaim with re-awards, and an
 * intact audit chain. */
TEST(program_korea_small)
{
	struct progfile pf;
	struct program_opts o;
	struct program *p = NULL;
	struct program_stats st;
	struct err e;
	size_t len;
	char *text = korea_scenario_text(&len);
	const struct audit_log *log;

	memset(&e, 0, sizeof e);
	CHECK_EQ_INT(progfile_parse("korea-2026", text, len, &pf, &e), 0);
	free(text);
	program_opts_init(&o);
	o.scale = 0.05;
	if (program_new(&pf, &o, &p, &e) != 0 || program_run(p, &e) != 0)
		test_fail(__FILE__, __LINE__, "run: %s", e.msg);
	program_stats(p, &st);
	log = program_audit(p);
	CHECK(log->n >= 7);
	CHECK_EQ_INT(log->v[0].kind, AUDIT_QUOTA); /* the scenario's grants */
	CHECK_EQ_INT(log->v[1].kind, AUDIT_ROUND); /* 2026-01-15 comes next */
	CHECK_CONTAINS(log->v[1].payload,
		       "\"why\":\"naver: gate failed; nc-ai: lowest (72.4)\"");
	CHECK_EQ_INT(log->v[2].kind, AUDIT_REALLOCATION);
	/* 1,024 B200 and 1,000 H100 at scale 0.05: 51.2 and 50 GPUs, 6
	 * servers each; Upstage and LG (SKT still supplies) get 3 + 3 of
	 * each, in team order. */
	CHECK_CONTAINS(log->v[2].payload,
		       "\"grants\":[[\"sovereign-ai/upstage\",\"B200\",24],"
		       "[\"sovereign-ai/lg\",\"B200\",24],[\"sovereign-ai/upstage\",\"H100\",24],"
		       "[\"sovereign-ai/lg\",\"H100\",24]]");
	CHECK_EQ_INT(log->v[3].kind, AUDIT_AWARD);
	CHECK(st.awards > 0);
	CHECK(st.rounds == 3);
	CHECK(st.jobs_completed > 1000);
	CHECK(st.util_pct > 1 && st.util_pct < 100);
	CHECK_EQ_INT(audit_verify(log, NULL, &e), 0);
	program_free(p);
	progfile_free(&pf);
}

/* The job-shape table in program.c is Philly's, recomputed here: jobs
 * of at least an hour bucketed by GPUs (3 -> 2, 5..7 -> 4, 9..15 -> 8,
 * 17..31 -> 16, 33..63 -> 32, >= 64 -> 64), counts and nearest-rank
 * run-time quantiles. */
static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

TEST(program_philly_table)
{
	SKIP_UNLESS_DATA(path, "philly/philly.csv");
	static const uint32_t gpus[7] = {1, 2, 4, 8, 16, 32, 64};
	static const uint32_t want_n[7] = {15752, 312, 1246, 1164, 130, 38, 3};
	static const double want_p50[7] = {8249, 100156, 64774, 104108, 122504, 51170, 7673};
	static const double want_p99[7] = {493798, 1399002, 1127338, 1780406, 1369876, 128924, 28475};
	double *v[7];
	size_t n[7] = {0}, cap = 90000;
	char *buf;
	size_t len;
	struct csv_lines r;
	const char *s;
	size_t sl;
	struct err e;
	static char scratch[4096];

	memset(&e, 0, sizeof e);
	CHECK_EQ_INT(file_read_all(path, 1 << 28, &buf, &len, &e), 0);
	for (int k = 0; k < 7; k++)
		v[k] = malloc(cap * sizeof *v[k]);
	csv_lines_init(&r, path, buf, len);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &sl, &e), 1); /* header */
	while (csv_lines_next(&r, &s, &sl, &e) == 1) {
		struct csv_field f[8];
		char tmp[64];
		double dur;
		long g;
		int k;
		if (sl >= sizeof scratch || csv_split(s, sl, ',', f, 8, scratch) != 5)
			continue;
		snprintf(tmp, sizeof tmp, "%.*s", (int)f[1].n, f[1].s);
		dur = atof(tmp);
		snprintf(tmp, sizeof tmp, "%.*s", (int)f[2].n, f[2].s);
		g = atol(tmp);
		if (dur < 3600)
			continue;
		k = g >= 64 ? 6 : g >= 32 ? 5 : g >= 16 ? 4 : g >= 8 ? 3 : g >= 4 ? 2 : g >= 2 ? 1 : 0;
		v[k][n[k]++] = dur;
	}
	for (int k = 0; k < 7; k++) {
		qsort(v[k], n[k], sizeof *v[k], cmp_d);
		CHECK_EQ_INT(n[k], want_n[k]);
		CHECK_NEAR(v[k][(50 * n[k] + 99) / 100 - 1], want_p50[k], 0.5);
		CHECK_NEAR(v[k][(99 * n[k] + 99) / 100 - 1], want_p99[k], 0.5);
		(void)gpus[k];
		free(v[k]);
	}
	free(buf);
}
