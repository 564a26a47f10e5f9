/*
 * cmd-fgd.c — `allot fgd`: the FGD paper's allocation experiment on an
 * openb node list and task list (sim/fgdexp.h describes the method).
 *
 *	allot fgd --nodes NODES.csv --pods PODS.csv --policy NAME
 *	          [--seeds 42-51] [--inflate 1.3] [--ties rank|uniform] [--json]
 *
 * NAME is one policy (Random, DotProd, GpuClustering, GpuPacking,
 * BestFit, FGD), a comma list of them, or "all".  The option names and
 * the JSON keys unalloc_pct_at_100 and alloc_pct_at_130 ({"mean", "sd"})
 * are an interface scripts rely on (DESIGN.md §7).  With one policy and
 * --json the output is one object; with several, an array of them.
 * Without --json, a table.  Errors go to stderr; the exit status is
 * err_exit_status of the error (64 for bad usage).  The JSON holds no
 * wall-clock figure except wall_s.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "sched/place.h"
#include "sim/fgdexp.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/jsonw.h"

#define EXIT_USAGE 64

struct args {
	const char *nodes, *pods, *policy, *seeds;
	double inflate;
	int ties;
	int json;
	int pol[PLACE_NPOLICIES];
	int npol;
};

struct result {
	int pol;
	struct fgdexp_run *runs; /* one per seed */
	double unalloc_mean, unalloc_sd, alloc_mean, alloc_sd;
	double wall_s;
};

#define usage_error(...) cmd_usage_error(&cmd_fgd_entry, __VA_ARGS__)

static int
parse_policies(struct args *a)
{
	char buf[256];
	char *save = NULL;
	size_t n = strlen(a->policy);

	if (strcmp(a->policy, "all") == 0) {
		for (int p = 0; p < PLACE_NPOLICIES; p++)
			a->pol[a->npol++] = p;
		return 0;
	}
	if (n >= sizeof buf)
		return usage_error("--policy: too long");
	memcpy(buf, a->policy, n + 1);
	for (char *t = strtok_r(buf, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		int p = place_policy_parse(t);

		if (p < 0)
			return usage_error("--policy: unknown policy \"%s\" (Random, "
					   "DotProd, GpuClustering, GpuPacking, "
					   "BestFit, FGD, or all)", t);
		if (a->npol == PLACE_NPOLICIES)
			return usage_error("--policy: too many policies");
		a->pol[a->npol++] = p;
	}
	if (a->npol == 0)
		return usage_error("--policy: no policy given");
	return 0;
}

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const char *const names[] = {"--nodes", "--pods", "--policy",
					    "--seeds", "--ties", "--inflate"};

	memset(a, 0, sizeof *a);
	a->seeds = "42-51";
	a->inflate = 1.3;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		size_t k;

		if (strcmp(argv[i], "--json") == 0) {
			a->json = 1;
			continue;
		}
		for (k = 0; k < sizeof names / sizeof names[0]; k++)
			if ((v = cmd_opt_value(argc, argv, &i, names[k])) != NULL)
				break;
		if (v == NULL)
			return usage_error("unknown option %s", argv[i]);
		if (*v == '\0')
			return usage_error("%s needs a value", names[k]);
		switch (k) {
		case 0: a->nodes = v; break;
		case 1: a->pods = v; break;
		case 2: a->policy = v; break;
		case 3: a->seeds = v; break;
		case 4:
			if (strcmp(v, "rank") == 0)
				a->ties = PLACE_TIES_RANK;
			else if (strcmp(v, "uniform") == 0)
				a->ties = PLACE_TIES_UNIFORM;
			else
				return usage_error("--ties: expected rank or uniform, "
						   "got \"%s\"", v);
			break;
		default: {
			char *end;

			errno = 0;
			a->inflate = strtod(v, &end);
			if (errno != 0 || *end != '\0' || !(a->inflate > 0) ||
			    a->inflate > FGDEXP_MAX_PCT / 100.0)
				return usage_error("--inflate: expected a number in "
						   "(0, %d], got \"%s\"",
						   FGDEXP_MAX_PCT / 100, v);
		}
		}
	}
	if (a->nodes == NULL)
		return usage_error("%s", "--nodes NODES.csv is required");
	if (a->pods == NULL)
		return usage_error("%s", "--pods PODS.csv is required");
	if (a->policy == NULL)
		return usage_error("%s", "--policy NAME is required");
	return parse_policies(a);
}

