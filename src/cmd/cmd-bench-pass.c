/*
 * cmd-bench-pass.c — `allot bench-pass`: times one full national
 * scheduling pass at scale (DESIGN.md §6: 260,000 GPUs, 100,000 pending
 * jobs, <= 50 ms on one core) on the world sim/benchpass.h builds.
 *
 * The pass is run --repeat times on the same state (each run's starts are
 * given back before the next); the median is pass_ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "sim/benchpass.h"
#include "util/jsonw.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "allot bench-pass: %s: %s\nusage: allot bench-pass %s\n",
		what, arg, cmd_bench_pass_entry.usage);
	return 64;
}

static int
exec_bench_pass(int argc, char **argv)
{
	struct benchpass_opts o;
	struct benchpass b;
	struct err e = {0};
	long long repeat = 5, v;
	int json = 0, rc;
	double t0, build_ms, *ms, per_gpu, per_job;
	size_t counts[SCHED_NREASONS] = {0}, starts = 0, preempts = 0, reserved = 0;

	benchpass_defaults(&o);
	for (int i = 1; i < argc; i++) {
		const char *val;
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--no-reclaim") == 0) {
			o.reclaim = 0;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--gpus")) != NULL) {
			if ((v = cmd_parse_count(val)) < 0)
				return usage_error("--gpus: not a count", val);
			o.gpus = (uint64_t)v;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--pending")) != NULL) {
			if ((v = cmd_parse_count(val)) < 0)
				return usage_error("--pending: not a count", val);
			o.pending = (size_t)v;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--tenants")) != NULL) {
			if ((v = cmd_parse_count(val)) < 0)
				return usage_error("--tenants: not a count", val);
			o.tenants = (size_t)v;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--backfill")) != NULL) {
			if ((v = cmd_parse_count(val)) < 0 || v > 1000)
				return usage_error("--backfill: not a count 0..1000", val);
			o.backfill = (uint32_t)v;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--repeat")) != NULL) {
			if ((repeat = cmd_parse_count(val)) < 1 || repeat > 1000)
				return usage_error("--repeat: not a count 1..1000", val);
		} else if ((val = cmd_opt_value(argc, argv, &i, "--seed")) != NULL) {
			if ((v = cmd_parse_count(val)) < 0)
				return usage_error("--seed: not a count", val);
			o.seed = (uint64_t)v;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--fill")) != NULL) {
			char *end;
			o.fill = strtod(val, &end);
			if (*val == '\0' || *end != '\0' || !(o.fill >= 0 && o.fill <= 1))
				return usage_error("--fill: not a fraction 0..1", val);
		} else {
			return usage_error("unknown option", argv[i]);
		}
	}
	t0 = cmd_now_s() * 1e3;
	if ((rc = benchpass_build(&o, &b, &e)) != 0) {
		fprintf(stderr, "allot bench-pass: %s\n", e.msg);
		benchpass_free(&b);
		return err_exit_status(rc);
	}
	build_ms = cmd_now_s() * 1e3 - t0;
	ms = calloc((size_t)repeat, sizeof *ms);
	for (long long r = 0; r < repeat; r++) {
		t0 = cmd_now_s() * 1e3;
		benchpass_pass(&b);
		ms[r] = cmd_now_s() * 1e3 - t0;
		if (r == repeat - 1) {
			for (size_t i = 0; i < b.res.n; i++) {
				const struct sched_decision *d = &b.res.v[i];
				if (d->kind == SCHED_PENDING)
					counts[d->reason]++;
			}
			starts = b.res.nstart;
			preempts = b.res.npreempt;
			reserved = b.res.nreserved;
		}
		benchpass_undo(&b);
	}
	qsort(ms, (size_t)repeat, sizeof *ms, cmp_double);
	benchpass_bytes(&b, &per_gpu, &per_job);
	if (json) {
		struct jsonw w;
		jsonw_init(&w, stdout);
		jsonw_obj(&w);
		jsonw_key(&w, "gpus");
		jsonw_uint(&w, b.pool.total_gpus);
		jsonw_key(&w, "nodes");
		jsonw_uint(&w, b.pool.nnodes);
		jsonw_key(&w, "pending");
		jsonw_uint(&w, b.nqueue);
		jsonw_key(&w, "running_jobs");
		jsonw_uint(&w, b.nrunning);
		jsonw_key(&w, "running_gpus");
		jsonw_uint(&w, b.running_gpus);
		jsonw_key(&w, "tenants");
		jsonw_uint(&w, o.tenants);
		jsonw_key(&w, "repeat");
		jsonw_int(&w, repeat);
		jsonw_key(&w, "pass_ms");
		jsonw_fixed(&w, ms[repeat / 2], 3);
		jsonw_key(&w, "pass_ms_min");
		jsonw_fixed(&w, ms[0], 3);
		jsonw_key(&w, "pass_ms_max");
		jsonw_fixed(&w, ms[repeat - 1], 3);
		jsonw_key(&w, "build_ms");
		jsonw_fixed(&w, build_ms, 1);
		jsonw_key(&w, "starts");
		jsonw_uint(&w, starts);
		jsonw_key(&w, "preempts");
		jsonw_uint(&w, preempts);
		jsonw_key(&w, "reservations");
		jsonw_uint(&w, reserved);
		jsonw_key(&w, "pending_reasons");
		jsonw_obj(&w);
		for (int k = 1; k < SCHED_NREASONS; k++)
			if (counts[k] > 0) {
				jsonw_key(&w, sched_reason_name((enum sched_reason)k));
				jsonw_uint(&w, counts[k]);
			}
		jsonw_end(&w);
		jsonw_key(&w, "bytes_per_gpu");
		jsonw_fixed(&w, per_gpu, 1);
		jsonw_key(&w, "bytes_per_job");
		jsonw_fixed(&w, per_job, 1);
		jsonw_end(&w);
		jsonw_nl(&w);
	} else {
		printf("pool       %llu GPUs on %zu nodes; %zu running jobs hold %llu GPUs\n",
		       (unsigned long long)b.pool.total_gpus, b.pool.nnodes,
		       b.nrunning, (unsigned long long)b.running_gpus);
		printf("queue      %zu pending jobs of %zu tenants\n", b.nqueue,
		       o.tenants);
		printf("pass       %.2f ms median of %lld (min %.2f, max %.2f); "
		       "build %.0f ms\n", ms[repeat / 2], repeat, ms[0],
		       ms[repeat - 1], build_ms);
		printf("decisions  %zu starts, %zu preemptions, %zu reservations\n",
		       starts, preempts, reserved);
		printf("pending   ");
		for (int k = 1; k < SCHED_NREASONS; k++)
			if (counts[k] > 0)
				printf(" %s %zu", sched_reason_name((enum sched_reason)k),
				       counts[k]);
		printf("\nstate      %.1f bytes per GPU, %.1f bytes per job\n",
		       per_gpu, per_job);
	}
	free(ms);
	benchpass_free(&b);
	return 0;
}

const struct cmd_entry cmd_bench_pass_entry = {
	.name = "bench-pass",
	.usage = "[--gpus N] [--pending M] [--tenants T] [--fill F] "
		 "[--backfill K] [--no-reclaim] [--repeat R] [--seed S] [--json]",
	.summary = "time one national-scale scheduling pass",
	.help = "Builds a generated pool (3 sites, B200 and H200, 72-GPU NVLink\n"
		"domains) with N GPUs (default 260000), 500 tenants with grants\n"
		"covering 90 % of each model, running jobs on a fraction F of\n"
		"the granted GPUs (default 0.9), and M\n"
		"pending jobs (default 100000) from GPU shares to 4,096-GPU gangs;\n"
		"then times the full priority pass (quota, order, placement,\n"
		"K backfill reservations, reclaim) R times (default 5).\n"
		"  --json   one JSON object: pass_ms (median), bytes_per_gpu,\n"
		"           bytes_per_job, decision counts, pending reasons\n",
	.exec = exec_bench_pass,
};
