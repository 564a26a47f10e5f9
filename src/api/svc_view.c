/*
 * svc_view.c — what the routes read from the live service: accounts,
 * users, jobs and the queue, the pool and its nodes, grants, usage, and
 * the Prometheus metrics.  Each view copies what it needs under the state
 * lock and builds JSON or text (the queue: after dropping it).  The state
 * itself is svc.c's (svc_int.h).
 */
#include "api/svc_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/prio.h"
#include "util/alloc.h"

json_t *
svc_tenants_json(struct svc *s, uint32_t only)
{
	json_t *a = json_array();

	pthread_mutex_lock(&s->mu);
	for (size_t i = 1; i < s->tenants.n; i++) {
		const struct db_tenant *t = &s->tenants.v[i];
		if (t->id == 0 || (only != UINT32_MAX && t->id != only))
			continue;
		json_array_append_new(a, json_pack(
			"{s:I, s:s, s:s?, s:I}", "id", (json_int_t)t->id,
			"name", t->name, "parent",
			t->parent ? svc__tenant_name(s, t->parent) : NULL,
			"shares", (json_int_t)t->shares));
	}
	pthread_mutex_unlock(&s->mu);
	return a;
}

json_t *
svc_users_json(struct svc *s, uint32_t only, uint32_t user_only)
{
	json_t *a = json_array();

	pthread_mutex_lock(&s->mu);
	pthread_mutex_lock(&s->umu);
	for (size_t i = 1; i < s->users.n; i++) {
		const struct db_user *u = &s->users.v[i];
		if (u->id == 0 || (only != UINT32_MAX && u->tenant != only) ||
		    (user_only != 0 && u->id != user_only))
			continue;
		json_array_append_new(a, json_pack(
			"{s:I, s:s, s:s, s:s}", "id", (json_int_t)u->id, "name",
			u->name, "account", svc__tenant_name(s, u->tenant), "role",
			auth_role_name(u->role)));
	}
	pthread_mutex_unlock(&s->umu);
	pthread_mutex_unlock(&s->mu);
	return a;
}


static json_t *
models_json(struct svc *s, uint32_t mask)
{
	json_t *a = json_array();

	for (size_t m = 0; m < s->pool.model_names.n && m < 32; m++)
		if (mask & (1u << m))
			json_array_append_new(a, json_string(
				strtab_get(&s->pool.model_names, (uint32_t)m)));
	return a;
}

json_t *
svc_job_json(struct svc *s, const struct db_job *r)
{
	const struct job *j = &r->shape;
	json_t *o;
	const char *reason = r->reason;
	char rbuf[64], ubuf[DB_NAME_MAX];

	pthread_mutex_lock(&s->mu);
	if (j->state == JOB_PENDING && r->id < s->jcap && s->sj[r->id].seen &&
	    s->ppos[r->id] != NONE) {
		snprintf(rbuf, sizeof rbuf, "%s", sched_reason_name(s->sj[r->id].reason));
		reason = rbuf;
	}
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o,"
		      " s:s, s:b, s:b, s:b, s:I, s:I, s:I}",
		      "id", (json_int_t)r->id, "name", r->name,
		      "account", svc__tenant_name(s, r->tenant),
		      "user", svc__user_name(s, r->user, ubuf),
		      "state", job_state_name(j->state), "reason", reason,
		      "gpus", (json_int_t)j->nodes * j->gpus_per_node,
		      "nodes", (json_int_t)j->nodes,
		      "gpus_per_node", (json_int_t)j->gpus_per_node,
		      "gpu_milli", (json_int_t)j->gpu_milli,
		      "models", models_json(s, j->model_mask),
		      "class", job_class_name(j->class),
		      "preemptible", (j->flags & JOB_PREEMPTIBLE) != 0,
		      "checkpointable", (j->flags & JOB_CHECKPOINTABLE) != 0,
		      "held", (j->flags & JOB_HELD) != 0,
		      "grace_s", (json_int_t)j->grace_s,
		      "time_limit_s", (json_int_t)j->time_limit,
		      "submit", (json_int_t)j->submit);
	pthread_mutex_unlock(&s->mu);
	json_object_set_new(o, "start", j->start >= 0 ? json_integer(j->start)
						      : json_null());
	json_object_set_new(o, "end", j->end >= 0 ? json_integer(j->end) : json_null());
	json_object_set_new(o, "exit_code", r->exit_code >= 0 ?
			    json_integer(r->exit_code) : json_null());
	json_object_set_new(o, "alloc", r->alloc ? json_string(r->alloc) : json_null());
	json_object_set_new(o, "command", json_string(r->command ? r->command : ""));
	json_object_set_new(o, "workdir", r->workdir ? json_string(r->workdir)
						     : json_null());
	json_object_set_new(o, "runs", json_integer(svc__run_of(j) + (j->start >= 0)));
	pthread_mutex_lock(&s->mu);
	json_object_set_new(o, "starting", json_boolean(
		j->state == JOB_RUNNING && r->id < s->jcap &&
		s->jobs[r->id].state == JOB_RUNNING && s->sj[r->id].starting));
	pthread_mutex_unlock(&s->mu);
	return o;
}

