/*
 * cmd-pool.c — `allot pool`: generate, summarise and check pool
 * descriptions (docs/POOL-FORMAT.md).
 *
 *	allot pool gen SPEC [-o FILE] [--scale X]
 *	allot pool show POOL [--json]
 *	allot pool check POOL
 *	allot pool import NAME=SLURM_CONF... [--default-model M] [-o FILE]
 *
 * POOL is a pool file or "gen:SPEC" (pool_load).  Everything here is I/O
 * around model/poolfile and model/poolgen; the pool is owned by the
 * subcommand and freed before it returns.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "exec/multi.h"
#include "model/poolfile.h"
#include "model/poolgen.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/file.h"
#include "util/jsonw.h"

static int
fail(const struct err *e)
{
	fprintf(stderr, "allot pool: %s\n", e->msg);
	return err_exit_status(e->code);
}

static int
usage(void)
{
	cmd_usage(&cmd_pool_entry, stderr);
	return err_exit_status(ERR_USAGE);
}

static int
pool_gen(int argc, char **argv)
{
	struct poolgen_spec s;
	struct pool p;
	struct err e;
	const char *spec = NULL, *out = NULL;
	double scale = 0;
	FILE *f = stdout;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
			char *end;
			scale = strtod(argv[++i], &end);
			if (*end != '\0' || !(scale > 0) || scale > 1e6) {
				fprintf(stderr, "allot pool gen: --scale: expected a "
					"positive number, got \"%s\"\n", argv[i]);
				return err_exit_status(ERR_USAGE);
			}
		} else if (argv[i][0] == '-' || spec != NULL)
			return usage();
		else
			spec = argv[i];
	}
	if (spec == NULL)
		return usage();
	if (strncmp(spec, "gen:", 4) == 0)
		spec += 4;
	poolgen_defaults(&s);
	if (poolgen_parse(spec, &s, &e) != 0)
		return fail(&e);
	if (scale > 0)
		poolgen_scale(&s, scale);
	pool_init(&p);
	if (poolgen_build(&s, &p, &e) != 0) {
		pool_free(&p);
		return fail(&e);
	}
	if (out != NULL && (f = fopen(out, "w")) == NULL) {
		err_at(&e, ERR_IO, out, 0, NULL, "%s", strerror(errno));
		pool_free(&p);
		return fail(&e);
	}
	rc = poolfile_write(f, &p, &e);
	if (out != NULL && fclose(f) != 0 && rc == 0)
		rc = err_at(&e, ERR_IO, out, 0, NULL, "%s", strerror(errno));
	pool_free(&p);
	if (rc != 0) {
		if (out != NULL)
			remove(out);
		return fail(&e);
	}
	return 0;
}

/* What `show` prints, gathered in one pass over the nodes. */
struct summary {
	uint64_t model_gpus[POOL_MAX_MODELS];
	uint64_t model_nodes[POOL_MAX_MODELS];
	uint64_t *site_gpus;   /* nsites x POOL_MAX_MODELS */
	uint64_t *site_nodes;  /* nsites */
	uint64_t states[4];
	uint64_t cpu_nodes;
	size_t nproviders;
	uint32_t *sizes;       /* distinct domain sizes, descending */
	uint64_t *size_count;
	size_t nsizes;
};

static int
cmp_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

static void
summarise(const struct pool *p, struct summary *s)
{
	uint8_t *seen = xcalloc(p->names.n + 1, 1);
	uint32_t *all;

	memset(s, 0, sizeof *s);
	s->site_gpus = xcalloc(p->nsites * POOL_MAX_MODELS + 1, sizeof *s->site_gpus);
	s->site_nodes = xcalloc(p->nsites + 1, sizeof *s->site_nodes);
	for (size_t i = 0; i < p->nnodes; i++) {
		const struct node *n = &p->nodes[i];
		uint32_t site = pool_node_site(p, (uint32_t)i);
		if (n->state < 4)
			s->states[n->state]++;
		s->site_nodes[site]++;
		if (n->ngpu == 0) {
			s->cpu_nodes++;
			continue;
		}
		s->model_nodes[n->model]++;
		if (n->state == NODE_ABSENT)
			continue;
		s->model_gpus[n->model] += n->ngpu;
		s->site_gpus[site * POOL_MAX_MODELS + n->model] += n->ngpu;
	}
	for (size_t i = 0; i < p->nsites; i++)
		if (!seen[p->sites[i].provider]) {
			seen[p->sites[i].provider] = 1;
			s->nproviders++;
		}
	free(seen);
	all = xmalloc((p->ndomains + 1) * sizeof *all);
	for (size_t d = 0; d < p->ndomains; d++)
		all[d] = p->domains[d].ngpu;
	qsort(all, p->ndomains, sizeof *all, cmp_desc);
	s->sizes = xmalloc((p->ndomains + 1) * sizeof *s->sizes);
	s->size_count = xmalloc((p->ndomains + 1) * sizeof *s->size_count);
	for (size_t d = 0; d < p->ndomains; d++) {
		if (s->nsizes == 0 || s->sizes[s->nsizes - 1] != all[d]) {
			s->sizes[s->nsizes] = all[d];
			s->size_count[s->nsizes++] = 0;
		}
		s->size_count[s->nsizes - 1]++;
	}
	free(all);
}

