/*
 * program.c — the programme driver (program.h, docs/PROGRAMS.md).
 *
 * Ownership: struct program owns the pool, the workload, the grants, the
 * capacity events, the simulator, the audit log, the ledger and every
 * figure it reports; the scenario is borrowed.  Workload tenants are
 * indexed like P->ten[]; grants are indexed like the grants container and
 * never removed (a grant that stops early gets an earlier end).
 *
 * The simulator calls back three times: admit (a job's submit: does its
 * tenant hold a grant now?), alarm (the programs' dates) and hook (a job
 * starts or stops: usage).  Everything the programs decide happens in
 * alarm, so it happens in virtual time, in date order, deterministically.
 */
#include "sim/program.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compete/idle.h"
#include "compete/opencall.h"
#include "compete/quality.h"
#include "compete/round.h"
#include "ledger/audit.h"
#include "ledger/ledger.h"
#include "model/grant.h"
#include "model/pool.h"
#include "model/poolfile.h"
#include "sim/korea.h"
#include "sim/nodeevents.h"
#include "sim/proposals.h"
#include "sim/sim.h"
#include "store/auditfile.h"
#include "util/alloc.h"
#include "util/jsonw.h"
#include "util/rng.h"

#define DAY 86400
#define GPN 8                     /* GPUs per server */
#define MAX_DURATION (14 * DAY)   /* longest job run */
#define CAMPAIGN_S (7 * DAY)      /* one pre-training job of a campaign */
#define NONE_L (-1L)

/*
 * Job shapes of research work, from the Microsoft Philly trace
 * (../shared/data/philly/philly.csv): its jobs of at least one hour
 * (18,645 of 82,248 jobs, 98 % of its GPU-time; the shorter ones are
 * mostly debugging runs that grants do not track), bucketed by GPU count,
 * with the nearest-rank quantiles of their run time.  One Philly GPU
 * becomes one 8-GPU server here (the programme's unit).  Test
 * program_philly_table recomputes the table from the trace.
 */
struct philly_row {
	uint32_t gpus;      /* Philly GPUs = servers here */
	uint32_t jobs;
	double q[6];        /* run time at p10 p25 p50 p75 p90 p99, s */
};

static const struct philly_row philly[] = {
	{1, 15752, {4051, 5230, 8249, 18079, 66041, 493798}},
	{2, 312, {19886, 33236, 100156, 218073, 377961, 1399002}},
	{4, 1246, {7475, 17431, 64774, 129097, 209872, 1127338}},
	{8, 1164, {7817, 20338, 104108, 219657, 423032, 1780406}},
	{16, 130, {13468, 55343, 122504, 234522, 453676, 1369876}},
	{32, 38, {12882, 45717, 51170, 56631, 78004, 128924}},
	{64, 3, {4322, 4322, 7673, 28475, 28475, 28475}},
};
#define NPHILLY (sizeof philly / sizeof philly[0])
static const double philly_p[8] = {0, 0.10, 0.25, 0.50, 0.75, 0.90, 0.99, 1};

enum alarm_kind { AL_ROUND = 0, AL_CALL, AL_IDLE };

struct alarm {
	int64_t t;
	int kind;
	size_t index;
};

struct uvec {
	uint32_t *v;
	size_t n, cap;
};

struct ten {
	int kind;              /* enum pf_tenant_kind */
	uint32_t program;
	long pf;               /* index in pf->tenants, or -1 */
	long call, prop;       /* an open call's project: call, proposal */
	double activity;
	int64_t ref_gpus;      /* the job stream's reference size */
	int64_t from, to;      /* the stream's span */
	int out;               /* a team eliminated */
	int64_t out_at;
	struct uvec grants;    /* its grants, by id */
	int64_t run_milli;     /* running now */
	int64_t cum_t;
	double cum_gpu_s;      /* used so far */
	double *checks;        /* cum_gpu_s at each idle check */
	size_t nchecks;
};

struct round_rec {         /* one team in one round */
	size_t round;
	uint32_t tenant;
	double score, lo, hi, p_last;
	int gate_ok, out;
	double gpu_h;          /* compute the team had received */
};

struct phase_rec {
	uint32_t tenant;
	int model;
	int64_t gpus, from, to;
};

struct call_rec {
	struct oc_proposal *props;
	struct oc_award *awards;
	size_t n;
	uint32_t capacity[POOL_MAX_MODELS];
	struct oc_rules rules;
	uint32_t first_tenant;  /* tenant of proposal 0; the rest follow */
};

struct reclaim_rec {
	int64_t t;
	uint32_t tenant;
	int action;             /* enum idle_action, or -1 for a readmit */
	uint32_t servers;
};

struct grant_aux {
	struct idle_state idle;
	int opencall;           /* an open-call award: judged for idleness */
	long call, prop;
};

struct program {
	const struct progfile *pf;
	struct program_opts o;
	uint64_t seed;
	struct pool pool;
	struct workload w;
	struct grants gs;
	struct grant_aux *gx;
	size_t cap_gx;
	struct nodeevents ev;
	struct sim *sim;
	struct ten *ten;
	size_t nten;
	uint32_t *pf2t;        /* scenario tenant -> workload tenant */
	struct alarm *alarms;
	size_t nalarms, next_alarm;
	struct call_rec *calls;
	struct round_rec *rr;
	size_t nrr, cap_rr;
	struct phase_rec *ph;
	size_t nph, cap_ph;
	struct reclaim_rec *rc;
	size_t nrc, cap_rc;
	struct audit_log audit;
	struct ledger ledger;
	int ledger_ok;
	struct idle_rule idle;
	struct quality_model qm;
	struct oc_prices prices;
	/* Per job: when its current run started, its model and site. */
	int64_t *jstart;
	int8_t *jmodel;
	uint16_t *jsite;
	/* Every run, for the ledger (booked after the run, by start). */
	struct ledger_usage *seg;
	size_t nseg, cap_seg;
	uint8_t *jseen;
	/* Series by day. */
	size_t ndays;
	double *tday;          /* [ndays * nten] GPU-seconds */
	double *sday;          /* [ndays * nsites] GPU-seconds allocated */
	double *scap;          /* [ndays * nsites] GPU-seconds of capacity */
	/* Waits of first starts, per program. */
	int64_t **waits;
	size_t *nwaits, *capwaits;
	size_t admitted, completed;
	double alloc_gpu_s, cap_gpu_s;
	uint64_t idle_reclaimed_gpus;
	int rounds_done;
	struct err alarm_err;  /* the first error inside a callback */
	int failed;
};

/* ---- small helpers ------------------------------------------------------- */

