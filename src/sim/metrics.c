/*
 * metrics.c — the run's accumulator and the figures derived from it (the
 * definitions are in metrics.h and docs/SIM.md).
 *
 * Invariants while running: alloc_milli is the sum of job_gpu_milli over
 * running jobs; node_frag[i] is node i's fragmented milli as of its last
 * change, and frag_milli their sum; the integrals cover [t_start, t_now].
 * Only nodes a start or finish touched are recomputed, so each event costs
 * O(GPUs it moved), never O(pool).  The struct owns node_frag, util and
 * tenant.
 */
#include "sim/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* Sorts v[0..n) ascending: an LSD radix sort (11-bit digits) of the
 * offsets from the minimum, as many passes as the range needs.  Waits and
 * JCTs of a long trace span a few million seconds: three passes. */
static void
sort_i64(int64_t *v, size_t n)
{
	size_t cnt[2048];
	uint64_t *a, *b, *t, hi = 0;
	int64_t lo;

	if (n < 2)
		return;
	lo = v[0];
	for (size_t i = 1; i < n; i++)
		if (v[i] < lo)
			lo = v[i];
	a = xmalloc(n * sizeof *a);
	b = xmalloc(n * sizeof *b);
	for (size_t i = 0; i < n; i++) {
		a[i] = (uint64_t)v[i] - (uint64_t)lo;
		if (a[i] > hi)
			hi = a[i];
	}
	for (int shift = 0; shift < 64 && (hi >> shift) != 0; shift += 11) {
		size_t sum = 0;
		memset(cnt, 0, sizeof cnt);
		for (size_t i = 0; i < n; i++)
			cnt[a[i] >> shift & 2047]++;
		for (size_t d = 0; d < 2048; d++) {
			size_t c = cnt[d];
			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[cnt[a[i] >> shift & 2047]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)(a[i] + (uint64_t)lo);
	free(a);
	free(b);
}

/* The most common (GPUs per node, milli) among the GPU jobs of w; ties go
 * to the smaller shape (fewer GPUs, then fewer milli).  (0, 0) without GPU
 * jobs.  Counted in a table, one pass; malformed shapes are ignored (the
 * simulator rejects them). */
static void
common_shape(const struct workload *w, uint16_t *gpn, uint16_t *milli)
{
	enum { NG = POOL_MAX_GPUS_PER_NODE + 1, NM = MILLI + 1 };
	uint32_t *cnt = xcalloc((size_t)NG * NM, sizeof *cnt), best = 0;

	*gpn = *milli = 0;
	for (size_t i = 0; i < w->njobs; i++) {
		const struct job *j = &w->jobs[i];
		if (j->gpus_per_node > 0 && j->gpus_per_node < NG &&
		    j->gpu_milli > 0 && j->gpu_milli <= MILLI)
			cnt[j->gpus_per_node * NM + j->gpu_milli]++;
	}
	for (size_t k = 0; k < (size_t)NG * NM; k++)
		if (cnt[k] > best) {
			best = cnt[k];
			*gpn = (uint16_t)(k / NM);
			*milli = (uint16_t)(k % NM);
		}
	free(cnt);
}

static uint32_t
node_frag(const struct metrics *m, const struct node *n)
{
	uint32_t free_milli = 0, sliver = 0;
	int usable = 0;

	if (m->shape_gpn == 0 || n->state == NODE_ABSENT)
		return 0;
	for (int g = 0; g < n->ngpu; g++) {
		free_milli += n->gpu_free[g];
		if (n->gpu_free[g] >= m->shape_milli)
			usable++;
		else
			sliver += n->gpu_free[g];
	}
	if (n->state != NODE_UP || usable < m->shape_gpn)
		return free_milli;
	return sliver;
}

void
metrics_init(struct metrics *m, const struct pool *p,
	     const struct workload *w, int64_t sample_s)
{
	memset(m, 0, sizeof *m);
	m->capacity_milli = pool_gpu_milli_total(p);
	m->sample_s = sample_s > 0 ? sample_s : 0;
	common_shape(w, &m->shape_gpn, &m->shape_milli);
	m->nnodes = p->nnodes;
	m->node_frag = xcalloc(p->nnodes + 1, sizeof *m->node_frag);
	for (size_t i = 0; i < p->nnodes; i++) {
		m->node_frag[i] = node_frag(m, &p->nodes[i]);
		m->frag_milli += m->node_frag[i];
		if (p->nodes[i].state == NODE_DOWN)
			m->down_milli += (uint64_t)p->nodes[i].ngpu * MILLI;
	}
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->node_frag);
	free(m->util);
	free(m->tenant);
	memset(m, 0, sizeof *m);
}

static double
pct(const struct metrics *m, double milli)
{
	return m->capacity_milli > 0 ? 100.0 * milli / (double)m->capacity_milli
				     : 0.0;
}

static void
push_point(struct metrics *m, int64_t t, double v)
{
	if (m->nutil == m->cap_util)
		m->util = xgrow(m->util, &m->cap_util, m->nutil + 1,
				sizeof *m->util);
	m->util[m->nutil].t = t;
	m->util[m->nutil].alloc_pct = v;
	m->nutil++;
}

/* Change mode: the level just changed at t_now. */
static void
note_level(struct metrics *m)
{
	double v = pct(m, (double)m->alloc_milli);

	if (m->sample_s > 0)
		return;
	if (m->nutil > 0 && m->util[m->nutil - 1].t == m->t_now) {
		m->util[m->nutil - 1].alloc_pct = v;
		if (m->nutil > 1 && m->util[m->nutil - 2].alloc_pct == v)
			m->nutil--;
		return;
	}
	if (m->nutil == 0 || m->util[m->nutil - 1].alloc_pct != v)
		push_point(m, m->t_now, v);
}

/* The mean level of the window now closing, len seconds of it: against
 * the capacity of each moment once capacity has changed (the plain form
 * otherwise, so runs without capacity events keep their exact figures). */
static double
win_pct(const struct metrics *m, int64_t len)
{
	if (m->cap_varies)
		return m->win_cap > 0 ? 100.0 * (double)m->win_acc /
					    (double)m->win_cap
				      : 0.0;
	return pct(m, (double)m->win_acc / (double)len);
}

/* Sample mode: adds the current level over [t_now, t), closing windows. */
static void
sample_until(struct metrics *m, int64_t t)
{
	int64_t s = m->t_now;

	while (t >= m->win_start + m->sample_s) {
		int64_t end = m->win_start + m->sample_s;
		m->win_acc += m->alloc_milli * (uint64_t)(end - s);
		m->win_cap += m->capacity_milli * (uint64_t)(end - s);
		push_point(m, m->win_start, win_pct(m, m->sample_s));
		m->win_acc = m->win_cap = 0;
		m->win_start = end;
		s = end;
	}
	m->win_acc += m->alloc_milli * (uint64_t)(t - s);
	m->win_cap += m->capacity_milli * (uint64_t)(t - s);
}

void
metrics_advance(struct metrics *m, int64_t t)
{
	uint64_t dt;

	if (!m->started) {
		m->started = 1;
		m->t_start = m->t_now = m->win_start = t;
		if (m->sample_s == 0)
			push_point(m, t, pct(m, (double)m->alloc_milli));
		return;
	}
	ALLOT_ASSERT(t >= m->t_now);
	if (t == m->t_now)
		return;
	dt = (uint64_t)(t - m->t_now);
	m->int_alloc += m->alloc_milli * dt;
	m->int_cap += m->capacity_milli * dt;
	m->int_down += m->down_milli * dt;
	m->int_free += (m->capacity_milli - m->alloc_milli) * dt;
	m->int_frag += m->frag_milli * dt;
	if (m->sample_s > 0)
		sample_until(m, t);
	m->t_now = t;
}

void
metrics_job(struct metrics *m, const struct pool *p, const struct job *j,
	    const struct alloc *a, int started)
{
	uint64_t milli = job_gpu_milli(j);

	if (started) {
		m->alloc_milli += milli;
	} else {
		ALLOT_ASSERT(m->alloc_milli >= milli);
		m->alloc_milli -= milli;
	}
	for (size_t i = 0; i < a->nslots; i++) {
		uint32_t n = a->slots[i].node, f;
		ALLOT_ASSERT(n < m->nnodes);
		f = node_frag(m, &p->nodes[n]);
		m->frag_milli = m->frag_milli - m->node_frag[n] + f;
		m->node_frag[n] = f;
	}
	if (milli > 0)
		note_level(m);
}

void
metrics_node(struct metrics *m, const struct pool *p, uint32_t node,
	     int old_state)
{
	const struct node *n = &p->nodes[node];
	uint64_t g = (uint64_t)n->ngpu * MILLI, cap = m->capacity_milli;
	uint32_t f;

	ALLOT_ASSERT(node < m->nnodes);
	if (old_state == NODE_ABSENT && n->state != NODE_ABSENT)
		m->capacity_milli += g;
	else if (old_state != NODE_ABSENT && n->state == NODE_ABSENT)
		m->capacity_milli -= g;
	if (old_state == NODE_DOWN)
		m->down_milli -= g;
	if (n->state == NODE_DOWN)
		m->down_milli += g;
	f = node_frag(m, n);
	m->frag_milli = m->frag_milli - m->node_frag[node] + f;
	m->node_frag[node] = f;
	if (m->started && cap != m->capacity_milli) {
		m->cap_varies = 1;
		note_level(m);
	}
}

void
metrics_dist_of(struct metrics_dist *d, int64_t *v, size_t n)
{
	double sum = 0;

	memset(d, 0, sizeof *d);
	d->n = n;
	if (n == 0)
		return;
	sort_i64(v, n);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	d->mean = sum / (double)n;
	/* Nearest rank: the smallest value with at least p% at or below it,
	 * index ceil(p * n / 100) - 1, in integers to stay exact. */
	d->p50 = v[(50 * n + 99) / 100 - 1];
	d->p90 = v[(90 * n + 99) / 100 - 1];
	d->p99 = v[(99 * n + 99) / 100 - 1];
	d->max = v[n - 1];
}

double
metrics_jain(const double *x, size_t n)
{
	double s = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		s += x[i];
		s2 += x[i] * x[i];
	}
	if (n == 0 || s2 == 0)
		return NAN;
	return s * s / ((double)n * s2);
}