static void
json_stat(struct jsonw *w, const char *key, double mean, double sd)
{
	jsonw_key(w, key);
	jsonw_obj(w);
	jsonw_key(w, "mean");
	jsonw_fixed(w, mean, 4);
	jsonw_key(w, "sd");
	jsonw_fixed(w, sd, 4);
	jsonw_end(w);
}

static void
json_result(struct jsonw *w, const struct args *a, const uint64_t *seeds,
	    size_t nseeds, const struct result *r)
{
	jsonw_obj(w);
	jsonw_key(w, "policy");
	jsonw_str(w, place_policy_name((enum place_policy)r->pol));
	jsonw_key(w, "inflate");
	jsonw_fixed(w, a->inflate, 4);
	jsonw_key(w, "ties");
	jsonw_str(w, a->ties == PLACE_TIES_UNIFORM ? "uniform" : "rank");
	jsonw_key(w, "seeds");
	jsonw_arr(w);
	for (size_t i = 0; i < nseeds; i++)
		jsonw_uint(w, seeds[i]);
	jsonw_end(w);
	json_stat(w, "unalloc_pct_at_100", r->unalloc_mean, r->unalloc_sd);
	json_stat(w, "alloc_pct_at_130", r->alloc_mean, r->alloc_sd);
	jsonw_key(w, "per_seed");
	jsonw_arr(w);
	for (size_t i = 0; i < nseeds; i++) {
		const struct fgdexp_run *x = &r->runs[i];

		jsonw_obj(w);
		jsonw_key(w, "seed");
		jsonw_uint(w, x->seed);
		jsonw_key(w, "unalloc_pct_at_100");
		jsonw_fixed(w, x->unalloc_pct_at_100, 4);
		jsonw_key(w, "alloc_pct_at_130");
		jsonw_fixed(w, x->alloc_pct_at_130, 4);
		jsonw_key(w, "tasks");
		jsonw_uint(w, x->tasks);
		jsonw_key(w, "failed");
		jsonw_uint(w, x->failed);
		jsonw_key(w, "arrived_milli");
		jsonw_uint(w, x->arrived_milli);
		jsonw_key(w, "alloc_milli");
		jsonw_uint(w, x->alloc_milli);
		jsonw_end(w);
	}
	jsonw_end(w);
	jsonw_key(w, "wall_s");
	jsonw_fixed(w, r->wall_s, 3);
	jsonw_end(w);
}

static void
print_table(const struct args *a, const struct fgdexp *x, const uint64_t *seeds,
	    size_t nseeds, const struct result *res, int nres)
{
	size_t nodes = 0;

	for (size_t i = 0; i < x->pool.nnodes; i++)
		nodes += x->pool.nodes[i].ngpu > 0;
	printf("FGD experiment: %zu GPU nodes with %" PRIu64 " GPUs, %zu tasks "
	       "inflated to %.2fx capacity, seeds %s, %s ties\n\n", nodes,
	       x->gpus, x->tasks.njobs, a->inflate, a->seeds,
	       a->ties == PLACE_TIES_UNIFORM ? "uniform" : "rank");
	if (nres == 1) {
		const struct result *r = &res[0];

		printf("%-8s %14s %14s %7s %7s\n", "seed", "unalloc@100 %",
		       "alloc@130 %", "tasks", "failed");
		for (size_t i = 0; i < nseeds; i++)
			printf("%-8" PRIu64 " %14.2f %14.2f %7zu %7zu\n",
			       seeds[i], r->runs[i].unalloc_pct_at_100,
			       r->runs[i].alloc_pct_at_130, r->runs[i].tasks,
			       r->runs[i].failed);
		printf("\n");
	}
	printf("%-14s %20s %20s %8s\n", "policy", "unalloc@100 % (sd)",
	       "alloc@130 % (sd)", "wall s");
	for (int k = 0; k < nres; k++) {
		char u[32], al[32];

		snprintf(u, sizeof u, "%.2f (%.2f)", res[k].unalloc_mean,
			 res[k].unalloc_sd);
		snprintf(al, sizeof al, "%.2f (%.2f)", res[k].alloc_mean,
			 res[k].alloc_sd);
		printf("%-14s %20s %20s %8.2f\n",
		       place_policy_name((enum place_policy)res[k].pol), u, al,
		       res[k].wall_s);
	}
}

