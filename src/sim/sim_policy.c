/*
 * sim_policy.c — the simulator's SCHED_PRIORITY bookkeeping: the tenant
 * tree from tenant names, fair-share usage, quotas from grants, the
 * running list the pass reads, preemptions taking effect, and one pass.
 * The struct sim it works on is shared with sim.c through sim_int.h.
 */
#include "sim/sim.h"
#include "sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/tenant.h"
#include "sched/fairshare.h"
#include "sched/quota.h"
#include "sched/topo.h"
#include "util/alloc.h"

/* ---- SCHED_PRIORITY ---------------------------------------------------- */

/*
 * The national policy replayed: each pass gets every pending job (the pass
 * orders them), the running jobs with their time-limit ends, the quotas of
 * the grants active now and every tenant's Fair Tree factor over usage
 * decayed with the configured half-life.  Preemption: a victim stops after
 * its grace period (checkpointable jobs) or at once; it is requeued with
 * the work still to do (checkpointable: what is left; otherwise all of
 * it).  A job runs until its duration or its time limit, whichever comes
 * first (a job cut at its limit ends FAILED, like a Slurm timeout).
 */
/* The "(self)" leaf of inner tenant node id, made on first use. */
static uint32_t
self_leaf(struct tenant_tree *tt, uint32_t id)
{
	char name[320];
	long leaf;

	snprintf(name, sizeof name, "%s/(self)", tenant_name(tt, id));
	if ((leaf = tenant_find(tt, name)) < 0)
		leaf = tenant_add(tt, name, id, 1, NULL);
	ALLOT_ASSERT(leaf >= 0);
	return (uint32_t)leaf;
}

/*
 * With grants, fair share follows them: a tenant's leaf gets shares in
 * proportion to its granted GPU-seconds over the whole grants file (GPUs
 * x (end - start), summed; 1,000,000 for the largest, at least 1), and an
 * inner tenant the sum of its children's.  Without grants every tenant
 * has equal shares at every level.
 */
static void
shares_from_grants(struct sim *s, size_t nt)
{
	const struct grants *gs = s->o.grants;
	double *gsec = xcalloc(nt + 1, sizeof *gsec), top = 0;
	uint64_t *acc = xcalloc(s->tt.n + 1, sizeof *acc);

	for (size_t i = 0; i < gs->n; i++)
		if (gs->v[i].tenant < nt)
			gsec[gs->v[i].tenant] += (double)gs->v[i].gpus *
						 (double)(gs->v[i].end - gs->v[i].start);
	for (size_t t = 0; t < nt; t++)
		if (gsec[t] > top)
			top = gsec[t];
	for (size_t k = 0; k < s->tt.n; k++)
		if (tenant_is_leaf(&s->tt, (uint32_t)k))
			s->tt.v[k].shares = 1;
	for (size_t t = 0; t < nt && top > 0; t++) {
		double sh = 1e6 * gsec[t] / top + 0.5;
		s->tt.v[s->tnode[t]].shares = sh < 1 ? 1 : (uint32_t)sh;
	}
	/* Children come after their parents: sum bottom-up. */
	for (size_t k = s->tt.n; k-- > 1;) {
		struct tenant *v = &s->tt.v[k];
		if (!tenant_is_leaf(&s->tt, (uint32_t)k))
			v->shares = acc[k] == 0 ? 1 : acc[k] > UINT32_MAX ?
					UINT32_MAX : (uint32_t)acc[k];
		acc[v->parent] += v->shares;
	}
	free(gsec);
	free(acc);
}

