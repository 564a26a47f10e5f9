/*
 * svc.c — the live service: state in memory, the scheduler thread, the
 * executor (see svc.h for the contract; node states and the executor's
 * node and foreign-job events are in svc_nodes.c, principals, tenants and
 * users in svc_acct.c, the JSON views, usage and metrics in svc_view.c,
 * the ledger view in svc_ledger.c, the shared struct in svc_int.h).
 *
 * Memory.  Jobs live in two arrays indexed by job id (the store's ids,
 * 1, 2, ...; index 0 unused): `jobs` (struct job, what the pass reads)
 * and `sj` (what the daemon needs besides: owner, command, where it runs,
 * the last pass's verdict).  Finished jobs keep only their struct job
 * (state final, so the pass never sees them); their strings are freed.
 * Pending jobs are a set (pend/ppos) the pass orders; running jobs a list
 * (run/rpos) as in the simulator (sim_policy.c), whose bookkeeping this
 * follows: quotas from the grants in force, Fair Tree factors over usage
 * decayed with a 7-day half-life, the running jobs with their time-limit ends.  Fair-share usage
 * is rebuilt at start from the store's usage rows (fair_row).
 *
 * Locking.  `mu` guards everything above.  It is never held across a
 * store commit or an executor call: the scheduler thread decides under
 * the lock, collects what must be written and done in a struct work,
 * drops the lock, commits, then acts.  Routes that change a pending job
 * (cancel, hold, release) change memory so that the pass cannot start the
 * job while their commit is in flight (cancel: final at once; hold: held
 * at once; release: unheld only after its commit), and mark it busy so
 * two such requests do not race.
 *
 * Executor ids.  A job that is preempted and requeued runs again, but an
 * executor never starts an id twice, so the executor id of a run is
 * job id | run << 40; the run count is kept durably in bits 24..31 of the
 * job's flags (RUN_SHIFT), which model/job.h leaves free.
 *
 * Where jobs run is written to the store as text: "node:0,1;node2:0-7"
 * style, one "name:gpu,gpu" per gang member joined by ';', with "@milli"
 * after a share of a GPU ("n0:3@250").
 */
#include "api/svc.h"
#include "api/svc_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec/exec.h"
#include "exec/local.h"
#include "model/job.h"
#include "model/poolfile.h"
#include "model/tenant.h"
#include "sched/fairshare.h"
#include "sched/place.h"
#include "sched/prio.h"
#include "sched/quota.h"
#include "sched/sched.h"
#include "util/alloc.h"
#include "util/vec.h"

#define MIN_GAP_MS 5        /* least time between two passes */
#define IDLE_PASS_MS 5000   /* a pass at least this often, even if idle */
#define MAX_EVENTS 256
#define EVENT_POLL_MS 20    /* executor events looked for this often */

/* A start the scheduler thread carries out after dropping the lock. */
struct start {
	uint32_t id;
	uint64_t xid;
	struct db_job row;    /* the durable update (alloc owned) */
	char *command, *workdir, *out, *node, *nodelist;
	int gpus[POOL_MAX_GPUS_PER_NODE];
	size_t ngpus;
	int64_t time_limit;
	uint32_t grace;
	char account[DB_NAME_MAX]; /* the tenant: ALLOT_ACCOUNT (Slurm account) */
};

struct stop {
	uint64_t xid;
	uint32_t grace;
};

struct work {
	VEC(char *) audits;       /* preemption payloads (owned) */
	VEC(struct db_job) upd;   /* durable updates (alloc owned) */
	VEC(struct db_usage) usage;
	VEC(struct start) starts;
	VEC(struct stop) stops;
};


/* ---- Small helpers --------------------------------------------------------- */

void
svc_log(struct svc *s, const char *fmt, ...)
{
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	flockfile(s->log);
	fprintf(s->log, "allot serve: %s ", ts);
	va_start(ap, fmt);
	vfprintf(s->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->log);
	funlockfile(s->log);
	fflush(s->log);
}

int64_t
svc__now(void)
{
	return (int64_t)time(NULL);
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

unsigned
svc__run_of(const struct job *j)
{
	return (j->flags >> RUN_SHIFT) & RUN_MASK;
}

static uint64_t
exec_id(uint32_t id, const struct job *j)
{
	return (uint64_t)id | ((uint64_t)svc__run_of(j) << EXEC_ID_SHIFT);
}

struct db *
svc_db(struct svc *s)
{
	return s->db;
}

struct journal *
svc_journal(struct svc *s)
{
	return s->journal;
}

struct auth *
svc_auth(struct svc *s)
{
	return s->auth;
}

const struct pool *
svc_models(struct svc *s)
{
	return &s->pool;
}

int
svc_shares_ok(struct svc *s)
{
	return strcmp(exec_name(s->x), "local") == 0;
}

int
svc_model_find(struct svc *s, const char *name)
{
	return pool_model_find(&s->pool, name);
}

/* Room for job id in every per-job array. */
static void
ensure_job(struct svc *s, size_t id)
{
	size_t old = s->jcap, cap;

	if (id < old)
		return;
	cap = old ? old : 1024;
	while (cap <= id)
		cap *= 2;
	s->jobs = xrealloc(s->jobs, cap * sizeof *s->jobs);
	s->sj = xrealloc(s->sj, cap * sizeof *s->sj);
	s->ppos = xrealloc(s->ppos, cap * sizeof *s->ppos);
	s->rpos = xrealloc(s->rpos, cap * sizeof *s->rpos);
	memset(s->jobs + old, 0, (cap - old) * sizeof *s->jobs);
	memset(s->sj + old, 0, (cap - old) * sizeof *s->sj);
	for (size_t i = old; i < cap; i++) {
		s->jobs[i].state = JOB_COMPLETED; /* unknown: never scheduled */
		s->ppos[i] = s->rpos[i] = NONE;
	}
	s->jcap = cap;
	/* The running list points into sj: re-aim it. */
	for (size_t i = 0; i < s->nrun; i++)
		s->run[i].alloc = &s->sj[s->run[i].job].alloc;
}

static void
enqueue(struct svc *s, uint32_t id)
{
	ALLOT_ASSERT(s->ppos[id] == NONE);
	s->pend = xgrow(s->pend, &s->cap_pend, s->npend + 1, sizeof *s->pend);
	s->ppos[id] = (uint32_t)s->npend;
	s->pend[s->npend++] = id;
	s->sj[id].seen = 0;
}

static void
dequeue(struct svc *s, uint32_t id)
{
	uint32_t at = s->ppos[id];

	ALLOT_ASSERT(at != NONE);
	s->pend[at] = s->pend[--s->npend];
	s->ppos[s->pend[at]] = at;
	s->ppos[id] = NONE;
}

static void
run_enter(struct svc *s, uint32_t id, int model)
{
	const struct job *j = &s->jobs[id];

	s->run = xgrow(s->run, &s->cap_run, s->nrun + 1, sizeof *s->run);
	s->rpos[id] = (uint32_t)s->nrun;
	s->run[s->nrun++] = (struct sched_running){
		id, model, SCHED_NO_JOB,
		j->time_limit > 0 ? j->start + j->time_limit : INT64_MAX,
		&s->sj[id].alloc};
	s->sj[id].model = model;
	if (j->tenant < s->ntcap)
		s->tmilli[j->tenant] += job_gpu_milli(j);
}

static void
run_leave(struct svc *s, uint32_t id)
{
	const struct job *j = &s->jobs[id];
	uint32_t at = s->rpos[id];

	ALLOT_ASSERT(at != NONE);
	s->run[at] = s->run[--s->nrun];
	s->rpos[s->run[at].job] = at;
	s->rpos[id] = NONE;
	if (j->tenant < s->ntcap)
		s->tmilli[j->tenant] -= job_gpu_milli(j);
	if (s->quota_init && !s->quota_dirty && j->gpus_per_node > 0 &&
	    j->tenant < s->quota.ntenants)
		quota_charge(&s->quota, j->tenant, s->sj[id].model,
			     -(int64_t)job_gpu_milli(j));
}

/* ---- Where jobs run, as text -------------------------------------------- */

static char *
alloc_text(const struct pool *p, const struct alloc *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (uint16_t i = 0; i < a->nslots; i++) {
		const struct alloc_slot *sl = &a->slots[i];
		int first = 1;
		fprintf(f, "%s%s:", i ? ";" : "", pool_node_name(p, sl->node));
		for (int g = 0; g < POOL_MAX_GPUS_PER_NODE; g++)
			if (sl->gpu_mask & (1u << g)) {
				fprintf(f, "%s%d", first ? "" : ",", g);
				first = 0;
			}
		if (a->milli < MILLI && sl->gpu_mask != 0)
			fprintf(f, "@%u", a->milli);
	}
	fclose(f);
	return buf;
}

long
svc__node_by_name(const struct pool *p, const char *name, size_t n)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		const char *nm = pool_node_name(p, (uint32_t)i);
		if (strlen(nm) == n && memcmp(nm, name, n) == 0)
			return (long)i;
	}
	return -1;
}

