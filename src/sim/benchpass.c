/*
 * benchpass.c — building the national-scale pass benchmark (benchpass.h).
 *
 * The world, all from one seed:
 *  - pool: poolgen "sites=3,nodes=N,gpus=8,models=B200:0.6+H200:0.4,
 *    domain=72" (N = gpus / 8): 9-node, 72-GPU NVLink domains;
 *  - tenants: 500, each with one grant on one model (even tenants B200,
 *    odd H200) sized so the grants cover 90 % of that model's GPUs;
 *    borrowing unlimited; fair-share usage drawn at random;
 *  - running: jobs of 1-8 GPUs and gangs of up to 16 nodes placed by the
 *    topology index until `fill` of the granted GPUs are busy (or
 *    placement keeps failing); tenants stay within `fill` of their guarantee except for
 *    one job in 20, which may borrow; each has a time limit of 1 hour to
 *    7 days and started part-way through it;
 *  - queue: `pending` jobs — 10 % shares of one GPU, 25 % 1-4 GPUs, 35 %
 *    one 8-GPU node, 25 % gangs of 2-32 nodes, 5 % gangs of 64-512 nodes
 *    (512 to 4,096 GPUs); half may use any model, a quarter only B200, a
 *    quarter only H200; submitted in the last 7 days; tenants skewed
 *    (t = 500 u^2); time limits of 1 hour to 7 days.
 */
#include "sim/benchpass.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/poolgen.h"
#include "model/tenant.h"
#include "sched/fairshare.h"
#include "sched/topo.h"
#include "util/alloc.h"
#include "util/rng.h"

#define DAY 86400

void
benchpass_defaults(struct benchpass_opts *o)
{
	memset(o, 0, sizeof *o);
	o->gpus = 260000;
	o->pending = 100000;
	o->tenants = 500;
	o->fill = 0.9;
	o->backfill = 8;
	o->reclaim = 1;
	o->seed = 1;
}

static int64_t
log_uniform(struct rng *r, double lo, double hi)
{
	return (int64_t)exp(log(lo) + rng_double(r) * (log(hi) - log(lo)));
}

static void
shape(struct job *j, int gpn, int nodes, uint16_t milli)
{
	j->gpus_per_node = (uint16_t)gpn;
	j->nodes = (uint16_t)nodes;
	j->gpu_milli = milli;
	j->cpu_milli = (uint32_t)(gpn > 0 ? gpn : 1) * 16000;
	j->mem_mib = (uint32_t)(gpn > 0 ? gpn : 1) * 65536;
}

static void
pending_shape(struct rng *r, struct job *j)
{
	double u = rng_double(r);

	if (u < 0.10)
		shape(j, 1, 1, (uint16_t)(250 * (1 + rng_below(r, 3))));
	else if (u < 0.35)
		shape(j, 1 << rng_below(r, 3), 1, MILLI);
	else if (u < 0.70)
		shape(j, 8, 1, MILLI);
	else if (u < 0.95)
		shape(j, 8, 2 + (int)rng_below(r, 31), MILLI);
	else
		shape(j, 8, 64 << rng_below(r, 4), MILLI);
}

static int
grow_jobs(struct benchpass *b, size_t *cap)
{
	b->jobs = xgrow(b->jobs, cap, b->njobs + 1, sizeof *b->jobs);
	memset(&b->jobs[b->njobs], 0, sizeof *b->jobs);
	b->jobs[b->njobs].id = (uint32_t)b->njobs;
	return (int)0;
}