void
sim__prio_setup(struct sim *s)
{
	size_t n = s->w->njobs, nt = s->w->tenants.n ? s->w->tenants.n : 1;
	int nm = (int)s->pool->model_names.n;

	s->pend = xmalloc((n + 1) * sizeof *s->pend);
	s->ppos = xmalloc((n + 1) * sizeof *s->ppos);
	s->run = xmalloc((n + 1) * sizeof *s->run);
	s->rpos = xmalloc((n + 1) * sizeof *s->rpos);
	s->fin = xmalloc((n + 1) * sizeof *s->fin);
	s->remain = xmalloc((n + 1) * sizeof *s->remain);
	s->qm = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		s->ppos[i] = s->rpos[i] = NONE;
		s->fin[i] = -1;
		s->remain[i] = s->w->jobs[i].duration;
		s->w->jobs[i].flags &= ~(uint32_t)(JOB_RECLAIMING | JOB_WITHDRAWN);
	}
	/* Tenant tree from the names: "program/team" is team under program
	 * (any depth), equal shares at every level; a plain name hangs off
	 * the root.  A name that is also a prefix of another gets its own
	 * leaf "<name>/(self)" beside the children.  tnode maps workload
	 * tenants to their leaves. */
	tenant_tree_init(&s->tt);
	s->tnode = xmalloc(nt * sizeof *s->tnode);
	for (size_t t = 0; t < nt; t++) {
		char name[300];
		const char *tn = strtab_get(&s->w->tenants, (uint32_t)t);
		uint32_t parent = TENANT_ROOT;
		size_t len;
		if (tn == NULL || *tn == '\0') {
			snprintf(name, sizeof name, "tenant-%zu", t);
		} else {
			snprintf(name, sizeof name, "%s", tn);
		}
		len = strlen(name);
		for (size_t i = 1; i + 1 < len; i++) {
			if (name[i] != '/' || name[i - 1] == '/')
				continue; /* empty components are not levels */
			name[i] = '\0';
			long id = tenant_find(&s->tt, name);
			if (id < 0)
				id = tenant_add(&s->tt, name, parent, 1, NULL);
			name[i] = '/';
			if (id < 0)
				break;
			parent = (uint32_t)id;
		}
		long leaf = tenant_find(&s->tt, name);
		leaf = leaf < 0 ? tenant_add(&s->tt, name, parent, 1, NULL)
				: (long)self_leaf(&s->tt, (uint32_t)leaf);
		/* A name the tree refuses: a flat leaf of a name of its own. */
		for (int k = 0; leaf < 0 && k < 1000; k++) {
			snprintf(name, sizeof name, "(tenant %zu.%d)", t, k);
			leaf = tenant_add(&s->tt, name, TENANT_ROOT, 1, NULL);
		}
		ALLOT_ASSERT(leaf >= 0);
		s->tnode[t] = (uint32_t)leaf;
	}
	/* A leaf that later became a parent: its jobs move to its "(self)". */
	for (size_t t = 0; t < nt; t++)
		if (!tenant_is_leaf(&s->tt, s->tnode[t]))
			s->tnode[t] = self_leaf(&s->tt, s->tnode[t]);
	if (s->o.grants != NULL && s->o.grants->n > 0)
		shares_from_grants(s, nt);
	s->fs_t = xcalloc(nt, sizeof *s->fs_t);
	s->fs_at = -1;
	s->usage = xcalloc(s->tt.n, sizeof *s->usage);
	s->fs = xcalloc(s->tt.n, sizeof *s->fs);
	s->tmilli = xcalloc(nt, sizeof *s->tmilli);
	s->ntenants = nt;
	if (s->o.grants != NULL && nm > 0) {
		quota_init(&s->quota, nt, nm);
		for (size_t i = 0; i < s->pool->nnodes; i++) {
			const struct node *nd = &s->pool->nodes[i];
			if (nd->state != NODE_ABSENT && nd->ngpu > 0)
				s->quota.capacity[nd->model] += (int64_t)nd->ngpu * MILLI;
		}
		s->have_quota = 1;
		s->grants_next = INT64_MIN;
	}
	s->pol.quota = s->have_quota ? &s->quota : NULL;
	s->pol.weights = s->o.weights;
	s->pol.backfill_depth = s->o.backfill_depth;
	s->pol.backfill_horizon = s->o.backfill_horizon;
	s->pol.reclaim = (uint8_t)(s->o.reclaim != 0);
	s->pol.pool_gpus = s->pool->total_gpus;
}

static void
run_enter(struct sim *s, uint32_t id, int model, int64_t t)
{
	const struct job *j = &s->w->jobs[id];

	s->rpos[id] = (uint32_t)s->nrun;
	s->run[s->nrun++] = (struct sched_running){
		id, model, SCHED_NO_JOB,
		j->time_limit > 0 ? t + j->time_limit : INT64_MAX, &s->alloc[id]};
	s->qm[id] = (uint8_t)(model >= 0 ? model : 0);
	s->tmilli[j->tenant] += job_gpu_milli(j);
}