struct qrow {
	char account[DB_NAME_MAX], user_name[DB_NAME_MAX];
	uint32_t id, tenant, user, blocker, gpus;
	uint8_t reason, seen;
	double prio;
	int64_t at;
	struct prio_parts pp;
};

json_t *
svc_queue_json(struct svc *s, uint32_t tenant, size_t limit)
{
	json_t *a = json_array();
	int64_t t = svc__now();
	struct qrow *q;
	size_t n = 0;

	/* A snapshot under the lock; the JSON is built after it. */
	pthread_mutex_lock(&s->mu);
	q = xmalloc((s->npend + 1) * sizeof *q);
	for (int pass = 0; pass < 2 && n < limit; pass++) {
		/* First the last pass's order, then jobs it has not seen. */
		size_t m = pass == 0 ? s->qorder.n : s->npend;
		for (size_t i = 0; i < m && n < limit; i++) {
			uint32_t id = pass == 0 ? s->qorder.v[i] : s->pend[i];
			const struct job *j = &s->jobs[id];
			const struct sjob *x = &s->sj[id];
			struct qrow *r = &q[n];
			if (s->ppos[id] == NONE || (pass == 0) != (x->seen != 0) ||
			    (tenant != UINT32_MAX && j->tenant != tenant))
				continue;
			r->id = id;
			r->tenant = j->tenant;
			r->user = x->user;
			r->blocker = x->blocker;
			r->gpus = (uint32_t)j->nodes * j->gpus_per_node;
			r->reason = x->reason;
			r->seen = x->seen;
			r->at = x->at;
			prio_compute(&s->pol.weights, j,
				     j->tenant < s->ntcap ? s->fs_t[j->tenant] : 0, t,
				     s->pool.total_gpus, &r->pp);
			r->prio = x->seen ? x->prio : r->pp.total;
			snprintf(r->account, sizeof r->account, "%s",
				 svc__tenant_name(s, j->tenant));
			n++;
		}
	}
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_lock(&s->umu);
	for (size_t i = 0; i < n; i++)
		snprintf(q[i].user_name, DB_NAME_MAX, "%s", q[i].user > 0 &&
			 q[i].user < s->users.n ? s->users.v[q[i].user].name : "?");
	pthread_mutex_unlock(&s->umu);
	for (size_t i = 0; i < n; i++) {
		const struct qrow *r = &q[i];
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:f, s:s, s:s,"
			      " s:{s:f, s:f, s:f, s:f}, s:I}",
			      "id", (json_int_t)r->id, "account", r->account,
			      "user", r->user_name,
			      "state", "pending", "priority", r->prio,
			      "reason", r->seen ? sched_reason_name(r->reason) : "new",
			      "reason_text", r->seen ? sched_reason_text(r->reason)
						     : "not yet looked at by the scheduler",
			      "priority_parts", "fairshare", r->pp.fairshare,
			      "age", r->pp.age, "size", r->pp.size, "class", r->pp.class_p,
			      "gpus", (json_int_t)r->gpus);
		json_object_set_new(o, "planned_start",
				    r->seen && r->reason == SCHED_REASON_RESERVED ?
				    json_integer(r->at) : json_null());
		if (r->seen && r->blocker != SCHED_NO_JOB && r->blocker != 0 &&
		    (r->reason == SCHED_REASON_PRIORITY ||
		     r->reason == SCHED_REASON_BACKFILL))
			json_object_set_new(o, "blocked_by", json_integer(r->blocker));
		json_array_append_new(a, o);
	}
	free(q);
	return json_pack("{s:o}", "jobs", a);
}