/* Fills the pool with running jobs up to o->fill. */
static void
fill_running(struct benchpass *b, const struct benchpass_opts *o, struct rng *r,
	     size_t *cap)
{
	struct topo *t = placer_topo(b->pl);
	uint32_t *nodes = xmalloc(64 * sizeof *nodes);
	size_t cap_alloc = 0, misses = 0;
	int64_t granted = 0;
	uint64_t target;

	for (int m = 0; m < b->quota.nmodels; m++)
		granted += b->quota.granted[m];
	target = (uint64_t)(o->fill * (double)granted / MILLI);

	while (b->running_gpus < target && misses < 2000) {
		struct job *j;
		struct alloc a;
		grow_jobs(b, cap);
		j = &b->jobs[b->njobs];
		if (rng_below(r, 4) == 0)
			shape(j, 1 << rng_below(r, 3), 1, MILLI);
		else
			shape(j, 8, 1 + (int)rng_below(r, 16), MILLI);
		j->tenant = (uint32_t)rng_below(r, o->tenants);
		j->model_mask = 1u << (j->tenant % 2);
		/* A world the scheduler could have made: tenants mostly within
		 * `fill` of their guarantee, a few borrowing (5 % of the
		 * jobs), so that the pass meets every kind of decision. */
		const struct quota_cell *c =
			&b->quota.cell[(size_t)j->tenant * (size_t)b->quota.nmodels +
				       j->tenant % 2];
		int borrow = rng_below(r, 20) == 0;
		if ((!borrow && (double)(c->usage + (int64_t)job_gpu_milli(j)) >
				       o->fill * (double)c->nominal) ||
		    quota_check(&b->quota, j->tenant, (int)(j->tenant % 2),
				(int64_t)job_gpu_milli(j)) != QUOTA_OK ||
		    topo_choose(t, j, nodes) != 0 ||
		    placer_place_on(b->pl, j, nodes, &a) != 0) {
			misses++;
			continue;
		}
		misses = 0;
		j->state = JOB_RUNNING;
		j->time_limit = log_uniform(r, 3600, 7 * DAY);
		j->start = b->in.now - (int64_t)(rng_double(r) * (double)j->time_limit);
		j->submit = j->start - (int64_t)rng_below(r, DAY);
		b->allocs = xgrow(b->allocs, &cap_alloc, b->njobs + 1,
				  sizeof *b->allocs);
		b->allocs[b->njobs] = a;
		quota_charge(&b->quota, j->tenant, (int)(j->tenant % 2),
			     (int64_t)job_gpu_milli(j));
		b->running_gpus += job_gpu_milli(j) / MILLI;
		b->njobs++;
	}
	free(nodes);
	b->nrunning = b->njobs;
	b->run = xmalloc((b->nrunning + 1) * sizeof *b->run);
	for (size_t i = 0; i < b->nrunning; i++) {
		const struct job *j = &b->jobs[i];
		b->run[i] = (struct sched_running){(uint32_t)i, (int)(j->tenant % 2),
						   SCHED_NO_JOB,
						   j->start + j->time_limit,
						   &b->allocs[i]};
	}
}

int
benchpass_build(const struct benchpass_opts *o, struct benchpass *b,
		struct err *e)
{
	struct poolgen_spec spec;
	struct rng r;
	char buf[160];
	size_t cap = 0, nt = o->tenants;
	uint64_t nodes = o->gpus / 8;
	int rc;

	memset(b, 0, sizeof *b);
	pool_init(&b->pool);
	grants_init(&b->grants);
	sched_result_init(&b->res);
	if (nodes < 8 || nodes > POOLGEN_MAX_NODES)
		return err_set(e, ERR_INVALID, "gpus: %llu is out of range "
			       "(64 to 8,000,000)", (unsigned long long)o->gpus);
	if (o->pending > 10000000 || nt < 2 || nt > 100000)
		return err_set(e, ERR_INVALID, "pending (at most 10,000,000) or "
			       "tenants (2 to 100,000) out of range");
	snprintf(buf, sizeof buf, "sites=3,nodes=%llu,gpus=8,"
		 "models=B200:0.6+H200:0.4,domain=72", (unsigned long long)nodes);
	poolgen_defaults(&spec);
	if ((rc = poolgen_parse(buf, &spec, e)) != 0 ||
	    (rc = poolgen_build(&spec, &b->pool, e)) != 0)
		return rc;
	rng_seed(&r, o->seed);
	b->in.now = 30 * DAY;

	/* Quotas: one grant per tenant, 90 % of each model granted. */
	quota_init(&b->quota, nt, (int)b->pool.model_names.n);
	for (size_t i = 0; i < b->pool.nnodes; i++)
		b->quota.capacity[b->pool.nodes[i].model] +=
			(int64_t)b->pool.nodes[i].ngpu * MILLI;
	for (size_t t = 0; t < nt; t++) {
		int m = (int)(t % 2);
		size_t on_m = (nt + 1 - (size_t)m) / 2;
		struct grant g = {.tenant = (uint32_t)t, .model = m,
				  .gpus = b->quota.capacity[m] / MILLI * 9 / 10 /
					  (int64_t)on_m,
				  .start = 0, .end = 365 * DAY,
				  .borrow_limit = GRANT_NO_LIMIT,
				  .lend_limit = GRANT_NO_LIMIT};
		if (g.gpus < 1)
			g.gpus = 1;
		if ((rc = (int)grants_add(&b->grants, &g, b->quota.nmodels, e)) < 0)
			return rc;
	}
	quota_from_grants(&b->quota, &b->grants, b->in.now);

	b->pl = placer_new(&b->pool, PLACE_FGD, o->seed);
	fill_running(b, o, &r, &cap);