void
sim__run_leave(struct sim *s, uint32_t id)
{
	const struct job *j = &s->w->jobs[id];
	uint32_t at = s->rpos[id];

	ALLOT_ASSERT(at != NONE);
	s->run[at] = s->run[--s->nrun];
	s->rpos[s->run[at].job] = at;
	s->rpos[id] = NONE;
	s->tmilli[j->tenant] -= job_gpu_milli(j);
	if (s->have_quota && j->gpus_per_node > 0)
		quota_charge(&s->quota, j->tenant, s->qm[id],
			     -(int64_t)job_gpu_milli(j));
}

/* Usage up to t (decayed), then the Fair Tree factors. */
static void
fair_update(struct sim *s, int64_t t)
{
	double dt;

	if (s->usage_t == 0 && s->st.passes == 0)
		s->usage_t = t;
	dt = (double)(t - s->usage_t);
	if (dt > 0) {
		fairshare_decay(s->usage, s->tt.n, dt, s->o.half_life_s);
		for (size_t k = 0; k < s->ntenants; k++)
			s->usage[s->tnode[k]] += (double)s->tmilli[k] / MILLI * dt;
		s->usage_t = t;
	}
	if (s->o.fairshare_interval > 0 && s->fs_at >= 0 &&
	    t - s->fs_at < s->o.fairshare_interval)
		return; /* the factors of the last calculation hold */
	s->fs_at = t;
	fairshare_fairtree(&s->tt, s->usage, s->fs);
	for (size_t k = 0; k < s->ntenants; k++)
		s->fs_t[k] = s->fs[s->tnode[k]];
}

/* The grants changed under the run (a program's alarm): quotas and
 * shares are rebuilt before the next pass. */
void
sim__grants_changed(struct sim *s)
{
	if (!s->have_quota)
		return;
	s->grants_next = INT64_MIN;
	shares_from_grants(s, s->ntenants);
}

size_t
sim_withdraw(struct sim *s, uint32_t tenant)
{
	size_t k = 0, n = 0;

	if (s->o.order != SCHED_PRIORITY || s->pend == NULL)
		return 0;
	while (k < s->npend) {
		uint32_t id = s->pend[k];
		struct job *j = &s->w->jobs[id];
		if (j->tenant != tenant) {
			k++;
			continue;
		}
		if ((j->flags & JOB_RECLAIMING) && s->have_quota)
			quota_charge(&s->quota, j->tenant, j->qmodel,
				     -(int64_t)job_gpu_milli(j));
		j->flags &= ~(uint32_t)JOB_RECLAIMING;
		sim__dequeued(s, id); /* moves the last pending job to k */
		j->state = JOB_CANCELLED;
		j->flags |= JOB_WITHDRAWN;
		s->st.withdrawn++;
		n++;
	}
	return n;
}

/* The preemption of a running job takes effect: it leaves and is
 * requeued. */
void
sim__preempted(struct sim *s, const struct event *ev)
{
	uint32_t id = ev->job;
	struct job *j = &s->w->jobs[id];
	struct alloc *a = &s->alloc[id];

	if (j->state != JOB_RUNNING || s->rpos[id] == NONE ||
	    s->run[s->rpos[id]].preempt_for == SCHED_NO_JOB ||
	    s->run[s->rpos[id]].end != ev->time)
		return;
	sim__run_leave(s, id);
	placer_release(s->pl, j, a);
	metrics_job(&s->m, s->pool, j, a, 0);
	sim__released(s, a);
	alloc_free(a);
	if (j->flags & JOB_CHECKPOINTABLE) {
		int64_t done = ev->time - j->start;
		s->remain[id] = s->remain[id] > done ? s->remain[id] - done : 0;
	} else {
		/* Starts over: everything it did this run is lost. */
		s->st.preempt_lost_gpu_s += job_gpu_milli(j) *
					    (uint64_t)(ev->time - j->start) / MILLI;
		s->remain[id] = j->duration;
	}
	j->state = JOB_PENDING;
	s->fin[id] = -1;
	s->st.preempted++;
	s->st.events++;
	sim__enqueue(s, id);
	sim__note(s, ev->time, SIM_NOTE_STOPPED, id, NULL);
	sim__hook(s, ev->time, EV_PREEMPT, id);
}

/* One priority pass at t: quotas from the grants in force, fair share
 * up to t, the whole queue and every running job (victims on draining or
 * failed nodes are the pass's to skip: preempt_usable); then its
 * decisions applied. */