static int
exec_fgd(int argc, char **argv)
{
	struct args a;
	struct fgdexp x;
	struct err e;
	struct result res[PLACE_NPOLICIES];
	uint64_t *seeds = NULL;
	size_t nseeds = 0;
	double *u = NULL, *al = NULL;
	int rc, nres = 0, status = 0;

	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc;
	if (fgdexp_parse_seeds(a.seeds, &seeds, &nseeds, &e) != 0)
		return usage_error("%s", e.msg);
	if ((rc = fgdexp_load(&x, a.nodes, a.pods, &e)) != 0) {
		fprintf(stderr, "allot fgd: %s\n", e.msg);
		free(seeds);
		return err_exit_status(rc);
	}
	x.ties = (enum place_ties)a.ties;
	memset(res, 0, sizeof res);
	u = xcalloc(nseeds, sizeof *u);
	al = xcalloc(nseeds, sizeof *al);
	for (int k = 0; k < a.npol; k++) {
		struct result *r = &res[nres++];
		double t0 = cmd_now_s();

		r->pol = a.pol[k];
		r->runs = xcalloc(nseeds, sizeof *r->runs);
		for (size_t i = 0; i < nseeds; i++) {
			if ((rc = fgdexp_run(&x, (enum place_policy)r->pol, seeds[i],
					     a.inflate, &r->runs[i], &e)) != 0) {
				fprintf(stderr, "allot fgd: %s\n", e.msg);
				status = err_exit_status(rc);
				goto out;
			}
			u[i] = r->runs[i].unalloc_pct_at_100;
			al[i] = r->runs[i].alloc_pct_at_130;
		}
		fgdexp_mean_sd(u, nseeds, &r->unalloc_mean, &r->unalloc_sd);
		fgdexp_mean_sd(al, nseeds, &r->alloc_mean, &r->alloc_sd);
		r->wall_s = cmd_now_s() - t0;
	}
	if (a.json) {
		struct jsonw w;

		jsonw_init(&w, stdout);
		if (nres > 1)
			jsonw_arr(&w);
		for (int k = 0; k < nres; k++)
			json_result(&w, &a, seeds, nseeds, &res[k]);
		if (nres > 1)
			jsonw_end(&w);
		jsonw_nl(&w);
	} else {
		print_table(&a, &x, seeds, nseeds, res, nres);
	}
out:
	for (int k = 0; k < nres; k++)
		free(res[k].runs);
	free(u);
	free(al);
	free(seeds);
	fgdexp_free(&x);
	return status;
}

const struct cmd_entry cmd_fgd_entry = {
	.name = "fgd",
	.usage = "--nodes NODES.csv --pods PODS.csv --policy NAME "
		 "[--seeds 42-51] [--inflate 1.3] [--ties rank|uniform] [--json]",
	.summary = "the FGD paper's allocation experiment on openb node and task lists",
	.help = "  --nodes FILE    openb node list (CPU-only nodes are left out)\n"
		"  --pods FILE     openb task list\n"
		"  --policy NAME   Random, DotProd, GpuClustering, GpuPacking, BestFit,\n"
		"                  FGD, a comma list of them, or all\n"
		"  --seeds LIST    seeds, e.g. 42-51 or 42,43 (default 42-51)\n"
		"  --inflate X     fill the task list to X times the GPU capacity\n"
		"                  (default 1.3)\n"
		"  --ties MODE     rank: ties go to the first node of a random order\n"
		"                  per run, as in the paper's simulator (default);\n"
		"                  uniform: uniformly at random, as stock Kubernetes\n"
		"  --json          one JSON object (an array for several policies)\n",
	.exec = exec_fgd,
};