/* Parses alloc text back (for restart); ERR_INVALID if it names nodes or
 * GPUs the pool does not have. */
static int
alloc_parse(const struct pool *p, const char *t, struct alloc *a)
{
	size_t cap = 0;

	memset(a, 0, sizeof *a);
	a->milli = MILLI;
	while (t != NULL && *t != '\0') {
		const char *colon = strchr(t, ':'), *end = strchr(t, ';');
		long node;
		uint8_t mask = 0;
		if (end == NULL)
			end = t + strlen(t);
		if (colon == NULL || colon > end ||
		    (node = svc__node_by_name(p, t, (size_t)(colon - t))) < 0)
			goto bad;
		for (const char *q = colon + 1; q < end;) {
			char *e2;
			long g = strtol(q, &e2, 10);
			if (e2 == q || g < 0 || g >= POOL_MAX_GPUS_PER_NODE)
				goto bad;
			mask |= (uint8_t)(1u << g);
			q = e2;
			if (*q == '@') {
				long m = strtol(q + 1, &e2, 10);
				if (m < 1 || m > MILLI)
					goto bad;
				a->milli = (uint16_t)m;
				q = e2;
			}
			if (*q == ',')
				q++;
			else if (q != end)
				goto bad;
		}
		a->slots = xgrow(a->slots, &cap, (size_t)a->nslots + 1,
				 sizeof *a->slots);
		a->slots[a->nslots++] = (struct alloc_slot){(uint32_t)node, mask};
		t = *end ? end + 1 : end;
	}
	return 0;
bad:
	alloc_free(a);
	return ERR_INVALID;
}

/* ---- Tenants, fair share, quotas ---------------------------------------- */

/* The tenant arrays sized for the tenants, the tree rebuilt. */
void
svc__tenants_changed(struct svc *s)
{
	size_t n = s->tenants.n, old = s->ntcap;

	if (n > old) {
		s->tnode = xrealloc(s->tnode, n * sizeof *s->tnode);
		s->tusage = xrealloc(s->tusage, n * sizeof *s->tusage);
		s->fs_t = xrealloc(s->fs_t, n * sizeof *s->fs_t);
		s->tmilli = xrealloc(s->tmilli, n * sizeof *s->tmilli);
		for (size_t i = old; i < n; i++) {
			s->tnode[i] = TENANT_ROOT;
			s->tusage[i] = s->fs_t[i] = 0;
			s->tmilli[i] = 0;
		}
		s->ntcap = n;
	}
	s->dirty = 1;
	tenant_tree_free(&s->tt);
	tenant_tree_init(&s->tt);
	for (size_t i = 1; i < n; i++) {
		const struct db_tenant *t = &s->tenants.v[i];
		uint32_t parent = t->parent && t->parent < i ? s->tnode[t->parent]
							     : TENANT_ROOT;
		long k;
		if (t->id == 0)
			continue;
		k = tenant_add(&s->tt, t->name, parent, t->shares ? t->shares : 1,
			       NULL);
		s->tnode[i] = k < 0 ? TENANT_ROOT : (uint32_t)k;
	}
	s->quota_dirty = 1;
}

/* Usage integrated up to t (decayed), then every tenant's factor. */
static void
fair_update(struct svc *s, int64_t t)
{
	double *u, *f;

	if (s->usage_t == 0)
		s->usage_t = t;
	if (t > s->usage_t) {
		double dt = (double)(t - s->usage_t);
		fairshare_decay(s->tusage, s->ntcap, dt, FAIRSHARE_HALF_LIFE_DEFAULT);
		for (size_t k = 0; k < s->ntcap; k++)
			s->tusage[k] += (double)s->tmilli[k] / MILLI * dt;
		s->usage_t = t;
	}
	u = xcalloc(s->tt.n + 1, sizeof *u);
	f = xcalloc(s->tt.n + 1, sizeof *f);
	for (size_t k = 1; k < s->ntcap; k++)
		if (s->tnode[k] != TENANT_ROOT)
			u[s->tnode[k]] += s->tusage[k];
	fairshare_fairtree(&s->tt, u, f);
	for (size_t k = 0; k < s->ntcap; k++)
		s->fs_t[k] = s->tnode[k] != TENANT_ROOT ? f[s->tnode[k]] : 0;
	free(u);
	free(f);
}

/* Quotas: rebuilt when tenants or grants changed, refreshed when grants
 * start or end.  No grants at all: no quotas. */