static const char *const node_states[] = {"up", "drain", "down", "absent", "held"};

json_t *
svc_nodes_json(struct svc *s)
{
	json_t *a = json_array();

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->pool.nnodes; i++) {
		const struct node *n = &s->pool.nodes[i];
		int whole = node_full_free(n);
		const char *why = s->ndrain[i] ? "drained" :
				  s->nxseen[i] && s->nxdown[i] ? s->nxwhy[i] : "";
		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:s, s:I, s:I, s:s, s:s}",
			"name", pool_node_name(&s->pool, (uint32_t)i),
			"site", strtab_get(&s->pool.names, s->pool.sites[
				pool_node_site(&s->pool, (uint32_t)i)].name),
			"model", n->ngpu ? strtab_get(&s->pool.model_names, n->model) : "",
			"gpus", (json_int_t)n->ngpu, "gpus_free", (json_int_t)whole,
			"state", n->state < 5 ? node_states[n->state] : "?",
			"reason", why));
	}
	pthread_mutex_unlock(&s->mu);
	return json_pack("{s:o}", "nodes", a);
}

json_t *
svc_pool_json(struct svc *s)
{
	json_t *o, *models = json_object();
	uint64_t free_milli;

	pthread_mutex_lock(&s->mu);
	for (size_t m = 0; m < s->pool.model_names.n; m++) {
		uint64_t total = 0, fr = 0;
		for (size_t i = 0; i < s->pool.nnodes; i++) {
			const struct node *n = &s->pool.nodes[i];
			if (n->model != m || n->ngpu == 0 || n->state == NODE_ABSENT)
				continue;
			total += n->ngpu;
			fr += (uint64_t)node_full_free(n);
		}
		json_object_set_new(models, strtab_get(&s->pool.model_names, (uint32_t)m),
				    json_pack("{s:I, s:I}", "gpus", (json_int_t)total,
					      "gpus_free", (json_int_t)fr));
	}
	free_milli = pool_gpu_milli_free(&s->pool);
	o = json_pack("{s:I, s:I, s:I, s:f, s:o, s:I, s:I}",
		      "nodes", (json_int_t)s->pool.nnodes,
		      "sites", (json_int_t)s->pool.nsites,
		      "gpus", (json_int_t)s->pool.total_gpus,
		      "gpus_free", (double)free_milli / MILLI, "models", models,
		      "pending", (json_int_t)s->npend, "running", (json_int_t)s->nrun);
	pthread_mutex_unlock(&s->mu);
	return o;
}


json_t *
svc_grants_json(struct svc *s, uint32_t tenant)
{
	json_t *a = json_array();

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->grants.n; i++) {
		const struct grant *g = &s->grants.v[i];
		if (tenant != UINT32_MAX && g->tenant != tenant)
			continue;
		json_array_append_new(a, json_pack(
			"{s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
			"id", (json_int_t)g->id, "account", svc__tenant_name(s, g->tenant),
			"program", (json_int_t)g->program,
			"model", strtab_get(&s->pool.model_names, (uint32_t)g->model),
			"gpus", (json_int_t)g->gpus, "start", (json_int_t)g->start,
			"end", (json_int_t)g->end,
			"borrow_limit", (json_int_t)g->borrow_limit,
			"lend_limit", (json_int_t)g->lend_limit,
			"price_won_hour", (json_int_t)g->price_won_hour));
	}
	pthread_mutex_unlock(&s->mu);
	return a;
}

/* ---- Usage ------------------------------------------------------------------------ */

struct usum {
	struct svc *s;
	uint32_t tenant;
	int64_t from, to;
	double *gs;          /* [tenant * nmodels + model] GPU-seconds */
	size_t nt;
	int nm;
};