static void
summary_free(struct summary *s)
{
	free(s->site_gpus);
	free(s->site_nodes);
	free(s->sizes);
	free(s->size_count);
}

static const char *const states[4] = {"up", "drain", "down", "absent"};

static void
show_text(const char *src, const struct pool *p, const struct summary *s)
{
	const struct strtab *mn = &p->model_names;

	printf("pool %s: %zu nodes, %llu GPUs, %zu NVLink domains, %zu racks, "
	       "%zu clusters, %zu sites, %zu providers\n", src, p->nnodes,
	       (unsigned long long)p->total_gpus, p->ndomains, p->nracks,
	       p->nclusters, p->nsites, s->nproviders);
	printf("\nmodels:\n  %-10s %8s %12s %7s %8s %9s\n", "model", "mem_GiB",
	       "won/GPU-hour", "watts", "nodes", "GPUs");
	for (size_t m = 0; m < mn->n; m++)
		printf("  %-10s %8lu %12llu %7lu %8llu %9llu\n", mn->str[m],
		       (unsigned long)p->models[m].mem_gib,
		       (unsigned long long)p->models[m].price_won_hour,
		       (unsigned long)p->models[m].watts,
		       (unsigned long long)s->model_nodes[m],
		       (unsigned long long)s->model_gpus[m]);
	if (s->cpu_nodes)
		printf("  %-10s %8s %12s %7s %8llu %9d\n", "(CPU only)", "", "", "",
		       (unsigned long long)s->cpu_nodes, 0);
	printf("\nsites:\n  %-16s %-12s %8s %9s  GPUs by model\n", "site",
	       "provider", "nodes", "GPUs");
	for (size_t i = 0; i < p->nsites; i++) {
		uint64_t g = 0;
		for (size_t m = 0; m < mn->n; m++)
			g += s->site_gpus[i * POOL_MAX_MODELS + m];
		printf("  %-16s %-12s %8llu %9llu ",
		       strtab_get(&p->names, p->sites[i].name),
		       strtab_get(&p->names, p->sites[i].provider),
		       (unsigned long long)s->site_nodes[i], (unsigned long long)g);
		for (size_t m = 0; m < mn->n; m++)
			if (s->site_gpus[i * POOL_MAX_MODELS + m])
				printf(" %s=%llu", mn->str[m], (unsigned long long)
				       s->site_gpus[i * POOL_MAX_MODELS + m]);
		printf("\n");
	}
	printf("\nNVLink domains by size:");
	for (size_t k = 0; k < s->nsizes; k++)
		printf(" %lu GPUs x %llu%s", (unsigned long)s->sizes[k],
		       (unsigned long long)s->size_count[k],
		       k + 1 < s->nsizes ? "," : "");
	printf("\nnode states:");
	for (int k = 0; k < 4; k++)
		printf(" %s %llu%s", states[k], (unsigned long long)s->states[k],
		       k < 3 ? "," : "\n");
}