static void
quota_update(struct svc *s, int64_t t)
{
	int nm = (int)s->pool.model_names.n;

	if (s->grants.n == 0 || nm == 0) {
		s->pol.quota = NULL;
		return;
	}
	if (!s->quota_init || s->quota_dirty) {
		if (s->quota_init)
			quota_free(&s->quota);
		quota_init(&s->quota, s->ntcap, nm);
		for (size_t i = 0; i < s->pool.nnodes; i++) {
			const struct node *nd = &s->pool.nodes[i];
			if (nd->state != NODE_ABSENT && nd->ngpu > 0)
				s->quota.capacity[nd->model] += (int64_t)nd->ngpu * MILLI;
		}
		for (size_t i = 0; i < s->nrun; i++) {
			const struct job *j = &s->jobs[s->run[i].job];
			if (j->gpus_per_node > 0 && j->tenant < s->ntcap &&
			    s->run[i].model >= 0)
				quota_charge(&s->quota, j->tenant, s->run[i].model,
					     (int64_t)job_gpu_milli(j));
		}
		for (size_t i = 0; i < s->npend; i++) {
			struct job *j = &s->jobs[s->pend[i]];
			j->flags &= ~(uint32_t)JOB_RECLAIMING; /* re-decided */
		}
		s->quota_init = 1;
		s->quota_dirty = 0;
		s->grants_next = INT64_MIN;
	}
	if (t >= s->grants_next) {
		quota_from_grants(&s->quota, &s->grants, t);
		s->grants_next = grants_next_change(&s->grants, t);
	}
	s->pol.quota = &s->quota;
}

/* ---- Jobs in memory ----------------------------------------------------- */

/* Row of job id for a durable update (state, times, flags, reason). */
static void
row_of(struct svc *s, uint32_t id, const char *reason, struct db_job *r)
{
	const struct job *j = &s->jobs[id];

	memset(r, 0, sizeof *r);
	r->id = id;
	r->tenant = j->tenant;
	r->user = s->sj[id].user;
	r->shape = *j;
	r->exit_code = -1;
	snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
	if (j->state == JOB_RUNNING && s->sj[id].alloc.nslots > 0)
		r->alloc = alloc_text(&s->pool, &s->sj[id].alloc);
}

static void
free_strings(struct sjob *x)
{
	free(x->command);
	free(x->workdir);
	x->command = x->workdir = NULL;
}

/* A job the store holds as active, into memory (svc_open, one thread). */
static int
load_job(void *ctx, const struct db_job *r)
{
	struct svc *s = ctx;
	uint32_t id;
	struct job *j;
	struct sjob *x;

	if (r->id == 0 || r->id >= UINT32_MAX / 2)
		return 0;
	id = (uint32_t)r->id;
	ensure_job(s, id);
	j = &s->jobs[id];
	x = &s->sj[id];
	*j = r->shape;
	j->id = id;
	j->tenant = r->tenant;
	j->flags &= ~(uint32_t)JOB_RECLAIMING;
	x->user = r->user;
	x->command = xstrdup(r->command ? r->command : "");
	x->workdir = r->workdir ? xstrdup(r->workdir) : NULL;
	if (j->state == JOB_PREEMPTED)
		j->state = JOB_PENDING;
	if (j->state == JOB_PENDING) {
		enqueue(s, id);
		return 0;
	}
	if (j->state != JOB_RUNNING)
		return 0;
	/* Running (or being started): its GPUs are taken again. */
	if (alloc_parse(&s->pool, r->alloc, &x->alloc) != 0) {
		svc_log(s, "job %u: cannot read its allocation \"%s\"; treating it "
			"as holding nothing", id, r->alloc ? r->alloc : "");
	} else {
		for (uint16_t k = 0; k < x->alloc.nslots; k++) {
			const struct alloc_slot *sl = &x->alloc.slots[k];
			if (pool_alloc(&s->pool, sl->node, j->cpu_milli, j->mem_mib,
				       sl->gpu_mask, sl->gpu_mask ? x->alloc.milli : 0) != 0)
				svc_log(s, "job %u: its allocation on %s does not fit "
					"the pool any more", id,
					pool_node_name(&s->pool, sl->node));
			placer_node_changed(s->pl, sl->node);
		}
	}
	run_enter(s, id, x->alloc.nslots ? s->pool.nodes[x->alloc.slots[0].node].model
					 : -1);
	return 0;
}

/* Gives a running job's resources back; its state is the caller's. */
static void
release_running(struct svc *s, uint32_t id)
{
	struct job *j = &s->jobs[id];
	struct sjob *x = &s->sj[id];

	run_leave(s, id);
	if (x->alloc.nslots > 0) {
		int held_all = 1;
		for (uint16_t k = 0; k < x->alloc.nslots; k++)
			if (s->pool.nodes[x->alloc.slots[k].node].state == NODE_ABSENT)
				held_all = 0;
		if (held_all)
			placer_release(s->pl, j, &x->alloc);
	}
	alloc_free(&x->alloc);
	memset(&x->alloc, 0, sizeof x->alloc);
}

/* An executor event (from exec_poll, or from exec_recover after a
 * restart) applied to memory; the durable rows go to w.  A LOST one the
 * executor marks never_started (e.g. the daemon died between the durable
 * `starting` mark and the start) goes back to the queue under the next
 * run id, as a preemption requeue does, charged no usage.  A run that
 * ended through no fault of its own (its node failed, or the executor
 * lost it while running) is requeued if the job is preemptible or
 * checkpointable, else it fails; either way its usage is charged.  NODE
 * and FOREIGN events go to node_event and foreign_event. */