static void
usum_add(struct usum *u, uint32_t t, int m, int64_t a, int64_t b,
	 uint64_t milli)
{
	if (a < u->from)
		a = u->from;
	if (b > u->to)
		b = u->to;
	if (b <= a || t >= u->nt || m < 0 || m >= u->nm)
		return;
	u->gs[(size_t)t * (size_t)u->nm + (size_t)m] +=
		(double)(b - a) * (double)milli / MILLI;
}

static int
usage_cb(void *ctx, const struct db_usage *r)
{
	struct usum *u = ctx;

	usum_add(u, r->tenant, r->model, r->start, r->end, r->gpu_milli);
	return 0;
}

json_t *
svc_usage_json(struct svc *s, uint32_t tenant, int64_t from, int64_t to,
	       struct err *e)
{
	struct usum u = {s, tenant, from, to, NULL, 0, 0};
	int64_t t = svc__now();
	json_t *a;

	pthread_mutex_lock(&s->mu);
	u.nt = s->tenants.n;
	u.nm = (int)s->pool.model_names.n;
	u.gs = xcalloc(u.nt * (size_t)(u.nm > 0 ? u.nm : 1) + 1, sizeof *u.gs);
	for (size_t i = 0; i < s->nrun; i++) {
		const struct job *j = &s->jobs[s->run[i].job];
		if (tenant == UINT32_MAX || j->tenant == tenant)
			usum_add(&u, j->tenant, s->run[i].model, j->start, t,
				 job_gpu_milli(j));
	}
	pthread_mutex_unlock(&s->mu);
	if (db_usage_load(s->db, tenant, from, to, usage_cb, &u, e) != 0) {
		free(u.gs);
		return NULL;
	}
	a = json_array();
	pthread_mutex_lock(&s->mu);
	for (size_t k = 1; k < u.nt; k++)
		for (int m = 0; m < u.nm; m++) {
			double v = u.gs[k * (size_t)u.nm + (size_t)m];
			if (v <= 0)
				continue;
			json_array_append_new(a, json_pack(
				"{s:s, s:s, s:f, s:f}", "account", svc__tenant_name(s, (uint32_t)k),
				"model", strtab_get(&s->pool.model_names, (uint32_t)m),
				"gpu_seconds", v, "gpu_hours", v / 3600));
		}
	pthread_mutex_unlock(&s->mu);
	free(u.gs);
	return json_pack("{s:o, s:I, s:I}", "usage", a, "from", (json_int_t)from,
			 "to", (json_int_t)to);
}

json_t *
svc_executor_json(struct svc *s)
{
	json_t *down = json_array(), *fo = json_array();
	uint64_t total;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->pool.nnodes; i++)
		if (s->nxseen[i] && s->nxdown[i])
			json_array_append_new(down, json_pack("{s:s, s:s}",
				"node", pool_node_name(&s->pool, (uint32_t)i),
				"reason", s->nxwhy[i]));
	for (size_t i = s->foreign.n; i-- > 0;) {
		const struct svc_foreign *f = &s->foreign.v[i];
		json_array_append_new(fo, json_pack("{s:I, s:s, s:s, s:I}",
			"id", (json_int_t)f->id, "cluster", f->cluster,
			"what", f->text, "seen", (json_int_t)f->at));
	}
	total = s->nforeign;
	pthread_mutex_unlock(&s->mu);
	return json_pack("{s:s, s:o, s:o, s:I}", "executor", exec_name(s->x),
			 "nodes_unusable", down, "foreign_jobs", fo,
			 "foreign_total", (json_int_t)total);
}

/* The cross-check: allot's figure and the executor's for each run. */
struct ucheck {
	size_t rows, checked, missing, nbad;
	double allot, exec;
	json_t *bad;         /* the first 100 mismatches */
};

