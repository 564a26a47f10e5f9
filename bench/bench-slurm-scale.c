/*
 * bench-slurm-scale.c — the driver of bench/slurm-scale.sh (issue 6):
 * Slurm's allocation logic at national scale beside allot's pass, on the
 * same pool and the same queue.
 *
 *	bench-slurm-scale                       prints "skipped" (bench-all.sh
 *	                                        runs it through the script)
 *	bench-slurm-scale conf DIR SCALE TOPO   writes DIR/nodes.conf,
 *	                                        DIR/gres.conf, DIR/topology.conf
 *	bench-slurm-scale run SCALE SECONDS     submits, releases, measures
 *
 * The world is sim/benchpass.h's with its defaults divided by SCALE
 * (1: 260,000 GPUs = 32,500 nodes x 8, 100,000 pending jobs; 10: a tenth):
 * the same generator and seed as `allot bench-pass`, so the queue is
 * bench-pass's queue job for job.
 *
 * conf: one Slurm node per pool node, "gNNNNN" (pool index), State=CLOUD
 * (slurmctld allocates them without any slurmd), CPUs and RealMemory from
 * the pool (224 CPUs as 2 sockets x 56 cores x 2 threads), Gres=gpu:<model>:8
 * with the model as GRES type (b200, h200);
 * with TOPO=1 a topology/tree whose leaf switches are the 72-GPU NVLink
 * domains, under one switch per cluster, per site and a top switch.
 *
 * run (SLURM_CONF names a running slurmctld whose partition "gpu" is
 * DOWN: jobs queue but nothing is allocated):
 *  1. times allot's pass on this world twice: as bench-pass does (81 % of
 *     the pool busy with running jobs; median of 5) and on the empty pool
 *     Slurm starts from (the running jobs given back; median of 5);
 *  2. submits the queue through slurm_submit_batch_job, one job per allot
 *     job, in queue order: nodes, GPUs per node ("gres:gpu[:type]:N", a
 *     GPU share becomes one whole GPU), 16 CPUs per GPU as cpus_per_task,
 *     time limit in minutes (rounded up), tenant tN as account.  Held
 *     (priority 0): otherwise slurmctld tests every new job against all
 *     nodes at submission (cons_tres' GRES filter; measured 7 jobs/s at
 *     3,250 nodes, 0.2 ms a job held); then releases each job (priority
 *     INFINITE) while the partition is still DOWN;
 *  3. resets sdiag's counters, sets the partition UP (time 0) and samples
 *     sdiag once a second for SECONDS;
 *  4. loads the jobs once and counts the allocated ones and their GPUs by
 *     the second of their start time (allocation time for CLOUD nodes).
 * Prints lines "key value" that the script turns into its report.
 * Ownership: everything is freed before exit; no global mutable state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* slurm.h and model/job.h both name job states JOB_PENDING, ...: Slurm's
 * become SLURM_JOB_* here, and its IS_JOB_* macros must not be used. */
#define JOB_PENDING SLURM_JOB_PENDING
#define JOB_RUNNING SLURM_JOB_RUNNING
#define JOB_FAILED SLURM_JOB_FAILED
#define JOB_CANCELLED SLURM_JOB_CANCELLED
#define JOB_PREEMPTED SLURM_JOB_PREEMPTED
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#undef JOB_PENDING
#undef JOB_RUNNING
#undef JOB_FAILED
#undef JOB_CANCELLED
#undef JOB_PREEMPTED

#include "model/job.h"
#include "model/pool.h"
#include "sim/benchpass.h"
#include "util/alloc.h"

/* Exported by libslurm, not declared in its public header. */
extern void slurm_free_stats_response_msg(stats_info_response_msg_t *msg);

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static long arg_long(const char *s, long lo, long hi);

static int
build(long scale, struct benchpass *b)
{
	struct benchpass_opts o;
	struct err e = {0};

	benchpass_defaults(&o);
	o.gpus /= (uint64_t)scale;
	o.pending /= (size_t)scale;
	if (benchpass_build(&o, b, &e) != 0) {
		fprintf(stderr, "bench-slurm-scale: %s\n", e.msg);
		benchpass_free(b);
		return -1;
	}
	return 0;
}