static void
apply_event(struct svc *s, const struct exec_event *ev, struct work *w)
{
	uint32_t id = (uint32_t)(ev->id & (((uint64_t)1 << EXEC_ID_SHIFT) - 1));
	struct job *j;
	struct sjob *x;
	struct db_job row;
	struct db_usage u;
	const char *reason = "";
	char *atext;
	int64_t end = ev->at > 0 ? ev->at : svc__now();
	int to, code = -1, requeue = 0, failed_run = 0;

	if (ev->kind == EXEC_NODE) {
		svc__node_event(s, ev);
		return;
	}
	if (ev->kind == EXEC_FOREIGN) {
		svc__foreign_event(s, ev);
		return;
	}
	if (id >= s->jcap)
		return;
	j = &s->jobs[id];
	x = &s->sj[id];
	if (j->state != JOB_RUNNING || exec_id(id, j) != ev->id)
		return; /* stale: an earlier run */
	if (ev->kind == EXEC_STARTED) {
		/* Slurm may start it a moment after allot decided: the
		 * executor's start time is the one usage is charged from. */
		if (ev->at > j->start)
			j->start = ev->at;
		x->starting = 0;
		svc__gpus_check(s, id, ev);
		return;
	}
	if (ev->kind == EXEC_LOST) {
		to = JOB_FAILED;
		reason = "lost";
		/* never_started: certain it never ran (a restart between the
		 * durable mark and the start, or a Slurm job recovered while
		 * slurmctld was away that turned out never to exist). */
		requeue = ev->never_started;
		failed_run = !requeue;
	} else if (x->preempting && !x->cancel_req) {
		to = JOB_PREEMPTED;
		reason = "preempted";
		code = ev->status;
	} else if (x->cancel_req && (ev->stopped || ev->status != 0)) {
		to = JOB_CANCELLED;
		reason = "cancelled";
		code = ev->status;
	} else if (ev->node_failed) {
		to = JOB_FAILED;
		reason = "node failure";
		code = ev->status;
		failed_run = 1;
	} else if (ev->timed_out) {
		to = JOB_FAILED;
		reason = "timeout";
		code = ev->status;
	} else if (ev->status == 0 && ev->signal == 0) {
		to = JOB_COMPLETED;
		code = 0;
	} else {
		to = JOB_FAILED;
		reason = ev->signal ? "signal" : "exit";
		code = ev->status;
	}
	memset(&u, 0, sizeof u);
	u.job = id;
	u.tenant = j->tenant;
	u.model = x->model >= 0 ? x->model : 0;
	u.start = j->start >= 0 ? j->start : end;
	u.end = end >= u.start ? end : u.start;
	u.gpu_milli = (uint32_t)job_gpu_milli(j);
	u.exec_known = ev->acct_known;
	u.exec_gpu_s = ev->acct_gpu_s;
	if (u.gpu_milli > 0 && !requeue)
		vec_push(&w->usage, u);
	atext = x->alloc.nslots ? alloc_text(&s->pool, &x->alloc) : NULL;
	release_running(s, id);
	j->end = end;
	j->state = (uint8_t)to;
	x->stop_sent = x->cancel_req = 0;
	s->finished++;
	if (to == JOB_PREEMPTED) {
		x->preempting = 0;
		if (j->flags & (JOB_PREEMPTIBLE | JOB_CHECKPOINTABLE)) {
			unsigned run = svc__run_of(j) + 1;
			if (run > RUN_MASK) {
				j->state = JOB_FAILED;
				reason = "requeued too often";
			} else {
				j->flags = (j->flags & ~(RUN_MASK << RUN_SHIFT)) |
					   (run << RUN_SHIFT);
				j->state = JOB_PENDING;
				j->end = -1;
				enqueue(s, id);
				reason = "requeued after preemption";
			}
		} else
			j->state = JOB_FAILED;
		svc_log(s, "job %u preempted: %s", id, j->state == JOB_PENDING ?
			"requeued" : "failed (neither preemptible nor checkpointable)");
	}
	if (failed_run) {
		/* The run ended through no fault of its own (its node failed,
		 * or the executor lost it): its checkpoint policy decides, as
		 * for a preemption. */
		const char *what = ev->kind == EXEC_LOST ? "lost" : "node failure";
		unsigned run = svc__run_of(j) + 1;

		if (!(j->flags & (JOB_PREEMPTIBLE | JOB_CHECKPOINTABLE))) {
			svc_log(s, "job %u: %s: failed (neither preemptible nor "
				"checkpointable)", id, what);
		} else if (run > RUN_MASK) {
			reason = ev->kind == EXEC_LOST ? "lost; requeued too often" :
				 "node failure; requeued too often";
			svc_log(s, "job %u: %s: failed (run ids used up)", id, what);
		} else {
			j->flags = (j->flags & ~(RUN_MASK << RUN_SHIFT)) |
				   (run << RUN_SHIFT);
			j->state = JOB_PENDING;
			j->start = j->end = -1;
			enqueue(s, id);
			reason = ev->kind == EXEC_LOST ? "requeued: lost while running" :
				 "requeued after node failure";
			svc_log(s, "job %u: %s: requeued (run %u)", id, what, run);
		}
	}
	if (requeue) {
		unsigned run = svc__run_of(j) + 1;
		if (run > RUN_MASK) {
			reason = "lost; requeued too often";
		} else {
			j->flags = (j->flags & ~(RUN_MASK << RUN_SHIFT)) |
				   (run << RUN_SHIFT);
			j->state = JOB_PENDING;
			j->start = j->end = -1;
			enqueue(s, id);
			reason = "requeued: lost before start";
		}
		svc_log(s, "job %u was lost before it started: %s", id,
			j->state == JOB_PENDING ? "requeued" : "failed (run ids used up)");
	}
	row_of(s, id, reason, &row);
	row.exit_code = code;
	if (j->state != JOB_PENDING && row.alloc == NULL)
		row.alloc = atext; /* where it ran stays on record */
	else
		free(atext);
	vec_push(&w->upd, row);
	if (j->state != JOB_PENDING)
		free_strings(x);
}

/* Fails a running job the executor would not start. */
static void
fail_start(struct svc *s, uint32_t id, const char *why, struct db_job *row)
{
	struct job *j = &s->jobs[id];

	release_running(s, id);
	j->state = JOB_FAILED;
	j->end = svc__now();
	row_of(s, id, why, row);
	free_strings(&s->sj[id]);
}

/* ---- The scheduling pass --------------------------------------------------- */

struct qkey {
	double prio;
	int64_t submit;
	uint32_t id;
};