static void
show_json(const char *src, const struct pool *p, const struct summary *s)
{
	const struct strtab *mn = &p->model_names;
	struct jsonw w;

	jsonw_init(&w, stdout);
	jsonw_obj(&w);
	jsonw_key(&w, "source");
	jsonw_str(&w, src);
	jsonw_key(&w, "nodes");
	jsonw_uint(&w, p->nnodes);
	jsonw_key(&w, "gpus");
	jsonw_uint(&w, p->total_gpus);
	jsonw_key(&w, "domains");
	jsonw_uint(&w, p->ndomains);
	jsonw_key(&w, "racks");
	jsonw_uint(&w, p->nracks);
	jsonw_key(&w, "clusters");
	jsonw_uint(&w, p->nclusters);
	jsonw_key(&w, "sites");
	jsonw_uint(&w, p->nsites);
	jsonw_key(&w, "providers");
	jsonw_uint(&w, s->nproviders);
	jsonw_key(&w, "cpu_only_nodes");
	jsonw_uint(&w, s->cpu_nodes);
	jsonw_key(&w, "models");
	jsonw_arr(&w);
	for (size_t m = 0; m < mn->n; m++) {
		jsonw_obj(&w);
		jsonw_key(&w, "name");
		jsonw_str(&w, mn->str[m]);
		jsonw_key(&w, "mem_gib");
		jsonw_uint(&w, p->models[m].mem_gib);
		jsonw_key(&w, "price_won_hour");
		jsonw_uint(&w, p->models[m].price_won_hour);
		jsonw_key(&w, "watts");
		jsonw_uint(&w, p->models[m].watts);
		jsonw_key(&w, "nodes");
		jsonw_uint(&w, s->model_nodes[m]);
		jsonw_key(&w, "gpus");
		jsonw_uint(&w, s->model_gpus[m]);
		jsonw_end(&w);
	}
	jsonw_end(&w);
	jsonw_key(&w, "by_site");
	jsonw_arr(&w);
	for (size_t i = 0; i < p->nsites; i++) {
		uint64_t g = 0;
		for (size_t m = 0; m < mn->n; m++)
			g += s->site_gpus[i * POOL_MAX_MODELS + m];
		jsonw_obj(&w);
		jsonw_key(&w, "name");
		jsonw_str(&w, strtab_get(&p->names, p->sites[i].name));
		jsonw_key(&w, "provider");
		jsonw_str(&w, strtab_get(&p->names, p->sites[i].provider));
		jsonw_key(&w, "nodes");
		jsonw_uint(&w, s->site_nodes[i]);
		jsonw_key(&w, "gpus");
		jsonw_uint(&w, g);
		jsonw_key(&w, "gpus_by_model");
		jsonw_obj(&w);
		for (size_t m = 0; m < mn->n; m++)
			if (s->site_gpus[i * POOL_MAX_MODELS + m]) {
				jsonw_key(&w, mn->str[m]);
				jsonw_uint(&w, s->site_gpus[i * POOL_MAX_MODELS + m]);
			}
		jsonw_end(&w);
		jsonw_end(&w);
	}
	jsonw_end(&w);
	jsonw_key(&w, "domain_sizes");
	jsonw_arr(&w);
	for (size_t k = 0; k < s->nsizes; k++) {
		jsonw_obj(&w);
		jsonw_key(&w, "gpus");
		jsonw_uint(&w, s->sizes[k]);
		jsonw_key(&w, "count");
		jsonw_uint(&w, s->size_count[k]);
		jsonw_end(&w);
	}
	jsonw_end(&w);
	jsonw_key(&w, "states");
	jsonw_obj(&w);
	for (int k = 0; k < 4; k++) {
		jsonw_key(&w, states[k]);
		jsonw_uint(&w, s->states[k]);
	}
	jsonw_end(&w);
	jsonw_end(&w);
	jsonw_nl(&w);
}

static int
pool_show(int argc, char **argv, int check)
{
	const char *src = NULL;
	struct pool p;
	struct summary s;
	struct err e;
	int json = 0;

	for (int i = 1; i < argc; i++) {
		if (!check && strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] == '-' || src != NULL)
			return usage();
		else
			src = argv[i];
	}
	if (src == NULL)
		return usage();
	pool_init(&p);
	if (pool_load(src, &p, &e) != 0) {
		pool_free(&p);
		return fail(&e);
	}
	if (check) {
		printf("%s: ok: %zu nodes, %llu GPUs, %zu NVLink domains, %zu "
		       "sites\n", src, p.nnodes, (unsigned long long)p.total_gpus,
		       p.ndomains, p.nsites);
	} else {
		summarise(&p, &s);
		if (json)
			show_json(src, &p, &s);
		else
			show_text(src, &p, &s);
		summary_free(&s);
	}
	pool_free(&p);
	if (fflush(stdout) != 0) {
		err_set(&e, ERR_IO, "stdout: %s", strerror(errno));
		return fail(&e);
	}
	return 0;
}

/* The pool `allot serve --cluster ...` would import at its first start,
 * from the same agents, in a scratch state directory removed after. */