static void
uvec_push(struct uvec *v, uint32_t x)
{
	v->v = xgrow(v->v, &v->cap, v->n + 1, sizeof *v->v);
	v->v[v->n++] = x;
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* A uniform number in [0, 1) from the seed, a salt and a job id. */
static double
hash01(uint64_t seed, uint64_t salt, uint64_t id)
{
	return (double)(mix(seed ^ mix(salt + 0x9e3779b97f4a7c15ULL * (id + 1))) >> 11) *
	       0x1.0p-53;
}

static double
expo(struct rng *r)
{
	return -log(1.0 - rng_double(r));
}

static int64_t
granted_now(const struct program *P, uint32_t t, int64_t now, int64_t *by_model)
{
	const struct ten *x = &P->ten[t];
	int64_t total = 0;

	if (by_model != NULL)
		memset(by_model, 0, sizeof(int64_t) * POOL_MAX_MODELS);
	for (size_t k = 0; k < x->grants.n; k++) {
		const struct grant *g = &P->gs.v[x->grants.v[k]];
		if (!grant_active(g, now))
			continue;
		total += g->gpus;
		if (by_model != NULL)
			by_model[g->model] += g->gpus;
	}
	return total;
}

/* Records the first error met inside a simulator callback; program_run
 * reports it once the simulator returns. */
static int
fail(struct program *P, int code, const char *what, const char *msg)
{
	if (!P->failed) {
		P->failed = 1;
		err_set(&P->alarm_err, code, "%s: %s", what, msg);
	}
	return code;
}

/* A scenario's GPU count at the run's scale: whole servers, at least one. */
static int64_t
scaled_gpus(const struct program *P, int64_t gpus)
{
	double v = floor((double)gpus * P->o.scale / GPN + 0.5);
	return (v < 1 ? 1 : (int64_t)v) * GPN;
}

static int64_t
scaled_count(const struct program *P, int64_t n)
{
	double v = floor((double)n * P->o.scale + 0.5);
	return v < 1 ? 1 : (int64_t)v;
}

/* ---- grants and the audit log ------------------------------------------- */

static long
add_grant(struct program *P, uint32_t tenant, int model, int64_t gpus,
	  int64_t from, int64_t to, uint64_t price)
{
	struct grant g;
	struct err e;
	long id;

	memset(&g, 0, sizeof g);
	g.tenant = tenant;
	g.program = P->ten[tenant].program;
	g.model = model;
	g.gpus = gpus;
	g.start = from;
	g.end = to;
	g.borrow_limit = GRANT_NO_LIMIT;
	g.lend_limit = GRANT_NO_LIMIT;
	g.price_won_hour = price;
	memset(&e, 0, sizeof e);
	if ((id = grants_add(&P->gs, &g, (int)P->pool.model_names.n, &e)) < 0)
		return fail(P, (int)id, "grant", e.msg);
	P->gx = xgrow(P->gx, &P->cap_gx, P->gs.n, sizeof *P->gx);
	memset(&P->gx[id], 0, sizeof P->gx[id]);
	idle_state_init(&P->gx[id].idle);
	P->gx[id].call = P->gx[id].prop = NONE_L;
	uvec_push(&P->ten[tenant].grants, (uint32_t)id);
	return id;
}

/* Ends grant id at t if it runs past t. */
static void
end_grant(struct program *P, uint32_t id, int64_t t)
{
	struct grant *g = &P->gs.v[id];

	if (g->end > t)
		g->end = t > g->start ? t : g->start + 1;
}

/* Appends a decision with one input (its name and content hash); the
 * payload is built by the caller in a memstream. */
static void
audit_hashed(struct program *P, int64_t t, int kind, const char *input_name,
	     const char *sha256, const char *payload)
{
	struct audit_input in;
	struct err e;

	memset(&in, 0, sizeof in);
	snprintf(in.name, sizeof in.name, "%s", input_name);
	snprintf(in.sha256, sizeof in.sha256, "%s", sha256);
	memset(&e, 0, sizeof e);
	if (audit_append(&P->audit, t, kind, PROGRAM_POLICY, &in, 1, payload, &e) != 0)
		fail(P, ERR_INVALID, "audit", e.msg);
}

static void
audit(struct program *P, int64_t t, int kind, const char *input_name,
      const char *input, size_t input_len, const char *payload)
{
	struct audit_input in;
	struct err e;

	memset(&in, 0, sizeof in);
	snprintf(in.name, sizeof in.name, "%s", input_name);
	audit_sha256_hex(input, input_len, in.sha256);
	memset(&e, 0, sizeof e);
	if (audit_append(&P->audit, t, kind, PROGRAM_POLICY, &in, 1, payload, &e) != 0)
		fail(P, ERR_INVALID, "audit", e.msg);
}

struct membuf {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *
mem_open(struct membuf *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	if (m->f == NULL)
		abort(); /* out of memory, as xmalloc */
	return m->f;
}

static void
mem_close(struct membuf *m)
{
	fclose(m->f);
	m->f = NULL;
}

static const char *
tname(const struct program *P, uint32_t t)
{
	return strtab_get(&P->w.tenants, t);
}

/* ---- job streams ------------------------------------------------------- */

/* A run time for a Philly bucket: log-linear between its quantiles. */
static double
philly_duration(const struct philly_row *row, double u)
{
	double x[8];

	x[0] = 3600;
	for (int k = 0; k < 6; k++)
		x[k + 1] = row->q[k];
	x[7] = row->q[5] * 1.5;
	for (int k = 0; k < 7; k++)
		if (u <= philly_p[k + 1]) {
			double f = (u - philly_p[k]) / (philly_p[k + 1] - philly_p[k]);
			double a = log(x[k]), b = log(x[k + 1] > x[k] ? x[k + 1] : x[k]);
			return exp(a + f * (b - a));
		}
	return x[7];
}

static const struct philly_row *
philly_pick(double u)
{
	uint32_t total = 0, acc = 0;

	for (size_t i = 0; i < NPHILLY; i++)
		total += philly[i].jobs;
	for (size_t i = 0; i < NPHILLY; i++) {
		acc += philly[i].jobs;
		if (u * total < acc)
			return &philly[i];
	}
	return &philly[NPHILLY - 1];
}

/*
 * Tenant t's job stream over [from, to): arrivals whose GPU-seconds add
 * up to load x activity x ref GPUs on average.  Teams spend about half of
 * it in pre-training campaigns (gangs of half the reference size, a week
 * each, checkpointable); the rest, and everybody else's work, has Philly's
 * shapes.
 */
static void
gen_stream(struct program *P, uint32_t t, struct rng *r)
{
	const struct ten *x = &P->ten[t];
	double rate = P->pf->work.load * x->activity * (double)x->ref_gpus;
	int64_t cap_nodes = x->ref_gpus / GPN, max_nodes = P->pf->work.max_gang / GPN;
	double now = (double)x->from, campaign_q = 0;

	if (rate <= 0 || x->from >= x->to || cap_nodes < 1)
		return;
	if (max_nodes < 1)
		max_nodes = 1;
	if (x->kind == PF_TEAM) {
		/* q such that campaigns are half the GPU-time. */
		double mean = 0, tot = 0;
		for (size_t i = 0; i < NPHILLY; i++) {
			int64_t n = (int64_t)philly[i].gpus < cap_nodes ? philly[i].gpus : cap_nodes;
			mean += (double)philly[i].jobs * (double)(n * GPN) * philly[i].q[2] * 2;
			tot += philly[i].jobs;
		}
		mean /= tot;
		double c = (double)(cap_nodes / 2 > 0 ? cap_nodes / 2 : 1) * GPN * CAMPAIGN_S;
		campaign_q = mean / (c + mean);
	}
	for (;;) {
		struct job j;
		double dur, gpu_s;
		int64_t nodes;

		memset(&j, 0, sizeof j);
		if (x->kind == PF_TEAM && rng_double(r) < campaign_q) {
			nodes = cap_nodes / 2 > 0 ? cap_nodes / 2 : 1;
			dur = CAMPAIGN_S;
			j.class = CLASS_TRAINING;
		} else {
			const struct philly_row *row = philly_pick(rng_double(r));
			nodes = row->gpus;
			dur = philly_duration(row, rng_double(r));
			j.class = dur >= DAY ? CLASS_TRAINING : dur >= 4 * 3600 ? CLASS_FINETUNE
										 : CLASS_EVAL;
		}
		if (nodes > cap_nodes)
			nodes = cap_nodes;
		if (nodes > max_nodes)
			nodes = max_nodes;
		if (dur > MAX_DURATION)
			dur = MAX_DURATION;
		gpu_s = (double)(nodes * GPN) * dur;
		now += expo(r) * gpu_s / rate;
		if (now >= (double)x->to)
			break;
		j.tenant = t;
		j.gpus_per_node = GPN;
		j.nodes = (uint16_t)nodes;
		j.gpu_milli = MILLI;
		j.cpu_milli = 16000;
		j.mem_mib = 64 * 1024;
		j.submit = (int64_t)now;
		j.duration = (int64_t)dur;
		j.time_limit = ((int64_t)(dur * 1.5) / 3600 + 1) * 3600;
		if (j.time_limit > MAX_DURATION + DAY)
			j.time_limit = MAX_DURATION + DAY;
		if (j.class != CLASS_EVAL) {
			j.flags = JOB_CHECKPOINTABLE | JOB_PREEMPTIBLE;
			j.grace_s = 600;
		} else {
			j.flags = JOB_PREEMPTIBLE;
		}
		j.start = j.end = -1;
		workload_add(&P->w, &j);
	}
}

/* ---- simulator callbacks ------------------------------------------------ */

static void
usage_to(struct program *P, uint32_t t, int64_t now)
{
	struct ten *x = &P->ten[t];

	if (now > x->cum_t) {
		x->cum_gpu_s += (double)x->run_milli / MILLI * (double)(now - x->cum_t);
		x->cum_t = now;
	}
}

static int
admit(void *ctx, struct job *j, int64_t now)
{
	struct program *P = ctx;
	const struct ten *x = &P->ten[j->tenant];
	int64_t by[POOL_MAX_MODELS], total, acc = 0, max_nodes;
	double u;
	int m = -1;

	if (x->out)
		return 0;
	total = granted_now(P, j->tenant, now, by);
	if (total <= 0 || x->ref_gpus <= 0)
		return 0;
	if (hash01(P->seed, 1, j->id) * (double)x->ref_gpus >= (double)total)
		return 0;
	u = hash01(P->seed, 2, j->id) * (double)total;
	for (int k = 0; k < (int)P->pool.model_names.n; k++) {
		acc += by[k];
		if (by[k] > 0 && u < (double)acc) {
			m = k;
			break;
		}
	}
	if (m < 0)
		return 0;
	j->model_mask = 1u << m;
	max_nodes = by[m] / GPN > 0 ? by[m] / GPN : 1;
	if (j->nodes > max_nodes)
		j->nodes = (uint16_t)max_nodes;
	P->admitted++;
	return 1;
}

/* Books a run of job id over [from, to). */
static void
book(struct program *P, const struct job *j, int model, int64_t from, int64_t to,
     uint32_t site)
{
	double g = (double)job_gpu_milli(j) / MILLI;
	size_t ns = P->pool.nsites;

	if (to <= from)
		return;
	P->alloc_gpu_s += g * (double)(to - from);
	for (int64_t d = from / DAY; d <= (to - 1) / DAY && (size_t)d < P->ndays; d++) {
		int64_t a = d * DAY > from ? d * DAY : from;
		int64_t b = (d + 1) * DAY < to ? (d + 1) * DAY : to;
		P->tday[(size_t)d * P->nten + j->tenant] += g * (double)(b - a);
		if (site < ns)
			P->sday[(size_t)d * ns + site] += g * (double)(b - a);
	}
	if (model >= 0) {
		struct ledger_usage *u;
		P->seg = xgrow(P->seg, &P->cap_seg, P->nseg + 1, sizeof *P->seg);
		u = &P->seg[P->nseg++];
		memset(u, 0, sizeof *u);
		u->tenant = j->tenant;
		u->model = model;
		u->start = from;
		u->end = to;
		u->gpu_milli = (int64_t)job_gpu_milli(j);
		u->grant = LEDGER_NO_GRANT;
	}
}

static void
hook(void *ctx, const struct sim *s, const struct event *ev)
{
	struct program *P = ctx;
	uint32_t id = ev->job;
	const struct job *j;
	int kind = event_kind_of(ev);

	if (kind != EV_START && kind != EV_FINISH && kind != EV_PREEMPT)
		return;
	j = &P->w.jobs[id];
	usage_to(P, j->tenant, ev->time);
	if (kind == EV_START) {
		const struct alloc *a = sim_job_alloc(s, id);
		P->jstart[id] = ev->time;
		P->jmodel[id] = (int8_t)(a != NULL && a->nslots > 0
					 ? P->pool.nodes[a->slots[0].node].model : -1);
		P->jsite[id] = (uint16_t)(a != NULL && a->nslots > 0
					  ? pool_node_site(&P->pool, a->slots[0].node) : UINT16_MAX);
		P->ten[j->tenant].run_milli += (int64_t)job_gpu_milli(j);
		if (!P->jseen[id]) {
			uint32_t pg = P->ten[j->tenant].program;
			P->jseen[id] = 1;
			P->waits[pg] = xgrow(P->waits[pg], &P->capwaits[pg],
					     P->nwaits[pg] + 1, sizeof **P->waits);
			P->waits[pg][P->nwaits[pg]++] = ev->time - j->submit;
		}
		return;
	}
	if (P->jstart[id] >= 0) {
		book(P, j, P->jmodel[id], P->jstart[id], ev->time, P->jsite[id]);
		P->ten[j->tenant].run_milli -= (int64_t)job_gpu_milli(j);
		P->jstart[id] = -1;
	}
	if (kind == EV_FINISH && j->state == JOB_COMPLETED)
		P->completed++;
}

/* ---- programs: calls ---------------------------------------------------- */

static int
call_award_grants(struct program *P, size_t c, size_t k, int64_t t)
{
	struct call_rec *cr = &P->calls[c];
	const struct oc_award *a = &cr->awards[k];
	const struct oc_proposal *pp = &cr->props[k];
	uint32_t tenant = cr->first_tenant + (uint32_t)k;
	int64_t to = t + (int64_t)a->months * 30 * DAY;
	long id;

	if (to > P->pf->end)
		to = P->pf->end;
	if (a->servers == 0 || to <= t)
		return 0;
	id = add_grant(P, tenant, pp->model, (int64_t)a->servers * GPN, t, to,
		       opencall_price(&P->prices, pp->category,
				      P->pool.models[pp->model].price_won_hour));
	if (id < 0)
		return (int)id;
	P->gx[id].opencall = 1;
	P->gx[id].call = (long)c;
	P->gx[id].prop = (long)k;
	return 0;
}

static void
do_call(struct program *P, size_t c, int64_t t)
{
	const struct pf_call *pc = &P->pf->calls[c];
	struct call_rec *cr = &P->calls[c];
	struct membuf mb, in;
	struct jsonw jw;
	struct err e;
	long got;
	char date[16];

	memset(&e, 0, sizeof e);
	got = opencall_select(&cr->rules, cr->props, cr->n, cr->capacity,
			      (int)P->pool.model_names.n, cr->awards, &e);
	if (got < 0) {
		fail(P, (int)got, "open call", e.msg);
		return;
	}
	for (size_t k = 0; k < cr->n; k++)
		if (cr->awards[k].status == OC_AWARDED || cr->awards[k].status == OC_PARTIAL)
			if (call_award_grants(P, c, k, t) != 0)
				return;
	/* The inputs: every proposal as the selection saw it. */
	mem_open(&in);
	for (size_t k = 0; k < cr->n; k++) {
		const struct oc_proposal *pp = &cr->props[k];
		fprintf(in.f, "%u,%s,%u,%u,%d,%u,%u,%.6f,%.6f,%.6f\n", pp->id,
			tname(P, cr->first_tenant + (uint32_t)k), pp->category, pp->region,
			pp->model, pp->servers, pp->months, pp->scores[0], pp->scores[1],
			pp->scores[2]);
	}
	mem_close(&in);
	mem_open(&mb);
	jsonw_init(&jw, mb.f);
	jsonw_obj(&jw);
	jsonw_key(&jw, "decision");
	jsonw_str(&jw, "open-call award");
	jsonw_key(&jw, "call");
	jsonw_str(&jw, pc->name);
	progfile_date(P->pf, t, date);
	jsonw_key(&jw, "date");
	jsonw_str(&jw, date);
	jsonw_key(&jw, "servers_awarded");
	jsonw_int(&jw, got);
	jsonw_key(&jw, "awards");
	jsonw_arr(&jw);
	for (size_t k = 0; k < cr->n; k++) {
		const struct oc_award *a = &cr->awards[k];
		if (a->status != OC_AWARDED && a->status != OC_PARTIAL)
			continue;
		jsonw_arr(&jw);
		jsonw_str(&jw, tname(P, cr->first_tenant + (uint32_t)k));
		jsonw_int(&jw, a->servers);
		jsonw_int(&jw, a->months);
		jsonw_int(&jw, a->rank);
		jsonw_end(&jw);
	}
	jsonw_end(&jw);
	jsonw_end(&jw);
	mem_close(&mb);
	audit(P, t, AUDIT_AWARD, "proposals.csv", in.buf, in.len, mb.buf);
	free(in.buf);
	free(mb.buf);
}

/* ---- programs: idle reclaim --------------------------------------------- */

static void
readmit(struct program *P, size_t c, const uint32_t *freed, int64_t t)
{
	struct call_rec *cr = &P->calls[c];
	int *was = xcalloc(cr->n + 1, sizeof *was);
	struct err e;
	long got;

	for (size_t k = 0; k < cr->n; k++)
		was[k] = cr->awards[k].status == OC_WAITLIST;
	memset(&e, 0, sizeof e);
	got = opencall_readmit(&cr->rules, cr->props, cr->n, cr->capacity, freed,
			       (int)P->pool.model_names.n, cr->awards, &e);
	if (got < 0) {
		fail(P, (int)got, "readmit", e.msg);
	} else if (got > 0) {
		struct membuf mb, in;
		struct jsonw jw;
		char date[16];
		mem_open(&in);
		for (int m = 0; m < (int)P->pool.model_names.n; m++)
			if (freed[m] > 0)
				fprintf(in.f, "%s,%u\n", strtab_get(&P->pool.model_names,
								     (uint32_t)m), freed[m]);
		mem_close(&in);
		mem_open(&mb);
		jsonw_init(&jw, mb.f);
		jsonw_obj(&jw);
		jsonw_key(&jw, "decision");
		jsonw_str(&jw, "re-award");
		jsonw_key(&jw, "call");
		jsonw_str(&jw, P->pf->calls[c].name);
		progfile_date(P->pf, t, date);
		jsonw_key(&jw, "date");
		jsonw_str(&jw, date);
		jsonw_key(&jw, "awards");
		jsonw_arr(&jw);
		for (size_t k = 0; k < cr->n; k++)
			if (was[k] && cr->awards[k].servers > 0) {
				call_award_grants(P, c, k, t);
				P->rc = xgrow(P->rc, &P->cap_rc, P->nrc + 1, sizeof *P->rc);
				P->rc[P->nrc++] = (struct reclaim_rec){
					t, cr->first_tenant + (uint32_t)k, -1,
					cr->awards[k].servers};
				jsonw_arr(&jw);
				jsonw_str(&jw, tname(P, cr->first_tenant + (uint32_t)k));
				jsonw_int(&jw, cr->awards[k].servers);
				jsonw_int(&jw, cr->awards[k].rank);
				jsonw_end(&jw);
			}
		jsonw_end(&jw);
		jsonw_end(&jw);
		mem_close(&mb);
		audit(P, t, AUDIT_AWARD, "freed_servers.csv", in.buf, in.len, mb.buf);
		free(in.buf);
		free(mb.buf);
	}
	free(was);
}

static void
do_idle(struct program *P, int64_t t)
{
	size_t ncalls = P->pf->ncalls;
	uint32_t *freed = xcalloc(ncalls * POOL_MAX_MODELS + 1, sizeof *freed);
	size_t ci = (size_t)(t / P->pf->idle.every_s);

	/* Record every tenant's usage at this check. */
	for (uint32_t k = 0; k < P->nten; k++) {
		struct ten *x = &P->ten[k];
		usage_to(P, k, t);
		if (x->checks == NULL)
			continue;
		if (ci < x->nchecks)
			x->checks[ci] = x->cum_gpu_s;
	}
	for (size_t id = 0, n = P->gs.n; id < n; id++) {
		struct grant *g = &P->gs.v[id];
		struct grant_aux gxc = P->gx[id], *gx = &gxc; /* add_grant moves gx */
		struct ten *x = &P->ten[g->tenant];
		uint32_t servers = (uint32_t)(g->gpus / GPN), take = 0;
		size_t back;
		double used;
		enum idle_action act;

		if (!gx->opencall || !grant_active(g, t) || x->checks == NULL)
			continue;
		back = (size_t)(P->idle.window_s / P->pf->idle.every_s);
		used = ci >= back ? x->cum_gpu_s - x->checks[ci - back] : x->cum_gpu_s;
		act = idle_check(&P->idle, &P->gx[id].idle, t, g->start, servers,
				 (uint64_t)(used > 0 ? used : 0), &take);
		gxc = P->gx[id];
		if (act == IDLE_NONE)
			continue;
		P->rc = xgrow(P->rc, &P->cap_rc, P->nrc + 1, sizeof *P->rc);
		P->rc[P->nrc++] = (struct reclaim_rec){t, g->tenant, (int)act, take};
		if (act != IDLE_RECLAIM || take == 0)
			continue;
		{
			struct grant cut = *g;
			struct membuf mb, in;
			struct jsonw jw;
			char date[16];
			long nid;
			int64_t left = g->gpus - (int64_t)take * GPN;

			end_grant(P, (uint32_t)id, t);
			if (left > 0) {
				nid = add_grant(P, cut.tenant, cut.model, left, t, cut.end,
						cut.price_won_hour);
				if (nid < 0)
					break;
				P->gx[nid] = P->gx[id];
				/* add_grant may have moved the grants: g is stale
				 * from here on; cut holds what is needed. */
			}
			P->gx[id].opencall = 0;
			P->idle_reclaimed_gpus += (uint64_t)take * GPN;
			if (gx->call >= 0) {
				struct call_rec *cr = &P->calls[gx->call];
				cr->awards[gx->prop].servers -= take < cr->awards[gx->prop].servers
					? take : cr->awards[gx->prop].servers;
				freed[(size_t)gx->call * POOL_MAX_MODELS + (size_t)cut.model] += take;
			}
			mem_open(&in);
			fprintf(in.f, "%s,%.0f,%.0f\n", tname(P, cut.tenant), used,
				(double)servers * GPN * (double)P->idle.window_s);
			mem_close(&in);
			mem_open(&mb);
			jsonw_init(&jw, mb.f);
			jsonw_obj(&jw);
			jsonw_key(&jw, "decision");
			jsonw_str(&jw, "idle reclaim");
			jsonw_key(&jw, "tenant");
			jsonw_str(&jw, tname(P, cut.tenant));
			progfile_date(P->pf, t, date);
			jsonw_key(&jw, "date");
			jsonw_str(&jw, date);
			jsonw_key(&jw, "servers");
			jsonw_int(&jw, take);
			jsonw_key(&jw, "used_gpu_s");
			jsonw_fixed(&jw, used, 0);
			jsonw_key(&jw, "window_s");
			jsonw_int(&jw, P->idle.window_s);
			jsonw_end(&jw);
			mem_close(&mb);
			audit(P, t, AUDIT_RECLAIM, "usage.csv", in.buf, in.len, mb.buf);
			free(in.buf);
			free(mb.buf);
		}
	}
	for (size_t c = 0; c < ncalls; c++) {
		int any = 0;
		for (int m = 0; m < POOL_MAX_MODELS; m++)
			any |= freed[c * POOL_MAX_MODELS + (size_t)m] != 0;
		if (any)
			readmit(P, c, &freed[c * POOL_MAX_MODELS], t);
	}
	free(freed);
}

/* ---- programs: competition rounds --------------------------------------- */

/* The phase after round r of its program ends at `until`, else the next
 * round of the same program, else the end. */
static int64_t
phase_end(const struct program *P, size_t r)
{
	const struct pf_round *rd = &P->pf->rounds[r];

	if (rd->until > 0)
		return rd->until;
	for (size_t k = r + 1; k < P->pf->nrounds; k++)
		if (P->pf->rounds[k].program == rd->program)
			return P->pf->rounds[k].at;
	return P->pf->end;
}

static int
is_supplier(const struct pf_tenant *pt, int64_t t)
{
	return pt->supplier_to > pt->supplier_from && t >= pt->supplier_from &&
	       t < pt->supplier_to;
}

static int
cmp_score_asc(const void *a, const void *b)
{
	const struct round_rec *x = *(const struct round_rec *const *)a;
	const struct round_rec *y = *(const struct round_rec *const *)b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return x->tenant < y->tenant ? 1 : x->tenant > y->tenant ? -1 : 0;
}

static void
do_round(struct program *P, size_t r, int64_t t)
{
	const struct pf_round *rd = &P->pf->rounds[r];
	uint32_t team[PF_MAX_TEAMS];
	struct round_rec *rec;
	size_t n = 0, first = P->nrr, alive;
	char why[1024] = "";
	struct membuf mb, in;
	struct jsonw jw;
	char date[16];
	int64_t cut = t + rd->notice_s, to = phase_end(P, r);

	for (uint32_t k = 0; k < P->nten && n < PF_MAX_TEAMS; k++) {
		const struct ten *x = &P->ten[k];
		if (x->kind == PF_TEAM && x->program == rd->program && !x->out &&
		    x->pf >= 0 && P->pf->tenants[x->pf].enters <= t)
			team[n++] = k;
	}
	if (n == 0)
		return;
	P->rr = xgrow(P->rr, &P->cap_rr, P->nrr + n, sizeof *P->rr);
	rec = &P->rr[first];
	P->nrr += n;
	for (size_t i = 0; i < n; i++) {
		const struct pf_tenant *pt = &P->pf->tenants[P->ten[team[i]].pf];
		usage_to(P, team[i], t);
		memset(&rec[i], 0, sizeof rec[i]);
		rec[i].round = r;
		rec[i].tenant = team[i];
		rec[i].gate_ok = 1;
		rec[i].gpu_h = P->ten[team[i]].cum_gpu_s / 3600 + pt->prior_gpu_h;
		rec[i].score = rec[i].lo = rec[i].hi = NAN;
		rec[i].p_last = NAN;
		for (size_t g = 0; g < rd->ngate_fail; g++)
			if (strcmp(rd->gate_fail[g], pt->name) == 0)
				rec[i].gate_ok = 0;
	}
	mem_open(&in);
	if (rd->nscores > 0) {
		/* Published scores: no item-level data, so no interval; gate
		 * failures out, then the lowest until `keep` remain. */
		struct round_rec *ord[PF_MAX_TEAMS] = {NULL};
		size_t no = 0, left = 0;
		for (size_t i = 0; i < n; i++) {
			const char *nm = P->pf->tenants[P->ten[team[i]].pf].name;
			for (size_t s = 0; s < rd->nscores; s++)
				if (strcmp(rd->scores[s].team, nm) == 0)
					rec[i].score = rec[i].lo = rec[i].hi = rd->scores[s].score;
			fprintf(in.f, "%s,%.4f,%s\n", nm, rec[i].score,
				rec[i].gate_ok ? "pass" : "fail");
			if (!rec[i].gate_ok) {
				rec[i].out = 1;
				snprintf(why + strlen(why), sizeof why - strlen(why),
					 "%s%s: gate failed", why[0] ? "; " : "", nm);
			} else if (!isnan(rec[i].score)) {
				ord[no++] = &rec[i];
			} else {
				rec[i].out = 1; /* no score: cannot be ranked */
				snprintf(why + strlen(why), sizeof why - strlen(why),
					 "%s%s: no score", why[0] ? "; " : "", nm);
			}
		}
		if (no > 1)
			qsort(ord, no, sizeof(struct round_rec *), cmp_score_asc);
		left = no;
		for (size_t i = 0; i < no && left > rd->keep; i++, left--) {
			ord[i]->out = 1;
			snprintf(why + strlen(why), sizeof why - strlen(why),
				 "%s%s: lowest (%.1f)", why[0] ? "; " : "",
				 P->pf->tenants[P->ten[ord[i]->tenant].pf].name, ord[i]->score);
		}
		for (size_t i = 0; i < no; i++)
			ord[i]->p_last = i == 0 ? 1.0 : 0.0;
	} else {
		/* The quality model: each team's compute so far decides. */
		struct quality_team qt[PF_MAX_TEAMS];
		struct round_team out[PF_MAX_TEAMS];
		double gpu_h[PF_MAX_TEAMS];
		int active[PF_MAX_TEAMS];
		struct round_cfg cfg;
		struct err e;
		for (size_t i = 0; i < n; i++) {
			const struct pf_tenant *pt = &P->pf->tenants[P->ten[team[i]].pf];
			memset(&qt[i], 0, sizeof qt[i]);
			qt[i].name = pt->name;
			qt[i].eff = pt->efficiency;
			qt[i].c_prior_gpu_h = pt->prior_gpu_h;
			qt[i].gate_ok = rec[i].gate_ok;
			gpu_h[i] = P->ten[team[i]].cum_gpu_s / 3600;
			active[i] = 1;
			fprintf(in.f, "%s,%.3f,%.6f,%s\n", pt->name, gpu_h[i], pt->efficiency,
				rec[i].gate_ok ? "pass" : "fail");
		}
		memset(&cfg, 0, sizeof cfg);
		cfg.reps = P->o.reps > 0 ? P->o.reps : rd->reps;
		cfg.level = 0.95;
		cfg.confidence = rd->confidence;
		cfg.seed = P->seed ^ mix(r + 1);
		cfg.finalists = rd->keep;
		cfg.tie = rd->tie == PF_TIE_KEEP ? ROUND_TIE_KEEP : ROUND_TIE_POINT;
		memset(&e, 0, sizeof e);
		if (quality_round(&P->qm, quality_korea_rubric(), n, qt, gpu_h, active,
				  &cfg, cfg.seed, out, why, sizeof why, &e) != 0) {
			mem_close(&in);
			free(in.buf);
			fail(P, ERR_INVALID, "round", e.msg);
			return;
		}
		for (size_t i = 0; i < n; i++) {
			rec[i].score = out[i].score;
			rec[i].lo = out[i].lo;
			rec[i].hi = out[i].hi;
			rec[i].p_last = out[i].p_last;
			rec[i].gate_ok = out[i].gate_ok;
			rec[i].out = out[i].out;
		}
	}
	mem_close(&in);
	/* Eliminated teams: their grants end after the notice, their queued
	 * jobs are withdrawn, nothing new is admitted. */
	alive = 0;
	for (size_t i = 0; i < n; i++) {
		struct ten *x = &P->ten[team[i]];
		for (size_t k = 0; k < x->grants.n; k++)
			if (grant_active(&P->gs.v[x->grants.v[k]], t))
				end_grant(P, x->grants.v[k], cut);
		for (size_t k = 0; k < P->nph; k++)
			if (P->ph[k].tenant == team[i] && P->ph[k].from <= t &&
			    P->ph[k].to > cut)
				P->ph[k].to = cut;
		if (rec[i].out) {
			x->out = 1;
			x->out_at = t;
			sim_withdraw(P->sim, team[i]);
		} else {
			alive++;
		}
	}
	/* The next phase's capacity to the survivors who supply nothing
	 * then, equally, by score or by rank, in whole servers. */
	if (rd->nnext > 0 && alive > 0 && cut < to) {
		double wsum = 0, wt[PF_MAX_TEAMS];
		size_t order[PF_MAX_TEAMS], ne = 0;
		for (size_t i = 0; i < n; i++) {
			const struct pf_tenant *pt = &P->pf->tenants[P->ten[team[i]].pf];
			wt[i] = 0;
			if (rec[i].out || is_supplier(pt, cut))
				continue;
			wt[i] = rd->realloc == PF_EQUAL ? 1.0
				: rd->realloc == PF_BY_SCORE ? (rec[i].score > 0 ? rec[i].score : 0)
							     : 0;
			order[ne++] = i;
		}
		if (rd->realloc == PF_BY_RANK)
			for (size_t a = 0; a < ne; a++) {
				size_t better = 0;
				for (size_t b = 0; b < ne; b++)
					better += rec[order[b]].score > rec[order[a]].score;
				wt[order[a]] = (double)(ne - better);
			}
		for (size_t a = 0; a < ne; a++)
			wsum += wt[order[a]];
		/* Highest weight first for the leftover servers. */
		for (size_t a = 1; a < ne; a++)
			for (size_t b = a; b > 0 && wt[order[b]] > wt[order[b - 1]]; b--) {
				size_t tmp = order[b];
				order[b] = order[b - 1];
				order[b - 1] = tmp;
			}
		for (size_t m = 0; m < rd->nnext && wsum > 0; m++) {
			int model = pool_model_find(&P->pool, rd->next[m].model);
			int64_t servers = scaled_gpus(P, rd->next[m].n) / GPN, given = 0;
			int64_t share[PF_MAX_TEAMS] = {0};
			for (size_t a = 0; a < ne; a++) {
				share[a] = (int64_t)floor((double)servers * wt[order[a]] / wsum);
				given += share[a];
			}
			for (size_t a = 0; ne > 0 && given < servers; a = a + 1 < ne ? a + 1 : 0) {
				share[a]++;
				given++;
			}
			for (size_t a = 0; a < ne; a++) {
				uint32_t tn = team[order[a]];
				if (share[a] <= 0)
					continue;
				if (add_grant(P, tn, model, share[a] * GPN, cut, to, 0) < 0)
					return;
				P->ph = xgrow(P->ph, &P->cap_ph, P->nph + 1, sizeof *P->ph);
				P->ph[P->nph++] = (struct phase_rec){tn, model, share[a] * GPN,
								     cut, to};
			}
		}
	}
	/* The decision, with what it rests on. */
	mem_open(&mb);
	jsonw_init(&jw, mb.f);
	jsonw_obj(&jw);
	jsonw_key(&jw, "decision");
	jsonw_str(&jw, "round");
	jsonw_key(&jw, "round");
	jsonw_str(&jw, rd->name);
	progfile_date(P->pf, t, date);
	jsonw_key(&jw, "date");
	jsonw_str(&jw, date);
	jsonw_key(&jw, "keep");
	jsonw_int(&jw, rd->keep);
	jsonw_key(&jw, "source");
	jsonw_str(&jw, rd->nscores > 0 ? "published scores" : "quality model");
	jsonw_key(&jw, "teams");
	jsonw_arr(&jw);
	for (size_t i = 0; i < n; i++) {
		jsonw_obj(&jw);
		jsonw_key(&jw, "team");
		jsonw_str(&jw, tname(P, rec[i].tenant));
		jsonw_key(&jw, "score");
		if (isnan(rec[i].score))
			jsonw_null(&jw);
		else
			jsonw_fixed(&jw, rec[i].score, 3);
		jsonw_key(&jw, "gate");
		jsonw_bool(&jw, rec[i].gate_ok);
		jsonw_key(&jw, "out");
		jsonw_bool(&jw, rec[i].out);
		jsonw_key(&jw, "gpu_h");
		jsonw_fixed(&jw, rec[i].gpu_h, 1);
		jsonw_end(&jw);
	}
	jsonw_end(&jw);
	jsonw_key(&jw, "why");
	jsonw_str(&jw, why);
	jsonw_end(&jw);
	mem_close(&mb);
	audit(P, t, AUDIT_ROUND, "scores.csv", in.buf, in.len, mb.buf);
	free(in.buf);
	free(mb.buf);
	if (P->nph > 0) {
		/* The reallocation as its own decision. */
		mem_open(&mb);
		jsonw_init(&jw, mb.f);
		jsonw_obj(&jw);
		jsonw_key(&jw, "decision");
		jsonw_str(&jw, "reallocation");
		jsonw_key(&jw, "round");
		jsonw_str(&jw, rd->name);
		jsonw_key(&jw, "grants");
		jsonw_arr(&jw);
		for (size_t k = 0; k < P->nph; k++) {
			if (P->ph[k].from != cut)
				continue;
			jsonw_arr(&jw);
			jsonw_str(&jw, tname(P, P->ph[k].tenant));
			jsonw_str(&jw, strtab_get(&P->pool.model_names, (uint32_t)P->ph[k].model));
			jsonw_int(&jw, P->ph[k].gpus);
			jsonw_end(&jw);
		}
		jsonw_end(&jw);
		jsonw_end(&jw);
		mem_close(&mb);
		audit(P, t, AUDIT_REALLOCATION, "round", rd->name, strlen(rd->name), mb.buf);
		free(mb.buf);
	}
	P->rounds_done++;
}

static int64_t
alarm(void *ctx, struct sim *s, int64_t t)
{
	struct program *P = ctx;

	(void)s;
	while (P->next_alarm < P->nalarms && P->alarms[P->next_alarm].t <= t) {
		const struct alarm *a = &P->alarms[P->next_alarm++];
		if (P->failed)
			continue;
		if (a->kind == AL_CALL)
			do_call(P, a->index, t);
		else if (a->kind == AL_ROUND)
			do_round(P, a->index, t);
		else
			do_idle(P, t);
	}
	return P->next_alarm < P->nalarms ? P->alarms[P->next_alarm].t : INT64_MAX;
}

/* ---- set-up --------------------------------------------------------------- */

static int
cmp_alarm(const void *a, const void *b)
{
	const struct alarm *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void
push_alarm(struct program *P, size_t *cap, int64_t t, int kind, size_t index)
{
	P->alarms = xgrow(P->alarms, cap, P->nalarms + 1, sizeof *P->alarms);
	P->alarms[P->nalarms++] = (struct alarm){t, kind, index};
}

static uint32_t
add_tenant(struct program *P, size_t *cap, const char *name, int kind,
	   uint32_t program)
{
	uint32_t id = strtab_intern(&P->w.tenants, name, strlen(name));

	P->ten = xgrow(P->ten, cap, (size_t)id + 1, sizeof *P->ten);
	for (size_t k = P->nten; k <= id; k++) {
		memset(&P->ten[k], 0, sizeof P->ten[k]);
		P->ten[k].pf = P->ten[k].call = P->ten[k].prop = NONE_L;
	}
	if (id >= P->nten)
		P->nten = (size_t)id + 1;
	P->ten[id].kind = kind;
	P->ten[id].program = program;
	return id;
}

static int
setup_pool(struct program *P, struct err *e)
{
	const struct progfile *pf = P->pf;
	int rc;

	if (strcmp(pf->pool, "korea") == 0)
		rc = korea_pool(P->o.scale, &P->pool, e);
	else if (strncmp(pf->pool, "file:", 5) == 0)
		rc = pool_load(pf->pool + 5, &P->pool, e);
	else
		rc = pool_load(pf->pool, &P->pool, e);
	if (rc != 0)
		return rc;
	/* Cluster windows become join and leave events for their nodes. */
	for (size_t c = 0; c < pf->nclusters; c++) {
		const struct pf_cluster *pc = &pf->clusters[c];
		long cl = -1;
		for (size_t k = 0; k < P->pool.nclusters; k++)
			if (strcmp(strtab_get(&P->pool.names, P->pool.clusters[k].name),
				   pc->name) == 0)
				cl = (long)k;
		if (cl < 0)
			return err_set(e, ERR_INVALID, "%s:%d: cluster: no cluster \"%s\" "
				       "in the pool", pf->source, pc->line, pc->name);
		for (uint32_t n = 0; n < P->pool.nnodes; n++) {
			if (pool_node_cluster(&P->pool, n) != (uint32_t)cl)
				continue;
			if (pc->from > 0) {
				P->ev.v = xgrow(P->ev.v, &P->ev.cap, P->ev.n + 1, sizeof *P->ev.v);
				P->ev.v[P->ev.n++] = (struct nodeevent){pc->from, n, NODEEVENT_JOIN};
			}
			if (pc->to < pf->end) {
				P->ev.v = xgrow(P->ev.v, &P->ev.cap, P->ev.n + 1, sizeof *P->ev.v);
				P->ev.v[P->ev.n++] = (struct nodeevent){pc->to, n, NODEEVENT_LEAVE};
			}
		}
	}
	return 0;
}

static int
cmp_event(const void *a, const void *b)
{
	const struct nodeevent *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

static int
model_of(const struct program *P, const char *name, int line, struct err *e)
{
	int m = pool_model_find(&P->pool, name);

	if (m < 0)
		return err_set(e, ERR_INVALID, "%s:%d: model: no such model in the "
			       "pool \"%s\"", P->pf->source, line, name);
	return m;
}

static int
setup_calls(struct program *P, size_t *cap_ten, struct err *e)
{
	const struct progfile *pf = P->pf;

	P->calls = xcalloc(pf->ncalls + 1, sizeof *P->calls);
	for (size_t c = 0; c < pf->ncalls; c++) {
		const struct pf_call *pc = &pf->calls[c];
		struct call_rec *cr = &P->calls[c];
		struct proposals_synth_opts so;
		struct proposals ps;
		uint32_t total = 0;
		int rc;

		for (size_t k = 0; k < pc->ncapacity; k++) {
			int m = model_of(P, pc->capacity[k].model, pc->line, e);
			if (m < 0)
				return m;
			cr->capacity[m] += (uint32_t)scaled_count(P, pc->capacity[k].n);
			total += (uint32_t)scaled_count(P, pc->capacity[k].n);
		}
		proposals_synth_2026(&so, &P->pool);
		opencall_rules_2026(&cr->rules, &P->pool);
		/* The call's models (its first two), half the proposals each,
		 * capped as the 2026 rules cap them (16 servers otherwise). */
		for (int k = 0; k < 2; k++) {
			size_t at = (size_t)k < pc->ncapacity ? (size_t)k : 0;
			int m = pool_model_find(&P->pool, pc->capacity[at].model);
			so.model[k] = m;
			so.cap[k] = cr->rules.cap_servers[m] > 0 ? cr->rules.cap_servers[m] : 16;
		}
		so.share0 = pc->ncapacity > 1 ? 0.5 : 1.0;
		if (pc->ncapacity < 2)
			so.model[1] = -1;
		if (pc->mix[0] + pc->mix[1] + pc->mix[2] + pc->mix[3] > 0)
			for (int k = 0; k < OC_NCATEGORIES; k++)
				so.mix[k] = pc->mix[k];
		so.nproposals = (uint32_t)scaled_count(P, pc->proposals);
		so.total_servers = pc->asked_gpus > 0
				   ? (uint32_t)(scaled_gpus(P, pc->asked_gpus) / GPN)
						      : 3 * total;
		so.max_months = pc->months;
		proposals_init(&ps);
		if ((rc = proposals_synth(&so, P->seed ^ mix(0x5ca11 + c), &ps, e)) != 0) {
			struct err inner = *e;
			proposals_free(&ps);
			return err_set(e, rc, "%s:%d: call: %s", P->pf->source, pc->line,
				       inner.msg);
		}
		cr->n = ps.n;
		cr->props = xmalloc((ps.n + 1) * sizeof *cr->props);
		memcpy(cr->props, ps.v, ps.n * sizeof *cr->props);
		proposals_free(&ps);
		cr->awards = xcalloc(cr->n + 1, sizeof *cr->awards);
		for (int m = 0; m < POOL_MAX_MODELS; m++)
			if (cr->rules.cap_servers[m] == 0 && cr->capacity[m] > 0)
				cr->rules.cap_servers[m] = 16;
		cr->rules.max_months = pc->months;
		cr->rules.region_share_min = pc->region_min;
		cr->rules.max_org_share = pc->org_max;
		for (size_t k = 0; k < cr->n; k++) {
			char name[PF_NAME * 3 + 32];
			uint32_t t;
			snprintf(name, sizeof name, "%s/%s-p%04zu", pf->programs[pc->program].name,
				 pc->name, k + 1);
			t = add_tenant(P, cap_ten, name, PF_PROJECT, pc->program);
			if (k == 0)
				cr->first_tenant = t;
			cr->props[k].tenant = t;
			P->ten[t].call = (long)c;
			P->ten[t].prop = (long)k;
			P->ten[t].ref_gpus = (int64_t)cr->props[k].servers * GPN;
			/* Most projects use what they get; about one in six
			 * leaves much of it idle (drop-outs, slow starts). */
			P->ten[t].activity = hash01(P->seed, 3, t) < 1.0 / 6 ? 0.25 : 0.95;
			P->ten[t].from = pc->award;
			P->ten[t].to = pc->award + (int64_t)(pc->months + 6) * 30 * DAY;
			if (P->ten[t].to > pf->end)
				P->ten[t].to = pf->end;
		}
	}
	return 0;
}

void
program_opts_init(struct program_opts *o)
{
	memset(o, 0, sizeof *o);
	o->scale = 1.0;
	o->pass_interval = -1;
}

int
program_new(const struct progfile *pf, const struct program_opts *o,
	    struct program **out, struct err *e)
{
	struct program *P = xcalloc(1, sizeof *P);
	size_t cap_ten = 0, cap_al = 0, nt;
	struct rng r;
	int rc = 0;

	*out = NULL;
	P->pf = pf;
	if (o != NULL)
		P->o = *o;
	else
		program_opts_init(&P->o);
	P->seed = P->o.seed != 0 ? P->o.seed : pf->seed;
	pool_init(&P->pool);
	workload_init(&P->w);
	grants_init(&P->gs);
	nodeevents_init(&P->ev);
	audit_init(&P->audit);
	memset(&P->alarm_err, 0, sizeof P->alarm_err);
	quality_defaults(&P->qm);
	opencall_prices_2026(&P->prices);
	idle_rule_default(&P->idle);
	if (pf->idle.threshold > 0) {
		P->idle.threshold = pf->idle.threshold;
		if (pf->idle.window_s > 0)
			P->idle.window_s = pf->idle.window_s;
		P->idle.notice_s = pf->idle.notice_s;
		P->idle.rampup_s = pf->idle.rampup_s;
		P->idle.keep_servers = pf->idle.keep_servers;
		if ((rc = idle_rule_check(&P->idle, e)) != 0)
			goto fail;
	}
	if ((rc = setup_pool(P, e)) != 0)
		goto fail;
	P->pf2t = xcalloc(pf->ntenants + 1, sizeof *P->pf2t);
	/* Tenants of the scenario, then the calls' projects. */
	for (size_t k = 0; k < pf->ntenants; k++) {
		const struct pf_tenant *pt = &pf->tenants[k];
		char name[PF_NAME * 2 + 2];
		uint32_t t;
		snprintf(name, sizeof name, "%s/%s", pf->programs[pt->program].name, pt->name);
		t = add_tenant(P, &cap_ten, name, pt->kind, pt->program);
		P->pf2t[k] = t;
		P->ten[t].pf = (long)k;
		P->ten[t].activity = pt->activity;
		P->ten[t].from = pt->enters;
		P->ten[t].to = pf->end;
	}
	if ((rc = setup_calls(P, &cap_ten, e)) != 0)
		goto fail;
	for (size_t k = 0; k < pf->ngrants; k++) {
		const struct pf_grant *g = &pf->grants[k];
		const struct pf_tenant *pt = &pf->tenants[g->tenant];
		int m = model_of(P, g->model, g->line, e);
		uint32_t t = P->pf2t[g->tenant];
		if (m < 0) {
			rc = m;
			goto fail;
		}
		if (is_supplier(pt, g->from))
			{
				rc = err_set(e, ERR_INVALID, "%s:%d: grant: %s supplies "
					     "capacity then and gets none from its program",
					     pf->source, g->line, pt->name);
				goto fail;
			}
		int64_t gpus = scaled_gpus(P, g->gpus);
		/* The tenant's price: given, else the market price in an open
		 * call and nothing in a competition or a reserved share (the
		 * program's budget pays; row_subsidy). */
		uint64_t price = g->price_won_hour > 0 ? g->price_won_hour
			: pf->programs[pt->program].kind == PF_OPENCALL
				? P->pool.models[m].price_won_hour : 0;
		if (add_grant(P, t, m, gpus, g->from, g->to, price) < 0) {
			rc = P->alarm_err.code;
			err_set(e, rc, "%s:%d: %s", pf->source, g->line, P->alarm_err.msg);
			goto fail;
		}
		if (pf->programs[pt->program].kind == PF_COMPETITION) {
			P->ph = xgrow(P->ph, &P->cap_ph, P->nph + 1, sizeof *P->ph);
			P->ph[P->nph++] = (struct phase_rec){t, m, gpus, g->from, g->to};
		}
	}
	if (pf->ngrants > 0) {
		/* The explicit grants are the first quota change. */
		struct membuf mb;
		struct jsonw jw;
		mem_open(&mb);
		jsonw_init(&jw, mb.f);
		jsonw_obj(&jw);
		jsonw_key(&jw, "decision");
		jsonw_str(&jw, "grants of the scenario");
		jsonw_key(&jw, "grants");
		jsonw_arr(&jw);
		for (size_t k = 0; k < P->gs.n; k++) {
			const struct grant *g = &P->gs.v[k];
			jsonw_arr(&jw);
			jsonw_str(&jw, tname(P, g->tenant));
			jsonw_str(&jw, strtab_get(&P->pool.model_names, (uint32_t)g->model));
			jsonw_int(&jw, g->gpus);
			jsonw_int(&jw, g->start);
			jsonw_int(&jw, g->end);
			jsonw_uint(&jw, g->price_won_hour);
			jsonw_end(&jw);
		}
		jsonw_end(&jw);
		jsonw_end(&jw);
		mem_close(&mb);
		audit_hashed(P, 0, AUDIT_QUOTA, "scenario", pf->sha256, mb.buf);
		free(mb.buf);
	}
	for (size_t r2 = 0; r2 < pf->nrounds; r2++)
		for (size_t m = 0; m < pf->rounds[r2].nnext; m++)
			if ((rc = model_of(P, pf->rounds[r2].next[m].model,
					   pf->rounds[r2].line, e)) < 0)
				goto fail;
	/* Reference sizes: a team's largest possible share, a ministry's
	 * largest grant. */
	for (uint32_t t = 0; t < P->nten; t++) {
		struct ten *x = &P->ten[t];
		if (x->pf < 0)
			continue;
		for (size_t k = 0; k < x->grants.n; k++)
			if (P->gs.v[x->grants.v[k]].gpus > x->ref_gpus)
				x->ref_gpus = P->gs.v[x->grants.v[k]].gpus;
		if (x->kind == PF_TEAM)
			for (size_t r2 = 0; r2 < pf->nrounds; r2++) {
				const struct pf_round *rd = &pf->rounds[r2];
				int64_t sum = 0;
				if (rd->program != x->program)
					continue;
				for (size_t m = 0; m < rd->nnext; m++)
					sum += scaled_gpus(P, rd->next[m].n);
				if (rd->keep > 0 && sum / rd->keep > x->ref_gpus)
					x->ref_gpus = sum / (int64_t)rd->keep;
			}
	}
	/* Job streams, tenant by tenant, each from its own random stream. */
	for (uint32_t t = 0; t < P->nten; t++) {
		rng_seed(&r, P->seed ^ mix(0x7e11a000ULL + t));
		gen_stream(P, t, &r);
	}
	if (P->w.njobs == 0) {
		rc = err_set(e, ERR_INVALID, "%s: no tenant ever holds a grant: "
			     "nothing to run", pf->source);
		goto fail;
	}
	nt = P->nten;
	/* Alarms: calls, rounds, idle checks. */
	for (size_t c = 0; c < pf->ncalls; c++)
		push_alarm(P, &cap_al, pf->calls[c].award, AL_CALL, c);
	for (size_t r2 = 0; r2 < pf->nrounds; r2++)
		push_alarm(P, &cap_al, pf->rounds[r2].at, AL_ROUND, r2);
	if (pf->idle.threshold > 0 && pf->ncalls > 0) {
		size_t nchecks = (size_t)(pf->end / pf->idle.every_s) + 2;
		for (int64_t t = pf->idle.every_s; t < pf->end; t += pf->idle.every_s)
			push_alarm(P, &cap_al, t, AL_IDLE, 0);
		for (uint32_t t = 0; t < nt; t++)
			if (P->ten[t].call >= 0) {
				P->ten[t].checks = xcalloc(nchecks, sizeof *P->ten[t].checks);
				P->ten[t].nchecks = nchecks;
			}
	}
	if (P->nalarms > 0)
		qsort(P->alarms, P->nalarms, sizeof *P->alarms, cmp_alarm);
	if (P->ev.n > 0)
		qsort(P->ev.v, P->ev.n, sizeof *P->ev.v, cmp_event);
	P->ndays = (size_t)((pf->end + DAY - 1) / DAY);
	P->tday = xcalloc(P->ndays * nt + 1, sizeof *P->tday);
	P->sday = xcalloc(P->ndays * P->pool.nsites + 1, sizeof *P->sday);
	P->scap = xcalloc(P->ndays * P->pool.nsites + 1, sizeof *P->scap);
	P->jstart = xmalloc((P->w.njobs + 1) * sizeof *P->jstart);
	P->jmodel = xcalloc(P->w.njobs + 1, sizeof *P->jmodel);
	P->jseen = xcalloc(P->w.njobs + 1, 1);
	P->jsite = xcalloc(P->w.njobs + 1, sizeof *P->jsite);
	for (size_t k = 0; k < P->w.njobs; k++)
		P->jstart[k] = -1;
	P->waits = xcalloc(pf->nprograms + 1, sizeof *P->waits);
	P->nwaits = xcalloc(pf->nprograms + 1, sizeof *P->nwaits);
	P->capwaits = xcalloc(pf->nprograms + 1, sizeof *P->capwaits);
	*out = P;
	return 0;
fail:
	program_free(P);
	return rc != 0 ? rc : ERR_INVALID;
}

void
program_free(struct program *P)
{
	if (P == NULL)
		return;
	sim_free(P->sim);
	for (size_t t = 0; t < P->nten; t++) {
		free(P->ten[t].grants.v);
		free(P->ten[t].checks);
	}
	free(P->ten);
	free(P->pf2t);
	if (P->calls != NULL)
		for (size_t c = 0; c < P->pf->ncalls; c++) {
			free(P->calls[c].props);
			free(P->calls[c].awards);
		}
	free(P->calls);
	if (P->waits != NULL)
		for (size_t k = 0; k < P->pf->nprograms; k++)
			free(P->waits[k]);
	free(P->waits);
	free(P->nwaits);
	free(P->capwaits);
	free(P->alarms);
	free(P->rr);
	free(P->ph);
	free(P->rc);
	free(P->gx);
	free(P->jstart);
	free(P->jmodel);
	free(P->jsite);
	free(P->jseen);
	free(P->seg);
	free(P->tday);
	free(P->sday);
	free(P->scap);
	if (P->ledger_ok)
		ledger_free(&P->ledger);
	audit_free(&P->audit);
	nodeevents_free(&P->ev);
	grants_free(&P->gs);
	workload_free(&P->w);
	pool_free(&P->pool);
	free(P);
}

static int
cmp_seg(const void *a, const void *b)
{
	const struct ledger_usage *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->tenant < y->tenant ? -1 : x->tenant > y->tenant;
}

/* Capacity per site and day from the nodes and the cluster windows. */
static void
capacity_series(struct program *P)
{
	const struct progfile *pf = P->pf;
	size_t ns = P->pool.nsites;

	for (uint32_t n = 0; n < P->pool.nnodes; n++) {
		const struct node *nd = &P->pool.nodes[n];
		uint32_t cl = pool_node_cluster(&P->pool, n), site = pool_node_site(&P->pool, n);
		const char *cn = strtab_get(&P->pool.names, P->pool.clusters[cl].name);
		int64_t from = 0, to = pf->end;
		for (size_t c = 0; c < pf->nclusters; c++)
			if (strcmp(pf->clusters[c].name, cn) == 0) {
				from = pf->clusters[c].from;
				to = pf->clusters[c].to < pf->end ? pf->clusters[c].to : pf->end;
			}
		for (int64_t d = from / DAY; d < (to + DAY - 1) / DAY && (size_t)d < P->ndays; d++) {
			int64_t a = d * DAY > from ? d * DAY : from;
			int64_t b = (d + 1) * DAY < to ? (d + 1) * DAY : to;
			P->scap[(size_t)d * ns + site] += (double)nd->ngpu * (double)(b - a);
			P->cap_gpu_s += (double)nd->ngpu * (double)(b - a);
		}
	}
	/* A leaving cluster drains: its jobs run to their end after its
	 * date, and the GPUs they hold count as capacity while they do. */
	for (size_t k = 0; k < P->ndays * ns; k++)
		if (P->sday[k] > P->scap[k]) {
			P->cap_gpu_s += P->sday[k] - P->scap[k];
			P->scap[k] = P->sday[k];
		}
}

static int cmp_i64(const void *a, const void *b);

int
program_run(struct program *P, struct err *e)
{
	const struct progfile *pf = P->pf;
	struct sim_opts so;
	int rc;

	if (P->sim != NULL)
		return err_set(e, ERR_STATE, "program_run: this run already ran");
	sim_opts_init(&so);
	so.order = SCHED_PRIORITY;
	so.policy = PLACE_FGD;
	so.seed = P->seed;
	so.grants = &P->gs;
	so.backfill_depth = pf->work.backfill;
	/* Fair-share factors hourly, as Slurm's PriorityCalcPeriod (default
	 * 5 minutes) at a programme's scale: usage decays over 7 days. */
	so.fairshare_interval = 3600;
	so.pass_interval = P->o.pass_interval >= 0 ? P->o.pass_interval
						   : pf->work.pass_interval;
	so.events = P->ev.n > 0 ? &P->ev : NULL;
	so.sample_s = DAY;
	so.hook = hook;
	so.hook_ctx = P;
	so.alarm = alarm;
	so.alarm_ctx = P;
	so.alarm_first = P->nalarms > 0 ? P->alarms[0].t : INT64_MAX;
	so.admit = admit;
	so.admit_ctx = P;
	P->sim = sim_new(&P->pool, &P->w, &so);
	if ((rc = sim_run(P->sim, e)) != 0)
		return rc;
	if (P->failed)
		return err_set(e, P->alarm_err.code, "%s", P->alarm_err.msg);
	capacity_series(P);
	/* Waits sorted once, for every percentile read later. */
	for (size_t g = 0; g < pf->nprograms; g++)
		if (P->nwaits[g] > 1)
			qsort(P->waits[g], P->nwaits[g], sizeof *P->waits[g], cmp_i64);
	/* The ledger, over the final grants, every run booked by start. */
	if (P->nseg > 0)
		qsort(P->seg, P->nseg, sizeof *P->seg, cmp_seg);
	if ((rc = ledger_init(&P->ledger, 0, &P->pool, &P->gs, (uint32_t)P->nten, e)) != 0)
		return rc;
	P->ledger_ok = 1;
	for (size_t k = 0; k < pf->nprograms; k++)
		if (pf->programs[k].budget_won > 0 &&
		    (rc = ledger_set_budget(&P->ledger, (uint32_t)k,
					    pf->programs[k].budget_won, e)) != 0)
			return rc;
	for (size_t k = 0; k < P->nseg; k++)
		if ((rc = ledger_add_usage(&P->ledger, &P->seg[k], e)) != 0)
			return rc;
	return 0;
}

/* ---- figures --------------------------------------------------------------- */

/* Won the program's budget pays for a row: the market price less what
 * the tenant pays, over the row's GPU-hours. */
static double
row_subsidy(const struct program *P, const struct ledger_row *r)
{
	const struct grant *g;
	double market;

	if (r->grant < 0)
		return 0;
	g = &P->gs.v[r->grant];
	market = (double)P->pool.models[r->model].price_won_hour;
	return (double)r->milli_s / LEDGER_MILLI_HOUR *
	       (market - (double)g->price_won_hour > 0 ? market - (double)g->price_won_hour : 0);
}

static double
drawn_won(const struct program *P, uint32_t program)
{
	double s = 0;

	if (!P->ledger_ok)
		return 0;
	for (size_t i = 0; i < ledger_nrows(&P->ledger); i++) {
		const struct ledger_row *r = ledger_row(&P->ledger, i);
		if (r->grant >= 0 && P->gs.v[r->grant].program == program)
			s += row_subsidy(P, r);
	}
	return s;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int64_t
pct(const int64_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)ceil(p * (double)n);
	return v[k > 0 ? k - 1 : 0];
}

static const char *
short_name(const struct program *P, uint32_t t)
{
	const char *s = tname(P, t), *slash = strrchr(s, '/');
	return slash != NULL ? slash + 1 : s;
}

/* Awarded servers of call c by category (and counts). */
static void
call_figures(const struct program *P, size_t c, size_t *props, int64_t *asked,
	     size_t *won, int64_t *won_gpus)
{
	const struct call_rec *cr = &P->calls[c];

	for (int k = 0; k < OC_NCATEGORIES; k++)
		props[k] = won[k] = 0, asked[k] = won_gpus[k] = 0;
	for (size_t k = 0; k < cr->n; k++) {
		int cat = cr->props[k].category;
		props[cat]++;
		asked[cat] += (int64_t)cr->props[k].servers * GPN;
	}
	/* Awards as first made (a reclaim lowers servers later): count the
	 * grants issued at the award date. */
	for (size_t id = 0; id < P->gs.n; id++) {
		const struct grant_aux *gx = &P->gx[id];
		if (gx->call != (long)c || P->gs.v[id].start != P->pf->calls[c].award)
			continue;
		won[cr->props[gx->prop].category]++;
		won_gpus[cr->props[gx->prop].category] += P->gs.v[id].gpus;
	}
}

void
program_stats(const struct program *P, struct program_stats *st)
{
	memset(st, 0, sizeof *st);
	st->jobs_generated = P->w.njobs;
	st->jobs_admitted = P->admitted;
	st->jobs_completed = P->completed;
	st->grants = P->gs.n;
	st->audit_entries = P->audit.n;
	st->rounds = (size_t)P->rounds_done;
	for (size_t k = 0; k < P->nrc; k++) {
		st->reclaims += P->rc[k].action == IDLE_RECLAIM;
		st->readmits += P->rc[k].action == -1;
	}
	for (size_t c = 0; c < P->pf->ncalls; c++)
		for (size_t k = 0; k < P->calls[c].n; k++)
			st->awards += P->calls[c].awards[k].status == OC_AWARDED ||
				      P->calls[c].awards[k].status == OC_PARTIAL;
	if (P->sim != NULL) {
		st->sim_events = sim_stats(P->sim)->events;
		st->passes = sim_stats(P->sim)->passes;
	}
	st->util_pct = P->cap_gpu_s > 0 ? 100.0 * P->alloc_gpu_s / P->cap_gpu_s : 0;
}

/* Teams of competition program g still in at the end. */
static size_t
finalists(const struct program *P, uint32_t g, uint32_t *out, size_t cap)
{
	size_t n = 0;

	for (uint32_t t = 0; t < P->nten && n < cap; t++)
		if (P->ten[t].kind == PF_TEAM && P->ten[t].program == g && !P->ten[t].out)
			out[n++] = t;
	return n;
}

void
program_summary(const struct program *P, FILE *f)
{
	const struct progfile *pf = P->pf;
	struct program_stats st;
	char d0[16], d1[16];

	program_stats(P, &st);
	progfile_date(pf, 0, d0);
	progfile_date(pf, pf->end, d1);
	fprintf(f, "allot run %s: %s .. %s, seed %llu\n", pf->name, d0, d1,
		(unsigned long long)P->seed);
	fprintf(f, "pool         %llu GPUs at its fullest on %zu nodes, %zu sites\n",
		(unsigned long long)P->pool.total_gpus, P->pool.nnodes, P->pool.nsites);
	for (size_t g = 0; g < pf->nprograms; g++) {
		const struct pf_program *pg = &pf->programs[g];
		double drawn = drawn_won(P, (uint32_t)g);
		fprintf(f, "program      %s (%s)", pg->name, progfile_kind_name(pg->kind));
		if (pg->budget_won > 0)
			fprintf(f, ": budget %.1f bn won, drawn %.1f bn (%.0f %%)",
				(double)pg->budget_won / 1e9, drawn / 1e9,
				100.0 * drawn / (double)pg->budget_won);
		else
			fprintf(f, ": drawn %.1f bn won", drawn / 1e9);
		fprintf(f, "\n");
		if (pg->kind == PF_COMPETITION) {
			uint32_t fin[PF_MAX_TEAMS];
			size_t nf = finalists(P, (uint32_t)g, fin, PF_MAX_TEAMS);
			for (size_t r = 0; r < pf->nrounds; r++) {
				const struct pf_round *rd = &pf->rounds[r];
				char d[16];
				if (rd->program != g)
					continue;
				progfile_date(pf, rd->at, d);
				fprintf(f, "  round %-6s %s (%s):", rd->name, d,
					rd->nscores > 0 ? "published scores" : "quality model");
				for (size_t k = 0; k < P->nrr; k++) {
					const struct round_rec *x = &P->rr[k];
					if (x->round != r)
						continue;
					fprintf(f, " %s %.1f%s%s", short_name(P, x->tenant), x->score,
						x->gate_ok ? "" : " (gate failed)", x->out ? " OUT" : "");
					fprintf(f, ",");
				}
				fprintf(f, "\n");
			}
			fprintf(f, "  finalists  ");
			for (size_t k = 0; k < nf; k++)
				fprintf(f, "%s%s", k ? ", " : "", short_name(P, fin[k]));
			fprintf(f, "\n  GPUs per team per phase:\n");
			for (size_t k = 0; k < P->nph; k++) {
				const struct phase_rec *x = &P->ph[k];
				char a[16], b[16];
				if (P->ten[x->tenant].program != g)
					continue;
				progfile_date(pf, x->from, a);
				progfile_date(pf, x->to, b);
				fprintf(f, "    %-12s %s .. %s  %6lld %s\n", short_name(P, x->tenant),
					a, b, (long long)x->gpus,
					strtab_get(&P->pool.model_names, (uint32_t)x->model));
			}
		}
	}
	for (size_t c = 0; c < pf->ncalls; c++) {
		size_t props[OC_NCATEGORIES], won[OC_NCATEGORIES], np = 0, nw = 0;
		int64_t asked[OC_NCATEGORIES], wg[OC_NCATEGORIES], na = 0, ng = 0;
		call_figures(P, c, props, asked, won, wg);
		for (int k = 0; k < OC_NCATEGORIES; k++)
			np += props[k], nw += won[k], na += asked[k], ng += wg[k];
		fprintf(f, "open call    %s: %zu proposals asked %lld GPUs; %zu awarded "
			"%lld GPUs (%.0f %% of proposals, %.0f %% of GPUs asked)\n",
			pf->calls[c].name, np, (long long)na, nw, (long long)ng,
			np ? 100.0 * (double)nw / (double)np : 0,
			na ? 100.0 * (double)ng / (double)na : 0);
		fprintf(f, "  by category");
		for (int k = 0; k < OC_NCATEGORIES; k++)
			fprintf(f, "  %s %zu/%zu (%lld GPUs)", opencall_category_name(k), won[k],
				props[k], (long long)wg[k]);
		fprintf(f, "\n");
	}
	{
		size_t warn = 0;
		for (size_t k = 0; k < P->nrc; k++)
			warn += P->rc[k].action == IDLE_WARN;
		fprintf(f, "idle         %zu warnings, %zu reclaims, %llu GPUs reclaimed, "
			"%zu proposals re-awarded\n", warn, st.reclaims,
			(unsigned long long)P->idle_reclaimed_gpus, st.readmits);
	}
	fprintf(f, "jobs         %zu generated, %zu admitted, %zu completed\n",
		st.jobs_generated, st.jobs_admitted, st.jobs_completed);
	fprintf(f, "utilisation  %.1f %% of GPU capacity allocated over the run\n",
		st.util_pct);
	for (size_t g = 0; g < pf->nprograms; g++) {
		const int64_t *v = P->waits[g];
		size_t n = P->nwaits[g];
		fprintf(f, "waits        %-14s %7zu jobs  p50 %6.1f h  p90 %6.1f h  p99 %6.1f h\n",
			pf->programs[g].name, n, (double)pct(v, n, 0.5) / 3600,
			(double)pct(v, n, 0.9) / 3600, (double)pct(v, n, 0.99) / 3600);
	}
	fprintf(f, "audit        %zu decisions, hash chained\n", P->audit.n);
}

void
program_json(const struct program *P, FILE *f)
{
	const struct progfile *pf = P->pf;
	struct program_stats st;
	struct jsonw jw;
	char d[16];

	program_stats(P, &st);
	jsonw_init(&jw, f);
	jsonw_obj(&jw);
	jsonw_key(&jw, "scenario");
	jsonw_str(&jw, pf->name);
	progfile_date(pf, 0, d);
	jsonw_key(&jw, "start");
	jsonw_str(&jw, d);
	progfile_date(pf, pf->end, d);
	jsonw_key(&jw, "end");
	jsonw_str(&jw, d);
	jsonw_key(&jw, "scale");
	jsonw_fixed(&jw, P->o.scale, 3);
	jsonw_key(&jw, "seed");
	jsonw_uint(&jw, P->seed);
	jsonw_key(&jw, "gpus");
	jsonw_uint(&jw, P->pool.total_gpus);
	jsonw_key(&jw, "finalists");
	jsonw_arr(&jw);
	for (size_t g = 0; g < pf->nprograms; g++) {
		uint32_t fin[PF_MAX_TEAMS];
		size_t nf;
		if (pf->programs[g].kind != PF_COMPETITION)
			continue;
		nf = finalists(P, (uint32_t)g, fin, PF_MAX_TEAMS);
		for (size_t k = 0; k < nf; k++)
			jsonw_str(&jw, short_name(P, fin[k]));
	}
	jsonw_end(&jw);
	jsonw_key(&jw, "jobs");
	jsonw_obj(&jw);
	jsonw_key(&jw, "generated");
	jsonw_uint(&jw, st.jobs_generated);
	jsonw_key(&jw, "submitted");
	jsonw_uint(&jw, st.jobs_admitted);
	jsonw_key(&jw, "completed");
	jsonw_uint(&jw, st.jobs_completed);
	jsonw_end(&jw);
	jsonw_key(&jw, "utilisation_pct");
	jsonw_fixed(&jw, st.util_pct, 2);
	jsonw_key(&jw, "idle_reclaimed_gpus");
	jsonw_uint(&jw, P->idle_reclaimed_gpus);
	jsonw_key(&jw, "grants");
	jsonw_uint(&jw, st.grants);
	jsonw_key(&jw, "awards");
	jsonw_uint(&jw, st.awards);
	jsonw_key(&jw, "reclaims");
	jsonw_uint(&jw, st.reclaims);
	jsonw_key(&jw, "readmits");
	jsonw_uint(&jw, st.readmits);
	jsonw_key(&jw, "audit_entries");
	jsonw_uint(&jw, st.audit_entries);
	jsonw_key(&jw, "audit_head");
	jsonw_str(&jw, P->audit.n > 0 ? P->audit.v[P->audit.n - 1].hash : "");
	{
		double budget = 0, drawn = 0;
		for (size_t g = 0; g < pf->nprograms; g++) {
			budget += (double)pf->programs[g].budget_won;
			drawn += drawn_won(P, (uint32_t)g);
		}
		jsonw_key(&jw, "budget_won");
		jsonw_fixed(&jw, budget, 0);
		jsonw_key(&jw, "drawn_won");
		jsonw_fixed(&jw, drawn, 0);
	}
	jsonw_key(&jw, "sim_events");
	jsonw_uint(&jw, st.sim_events);
	jsonw_key(&jw, "passes");
	jsonw_uint(&jw, st.passes);
	jsonw_end(&jw);
	jsonw_nl(&jw);
}

/* ---- the output directory ------------------------------------------------ */

static FILE *
open_out(const char *dir, const char *name, struct err *e)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	return f;
}

static int
close_out(FILE *f, const char *dir, const char *name, struct err *e)
{
	int bad = ferror(f);

	if (fclose(f) != 0 || bad)
		return err_set(e, ERR_IO, "%s/%s: write failed", dir, name);
	return 0;
}

static const char *const tkind[] = {"team", "project", "ministry"};
static const char *const act_name[] = {"none", "warn", "reclaim", "clear"};

int
program_write_dir(const struct program *P, const char *dir, struct err *e)
{
	const struct progfile *pf = P->pf;
	size_t ns = P->pool.nsites;
	FILE *f;
	int rc;
	char d[16];

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return err_set(e, ERR_IO, "%s: %s", dir, strerror(errno));
	if ((f = open_out(dir, "summary.json", e)) == NULL)
		return ERR_IO;
	program_json(P, f);
	if ((rc = close_out(f, dir, "summary.json", e)) != 0)
		return rc;

	if ((f = open_out(dir, "tenants.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "tenant,program,kind\n");
	for (uint32_t t = 0; t < P->nten; t++)
		fprintf(f, "%s,%s,%s\n", tname(P, t), pf->programs[P->ten[t].program].name,
			tkind[P->ten[t].kind]);
	if ((rc = close_out(f, dir, "tenants.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "gpus_by_tenant.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "day,tenant,gpus\n");
	for (size_t day = 0; day < P->ndays; day++)
		for (uint32_t t = 0; t < P->nten; t++) {
			double v = P->tday[day * P->nten + t];
			if (v > 0)
				fprintf(f, "%zu,%s,%.3f\n", day, tname(P, t), v / DAY);
		}
	if ((rc = close_out(f, dir, "gpus_by_tenant.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "capacity_by_site.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "day,site,capacity,allocated\n");
	for (size_t day = 0; day < P->ndays; day++)
		for (size_t s = 0; s < ns; s++)
			fprintf(f, "%zu,%s,%.3f,%.3f\n", day,
				strtab_get(&P->pool.names, P->pool.sites[s].name),
				P->scap[day * ns + s] / DAY, P->sday[day * ns + s] / DAY);
	if ((rc = close_out(f, dir, "capacity_by_site.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "waits.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "program,jobs,p50_s,p90_s,p99_s\n");
	for (size_t g = 0; g < pf->nprograms; g++) {
		const int64_t *v = P->waits[g];
		size_t n = P->nwaits[g];
		fprintf(f, "%s,%zu,%lld,%lld,%lld\n", pf->programs[g].name, n,
			(long long)pct(v, n, 0.5), (long long)pct(v, n, 0.9),
			(long long)pct(v, n, 0.99));
	}
	if ((rc = close_out(f, dir, "waits.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "rounds.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "round,date,team,score,lo,hi,p_last,gate,out\n");
	for (size_t k = 0; k < P->nrr; k++) {
		const struct round_rec *x = &P->rr[k];
		progfile_date(pf, pf->rounds[x->round].at, d);
		fprintf(f, "%s,%s,%s,", pf->rounds[x->round].name, d, short_name(P, x->tenant));
		if (isnan(x->score))
			fprintf(f, ",,,");
		else
			fprintf(f, "%.3f,%.3f,%.3f,", x->score, x->lo, x->hi);
		if (isnan(x->p_last))
			fprintf(f, ",");
		else
			fprintf(f, "%.4f,", x->p_last);
		fprintf(f, "%s,%d\n", x->gate_ok ? "pass" : "fail", x->out);
	}
	if ((rc = close_out(f, dir, "rounds.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "phases.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "phase,start,end,team,gpus\n");
	{
		int64_t starts[256] = {0};
		size_t nstarts = 0;
		for (size_t k = 0; k < P->nph; k++) {
			size_t i = 0;
			while (i < nstarts && starts[i] != P->ph[k].from)
				i++;
			if (i == nstarts && nstarts < 256)
				starts[nstarts++] = P->ph[k].from;
		}
		if (nstarts > 1)
			qsort(starts, nstarts, sizeof *starts, cmp_i64);
		/* One line per phase and team: its grants of every model. */
		for (size_t k = 0; k < P->nph; k++) {
			char a[16], b[16];
			size_t i = 0, first = k;
			int64_t gpus = 0;
			for (size_t q = 0; q < P->nph; q++)
				if (P->ph[q].tenant == P->ph[k].tenant &&
				    P->ph[q].from == P->ph[k].from) {
					if (q < first)
						first = q;
					gpus += P->ph[q].gpus;
				}
			if (first != k)
				continue;
			while (i < nstarts && starts[i] != P->ph[k].from)
				i++;
			progfile_date(pf, P->ph[k].from, a);
			progfile_date(pf, P->ph[k].to, b);
			fprintf(f, "%zu,%s,%s,%s,%lld\n", i + 1, a, b, short_name(P, P->ph[k].tenant),
				(long long)gpus);
		}
	}
	if ((rc = close_out(f, dir, "phases.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "opencall.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "call,category,proposals,asked_gpus,awarded,awarded_gpus\n");
	for (size_t c = 0; c < pf->ncalls; c++) {
		size_t props[OC_NCATEGORIES], won[OC_NCATEGORIES];
		int64_t asked[OC_NCATEGORIES], wg[OC_NCATEGORIES];
		call_figures(P, c, props, asked, won, wg);
		for (int k = 0; k < OC_NCATEGORIES; k++)
			fprintf(f, "%s,%s,%zu,%lld,%zu,%lld\n", pf->calls[c].name,
				opencall_category_name(k), props[k], (long long)asked[k], won[k],
				(long long)wg[k]);
	}
	if ((rc = close_out(f, dir, "opencall.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "reclaim.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "date,tenant,action,servers\n");
	for (size_t k = 0; k < P->nrc; k++) {
		progfile_date(pf, P->rc[k].t, d);
		fprintf(f, "%s,%s,%s,%u\n", d, tname(P, P->rc[k].tenant),
			P->rc[k].action < 0 ? "readmit" : act_name[P->rc[k].action],
			P->rc[k].servers);
	}
	if ((rc = close_out(f, dir, "reclaim.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "budget.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "day,program,budget_won,drawn_won\n");
	{
		size_t np = pf->nprograms;
		double *cum = xcalloc(P->ndays * np + 1, sizeof *cum);
		if (P->ledger_ok)
			for (size_t i = 0; i < ledger_nrows(&P->ledger); i++) {
				const struct ledger_row *r = ledger_row(&P->ledger, i);
				if (r->grant >= 0 && r->day >= 0 && (size_t)r->day < P->ndays)
					cum[(size_t)r->day * np + P->gs.v[r->grant].program] +=
						row_subsidy(P, r);
			}
		for (size_t day = 0; day < P->ndays; day++)
			for (size_t g = 0; g < np; g++) {
				if (day > 0)
					cum[day * np + g] += cum[(day - 1) * np + g];
				fprintf(f, "%zu,%s,%lld,%.0f\n", day, pf->programs[g].name,
					(long long)pf->programs[g].budget_won, cum[day * np + g]);
			}
		free(cum);
	}
	if ((rc = close_out(f, dir, "budget.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "ledger.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "day,tenant,grant,model,gpu_hours,won\n");
	if (P->ledger_ok)
		for (size_t i = 0; i < ledger_nrows(&P->ledger); i++) {
			const struct ledger_row *r = ledger_row(&P->ledger, i);
			fprintf(f, "%lld,%s,", (long long)r->day, tname(P, r->tenant));
			if (r->grant >= 0)
				fprintf(f, "%ld,", r->grant);
			else
				fprintf(f, "borrowed,");
			fprintf(f, "%s,%.4f,%lld\n",
				strtab_get(&P->pool.model_names, (uint32_t)r->model),
				(double)r->milli_s / LEDGER_MILLI_HOUR,
				(long long)ledger_won_round(r->won));
		}
	if ((rc = close_out(f, dir, "ledger.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "compute.csv", e)) == NULL)
		return ERR_IO;
	fprintf(f, "round,team,gpu_hours,score,score_per_1k_gpu_hours\n");
	for (size_t k = 0; k < P->nrr; k++) {
		const struct round_rec *x = &P->rr[k];
		double used = x->gpu_h - P->pf->tenants[P->ten[x->tenant].pf].prior_gpu_h;
		fprintf(f, "%s,%s,%.1f,", pf->rounds[x->round].name, short_name(P, x->tenant),
			used);
		if (isnan(x->score))
			fprintf(f, ",\n");
		else if (used <= 0)
			fprintf(f, "%.3f,\n", x->score);
		else
			fprintf(f, "%.3f,%.4f\n", x->score, 1000 * x->score / used);
	}
	if ((rc = close_out(f, dir, "compute.csv", e)) != 0)
		return rc;

	if ((f = open_out(dir, "audit.jsonl", e)) == NULL)
		return ERR_IO;
	for (size_t k = 0; k < P->audit.n; k++)
		auditfile_write_entry(f, &P->audit.v[k]);
	return close_out(f, dir, "audit.jsonl", e);
}

const struct grants *
program_grants(const struct program *P)
{
	return &P->gs;
}

const struct audit_log *
program_audit(const struct program *P)
{
	return &P->audit;
}

long
program_tenant(const struct program *P, const char *name)
{
	return strtab_find(&P->w.tenants, name, strlen(name));
}