/* Higher priority first, then earlier submit, then lower id (prio_cmp). */
static int
qcmp(const void *a, const void *b)
{
	const struct qkey *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	if (x->submit != y->submit)
		return x->submit < y->submit ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* A start decision taken: memory now, the commit and exec in w. */
static void
take_start(struct svc *s, struct sched_decision *d, int64_t t, struct work *w)
{
	uint32_t id = d->job;
	struct job *j = &s->jobs[id];
	struct sjob *x = &s->sj[id];
	struct start st;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	x->alloc = d->alloc;
	memset(&d->alloc, 0, sizeof d->alloc);
	j->state = JOB_RUNNING;
	j->start = t;
	j->end = -1;
	j->flags &= ~(uint32_t)JOB_RECLAIMING;
	dequeue(s, id);
	run_enter(s, id, d->model);
	x->starting = 1;
	s->started++;
	memset(&st, 0, sizeof st);
	st.id = id;
	st.xid = exec_id(id, j);
	row_of(s, id, "", &st.row);
	st.row.starting = 1;
	st.command = xstrdup(x->command ? x->command : "true");
	st.workdir = xstrdup(x->workdir ? x->workdir : s->state_dir);
	f = open_memstream(&st.out, &len);
	fprintf(f, "%s/allot-%u.out", st.workdir, id);
	fclose(f);
	f = open_memstream(&buf, &len);
	for (uint16_t k = 0; k < x->alloc.nslots; k++)
		fprintf(f, "%s%s", k ? "," : "",
			pool_node_name(&s->pool, x->alloc.slots[k].node));
	fclose(f);
	st.nodelist = buf;
	st.node = xstrdup(x->alloc.nslots ?
			  pool_node_name(&s->pool, x->alloc.slots[0].node) : "");
	if (x->alloc.nslots > 0)
		for (int g = 0; g < POOL_MAX_GPUS_PER_NODE; g++)
			if (x->alloc.slots[0].gpu_mask & (1u << g))
				st.gpus[st.ngpus++] = g;
	st.time_limit = j->time_limit;
	st.grace = j->grace_s;
	snprintf(st.account, sizeof st.account, "%s", svc__tenant_name(s, j->tenant));
	vec_push(&w->starts, st);
}

static void
run_pass(struct svc *s, struct work *w)
{
	struct sched_opts so = {.order = SCHED_PRIORITY, .explain = 1};
	struct sched_input in;
	int64_t t = svc__now();
	double t0 = mono_ms(), ms;
	int rc;

	quota_update(s, t);
	fair_update(s, t);
	memset(&in, 0, sizeof in);
	in.now = t;
	in.jobs = s->jobs;
	in.queue = s->pend;
	in.nqueue = s->npend;
	in.free_milli = SCHED_UNKNOWN;
	in.cpu_only = SCHED_UNKNOWN;
	s->pol.fs_factor = s->fs_t;
	s->pol.running = s->run;
	s->pol.nrunning = s->nrun;
	s->pol.pool_gpus = s->pool.total_gpus;
	in.policy = &s->pol;
	if ((rc = sched_pass(&so, &in, s->pl, &s->res)) != 0) {
		svc_log(s, "scheduling pass failed (%d)", rc);
		return;
	}
	s->qorder.n = 0;
	for (size_t i = 0; i < s->res.n; i++) {
		struct sched_decision *d = &s->res.v[i];
		struct job *j = &s->jobs[d->job];
		struct sjob *x = &s->sj[d->job];
		if (d->kind == SCHED_START) {
			x->prio = d->prio;
			take_start(s, d, t, w);
		} else if (d->kind == SCHED_PREEMPT) {
			struct sched_running *r;
			if (s->rpos[d->job] == NONE)
				continue;
			r = &s->run[s->rpos[d->job]];
			r->preempt_for = d->blocker;
			r->end = t + j->grace_s;
			x->preempting = 1;
			if (!x->stop_sent) {
				x->stop_sent = 1;
				vec_push(&w->stops, ((struct stop){exec_id(d->job, j),
								   j->grace_s}));
			}
			svc_log(s, "job %u preempted for job %u (grace %us)", d->job,
				d->blocker, j->grace_s);
			{
				char *pl = NULL;
				size_t plen = 0;
				FILE *f = open_memstream(&pl, &plen);
				fprintf(f, "{\"job\":%u,\"account\":\"%s\",\"for_job\":%u,"
					"\"for_account\":\"%s\",\"grace_s\":%u,"
					"\"gpu_milli\":%llu}", d->job,
					svc__tenant_name(s, j->tenant), d->blocker,
					d->blocker < s->jcap ? svc__tenant_name(
						s, s->jobs[d->blocker].tenant) : "?",
					j->grace_s, (unsigned long long)job_gpu_milli(j));
				fclose(f);
				vec_push(&w->audits, pl);
			}
		} else {
			x->reason = d->reason;
			x->prio = d->prio;
			x->at = d->at;
			x->blocker = d->blocker;
			x->seen = 1;
			if (d->reason == SCHED_REASON_RECLAIMING &&
			    !(j->flags & JOB_RECLAIMING) && d->model >= 0) {
				j->flags |= JOB_RECLAIMING;
				j->qmodel = (uint8_t)d->model;
			}
			vec_push(&s->qorder, d->job);
		}
	}
	if (s->qorder.n > 1) {
		struct qkey *k = xmalloc(s->qorder.n * sizeof *k);
		for (size_t i = 0; i < s->qorder.n; i++) {
			uint32_t id = s->qorder.v[i];
			k[i] = (struct qkey){s->sj[id].prio, s->jobs[id].submit, id};
		}
		qsort(k, s->qorder.n, sizeof *k, qcmp);
		for (size_t i = 0; i < s->qorder.n; i++)
			s->qorder.v[i] = k[i].id;
		free(k);
	}
	ms = mono_ms() - t0;
	s->passes++;
	s->pass_ms_sum += ms;
	s->last_pass_ms = ms;
	for (int k = 0; k < NHIST; k++)
		if (ms <= svc__hist_ms[k]) {
			s->hist[k]++;
			break;
		}
}

/* ---- The scheduler thread ---------------------------------------------------- */

static void
work_free(struct work *w)
{
	for (size_t i = 0; i < w->audits.n; i++)
		free(w->audits.v[i]);
	vec_free(&w->audits);
	for (size_t i = 0; i < w->upd.n; i++)
		db_job_clear(&w->upd.v[i]);
	for (size_t i = 0; i < w->starts.n; i++) {
		struct start *st = &w->starts.v[i];
		db_job_clear(&st->row);
		free(st->command);
		free(st->workdir);
		free(st->out);
		free(st->node);
		free(st->nodelist);
	}
	vec_free(&w->upd);
	vec_free(&w->usage);
	vec_free(&w->starts);
	vec_free(&w->stops);
}

/* Commits, starts and stops, without the lock. */
static void
do_work(struct svc *s, struct work *w)
{
	struct err e;

	for (size_t i = 0; i < w->upd.n; i++)
		if (db_job_update(s->db, &w->upd.v[i], &e) != 0)
			svc_log(s, "job %llu: cannot record its state: %s",
				(unsigned long long)w->upd.v[i].id, e.msg);
	for (size_t i = 0; i < w->usage.n; i++)
		if (db_usage_add(s->db, &w->usage.v[i], NULL, &e) != 0)
			svc_log(s, "job %llu: cannot record its usage: %s",
				(unsigned long long)w->usage.v[i].job, e.msg);
	for (size_t i = 0; i < w->starts.n; i++) {
		struct start *st = &w->starts.v[i];
		struct exec_job xj;
		char idbuf[32], acct[DB_NAME_MAX + 16], *env[3];
		struct db_job row;
		int rc;
		/* Durable first: a crash from here on finds it `starting`. */
		if (db_job_update(s->db, &st->row, &e) != 0) {
			svc_log(s, "job %u: cannot mark it starting: %s", st->id, e.msg);
			rc = -1;
		} else {
			memset(&xj, 0, sizeof xj);
			snprintf(idbuf, sizeof idbuf, "ALLOT_RUN=%u",
				 (unsigned)(st->xid >> EXEC_ID_SHIFT));
			snprintf(acct, sizeof acct, "ALLOT_ACCOUNT=%s", st->account);
			env[0] = idbuf;
			env[1] = acct;
			env[2] = NULL;
			xj.id = st->xid;
			xj.command = st->command;
			xj.workdir = st->workdir;
			xj.out_path = xj.err_path = st->out;
			xj.env = (const char *const *)env;
			xj.nodelist = st->nodelist;
			xj.node = st->node;
			xj.gpus = st->gpus;
			xj.ngpus = st->ngpus;
			xj.time_limit_s = st->time_limit;
			xj.grace_s = st->grace;
			rc = exec_start(s->x, &xj, &e);
			if (rc != 0) {
				svc_log(s, "job %u: the executor did not start it: %s",
					st->id, e.msg);
				pthread_mutex_lock(&s->mu);
				s->sj[st->id].starting = 0;
				pthread_mutex_unlock(&s->mu);
			} /* else `starting` until the executor's STARTED */
		}
		if (rc != 0) {
			pthread_mutex_lock(&s->mu);
			if (s->jobs[st->id].state == JOB_RUNNING &&
			    s->rpos[st->id] != NONE) {
				fail_start(s, st->id, "start failed", &row);
				pthread_mutex_unlock(&s->mu);
				if (db_job_update(s->db, &row, &e) != 0)
					svc_log(s, "job %u: %s", st->id, e.msg);
				db_job_clear(&row);
			} else
				pthread_mutex_unlock(&s->mu);
		}
	}
	for (size_t i = 0; i < w->audits.n; i++)
		if (journal_append(s->journal, svc__now(), AUDIT_PREEMPTION,
				   w->audits.v[i], &e) != 0)
			svc_log(s, "audit: cannot record a preemption: %s", e.msg);
	for (size_t i = 0; i < w->stops.n; i++)
		if (exec_stop(s->x, w->stops.v[i].xid, w->stops.v[i].grace, &e) != 0)
			svc_log(s, "job %llu: stop failed: %s",
				(unsigned long long)(w->stops.v[i].xid &
						     (((uint64_t)1 << EXEC_ID_SHIFT) - 1)),
				e.msg);
}

static void *
sched_main(void *arg)
{
	struct svc *s = arg;
	struct exec_event ev[MAX_EVENTS];
	double last = 0, gap;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct work w;
		size_t nev = 0;
		int polled = 0;
		double now = mono_ms(), due = last + s->o.pass_interval_ms;
		if (!s->woken && now < due) {
			struct timespec ts;
			double wait = due - now;
			if (wait > EVENT_POLL_MS)
				wait = EVENT_POLL_MS;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(wait / 1000);
			ts.tv_nsec += (long)((wait - (double)(long)(wait / 1000) * 1000) * 1e6);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&s->cv, &s->mu, &ts);
			if (s->stop || s->woken || mono_ms() >= due)
				continue;
			/* Between passes: an executor event (a run ended, a node
			 * changed) is acted on now, not at the next pass, so
			 * freed GPUs are used at once (above Slurm this is most
			 * of a job's turnaround; bench/slurm-vs.sh). */
			pthread_mutex_unlock(&s->mu);
			nev = exec_poll(s->x, ev, MAX_EVENTS);
			pthread_mutex_lock(&s->mu);
			if (nev == 0)
				continue;
			polled = 1;
			now = mono_ms();
		}
		/* Woken early: still leave the lock free at least 3/4 of the
		 * time, so submissions and reads are not starved by passes. */
		gap = 3 * s->last_pass_ms > MIN_GAP_MS ? 3 * s->last_pass_ms : MIN_GAP_MS;
		if (gap > s->o.pass_interval_ms)
			gap = s->o.pass_interval_ms;
		if (now - last < gap) {
			struct timespec nap = {0, (long)((gap - (now - last)) * 1e6)};
			pthread_mutex_unlock(&s->mu);
			nanosleep(&nap, NULL);
			pthread_mutex_lock(&s->mu);
		}
		s->woken = 0;
		pthread_mutex_unlock(&s->mu);
		if (!polled)
			nev = exec_poll(s->x, ev, MAX_EVENTS);
		memset(&w, 0, sizeof w);
		pthread_mutex_lock(&s->mu);
		if (s->nrecovered > 0)
			s->dirty = 1;
		for (size_t i = 0; i < s->nrecovered; i++)
			apply_event(s, &s->recovered[i], &w);
		s->nrecovered = 0;
		for (size_t i = 0; i < nev; i++)
			apply_event(s, &ev[i], &w);
		for (size_t i = 0; i < s->cancels.n; i++) {
			uint32_t id = s->cancels.v[i];
			struct sjob *x = &s->sj[id];
			if (s->jobs[id].state == JOB_RUNNING && !x->stop_sent) {
				x->stop_sent = 1;
				vec_push(&w.stops, ((struct stop){
					exec_id(id, &s->jobs[id]), s->jobs[id].grace_s}));
			}
		}
		s->cancels.n = 0;
		/* A pass only when it could decide something new: a change
		 * (submission, exit, cancel, release, node, grant, account), a
		 * grant starting or ending, or every IDLE_PASS_MS (priorities
		 * age).  A stream of held submissions costs no passes. */
		if (nev > 0 || s->dirty || mono_ms() - s->last_full >= IDLE_PASS_MS ||
		    (s->grants.n > 0 && svc__now() >= s->grants_next)) {
			s->dirty = 0;
			run_pass(s, &w);
			s->last_full = mono_ms();
		}
		last = mono_ms();
		pthread_mutex_unlock(&s->mu);
		do_work(s, &w);
		work_free(&w);
		if (nev == MAX_EVENTS) {
			pthread_mutex_lock(&s->mu);
			s->woken = 1;
			continue;
		}
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

void
svc__wake(struct svc *s)
{
	s->woken = 1;
	s->dirty = 1;
	pthread_cond_signal(&s->cv);
}

/* ---- Opening ------------------------------------------------------------------ */

static int
load_tenant(void *ctx, const struct db_tenant *t)
{
	struct svc *s = ctx;

	while (s->tenants.n <= t->id)
		vec_push(&s->tenants, ((struct db_tenant){0}));
	s->tenants.v[t->id] = *t;
	return 0;
}

static int
load_user(void *ctx, const struct db_user *u)
{
	struct svc *s = ctx;

	while (s->users.n <= u->id)
		vec_push(&s->users, ((struct db_user){0}));
	s->users.v[u->id] = *u;
	return 0;
}

static int
load_grant(void *ctx, const struct grant *g)
{
	struct svc *s = ctx;

	if (g->model < 0 || g->model >= (int)s->pool.model_names.n)
		return 0;
	s->grants.v = xgrow(s->grants.v, &s->grants.cap, s->grants.n + 1,
			    sizeof *s->grants.v);
	s->grants.v[s->grants.n++] = *g;
	return 0;
}

/* The pool: the stored one, else --pool (stored for next time). */
static int
load_pool(struct svc *s, struct err *e)
{
	char *text = NULL, *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	rc = db_pool_get(s->db, &text, e);
	if (rc == 0) {
		rc = poolfile_parse("stored pool", text, strlen(text), &s->pool, e);
		free(text);
		return rc;
	}
	if (rc != ERR_NOTFOUND)
		return rc;
	if (s->o.pool == NULL && s->o.pool_import != NULL) {
		if ((rc = s->o.pool_import(s->o.pool_ctx, &text, e)) != 0)
			return rc;
		rc = poolfile_parse("imported pool", text, strlen(text),
				    &s->pool, e);
		if (rc == 0)
			rc = db_pool_put(s->db, text, e);
		free(text);
		return rc;
	}
	if ((rc = pool_load(s->o.pool ? s->o.pool : SVC_POOL_DEFAULT, &s->pool,
			    e)) != 0)
		return rc;
	f = open_memstream(&buf, &len);
	rc = poolfile_write(f, &s->pool, e);
	fclose(f);
	if (rc == 0)
		rc = db_pool_put(s->db, buf, e);
	free(buf);
	return rc;
}

/* A new database: tenant "admin", user "admin", a token in the file. */
static int
bootstrap(struct svc *s, struct err *e)
{
	char *v = NULL, tok[AUTH_TOKEN_MAX], path[4096];
	uint32_t tid, uid;
	int rc, fd;

	if (db_meta_get(s->db, "admin_created", &v, NULL) == 0) {
		free(v);
		return 0;
	}
	if ((rc = db_tenant_put(s->db, "admin", NULL, 1, &tid, e)) < 0 ||
	    (rc = db_user_put(s->db, "admin", tid, ROLE_ADMIN, &uid, e)) < 0 ||
	    (rc = auth_token_create(s->auth, uid, svc__now(), tok, NULL, e)) < 0)
		return rc;
	if (s->o.admin_token_file != NULL)
		snprintf(path, sizeof path, "%s", s->o.admin_token_file);
	else
		snprintf(path, sizeof path, "%s/admin.token", s->state_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	fchmod(fd, 0600);
	if (dprintf(fd, "%s\n", tok) < 0 || fsync(fd) != 0) {
		close(fd);
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	}
	close(fd);
	if ((rc = db_meta_put(s->db, "admin_created", "1", e)) < 0)
		return rc;
	svc_log(s, "new database: admin token written to %s", path);
	return 0;
}

/* Fair-share usage survives restarts: the usage rows of the last eight
 * half-lives, each decayed to now (the integral of 2^-(now-t)/h over the
 * run). */
static int
fair_row(void *ctx, const struct db_usage *u)
{
	struct svc *s = ctx;
	double h = FAIRSHARE_HALF_LIFE_DEFAULT, now = (double)s->usage_t;
	double a = (double)u->start, b = (double)u->end, w;

	if (u->tenant >= s->ntcap || b <= a)
		return 0;
	w = h / 0.69314718055994531 * (exp2(-(now - b) / h) - exp2(-(now - a) / h));
	s->tusage[u->tenant] += w * (double)u->gpu_milli / MILLI;
	return 0;
}

static int
recover(struct svc *s, struct err *e)
{
	uint64_t *ids = xmalloc((s->nrun + 1) * sizeof *ids);
	int rc;

	for (size_t i = 0; i < s->nrun; i++)
		ids[i] = exec_id(s->run[i].job, &s->jobs[s->run[i].job]);
	s->recovered = xcalloc(s->nrun + 1, sizeof *s->recovered);
	s->nrecovered = s->nrun;
	rc = s->nrun ? exec_recover(s->x, ids, s->nrun, s->recovered, e) : 0;
	if (rc != 0)
		s->nrecovered = 0;
	for (size_t i = 0; i < s->nrecovered; i++)
		svc_log(s, "recovered job %llu: %s",
			(unsigned long long)(s->recovered[i].id &
					     (((uint64_t)1 << EXEC_ID_SHIFT) - 1)),
			s->recovered[i].kind == EXEC_STARTED ? "still running" :
			s->recovered[i].kind == EXEC_EXITED ? "exited meanwhile" :
			s->recovered[i].never_started ? "lost before it started" :
							      "lost");
	free(ids);
	return rc;
}

int
svc_open(const struct svc_opts *o, struct svc **out, struct err *e)
{
	struct svc *s = xcalloc(1, sizeof *s);
	uint64_t maxid = 0;
	int rc;

	*out = NULL;
	s->o = *o;
	s->x = o->exec; /* ours from here on, even if svc_open fails */
	if (s->o.pass_interval_ms <= 0)
		s->o.pass_interval_ms = SVC_PASS_MS_DEFAULT;
	s->log = o->log ? o->log : stderr;
	s->state_dir = xstrdup(o->state_dir ? o->state_dir : ".");
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->umu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pool_init(&s->pool);
	grants_init(&s->grants);
	tenant_tree_init(&s->tt);
	sched_result_init(&s->res);
	prio_defaults(&s->pol.weights);
	s->pol.backfill_depth = 8;
	s->pol.reclaim = 1;
	if (mkdir(s->state_dir, 0700) != 0 && errno != EEXIST) {
		rc = err_set(e, ERR_IO, "%s: %s", s->state_dir, strerror(errno));
		goto fail;
	}
	if ((rc = db_open(o->db_path, &s->db, e)) != 0)
		goto fail;
	s->auth = auth_new(s->db);
	if ((rc = journal_open(s->db, &s->journal, e)) != 0)
		goto fail;
	if ((rc = load_pool(s, e)) != 0)
		goto fail;
	s->pl = placer_new(&s->pool, PLACE_FGD, 1);
	svc__nodes_init(s);
	if ((rc = bootstrap(s, e)) != 0 ||
	    (rc = db_tenants_load(s->db, load_tenant, s, e)) != 0 ||
	    (rc = db_users_load(s->db, load_user, s, e)) != 0 ||
	    (rc = db_grants_load(s->db, load_grant, s, e)) != 0)
		goto fail;
	if (s->tenants.n == 0)
		vec_push(&s->tenants, ((struct db_tenant){0}));
	if (s->users.n == 0)
		vec_push(&s->users, ((struct db_user){0}));
	svc__tenants_changed(s);
	s->usage_t = svc__now();
	if ((rc = db_usage_load(s->db, UINT32_MAX,
				s->usage_t - (int64_t)(8 * FAIRSHARE_HALF_LIFE_DEFAULT),
				s->usage_t + 1, fair_row, s, e)) != 0)
		goto fail;
	svc__load_drained(s);
	if ((rc = db_job_max_id(s->db, &maxid, e)) != 0)
		goto fail;
	ensure_job(s, (size_t)maxid + 1);
	if ((rc = db_jobs_active(s->db, load_job, s, e)) != 0)
		goto fail;
	if (s->x == NULL && (s->x = local_new(s->state_dir, e)) == NULL) {
		rc = e ? e->code : ERR_IO;
		goto fail;
	}
	if ((rc = recover(s, e)) != 0)
		goto fail;
	svc_log(s, "state: %zu nodes, %llu GPUs, %zu tenants, %zu pending, %zu "
		"running jobs", s->pool.nnodes, (unsigned long long)s->pool.total_gpus,
		s->tenants.n - 1, s->npend, s->nrun);
	*out = s;
	return 0;
fail:
	svc_close(s);
	return rc;
}

int
svc_start(struct svc *s, struct err *e)
{
	if (pthread_create(&s->thr, NULL, sched_main, s) != 0)
		return err_set(e, ERR_INTERNAL, "cannot start the scheduler thread");
	s->thr_on = 1;
	return 0;
}

void
svc_close(struct svc *s)
{
	if (s == NULL)
		return;
	if (s->thr_on) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thr, NULL);
	}
	exec_free(s->x);
	journal_free(s->journal);
	db_close(s->db);
	auth_free(s->auth);
	for (size_t i = 0; i < s->jcap; i++) {
		free_strings(&s->sj[i]);
		alloc_free(&s->sj[i].alloc);
	}
	free(s->jobs);
	free(s->sj);
	free(s->ppos);
	free(s->rpos);
	free(s->pend);
	free(s->run);
	vec_free(&s->qorder);
	vec_free(&s->cancels);
	free(s->recovered);
	sched_result_free(&s->res);
	if (s->quota_init)
		quota_free(&s->quota);
	free(s->tnode);
	free(s->tusage);
	free(s->fs_t);
	free(s->tmilli);
	tenant_tree_free(&s->tt);
	grants_free(&s->grants);
	vec_free(&s->tenants);
	vec_free(&s->users);
	placer_free(s->pl);
	pool_free(&s->pool);
	free(s->nbase);
	free(s->ndrain);
	free(s->nxseen);
	free(s->nxdown);
	free(s->nxwhy);
	vec_free(&s->foreign);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->umu);
	pthread_cond_destroy(&s->cv);
	free(s->state_dir);
	free(s);
}