/* A model's name as a GRES type: lower case ("b200"). */
static void
gres_type(const struct pool *p, int model, char *buf, size_t n)
{
	const char *s = strtab_get(&p->model_names, (uint32_t)model);
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	buf[i] = '\0';
}

/* Writes "PREFIX[a-b,c-d]" for the sorted indices v[0..n), or "PREFIXa". */
static void
put_range(FILE *f, const char *prefix, int width, const uint32_t *v, size_t n)
{
	size_t i = 0;

	if (n == 1) {
		fprintf(f, "%s%0*" PRIu32, prefix, width, v[0]);
		return;
	}
	fprintf(f, "%s[", prefix);
	while (i < n) {
		size_t k = i;
		while (k + 1 < n && v[k + 1] == v[k] + 1)
			k++;
		if (i > 0)
			fputc(',', f);
		if (k == i)
			fprintf(f, "%0*" PRIu32, width, v[i]);
		else
			fprintf(f, "%0*" PRIu32 "-%0*" PRIu32, width, v[i], width, v[k]);
		i = k + 1;
	}
	fputc(']', f);
}

static FILE *
open_in(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		fprintf(stderr, "bench-slurm-scale: %s: %s\n", path, strerror(errno));
	return f;
}

/* Groups items 0..n-1 by key[i] (keys ascending in i, as poolgen lays
 * them out) and writes one topology line per group: "SwitchName=<sw>K
 * <what>=<child>[...]" where the children of group K are the items i
 * (or their values child[i], deduplicated) with key[i] == K. */
static void
put_switches(FILE *f, const char *sw, const char *what, const char *cprefix,
	     int cwidth, const uint32_t *key, const uint32_t *child, size_t n)
{
	uint32_t *v = xmalloc((n + 1) * sizeof *v);
	size_t i = 0;

	while (i < n) {
		size_t nv = 0, k = i;
		for (; k < n && key[k] == key[i]; k++) {
			uint32_t c = child ? child[k] : (uint32_t)k;
			if (nv == 0 || v[nv - 1] != c)
				v[nv++] = c;
		}
		fprintf(f, "SwitchName=%s%" PRIu32 " %s=", sw, key[i], what);
		put_range(f, cprefix, cwidth, v, nv);
		fputc('\n', f);
		i = k;
	}
	free(v);
}