static int
completed(const struct job *j)
{
	return j->state == JOB_COMPLETED && j->start >= 0 && j->end >= 0;
}

static int
rejected(const struct job *j)
{
	return j->state == JOB_CANCELLED && j->start < 0 &&
	       !(j->flags & JOB_WITHDRAWN);
}

/* Per-tenant figures: jobs grouped by tenant with a counting sort, then
 * each group's waits and JCTs sorted on their own. */
static void
tenant_figures(struct metrics *m, const struct workload *w, int64_t *wait,
	       int64_t *jct)
{
	size_t nt = w->tenants.n, *first;
	uint32_t *order;
	double *x;

	for (size_t i = 0; i < w->njobs; i++)
		if (w->jobs[i].tenant >= nt)
			nt = (size_t)w->jobs[i].tenant + 1;
	m->ntenants = nt;
	m->tenant = xcalloc(nt + 1, sizeof *m->tenant);
	first = xcalloc(nt + 2, sizeof *first);
	order = xmalloc((w->njobs + 1) * sizeof *order);
	for (size_t i = 0; i < w->njobs; i++)
		first[w->jobs[i].tenant + 1]++;
	for (size_t t = 0; t < nt; t++)
		first[t + 1] += first[t];
	for (size_t i = 0; i < w->njobs; i++)
		order[first[w->jobs[i].tenant]++] = (uint32_t)i;
	/* first[t] is now the end of group t; group t starts at first[t-1]. */
	x = xcalloc(nt + 1, sizeof *x);
	m->jain_tenants = 0;
	for (size_t t = 0, k = 0; t < nt; t++) {
		struct metrics_tenant *mt = &m->tenant[t];
		size_t nc = 0;
		for (; k < first[t]; k++) {
			const struct job *j = &w->jobs[order[k]];
			double g = (double)job_gpu_milli(j) / MILLI;
			mt->jobs++;
			if (rejected(j))
				mt->rejected++;
			if (!completed(j))
				continue;
			mt->completed++;
			wait[nc] = j->start - j->submit;
			jct[nc] = j->end - j->submit;
			mt->gpu_s_used += g * (double)(j->end - j->start);
			mt->gpu_s_demanded += g * (double)(j->end - j->submit);
			nc++;
		}
		metrics_dist_of(&mt->wait, wait, nc);
		metrics_dist_of(&mt->jct, jct, nc);
		if (mt->gpu_s_demanded > 0) {
			mt->service = mt->gpu_s_used / mt->gpu_s_demanded;
			x[m->jain_tenants++] = mt->service;
		}
	}
	m->jain = metrics_jain(x, m->jain_tenants);
	free(x);
	free(order);
	free(first);
}