/* ---- Jobs ------------------------------------------------------------------------ */

void
svc_submit_prepare(struct db_job *j)
{
	j->shape.submit = svc__now();
	j->shape.state = JOB_PENDING;
	j->shape.start = j->shape.end = -1;
	j->exit_code = -1;
}

void
svc_submit_committed(struct svc *s, const struct db_job *j)
{
	uint32_t id = (uint32_t)j->id;

	if (j->id >= UINT32_MAX / 2)
		return;
	pthread_mutex_lock(&s->mu);
	ensure_job(s, id);
	if (s->jobs[id].state == JOB_COMPLETED && s->ppos[id] == NONE &&
	    s->rpos[id] == NONE) {
		struct job *m = &s->jobs[id];
		*m = j->shape;
		m->id = id;
		m->tenant = j->tenant;
		s->sj[id].user = j->user;
		s->sj[id].command = xstrdup(j->command ? j->command : "");
		s->sj[id].workdir = j->workdir ? xstrdup(j->workdir) : NULL;
		enqueue(s, id);
		if (m->flags & JOB_HELD) {
			/* What a pass would say, without one. */
			s->sj[id].reason = SCHED_REASON_HELD;
			s->sj[id].blocker = SCHED_NO_JOB;
			s->sj[id].seen = 1;
			vec_push(&s->qorder, id);
		}
	}
	s->submitted++;
	if (!(j->shape.flags & JOB_HELD))
		svc__wake(s); /* a held job has nothing for a pass to do */
	pthread_mutex_unlock(&s->mu);
}