static int
check_cb(void *ctx, const struct db_usage *r)
{
	struct ucheck *c = ctx;
	double mine = (double)(r->end - r->start) * r->gpu_milli / MILLI;
	double gpus = (double)r->gpu_milli / MILLI, diff, tol;

	c->rows++;
	if (!r->exec_known) {
		c->missing++;
		return 0;
	}
	c->checked++;
	c->allot += mine;
	c->exec += (double)r->exec_gpu_s;
	diff = (double)r->exec_gpu_s - mine;
	tol = 2 * (gpus > 1 ? gpus : 1) + 0.01 * mine;
	if (fabs(diff) > tol) {
		c->nbad++;
		if (json_array_size(c->bad) < 100)
			json_array_append_new(c->bad, json_pack(
				"{s:I, s:I, s:f, s:I, s:f}", "job",
				(json_int_t)r->job, "tenant", (json_int_t)r->tenant,
				"allot_gpu_seconds", mine, "executor_gpu_seconds",
				(json_int_t)r->exec_gpu_s, "difference", diff));
	}
	return 0;
}

json_t *
svc_usage_check_json(struct svc *s, uint32_t tenant, int64_t from,
		     int64_t to, struct err *e)
{
	struct ucheck c;
	json_t *o;

	memset(&c, 0, sizeof c);
	c.bad = json_array();
	if (db_usage_load(s->db, tenant, from, to, check_cb, &c, e) != 0) {
		json_decref(c.bad);
		return NULL;
	}
	/* Tenant ids to names (rows of other tenants never get here). */
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < json_array_size(c.bad); i++) {
		json_t *b = json_array_get(c.bad, i);
		uint32_t t = (uint32_t)json_integer_value(json_object_get(b, "tenant"));
		json_object_set_new(b, "account", json_string(
			t < s->tenants.n ? svc__tenant_name(s, t) : "?"));
		json_object_del(b, "tenant");
	}
	pthread_mutex_unlock(&s->mu);
	o = json_pack("{s:I, s:I, s:I, s:I, s:f, s:f, s:s, s:o, s:I, s:I}",
		      "runs", (json_int_t)c.rows, "checked", (json_int_t)c.checked,
		      "without_executor_figure", (json_int_t)c.missing,
		      "mismatched", (json_int_t)c.nbad,
		      "allot_gpu_seconds", c.allot, "executor_gpu_seconds", c.exec,
		      "tolerance", "2 s per GPU plus 1 % of allot's figure",
		      "mismatches", c.bad, "from", (json_int_t)from,
		      "to", (json_int_t)to);
	return o;
}

/* ---- Metrics ------------------------------------------------------------------------ */

void
svc_count_request(struct svc *s, int status)
{
	int c = status / 100;

	atomic_fetch_add(&s->req_by_class[c >= 1 && c <= 5 ? c : 0], 1);
}