void
metrics_finish(struct metrics *m, const struct workload *w)
{
	int64_t *wait = xmalloc((w->njobs + 1) * sizeof *wait);
	int64_t *jct = xmalloc((w->njobs + 1) * sizeof *jct);
	int64_t last_end = -1;
	size_t n = 0;

	m->t_end = m->t_now;
	if (m->sample_s > 0 && m->started && m->t_now > m->win_start)
		push_point(m, m->win_start,
			   win_pct(m, m->t_now - m->win_start));
	/* int_cap is capacity * (t_end - t_start) exactly when capacity did
	 * not change (both below 2^53: the same double as the product). */
	if (m->t_end > m->t_start && m->int_cap > 0) {
		m->alloc_pct = 100.0 * (double)m->int_alloc / (double)m->int_cap;
		m->down_pct = 100.0 * (double)m->int_down / (double)m->int_cap;
	}
	m->frag_pct = m->int_free > 0 ?
	    100.0 * (double)m->int_frag / (double)m->int_free : 0.0;
	m->jobs = w->njobs;
	for (size_t i = 0; i < w->njobs; i++) {
		const struct job *j = &w->jobs[i];
		if (j->flags & JOB_WITHDRAWN) {
			m->withdrawn++;
		} else if (rejected(j)) {
			m->rejected++;
		} else if (completed(j)) {
			wait[n] = j->start - j->submit;
			jct[n] = j->end - j->submit;
			if (j->end > last_end)
				last_end = j->end;
			n++;
		} else {
			m->unfinished++;
		}
	}
	m->completed = n;
	m->makespan = n > 0 ? last_end - m->t_start : 0;
	metrics_dist_of(&m->wait, wait, n);
	metrics_dist_of(&m->jct, jct, n);
	tenant_figures(m, w, wait, jct);
	free(wait);
	free(jct);
}