int
svc_submit(struct svc *s, struct db_job *j, struct err *e)
{
	int rc;

	svc_submit_prepare(j);
	if ((rc = db_job_submit(s->db, j, e)) < 0)
		return rc;
	if (rc == 1)
		return 1;
	if (j->id >= UINT32_MAX / 2)
		return err_set(e, ERR_LIMIT, "job ids exhausted");
	svc_submit_committed(s, j);
	return 0;
}

/* The job in memory, or ERR_NOTFOUND / ERR_STATE (finished). */
static int
live_job(struct svc *s, uint64_t id, struct err *e)
{
	if (id == 0 || id >= s->jcap ||
	    (s->ppos[id] == NONE && s->rpos[id] == NONE)) {
		if (id > 0 && id < s->jcap && s->jobs[id].state != JOB_PENDING &&
		    s->jobs[id].state != JOB_RUNNING && s->jobs[id].submit > 0)
			return err_set(e, ERR_STATE, "job %llu is already %s",
				       (unsigned long long)id,
				       job_state_name(s->jobs[id].state));
		return err_set(e, ERR_STATE, "job %llu is not pending or running",
			       (unsigned long long)id);
	}
	if (s->sj[id].busy)
		return err_set(e, ERR_CONFLICT, "job %llu is being changed; retry",
			       (unsigned long long)id);
	return 0;
}