int
sim__prio_pass(struct sim *s, int64_t t, struct err *e)
{
	struct sched_opts so = {.order = SCHED_PRIORITY, .explain = 1};
	struct sched_input in;
	uint64_t cur[SCHED_NREASONS] = {0};
	int rc;

	if (s->have_quota && t >= s->grants_next) {
		quota_from_grants(&s->quota, s->o.grants, t);
		s->grants_next = grants_next_change(s->o.grants, t);
	}
	fair_update(s, t);
	sim__reasons_until(s, t);
	memset(&in, 0, sizeof in);
	in.now = t;
	in.jobs = s->w->jobs;
	in.queue = s->pend;
	in.nqueue = s->npend;
	in.free_milli = SCHED_UNKNOWN;
	in.cpu_only = SCHED_UNKNOWN;
	s->pol.fs_factor = s->fs_t;
	s->pol.running = s->run;
	s->pol.nrunning = s->nrun;
	in.policy = &s->pol;
	if ((rc = sched_pass(&so, &in, s->pl, &s->res)) != 0)
		return err_set(e, rc, "scheduling pass at t=%lld failed",
			       (long long)t);
	s->st.passes++;
	s->st.scanned += s->res.scanned;
	s->st.placed += s->res.placed;
	s->st.reserved += s->res.nreserved;
	for (size_t i = 0; i < s->res.n; i++) {
		struct sched_decision *d = &s->res.v[i];
		struct job *j = &s->w->jobs[d->job];
		if (d->kind == SCHED_START) {
			int64_t run = s->remain[d->job];
			ALLOT_ASSERT(j->state == JOB_PENDING);
			if (j->time_limit > 0 && run > j->time_limit)
				run = j->time_limit;
			if (run > INT64_MAX - t)
				return err_set(e, ERR_LIMIT, "job %u: start %lld + "
					       "run %lld overflows", d->job,
					       (long long)t, (long long)run);
			s->alloc[d->job] = d->alloc;
			memset(&d->alloc, 0, sizeof d->alloc);
			j->state = JOB_RUNNING;
			j->start = t;
			j->flags &= ~(uint32_t)JOB_RECLAIMING;
			sim__dequeued(s, d->job);
			run_enter(s, d->job, d->model, t);
			metrics_job(&s->m, s->pool, j, &s->alloc[d->job], 1);
			sim__occupy(s, &s->alloc[d->job], 1);
			s->fin[d->job] = t + run;
			event_push(&s->heap, t + run, EV_FINISH, d->job);
			s->st.starts++;
			d->at = t + run;
			sim__note(s, t, SIM_NOTE_START, d->job, d);
		} else if (d->kind == SCHED_PREEMPT) {
			struct sched_running *r = &s->run[s->rpos[d->job]];
			int64_t grace = (j->flags & JOB_CHECKPOINTABLE) ? j->grace_s : 0;
			ALLOT_ASSERT(r->preempt_for == SCHED_NO_JOB);
			r->preempt_for = d->blocker;
			r->end = t + grace;
			event_push(&s->heap, t + grace, EV_PREEMPT, d->job);
			d->at = t + grace;
			sim__note(s, t, SIM_NOTE_PREEMPT, d->job, d);
		} else {
			if (d->reason == SCHED_REASON_NEVER_FITS &&
			    s->fits != NULL && s->fits[d->job])
				d->reason = SCHED_REASON_RESOURCES; /* capacity is away */
			cur[d->reason]++;
			if (d->reason == SCHED_REASON_NEVER_FITS) {
				sim__dequeued(s, d->job);
				sim__reject(s, j);
				sim__note(s, t, SIM_NOTE_REJECT, d->job, d);
				continue;
			}
			sim__note(s, t, SIM_NOTE_PENDING, d->job, d);
			if (d->reason == SCHED_REASON_RECLAIMING &&
			    !(j->flags & JOB_RECLAIMING) && d->model >= 0) {
				/* The pass charged its quota and preempted for it. */
				j->flags |= JOB_RECLAIMING;
				j->qmodel = (uint8_t)d->model;
			}
		}
	}
	if (s->o.hook != NULL)
		for (size_t i = 0; i < s->res.n; i++)
			if (s->res.v[i].kind == SCHED_START)
				sim__hook(s, t, EV_START, s->res.v[i].job);
	if (s->nrun > s->st.max_running)
		s->st.max_running = s->nrun;
	sim__reasons_set(s, cur);
	return 0;
}