/* ---- output ---------------------------------------------------------- */

static void
dist_json(struct jsonw *jw, const char *key, const struct metrics_dist *d)
{
	jsonw_key(jw, key);
	jsonw_obj(jw);
	jsonw_key(jw, "n");
	jsonw_uint(jw, d->n);
	jsonw_key(jw, "mean");
	jsonw_fixed(jw, d->mean, 3);
	jsonw_key(jw, "p50");
	jsonw_int(jw, d->p50);
	jsonw_key(jw, "p90");
	jsonw_int(jw, d->p90);
	jsonw_key(jw, "p99");
	jsonw_int(jw, d->p99);
	jsonw_key(jw, "max");
	jsonw_int(jw, d->max);
	jsonw_end(jw);
}

static const char *
tenant_label(const struct workload *w, size_t t)
{
	return t < w->tenants.n ? strtab_get(&w->tenants, (uint32_t)t) : "";
}

void
metrics_write_json(const struct metrics *m, const struct workload *w,
		   struct jsonw *jw)
{
	jsonw_key(jw, "jobs");
	jsonw_uint(jw, m->jobs);
	jsonw_key(jw, "completed");
	jsonw_uint(jw, m->completed);
	jsonw_key(jw, "rejected");
	jsonw_uint(jw, m->rejected);
	jsonw_key(jw, "unfinished");
	jsonw_uint(jw, m->unfinished);
	if (m->withdrawn > 0) {
		jsonw_key(jw, "withdrawn");
		jsonw_uint(jw, m->withdrawn);
	}
	jsonw_key(jw, "capacity_gpus");
	jsonw_fixed(jw, (double)m->capacity_milli / MILLI, 3);
	jsonw_key(jw, "t_start");
	jsonw_int(jw, m->t_start);
	jsonw_key(jw, "t_end");
	jsonw_int(jw, m->t_end);
	jsonw_key(jw, "makespan_s");
	jsonw_int(jw, m->makespan);
	jsonw_key(jw, "alloc_pct");
	jsonw_fixed(jw, m->alloc_pct, 6);
	jsonw_key(jw, "frag_pct");
	jsonw_fixed(jw, m->frag_pct, 6);
	jsonw_key(jw, "frag_shape");
	jsonw_obj(jw);
	jsonw_key(jw, "gpus_per_node");
	jsonw_uint(jw, m->shape_gpn);
	jsonw_key(jw, "gpu_milli");
	jsonw_uint(jw, m->shape_milli);
	jsonw_end(jw);
	jsonw_key(jw, "jain");
	if (isnan(m->jain))
		jsonw_null(jw);
	else
		jsonw_fixed(jw, m->jain, 6);
	jsonw_key(jw, "jain_tenants");
	jsonw_uint(jw, m->jain_tenants);
	jsonw_key(jw, "capacity_gpu_h");
	jsonw_fixed(jw, (double)m->int_cap / MILLI / 3600.0, 3);
	jsonw_key(jw, "down_pct");
	jsonw_fixed(jw, m->down_pct, 6);
	dist_json(jw, "wait_s", &m->wait);
	dist_json(jw, "jct_s", &m->jct);
	jsonw_key(jw, "tenants");
	jsonw_arr(jw);
	for (size_t t = 0; t < m->ntenants; t++) {
		const struct metrics_tenant *mt = &m->tenant[t];
		jsonw_obj(jw);
		jsonw_key(jw, "tenant");
		jsonw_str(jw, tenant_label(w, t));
		jsonw_key(jw, "jobs");
		jsonw_uint(jw, mt->jobs);
		jsonw_key(jw, "completed");
		jsonw_uint(jw, mt->completed);
		jsonw_key(jw, "rejected");
		jsonw_uint(jw, mt->rejected);
		dist_json(jw, "wait_s", &mt->wait);
		dist_json(jw, "jct_s", &mt->jct);
		jsonw_key(jw, "gpu_s_used");
		jsonw_fixed(jw, mt->gpu_s_used, 3);
		jsonw_key(jw, "gpu_s_demanded");
		jsonw_fixed(jw, mt->gpu_s_demanded, 3);
		jsonw_key(jw, "service");
		jsonw_fixed(jw, mt->service, 6);
		jsonw_end(jw);
	}
	jsonw_end(jw);
}