static int
do_conf(const char *dir, long scale, int topo)
{
	struct benchpass b;
	struct pool *p;
	FILE *nf, *gf, *tf = NULL;
	uint32_t *idx, *dom, *clu, *site, *cidx;
	size_t i = 0, nd = 0, nc = 0;
	int rc = 0;

	if (build(scale, &b) != 0)
		return 1;
	p = &b.pool;
	nf = open_in(dir, "nodes.conf");
	gf = open_in(dir, "gres.conf");
	if (topo)
		tf = open_in(dir, "topology.conf");
	if (nf == NULL || gf == NULL || (topo && tf == NULL)) {
		rc = 1;
		goto out;
	}
	fprintf(nf, "# written by bench-slurm-scale conf: %zu nodes, %llu GPUs "
		"(sim/benchpass.h, scale 1/%ld)\n", p->nnodes,
		(unsigned long long)p->total_gpus, scale);
	fprintf(gf, "AutoDetect=off\n");
	idx = xmalloc((p->nnodes + 1) * sizeof *idx);
	/* Nodes: runs of one model and shape. */
	while (i < p->nnodes) {
		const struct node *n0 = &p->nodes[i];
		size_t k = i, nv = 0;
		char type[32];
		for (; k < p->nnodes; k++) {
			const struct node *n = &p->nodes[k];
			if (n->model != n0->model || n->ngpu != n0->ngpu ||
			    n->cpu_milli != n0->cpu_milli || n->mem_mib != n0->mem_mib)
				break;
			idx[nv++] = (uint32_t)k;
		}
		gres_type(p, n0->model, type, sizeof type);
		fprintf(nf, "NodeName=");
		put_range(nf, "g", 5, idx, nv);
		/* 224 CPUs as a DGX-like 2 x 56 cores x 2 threads */
		fprintf(nf, " CPUs=%u Boards=1 SocketsPerBoard=2 CoresPerSocket=%u "
			"ThreadsPerCore=2 RealMemory=%u Gres=gpu:%s:%u State=CLOUD\n",
			n0->cpu_milli / 1000, n0->cpu_milli / 4000, n0->mem_mib,
			type, n0->ngpu);
		fprintf(gf, "NodeName=");
		put_range(gf, "g", 5, idx, nv);
		fprintf(gf, " Name=gpu Type=%s Count=%u\n", type, n0->ngpu);
		i = k;
	}
	free(idx);
	if (topo) {
		/* leaf: one switch per NVLink domain; then clusters, sites. */
		dom = xmalloc((p->nnodes + 1) * sizeof *dom);
		clu = xmalloc((p->nnodes + 1) * sizeof *clu);
		site = xmalloc((p->nnodes + 1) * sizeof *site);
		cidx = xmalloc((p->nnodes + 1) * sizeof *cidx);
		for (i = 0; i < p->nnodes; i++) {
			dom[i] = p->nodes[i].domain;
			clu[i] = pool_node_cluster(p, (uint32_t)i);
			site[i] = pool_node_site(p, (uint32_t)i);
			if (i > 0 && dom[i] < dom[i - 1]) {
				fprintf(stderr, "bench-slurm-scale: domains are "
					"not laid out in node order\n");
				rc = 1;
			}
		}
		if (rc == 0) {
			fprintf(tf, "# NVLink domains (leaf), clusters, sites\n");
			put_switches(tf, "d", "Nodes", "g", 5, dom, NULL, p->nnodes);
			/* per domain (one entry per node, deduplicated) */
			put_switches(tf, "c", "Switches", "d", 0, clu, dom, p->nnodes);
			put_switches(tf, "s", "Switches", "c", 0, site, clu, p->nnodes);
			for (i = 0; i < p->nnodes; i++)
				cidx[i] = 0;
			put_switches(tf, "top", "Switches", "s", 0, cidx, site,
				     p->nnodes);
			nd = p->ndomains;
			nc = p->nclusters;
		}
		free(dom);
		free(clu);
		free(site);
		free(cidx);
	}
	printf("nodes %zu\ngpus %llu\ndomains %zu\nclusters %zu\n", p->nnodes,
	       (unsigned long long)p->total_gpus, nd, nc);
out:
	if (nf != NULL && fclose(nf) != 0)
		rc = 1;
	if (gf != NULL && fclose(gf) != 0)
		rc = 1;
	if (tf != NULL && fclose(tf) != 0)
		rc = 1;
	benchpass_free(&b);
	return rc;
}

/* Median of 5 passes on b's current state; starts/GPUs of the last. */
static double
time_pass(struct benchpass *b, size_t *starts, double *gpus)
{
	double ms[5];

	for (int r = 0; r < 5; r++) {
		double t0 = now_s();
		benchpass_pass(b);
		ms[r] = (now_s() - t0) * 1e3;
		if (r == 4) {
			*starts = b->res.nstart;
			*gpus = 0;
			for (size_t i = 0; i < b->res.n; i++)
				if (b->res.v[i].kind == SCHED_START)
					*gpus += (double)job_gpu_milli(
						&b->jobs[b->res.v[i].job]) / MILLI;
		}
		benchpass_undo(b);
	}
	qsort(ms, 5, sizeof ms[0], cmp_double);
	return ms[2];
}

/* Gives back every running job: the pool Slurm starts from. */
static void
empty_pool(struct benchpass *b)
{
	for (size_t i = 0; i < b->nrunning; i++) {
		const struct job *j = &b->jobs[i];
		placer_release(b->pl, j, &b->allocs[i]);
		quota_charge(&b->quota, j->tenant, (int)(j->tenant % 2),
			     -(int64_t)job_gpu_milli(j));
		alloc_free(&b->allocs[i]);
	}
	b->nrunning = 0;
	b->pol.nrunning = 0;
	b->running_gpus = 0;
}