	/* The queue. */
	for (size_t i = 0; i < o->pending; i++) {
		struct job *j;
		double u = rng_double(&r);
		grow_jobs(b, &cap);
		j = &b->jobs[b->njobs];
		pending_shape(&r, j);
		j->tenant = (uint32_t)((double)nt * u * u);
		if (j->tenant >= nt)
			j->tenant = (uint32_t)nt - 1;
		switch (rng_below(&r, 4)) {
		case 0: j->model_mask = 1u << 0; break;
		case 1: j->model_mask = 1u << 1; break;
		default: j->model_mask = 0;
		}
		j->class = (uint8_t)rng_below(&r, CLASS_NCLASSES);
		j->state = JOB_PENDING;
		j->submit = b->in.now - (int64_t)rng_below(&r, 7 * DAY);
		j->start = j->end = -1;
		j->time_limit = log_uniform(&r, 3600, 7 * DAY);
		j->duration = j->time_limit;
		b->njobs++;
	}
	placer_set_workload(b->pl, b->jobs + b->nrunning, b->njobs - b->nrunning);
	b->nqueue = b->njobs - b->nrunning;
	b->queue = xmalloc((b->nqueue + 1) * sizeof *b->queue);
	for (size_t i = 0; i < b->nqueue; i++)
		b->queue[i] = (uint32_t)(b->nrunning + i);

	/* Fair share: random decayed usage over a flat tree. */
	{
		struct tenant_tree tt;
		double *usage, *f;
		tenant_tree_init(&tt);
		for (size_t t = 0; t < nt; t++) {
			snprintf(buf, sizeof buf, "t%zu", t);
			ALLOT_ASSERT(tenant_add(&tt, buf, TENANT_ROOT, 1, NULL) >= 0);
		}
		usage = xcalloc(tt.n, sizeof *usage);
		f = xcalloc(tt.n, sizeof *f);
		for (size_t t = 1; t < tt.n; t++)
			usage[t] = rng_double(&r) * 1e6;
		fairshare_fairtree(&tt, usage, f);
		b->fs = xmalloc(nt * sizeof *b->fs);
		memcpy(b->fs, f + 1, nt * sizeof *b->fs);
		free(usage);
		free(f);
		tenant_tree_free(&tt);
	}

	b->pol.quota = &b->quota;
	b->pol.fs_factor = b->fs;
	prio_defaults(&b->pol.weights);
	b->pol.running = b->run;
	b->pol.nrunning = b->nrunning;
	b->pol.backfill_depth = o->backfill;
	b->pol.reclaim = (uint8_t)(o->reclaim != 0);
	b->pol.pool_gpus = b->pool.total_gpus;
	b->in.jobs = b->jobs;
	b->in.queue = b->queue;
	b->in.nqueue = b->nqueue;
	b->in.free_milli = SCHED_UNKNOWN;
	b->in.cpu_only = SCHED_UNKNOWN;
	b->in.policy = &b->pol;
	return 0;
}

int
benchpass_pass(struct benchpass *b)
{
	struct sched_opts so = {.order = SCHED_PRIORITY, .explain = 1};

	return sched_pass(&so, &b->in, b->pl, &b->res);
}

void
benchpass_undo(struct benchpass *b)
{
	for (size_t i = 0; i < b->res.n; i++) {
		struct sched_decision *d = &b->res.v[i];
		const struct job *j = &b->jobs[d->job];
		int64_t need = (int64_t)job_gpu_milli(j);
		if (d->kind == SCHED_START) {
			placer_release(b->pl, j, &d->alloc);
			if (d->model >= 0 && j->gpus_per_node > 0)
				quota_charge(&b->quota, j->tenant, d->model, -need);
		} else if (d->kind == SCHED_PENDING &&
			   d->reason == SCHED_REASON_RECLAIMING && d->model >= 0) {
			quota_charge(&b->quota, j->tenant, d->model, -need);
		}
	}
	sched_result_clear(&b->res);
}

void
benchpass_bytes(const struct benchpass *b, double *per_gpu, double *per_job)
{
	size_t gpus = b->pool.total_gpus ? b->pool.total_gpus : 1;
	size_t state = b->pool.nnodes * sizeof *b->pool.nodes +
		       b->pool.ndomains * sizeof *b->pool.domains +
		       placer_bytes(b->pl);

	*per_gpu = (double)state / (double)gpus;
	/* A queued job: the job itself, its decision, and the pass's sort
	 * key (24 bytes) — the pass's only per-job scratch. */
	*per_job = (double)(sizeof(struct job) + sizeof(struct sched_decision) + 24);
}

void
benchpass_free(struct benchpass *b)
{
	benchpass_undo(b);
	sched_result_free(&b->res);
	for (size_t i = 0; i < b->nrunning; i++) {
		placer_release(b->pl, &b->jobs[i], &b->allocs[i]);
		alloc_free(&b->allocs[i]);
	}
	placer_free(b->pl);
	quota_free(&b->quota);
	grants_free(&b->grants);
	pool_free(&b->pool);
	free(b->jobs);
	free(b->allocs);
	free(b->run);
	free(b->queue);
	free(b->fs);
	memset(b, 0, sizeof *b);
}