int
metrics_write_util_csv(const struct metrics *m, FILE *f)
{
	fprintf(f, "t,alloc_pct\n");
	for (size_t i = 0; i < m->nutil; i++)
		fprintf(f, "%lld,%.6f\n", (long long)m->util[i].t,
			m->util[i].alloc_pct);
	return ferror(f) ? ERR_IO : 0;
}

/* A CSV field: quoted (with doubled quotes) when it needs to be. */
static void
csv_put(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* GPUs as a number: "8", or "0.250" for shares. */
static void
gpus_put(FILE *f, uint64_t milli)
{
	if (milli % MILLI == 0)
		fprintf(f, "%llu", (unsigned long long)(milli / MILLI));
	else
		fprintf(f, "%llu.%03llu", (unsigned long long)(milli / MILLI),
			(unsigned long long)(milli % MILLI));
}

int
metrics_write_jobs_csv(const struct workload *w, FILE *f)
{
	fprintf(f, "id,tenant,submit,start,end,wait,jct,gpus\n");
	for (size_t i = 0; i < w->njobs; i++) {
		const struct job *j = &w->jobs[i];
		fprintf(f, "%u,", j->id);
		csv_put(f, tenant_label(w, j->tenant));
		fprintf(f, ",%lld,", (long long)j->submit);
		if (j->start >= 0)
			fprintf(f, "%lld", (long long)j->start);
		fputc(',', f);
		if (j->end >= 0)
			fprintf(f, "%lld", (long long)j->end);
		fputc(',', f);
		if (j->start >= 0)
			fprintf(f, "%lld", (long long)(j->start - j->submit));
		fputc(',', f);
		if (j->end >= 0)
			fprintf(f, "%lld", (long long)(j->end - j->submit));
		fputc(',', f);
		gpus_put(f, job_gpu_milli(j));
		fputc('\n', f);
	}
	return ferror(f) ? ERR_IO : 0;
}

int
metrics_write_tenants_csv(const struct metrics *m, const struct workload *w,
			  FILE *f)
{
	fprintf(f, "tenant,jobs,completed,rejected,wait_p50,wait_p90,wait_p99,"
		   "jct_p50,jct_p90,jct_p99,gpu_s_used,gpu_s_demanded,service\n");
	for (size_t t = 0; t < m->ntenants; t++) {
		const struct metrics_tenant *mt = &m->tenant[t];
		csv_put(f, tenant_label(w, t));
		fprintf(f, ",%zu,%zu,%zu,%lld,%lld,%lld,%lld,%lld,%lld,%.3f,%.3f,%.6f\n",
			mt->jobs, mt->completed, mt->rejected,
			(long long)mt->wait.p50, (long long)mt->wait.p90,
			(long long)mt->wait.p99, (long long)mt->jct.p50,
			(long long)mt->jct.p90, (long long)mt->jct.p99,
			mt->gpu_s_used, mt->gpu_s_demanded, mt->service);
	}
	return ferror(f) ? ERR_IO : 0;
}