static int
set_partition(uint16_t state)
{
	update_part_msg_t m;

	slurm_init_part_desc_msg(&m);
	m.name = (char *)"gpu";
	m.state_up = state;
	if (slurm_update_partition(&m) != SLURM_SUCCESS) {
		fprintf(stderr, "bench-slurm-scale: partition update: %s\n",
			slurm_strerror(slurm_get_errno()));
		return -1;
	}
	return 0;
}

struct sample {
	double t;
	uint32_t started, main_n, bf_n, bf_jobs;
};

static int
stats(stats_info_response_msg_t **r)
{
	stats_info_request_msg_t q = {.command_id = STAT_COMMAND_GET};

	return slurm_get_statistics(r, &q) == SLURM_SUCCESS ? 0 : -1;
}

static int
do_run(long scale, long seconds)
{
	struct benchpass b;
	char *env[] = {(char *)"PATH=/usr/bin:/bin", NULL};
	char script[] = "#!/bin/sh\ntrue\n";
	char name[32], acct[32], tres[64], type[32];
	uint32_t *sid = NULL;
	size_t nq, nsub = 0, st_full = 0, st_empty = 0;
	double g_full = 0, g_empty = 0, ms_full, ms_empty, t0, t_rel, tsub;
	struct sample *smp = NULL;
	size_t nsmp = 0;
	stats_info_response_msg_t *r = NULL;
	stats_info_request_msg_t reset = {.command_id = STAT_COMMAND_RESET};
	job_info_msg_t *jm = NULL;
	time_t wall_rel;
	int rc = 1;

	if (getenv("SLURM_CONF") == NULL || access(getenv("SLURM_CONF"), R_OK) != 0) {
		fprintf(stderr, "bench-slurm-scale: SLURM_CONF must name a readable "
			"slurm.conf\n");
		return 1;
	}
	if (build(scale, &b) != 0)
		return 1;
	nq = b.nqueue;
	if (getenv("SLURM_SCALE_MAXJOBS") != NULL) { /* development: a prefix */
		long cap = arg_long(getenv("SLURM_SCALE_MAXJOBS"), 1, 10000000);
		if (cap > 0 && (size_t)cap < nq)
			nq = (size_t)cap;
	}
	printf("pool_gpus %llu\npool_nodes %zu\npending %zu\nrunning_jobs %zu\n",
	       (unsigned long long)b.pool.total_gpus, b.pool.nnodes, nq, b.nrunning);

	/* 1. allot's pass: as bench-pass, then on the empty pool. */
	ms_full = time_pass(&b, &st_full, &g_full);
	empty_pool(&b);
	ms_empty = time_pass(&b, &st_empty, &g_empty);
	printf("allot_pass_ms_filled %.2f\nallot_starts_filled %zu\n"
	       "allot_gpus_filled %.0f\n", ms_full, st_full, g_full);
	printf("allot_pass_ms_empty %.2f\nallot_starts_empty %zu\n"
	       "allot_gpus_empty %.0f\n", ms_empty, st_empty, g_empty);
	fflush(stdout);

	/* 2. submit the queue (the partition is DOWN: nothing starts). */
	slurm_init(NULL);
	sid = xcalloc(nq + 1, sizeof *sid);
	t0 = now_s();
	for (size_t k = 0; k < nq; k++) {
		const struct job *j = &b.jobs[b.queue[k]];
		job_desc_msg_t d;
		submit_response_msg_t *resp = NULL;
		unsigned gpn = j->gpus_per_node ? j->gpus_per_node : 1;
		int m = j->model_mask == 1 ? 0 : j->model_mask == 2 ? 1 : -1;

		snprintf(name, sizeof name, "bp%zu", k);
		snprintf(acct, sizeof acct, "t%" PRIu32, j->tenant);
		if (m >= 0) {
			gres_type(&b.pool, m, type, sizeof type);
			snprintf(tres, sizeof tres, "gres:gpu:%s:%u", type, gpn);
		} else {
			snprintf(tres, sizeof tres, "gres:gpu:%u", gpn);
		}
		slurm_init_job_desc_msg(&d);
		d.name = name;
		d.account = acct;
		d.partition = (char *)"gpu";
		d.script = script;
		d.environment = env;
		d.env_size = 1;
		d.work_dir = (char *)"/tmp";
		d.std_out = (char *)"/dev/null";
		d.std_err = (char *)"/dev/null";
		d.user_id = (uint32_t)getuid();
		d.group_id = (uint32_t)getgid();
		d.min_nodes = d.max_nodes = j->nodes;
		d.num_tasks = j->nodes;
		d.ntasks_per_node = 1;
		d.cpus_per_task = (uint16_t)(16 * gpn);
		d.tres_per_node = tres;
		d.time_limit = (uint32_t)((j->time_limit + 59) / 60);
		d.requeue = 0;
		d.priority = 0; /* held: see the file's comment */
		if (slurm_submit_batch_job(&d, &resp) != SLURM_SUCCESS) {
			fprintf(stderr, "bench-slurm-scale: submit %zu (%s, %u nodes): "
				"%s\n", k, tres, (unsigned)j->nodes,
				slurm_strerror(slurm_get_errno()));
			goto out;
		}
		sid[k] = resp->job_id;
		slurm_free_submit_response_response_msg(resp);
		nsub++;
		if (nsub % 10000 == 0) {
			fprintf(stderr, "bench-slurm-scale: %zu submitted, %.0f/s\n",
				nsub, (double)nsub / (now_s() - t0));
		}
	}
	tsub = now_s() - t0;
	printf("submitted %zu\nsubmit_s %.1f\nsubmit_per_s %.0f\n", nsub, tsub,
	       (double)nsub / tsub);
	fflush(stdout);

	/* Release every job (the partition is still DOWN). */
	t0 = now_s();
	for (size_t k = 0; k < nq; k++) {
		job_desc_msg_t u;
		slurm_init_job_desc_msg(&u);
		u.job_id = sid[k];
		u.priority = INFINITE;
		if (slurm_update_job(&u) != SLURM_SUCCESS) {
			fprintf(stderr, "bench-slurm-scale: release %" PRIu32 ": %s\n",
				sid[k], slurm_strerror(slurm_get_errno()));
			goto out;
		}
	}
	printf("release_s %.1f\n", now_s() - t0);
	fflush(stdout);

	/* 3. open the partition and sample sdiag once a second. */
	sleep(2); /* let the submission burst settle */
	if (slurm_reset_statistics(&reset) != SLURM_SUCCESS)
		fprintf(stderr, "bench-slurm-scale: sdiag reset: %s\n",
			slurm_strerror(slurm_get_errno()));
	smp = xcalloc((size_t)seconds + 2, sizeof *smp);
	wall_rel = time(NULL);
	t_rel = now_s();
	if (set_partition(PARTITION_UP) != 0)
		goto out;
	for (long s = 1; s <= seconds; s++) {
		double wake = t_rel + (double)s;
		double dt = wake - now_s();
		if (dt > 0) {
			struct timespec ts = {(time_t)dt,
					      (long)((dt - (double)(time_t)dt) * 1e9)};
			nanosleep(&ts, NULL);
		}
		if (stats(&r) != 0) {
			fprintf(stderr, "bench-slurm-scale: sdiag at %ld s: %s\n", s,
				slurm_strerror(slurm_get_errno()));
			continue;
		}
		smp[nsmp++] = (struct sample){now_s() - t_rel, r->jobs_started,
					      r->schedule_cycle_counter,
					      r->bf_cycle_counter,
					      r->bf_backfilled_jobs};
		if (s == seconds) {
			printf("sdiag_main_last_us %u\nsdiag_main_max_us %u\n"
			       "sdiag_main_mean_us %.0f\nsdiag_main_cycles %u\n"
			       "sdiag_main_mean_depth %.0f\n",
			       r->schedule_cycle_last, r->schedule_cycle_max,
			       r->schedule_cycle_counter ?
			       (double)r->schedule_cycle_sum /
			       r->schedule_cycle_counter : 0.0,
			       r->schedule_cycle_counter,
			       r->schedule_cycle_counter ?
			       (double)r->schedule_cycle_depth /
			       r->schedule_cycle_counter : 0.0);
			printf("sdiag_bf_last_us %u\nsdiag_bf_max_us %u\n"
			       "sdiag_bf_mean_us %.0f\nsdiag_bf_cycles %u\n"
			       "sdiag_bf_last_depth %u\nsdiag_bf_last_depth_try %u\n"
			       "sdiag_bf_backfilled %u\nsdiag_jobs_started %u\n"
			       "sdiag_jobs_pending %u\nsdiag_jobs_running %u\n",
			       r->bf_cycle_last, r->bf_cycle_max,
			       r->bf_cycle_counter ? (double)r->bf_cycle_sum /
			       r->bf_cycle_counter : 0.0, r->bf_cycle_counter,
			       r->bf_last_depth, r->bf_last_depth_try,
			       r->bf_backfilled_jobs, r->jobs_started,
			       r->jobs_pending, r->jobs_running);
		}
		slurm_free_stats_response_msg(r);
		r = NULL;
	}
	for (size_t i = 0; i < nsmp; i++)
		printf("sample %.1f started %u main_cycles %u bf_cycles %u "
		       "backfilled %u\n", smp[i].t, smp[i].started, smp[i].main_n,
		       smp[i].bf_n, smp[i].bf_jobs);

	/* 4. the jobs Slurm allocated, by the second of their start. */
	if (set_partition(PARTITION_DOWN) != 0)
		fprintf(stderr, "bench-slurm-scale: could not stop scheduling\n");
	t0 = now_s();
	if (slurm_load_jobs(0, &jm, SHOW_ALL) != SLURM_SUCCESS) {
		fprintf(stderr, "bench-slurm-scale: load jobs: %s\n",
			slurm_strerror(slurm_get_errno()));
		goto out;
	}
	printf("load_jobs_s %.2f\n", now_s() - t0);
	{
		long first = -1, last = -1;
		size_t alloc_n = 0, by10 = 0, by60 = 0;
		double gpus = 0;
		for (uint32_t i = 0; i < jm->record_count; i++) {
			const slurm_job_info_t *sj = &jm->job_array[i];
			size_t lo = 0, hi = nq;
			long at;
			if ((sj->job_state & JOB_STATE_BASE) == SLURM_JOB_PENDING ||
			    sj->start_time == 0)
				continue;
			while (lo < hi) { /* sid[] ascends: one submitter */
				size_t mid = (lo + hi) / 2;
				if (sid[mid] < sj->job_id)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo >= nq || sid[lo] != sj->job_id)
				continue;
			{
				const struct job *j = &b.jobs[b.queue[lo]];
				gpus += (double)j->nodes *
					(j->gpus_per_node ? j->gpus_per_node : 1);
			}
			alloc_n++;
			at = (long)(sj->start_time - wall_rel);
			if (at < 10)
				by10++;
			if (at < 60)
				by60++;
			if (first < 0 || at < first)
				first = at;
			if (at > last)
				last = at;
		}
		printf("slurm_allocated %zu\nslurm_gpus %.0f\nslurm_alloc_first_s %ld\n"
		       "slurm_alloc_last_s %ld\nslurm_alloc_by_10s %zu\n"
		       "slurm_alloc_by_60s %zu\n", alloc_n, gpus, first, last,
		       by10, by60);
	}
	rc = 0;
out:
	if (jm != NULL)
		slurm_free_job_info_msg(jm);
	free(smp);
	free(sid);
	benchpass_free(&b);
	if (rc == 0)
		slurm_fini();
	return rc;
}

static long
arg_long(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

int
main(int argc, char **argv)
{
	long scale, v;

	if (argc == 1) {
		printf("skipped: the driver of bench/slurm-scale.sh (a private "
		       "slurmctld); bench-all.sh runs that script below\n");
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "conf") == 0 &&
	    (scale = arg_long(argv[3], 1, 1000)) > 0 &&
	    (v = arg_long(argv[4], 0, 1)) >= 0)
		return do_conf(argv[2], scale, (int)v);
	if (argc == 4 && strcmp(argv[1], "run") == 0 &&
	    (scale = arg_long(argv[2], 1, 1000)) > 0 &&
	    (v = arg_long(argv[3], 1, 3600)) > 0)
		return do_run(scale, v);
	fprintf(stderr, "usage: bench-slurm-scale [conf DIR SCALE TOPO | "
		"run SCALE SECONDS]\n");
	return 2;
}