static int
pool_import(int argc, char **argv)
{
	char name[MULTI_MAX][64], tmp[] = "/tmp/allot-pool-import.XXXXXX";
	const char *names[MULTI_MAX], *confs[MULTI_MAX], *model = "H100";
	const char *out = NULL;
	size_t n = 0;
	char *text = NULL;
	struct exec *x;
	struct pool p;
	struct err e;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *v, *eq;
		if ((v = cmd_opt_value(argc, argv, &i, "--default-model")) != NULL)
			model = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "-o")) != NULL)
			out = v;
		else if (argv[i][0] != '-' && (eq = strchr(argv[i], '=')) != NULL &&
			 eq != argv[i] && eq[1] != '\0' && eq - argv[i] <= 53 &&
			 n < MULTI_MAX) {
			snprintf(name[n], sizeof name[n], "%.*s",
				 (int)(eq - argv[i]), argv[i]);
			names[n] = name[n];
			confs[n++] = eq + 1;
		} else
			return cmd_usage_error(&cmd_pool_entry, "import: expected "
					       "NAME=SLURM_CONF, got \"%s\"", argv[i]);
	}
	if (n == 0)
		return cmd_usage_error(&cmd_pool_entry, "import: no cluster");
	if (mkdtemp(tmp) == NULL) {
		err_set(&e, ERR_IO, "%s: %s", tmp, strerror(errno));
		return fail(&e);
	}
	if ((x = multi_slurm_open(names, confs, n, tmp, NULL, &e)) == NULL)
		rc = e.code < 0 ? e.code : ERR_IO;
	else
		rc = multi_pool_text(x, model, &text, &e);
	if (rc == 0 && text == NULL) {
		err_set(&e, ERR_INTERNAL, "import: no pool text");
		rc = ERR_INTERNAL;
	}
	exec_free(x);
	{
		char path[128];
		for (size_t k = 0; k < n; k++) {
			snprintf(path, sizeof path, "%s/clusters/%s", tmp, names[k]);
			rmdir(path);
		}
		snprintf(path, sizeof path, "%s/clusters", tmp);
		rmdir(path);
		rmdir(tmp);
	}
	pool_init(&p);
	if (rc == 0) /* what serve will parse */
		rc = poolfile_parse("imported pool", text, strlen(text), &p, &e);
	if (rc == 0 && out != NULL)
		rc = file_write_whole(out, text, strlen(text), &e);
	else if (rc == 0 && fputs(text, stdout) == EOF)
		rc = err_set(&e, ERR_IO, "stdout: %s", strerror(errno));
	if (rc == 0)
		fprintf(stderr, "allot pool: imported %zu clusters: %zu nodes, "
			"%llu GPUs\n", n, p.nnodes,
			(unsigned long long)p.total_gpus);
	pool_free(&p);
	free(text);
	return rc == 0 ? 0 : fail(&e);
}

static int
exec_pool(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "gen") == 0)
		return pool_gen(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return pool_show(argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "check") == 0)
		return pool_show(argc - 1, argv + 1, 1);
	if (strcmp(argv[1], "import") == 0)
		return pool_import(argc - 1, argv + 1);
	fprintf(stderr, "allot pool: unknown subcommand \"%s\"\n", argv[1]);
	return usage();
}

const struct cmd_entry cmd_pool_entry = {
	.name = "pool",
	.usage = "gen SPEC [-o FILE] [--scale X] | show POOL [--json] | "
		 "check POOL | import NAME=SLURM_CONF... [--default-model M] "
		 "[-o FILE]",
	.summary = "generate, summarise and check pool descriptions",
	.help =
	"  gen SPEC        build a regular pool from SPEC and write its pool\n"
	"                  file to stdout (or -o FILE); --scale X multiplies\n"
	"                  the node count.  SPEC is key=value pairs joined by\n"
	"                  commas: sites, nodes, gpus (per node), models\n"
	"                  (NAME[:WEIGHT]+...), domain (NVLink domain, GPUs),\n"
	"                  rack (nodes per rack), cluster (largest cluster,\n"
	"                  nodes), cpu (milli-cores), mem (MiB), providers\n"
	"                  (NAME+...), scale.  Example:\n"
	"                  sites=3,nodes=32500,gpus=8,models=B200:0.6+H200:0.4,domain=72\n"
	"  show POOL       print models, GPUs per model and site, nodes, NVLink\n"
	"                  domains by size and node states; --json for one\n"
	"                  JSON object\n"
	"  check POOL      read and validate POOL; exit 0 if good, else print\n"
	"                  FILE:LINE: field: reason and exit non-zero (65 for\n"
	"                  bad content, 66 for a missing file)\n"
	"  import NAME=SLURM_CONF...  the pool `allot serve --cluster` would\n"
	"                  import from these Slurm clusters' nodes (one agent\n"
	"                  each, as serve does); --default-model M for untyped\n"
	"                  gpu GRES (default H100); -o FILE\n"
	"\n"
	"POOL is a pool file (docs/POOL-FORMAT.md) or gen:SPEC.\n",
	.exec = exec_pool,
};