int
svc_cancel(struct svc *s, uint64_t id, const char **state, struct err *e)
{
	struct db_job row;
	int rc;

	pthread_mutex_lock(&s->mu);
	if ((rc = live_job(s, id, e)) != 0) {
		pthread_mutex_unlock(&s->mu);
		return rc;
	}
	if (s->jobs[id].state == JOB_RUNNING) {
		s->sj[id].cancel_req = 1;
		vec_push(&s->cancels, (uint32_t)id);
		svc__wake(s);
		pthread_mutex_unlock(&s->mu);
		*state = "cancelling";
		return 0;
	}
	dequeue(s, (uint32_t)id);
	if (s->jobs[id].flags & JOB_RECLAIMING) {
		if (s->quota_init && !s->quota_dirty)
			quota_charge(&s->quota, s->jobs[id].tenant, s->jobs[id].qmodel,
				     -(int64_t)job_gpu_milli(&s->jobs[id]));
		s->jobs[id].flags &= ~(uint32_t)JOB_RECLAIMING;
	}
	s->jobs[id].state = JOB_CANCELLED;
	s->jobs[id].end = svc__now();
	row_of(s, (uint32_t)id, "cancelled", &row);
	free_strings(&s->sj[id]);
	s->sj[id].busy = 1;
	pthread_mutex_unlock(&s->mu);
	rc = db_job_update(s->db, &row, e);
	db_job_clear(&row);
	pthread_mutex_lock(&s->mu);
	s->sj[id].busy = 0;
	pthread_mutex_unlock(&s->mu);
	*state = "cancelled";
	return rc;
}

int
svc_hold(struct svc *s, uint64_t id, int hold, struct err *e)
{
	struct db_job row;
	int rc;

	pthread_mutex_lock(&s->mu);
	if ((rc = live_job(s, id, e)) != 0 ||
	    (s->jobs[id].state != JOB_PENDING &&
	     (rc = err_set(e, ERR_STATE, "job %llu is %s, not pending",
			   (unsigned long long)id,
			   job_state_name(s->jobs[id].state))) != 0)) {
		pthread_mutex_unlock(&s->mu);
		return rc;
	}
	/* Held at once; released only once the release is durable. */
	s->jobs[id].flags |= JOB_HELD;
	row_of(s, (uint32_t)id, hold ? "held" : "", &row);
	if (!hold)
		row.shape.flags &= ~(uint32_t)JOB_HELD;
	s->sj[id].busy = 1;
	pthread_mutex_unlock(&s->mu);
	rc = db_job_update(s->db, &row, e);
	db_job_clear(&row);
	pthread_mutex_lock(&s->mu);
	s->sj[id].busy = 0;
	if (rc == 0 && !hold)
		s->jobs[id].flags &= ~(uint32_t)JOB_HELD;
	if (!hold)
		svc__wake(s);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* ---- Pool, nodes, grants ------------------------------------------------------- */

int
svc_grant_add(struct svc *s, const struct grant *g, uint32_t *id,
	      struct err *e)
{
	struct grant c = *g;
	int rc;

	if ((rc = db_grant_put(s->db, g, id, e)) < 0)
		return rc;
	c.id = *id;
	{
		char pl[512];
		snprintf(pl, sizeof pl, "{\"grant\":%u,\"account_id\":%u,\"model\":%d,"
			 "\"gpus\":%lld,\"start\":%lld,\"end\":%lld,"
			 "\"borrow_limit\":%lld,\"lend_limit\":%lld}", *id, g->tenant,
			 g->model, (long long)g->gpus, (long long)g->start,
			 (long long)g->end, (long long)g->borrow_limit,
			 (long long)g->lend_limit);
		if (journal_append(s->journal, svc__now(), AUDIT_QUOTA, pl, e) != 0)
			svc_log(s, "audit: cannot record grant %u: %s", *id,
				e ? e->msg : "");
	}
	pthread_mutex_lock(&s->mu);
	s->grants.v = xgrow(s->grants.v, &s->grants.cap, s->grants.n + 1,
			    sizeof *s->grants.v);
	s->grants.v[s->grants.n++] = c;
	s->quota_dirty = 1;
	svc__wake(s);
	pthread_mutex_unlock(&s->mu);
	return 0;
}