char *
svc_metrics_text(struct svc *s, uint32_t tenant, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	uint64_t *depth, cum = 0;

	pthread_mutex_lock(&s->mu);
	depth = xcalloc(s->ntcap + 1, sizeof *depth);
	for (size_t i = 0; i < s->npend; i++)
		if (s->jobs[s->pend[i]].tenant < s->ntcap)
			depth[s->jobs[s->pend[i]].tenant]++;
	fprintf(f, "# HELP allot_queue_depth Pending jobs per account.\n"
		   "# TYPE allot_queue_depth gauge\n");
	for (size_t t = 1; t < s->ntcap && t < s->tenants.n; t++)
		if (s->tenants.v[t].id != 0 && (tenant == UINT32_MAX || t == tenant))
			fprintf(f, "allot_queue_depth{account=\"%s\"} %llu\n",
				s->tenants.v[t].name, (unsigned long long)depth[t]);
	free(depth);
	fprintf(f, "# HELP allot_gpus GPUs per model and site, allocated or idle "
		   "(whole GPUs; shares count as allocated).\n"
		   "# TYPE allot_gpus gauge\n");
	for (size_t st = 0; st < s->pool.nsites; st++)
		for (size_t m = 0; m < s->pool.model_names.n; m++) {
			uint64_t total = 0, idle = 0;
			for (size_t i = 0; i < s->pool.nnodes; i++) {
				const struct node *n = &s->pool.nodes[i];
				if (pool_node_site(&s->pool, (uint32_t)i) != st ||
				    n->model != m || n->ngpu == 0 ||
				    n->state == NODE_ABSENT)
					continue;
				total += n->ngpu;
				idle += (uint64_t)node_full_free(n);
			}
			if (total == 0)
				continue;
			fprintf(f, "allot_gpus{model=\"%s\",site=\"%s\",state=\"allocated\"} "
				"%llu\nallot_gpus{model=\"%s\",site=\"%s\",state=\"idle\"} "
				"%llu\n",
				strtab_get(&s->pool.model_names, (uint32_t)m),
				strtab_get(&s->pool.names, s->pool.sites[st].name),
				(unsigned long long)(total - idle),
				strtab_get(&s->pool.model_names, (uint32_t)m),
				strtab_get(&s->pool.names, s->pool.sites[st].name),
				(unsigned long long)idle);
		}
	{
		size_t byst[5] = {0};
		for (size_t i = 0; i < s->pool.nnodes; i++)
			byst[s->pool.nodes[i].state < 5 ? s->pool.nodes[i].state : 0]++;
		fprintf(f, "# HELP allot_nodes Nodes by state (down: the executor "
			   "says unusable).\n# TYPE allot_nodes gauge\n");
		for (int k = 0; k < 4; k++)
			fprintf(f, "allot_nodes{state=\"%s\"} %zu\n", node_states[k],
				byst[k] + (k == 0 ? byst[4] : 0));
		fprintf(f, "# HELP allot_foreign_jobs_total Jobs found on the "
			   "executor's clusters that allot did not start.\n"
			   "# TYPE allot_foreign_jobs_total counter\n"
			   "allot_foreign_jobs_total %llu\n"
			   "# HELP allot_gpu_index_mismatch_total Runs the executor "
			   "started on other GPUs of the node than allot chose.\n"
			   "# TYPE allot_gpu_index_mismatch_total counter\n"
			   "allot_gpu_index_mismatch_total %llu\n",
			(unsigned long long)s->nforeign,
			(unsigned long long)s->gpu_mismatch);
	}
	fprintf(f, "# HELP allot_pass_seconds Scheduling pass latency.\n"
		   "# TYPE allot_pass_seconds histogram\n");
	for (int k = 0; k < NHIST; k++) {
		cum += s->hist[k];
		if (k == NHIST - 1)
			fprintf(f, "allot_pass_seconds_bucket{le=\"+Inf\"} %llu\n",
				(unsigned long long)cum);
		else
			fprintf(f, "allot_pass_seconds_bucket{le=\"%g\"} %llu\n",
				svc__hist_ms[k] / 1000, (unsigned long long)cum);
	}
	fprintf(f, "allot_pass_seconds_sum %.6f\nallot_pass_seconds_count %llu\n",
		s->pass_ms_sum / 1000, (unsigned long long)s->passes);
	fprintf(f, "# HELP allot_submissions_total Jobs submitted (durable).\n"
		   "# TYPE allot_submissions_total counter\n"
		   "allot_submissions_total %llu\n"
		   "# HELP allot_jobs_started_total Jobs started.\n"
		   "# TYPE allot_jobs_started_total counter\n"
		   "allot_jobs_started_total %llu\n"
		   "# HELP allot_jobs_finished_total Runs ended.\n"
		   "# TYPE allot_jobs_finished_total counter\n"
		   "allot_jobs_finished_total %llu\n"
		   "# HELP allot_jobs_running Jobs running now.\n"
		   "# TYPE allot_jobs_running gauge\nallot_jobs_running %zu\n",
		   (unsigned long long)atomic_load(&s->submitted),
		   (unsigned long long)s->started,
		   (unsigned long long)s->finished, s->nrun);
	fprintf(f, "# HELP allot_http_requests_total Requests by status class.\n"
		   "# TYPE allot_http_requests_total counter\n");
	for (int c = 1; c <= 5; c++)
		fprintf(f, "allot_http_requests_total{code=\"%dxx\"} %llu\n", c,
			(unsigned long long)atomic_load(&s->req_by_class[c]));
	pthread_mutex_unlock(&s->mu);
	fclose(f);
	return buf;
}

