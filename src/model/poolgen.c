/*
 * poolgen.c — regular pools from a spec, and the built-in GPU model table.
 *
 * The spec is checked whole (every model known, every domain a whole
 * number of nodes, no site without nodes) before the pool is touched, so
 * a failed build leaves the caller's pool as it was.  The build itself is
 * a few nested loops over the node sequence and uses no randomness: the
 * same spec always gives the same pool, index for index and name for name.
 * Nothing here owns memory beyond the call; the pool owns what is built.
 */
#include "model/poolgen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* Approximate public figures; see the header. */
static const struct poolgen_known known[] = {
	{"A100", {80, 400, 2800}, 8, 8},
	{"H100", {80, 700, 4200}, 8, 8},
	{"H200", {141, 700, 5000}, 8, 8},
	{"B200", {180, 1000, 7000}, 8, 8},
	{"B300", {288, 1100, 8400}, 8, 8},
	{"GB200", {186, 1200, 8400}, 4, 72},
	{"A10", {24, 150, 1000}, 8, 8},
	{"T4", {16, 70, 500}, 8, 8},
	{"P100", {16, 250, 700}, 8, 8},
	{"V100M16", {16, 300, 1200}, 8, 8},
	{"V100M32", {32, 300, 1400}, 8, 8},
};
#define NKNOWN (sizeof known / sizeof known[0])

#define SPEC "spec" /* the "file" name in messages */

const struct poolgen_known *
poolgen_known_model(const char *name)
{
	for (size_t i = 0; i < NKNOWN; i++)
		if (strcmp(known[i].name, name) == 0)
			return &known[i];
	return NULL;
}

const struct poolgen_known *
poolgen_known_at(size_t i)
{
	return i < NKNOWN ? &known[i] : NULL;
}

void
poolgen_defaults(struct poolgen_spec *s)
{
	memset(s, 0, sizeof *s);
	s->sites = 1;
	s->nodes = 32;
	s->rack_nodes = 4;
	s->cpu_milli = 224000;
	s->mem_mib = 2097152;
	s->nmodels = 1;
	snprintf(s->models[0].name, sizeof s->models[0].name, "B200");
	s->models[0].weight = 1;
}

/* Shows v[0..n) quoted and shortened for a message. */
static const char *
show(char *dst, size_t cap, const char *v, size_t n)
{
	size_t k = 0;

	dst[k++] = '"';
	for (size_t i = 0; i < n && k + 6 < cap; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			dst[k++] = (char)c;
		else
			k += (size_t)snprintf(dst + k, cap - k, "\\x%02x", c);
	}
	dst[k++] = '"';
	dst[k] = '\0';
	return dst;
}

static int
get_u32(const char *key, const char *v, size_t n, uint32_t lo, uint32_t hi,
	uint32_t *out, struct err *e)
{
	uint64_t x = 0;
	char q[64];

	if (n == 0 || n > 10)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			goto bad;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x < lo || x > hi)
		goto bad;
	*out = (uint32_t)x;
	return 0;
bad:
	return err_at(e, ERR_INVALID, SPEC, 0, key,
		      "expected an integer %lu..%lu, got %s", (unsigned long)lo,
		      (unsigned long)hi, show(q, sizeof q, v, n));
}

static int
get_double(const char *key, const char *v, size_t n, double *out,
	   struct err *e)
{
	char tmp[32], q[64], *end;
	double x;

	if (n == 0 || n >= sizeof tmp)
		goto bad;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789.eE+-", tmp[i]))
			goto bad;
	x = strtod(tmp, &end);
	if (*end != '\0' || !(x > 0) || !isfinite(x) || x > 1e9)
		goto bad;
	*out = x;
	return 0;
bad:
	return err_at(e, ERR_INVALID, SPEC, 0, key,
		      "expected a positive number, got %s",
		      show(q, sizeof q, v, n));
}

static int
name_ok(const char *v, size_t n)
{
	if (n == 0 || n >= POOLGEN_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("._-@", c) != NULL))
			return 0;
	}
	return 1;
}

/* models=NAME[:WEIGHT]+NAME[:WEIGHT]... */
static int
parse_models(const char *v, size_t n, struct poolgen_spec *s, struct err *e)
{
	size_t i = 0;
	char q[64], name[POOLGEN_MAX_NAME];

	s->nmodels = 0;
	while (i <= n) {
		size_t j = i, c;
		while (j < n && v[j] != '+')
			j++;
		c = i;
		while (c < j && v[c] != ':')
			c++;
		if (s->nmodels >= POOL_MAX_MODELS)
			return err_at(e, ERR_LIMIT, SPEC, 0, "models",
				      "more than %d models", POOL_MAX_MODELS);
		if (!name_ok(v + i, c - i))
			return err_at(e, ERR_INVALID, SPEC, 0, "models",
				      "expected NAME[:WEIGHT], got %s",
				      show(q, sizeof q, v + i, j - i));
		memcpy(name, v + i, c - i);
		name[c - i] = '\0';
		if (poolgen_known_model(name) == NULL)
			return err_at(e, ERR_INVALID, SPEC, 0, "models",
				      "unknown GPU model \"%s\" (known: A100, "
				      "H100, H200, B200, B300, GB200, A10, T4, "
				      "P100, V100M16, V100M32)", name);
		for (int k = 0; k < s->nmodels; k++)
			if (strcmp(s->models[k].name, name) == 0)
				return err_at(e, ERR_INVALID, SPEC, 0, "models",
					      "\"%s\" given twice", name);
		struct poolgen_share *sh = &s->models[s->nmodels++];
		memcpy(sh->name, name, c - i + 1);
		sh->weight = 1;
		if (c < j && get_double("models", v + c + 1, j - c - 1,
					&sh->weight, e) != 0)
			return ERR_INVALID;
		i = j + 1;
	}
	return 0;
}

static int
parse_providers(const char *v, size_t n, struct poolgen_spec *s, struct err *e)
{
	size_t i = 0;
	char q[64];

	s->nproviders = 0;
	while (i <= n) {
		size_t j = i;
		while (j < n && v[j] != '+')
			j++;
		if (s->nproviders >= POOLGEN_MAX_PROVIDERS)
			return err_at(e, ERR_LIMIT, SPEC, 0, "providers",
				      "more than %d providers",
				      POOLGEN_MAX_PROVIDERS);
		if (!name_ok(v + i, j - i))
			return err_at(e, ERR_INVALID, SPEC, 0, "providers",
				      "expected a name, got %s",
				      show(q, sizeof q, v + i, j - i));
		memcpy(s->providers[s->nproviders], v + i, j - i);
		s->providers[s->nproviders++][j - i] = '\0';
		i = j + 1;
	}
	return 0;
}

int
poolgen_parse(const char *spec, struct poolgen_spec *s, struct err *e)
{
	struct poolgen_spec t = *s;
	size_t n = strlen(spec), i = 0;
	double scale = 0;
	char q[64];
	int rc;

	if (n == 0)
		return err_at(e, ERR_INVALID, SPEC, 0, NULL, "empty spec");
	if (n > 4096)
		return err_at(e, ERR_LIMIT, SPEC, 0, NULL,
			      "longer than 4096 bytes");
	while (i <= n) {
		size_t j = i, eq;
		while (j < n && spec[j] != ',')
			j++;
		eq = i;
		while (eq < j && spec[eq] != '=')
			eq++;
		const char *k = spec + i, *v = spec + eq + 1;
		size_t kn = eq - i, vn = eq < j ? j - eq - 1 : 0;
		if (eq == j)
			return err_at(e, ERR_INVALID, SPEC, 0, NULL,
				      "expected key=value, got %s",
				      show(q, sizeof q, k, j - i));
#define KEY(lit) (kn == sizeof(lit) - 1 && memcmp(k, lit, kn) == 0)
		if (KEY("sites"))
			rc = get_u32("sites", v, vn, 1, POOLGEN_MAX_SITES,
				     &t.sites, e);
		else if (KEY("nodes"))
			rc = get_u32("nodes", v, vn, 1, POOLGEN_MAX_NODES,
				     &t.nodes, e);
		else if (KEY("gpus"))
			rc = get_u32("gpus", v, vn, 1, POOL_MAX_GPUS_PER_NODE,
				     &t.gpus, e);
		else if (KEY("domain"))
			rc = get_u32("domain", v, vn, 1, 1000000,
				     &t.domain_gpus, e);
		else if (KEY("rack"))
			rc = get_u32("rack", v, vn, 1, 1000000, &t.rack_nodes, e);
		else if (KEY("cluster"))
			rc = get_u32("cluster", v, vn, 1, POOLGEN_MAX_NODES,
				     &t.cluster_nodes, e);
		else if (KEY("cpu"))
			rc = get_u32("cpu", v, vn, 0, 4000000000u, &t.cpu_milli,
				     e);
		else if (KEY("mem"))
			rc = get_u32("mem", v, vn, 0, 4000000000u, &t.mem_mib, e);
		else if (KEY("models"))
			rc = parse_models(v, vn, &t, e);
		else if (KEY("providers"))
			rc = parse_providers(v, vn, &t, e);
		else if (KEY("scale"))
			rc = get_double("scale", v, vn, &scale, e);
		else
			return err_at(e, ERR_INVALID, SPEC, 0, NULL,
				      "unknown key %s (keys: sites, nodes, "
				      "gpus, models, domain, rack, cluster, "
				      "cpu, mem, providers, scale)",
				      show(q, sizeof q, k, kn));
#undef KEY
		if (rc != 0)
			return rc;
		i = j + 1;
	}
	if (scale > 0)
		poolgen_scale(&t, scale);
	*s = t;
	return 0;
}

void
poolgen_scale(struct poolgen_spec *s, double factor)
{
	double n = floor((double)s->nodes * factor + 0.5);

	if (!(n >= 1))
		n = 1;
	if (n > POOLGEN_MAX_NODES)
		n = POOLGEN_MAX_NODES;
	s->nodes = (uint32_t)n;
}

size_t
poolgen_format(const struct poolgen_spec *s, char *buf, size_t cap)
{
	char tmp[2048];
	size_t k = 0;

#define PUT(...) (k += (size_t)snprintf(tmp + k, k < sizeof tmp ? \
	sizeof tmp - k : 0, __VA_ARGS__))
	PUT("sites=%u,nodes=%u", (unsigned)s->sites, (unsigned)s->nodes);
	if (s->gpus != 0)
		PUT(",gpus=%u", (unsigned)s->gpus);
	PUT(",models=");
	for (int i = 0; i < s->nmodels; i++)
		PUT("%s%s:%g", i ? "+" : "", s->models[i].name,
		    s->models[i].weight);
	if (s->domain_gpus != 0)
		PUT(",domain=%u", (unsigned)s->domain_gpus);
	PUT(",rack=%u", (unsigned)s->rack_nodes);
	if (s->cluster_nodes != 0)
		PUT(",cluster=%u", (unsigned)s->cluster_nodes);
	PUT(",cpu=%u,mem=%u", (unsigned)s->cpu_milli, (unsigned)s->mem_mib);
	for (int i = 0; i < s->nproviders; i++)
		PUT("%s%s", i ? "+" : ",providers=", s->providers[i]);
#undef PUT
	if (k >= sizeof tmp)
		k = sizeof tmp - 1;
	if (cap > 0)
		snprintf(buf, cap, "%s", tmp);
	return k;
}

struct plan {
	uint32_t count[POOL_MAX_MODELS]; /* nodes of each model */
	uint32_t end[POOL_MAX_MODELS];   /* end of its block in the sequence */
	uint32_t gpus[POOL_MAX_MODELS];  /* per node */
	uint32_t dn[POOL_MAX_MODELS];    /* nodes per domain */
	uint32_t rn[POOL_MAX_MODELS];    /* nodes per rack */
};

/* Checks s and works out the per-model numbers. */
static int
plan(const struct poolgen_spec *s, struct plan *pl, struct err *e)
{
	double sum = 0, rem[POOL_MAX_MODELS];
	uint64_t given = 0;

	memset(pl, 0, sizeof *pl);
	if (s->nmodels < 1 || s->nmodels > POOL_MAX_MODELS)
		return err_at(e, ERR_INVALID, SPEC, 0, "models",
			      "expected 1..%d models", POOL_MAX_MODELS);
	if (s->sites < 1 || s->sites > POOLGEN_MAX_SITES)
		return err_at(e, ERR_INVALID, SPEC, 0, "sites",
			      "expected 1..%d sites", POOLGEN_MAX_SITES);
	if (s->nodes < s->sites || s->nodes > POOLGEN_MAX_NODES)
		return err_at(e, ERR_INVALID, SPEC, 0, "nodes",
			      "%u nodes for %u sites (need %u..%d)",
			      (unsigned)s->nodes, (unsigned)s->sites,
			      (unsigned)s->sites, POOLGEN_MAX_NODES);
	if (s->rack_nodes < 1)
		return err_at(e, ERR_INVALID, SPEC, 0, "rack",
			      "expected at least 1 node per rack");
	if (s->gpus > POOL_MAX_GPUS_PER_NODE)
		return err_at(e, ERR_INVALID, SPEC, 0, "gpus",
			      "at most %d GPUs per node", POOL_MAX_GPUS_PER_NODE);
	for (int m = 0; m < s->nmodels; m++) {
		const struct poolgen_known *k = poolgen_known_model(s->models[m].name);
		uint32_t g, d;
		if (k == NULL)
			return err_at(e, ERR_INVALID, SPEC, 0, "models",
				      "unknown GPU model \"%s\"",
				      s->models[m].name);
		if (!(s->models[m].weight > 0) || !isfinite(s->models[m].weight))
			return err_at(e, ERR_INVALID, SPEC, 0, "models",
				      "weight of %s must be positive",
				      s->models[m].name);
		for (int j = 0; j < m; j++)
			if (strcmp(s->models[j].name, s->models[m].name) == 0)
				return err_at(e, ERR_INVALID, SPEC, 0, "models",
					      "\"%s\" given twice",
					      s->models[m].name);
		sum += s->models[m].weight;
		g = s->gpus ? s->gpus : (uint32_t)k->gpus_per_node;
		d = s->domain_gpus ? s->domain_gpus : (uint32_t)k->domain_gpus;
		if (d < g || d % g != 0)
			return err_at(e, ERR_INVALID, SPEC, 0, "domain",
				      "%u GPUs is not a whole number of %u-GPU "
				      "%s nodes", (unsigned)d, (unsigned)g,
				      s->models[m].name);
		pl->gpus[m] = g;
		pl->dn[m] = d / g;
		pl->rn[m] = (s->rack_nodes + pl->dn[m] - 1) / pl->dn[m] * pl->dn[m];
	}
	/* Largest remainder; ties go to the model listed first. */
	for (int m = 0; m < s->nmodels; m++) {
		double x = (double)s->nodes * s->models[m].weight / sum;
		pl->count[m] = (uint32_t)floor(x);
		rem[m] = x - floor(x);
		given += pl->count[m];
	}
	while (given < s->nodes) {
		int best = 0;
		for (int m = 1; m < s->nmodels; m++)
			if (rem[m] > rem[best])
				best = m;
		pl->count[best]++;
		rem[best] = -1;
		given++;
	}
	for (int m = 0; m < s->nmodels; m++)
		pl->end[m] = (m ? pl->end[m - 1] : 0) + pl->count[m];
	return 0;
}

static void
build_cluster(struct pool *p, const char *cname, uint32_t cluster, int model,
	      const struct plan *pl, const struct poolgen_spec *s, uint32_t n)
{
	char name[128];
	uint32_t rack = 0, dom = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (i % pl->rn[model] == 0) {
			snprintf(name, sizeof name, "%s-r%03u", cname,
				 (unsigned)(i / pl->rn[model]));
			rack = pool_add_rack(p, name, cluster);
		}
		if (i % pl->dn[model] == 0) {
			snprintf(name, sizeof name, "%s-d%04u", cname,
				 (unsigned)(i / pl->dn[model]));
			dom = pool_add_domain(p, name, rack);
		}
		snprintf(name, sizeof name, "%s-n%05u", cname, (unsigned)i);
		long r = pool_add_node(p, name, dom, model, (int)pl->gpus[model],
				       s->cpu_milli, s->mem_mib, NULL);
		ALLOT_ASSERT(r >= 0);
	}
}

int
poolgen_build(const struct poolgen_spec *s, struct pool *p, struct err *e)
{
	struct plan pl;
	char sname[64], cname[96], prov[64];
	int rc;

	if (p->nnodes || p->nsites || p->model_names.n || p->ndomains ||
	    p->nracks || p->nclusters)
		return err_set(e, ERR_STATE, "poolgen: the pool is not empty");
	if ((rc = plan(s, &pl, e)) != 0)
		return rc;
	for (int m = 0; m < s->nmodels; m++) {
		const struct poolgen_known *k = poolgen_known_model(s->models[m].name);
		rc = pool_model(p, k->name, &k->props, e);
		ALLOT_ASSERT(rc == m);
	}
	for (uint32_t si = 0; si < s->sites; si++) {
		uint32_t lo = (uint32_t)((uint64_t)si * s->nodes / s->sites);
		uint32_t hi = (uint32_t)((uint64_t)(si + 1) * s->nodes / s->sites);
		uint32_t c = 0, site;
		snprintf(sname, sizeof sname, "site-%u", (unsigned)si);
		if (s->nproviders > 0)
			snprintf(prov, sizeof prov, "%s",
				 s->providers[si % (uint32_t)s->nproviders]);
		else
			snprintf(prov, sizeof prov, "provider-%u", (unsigned)si);
		site = pool_add_site(p, sname, prov);
		for (uint32_t k = lo; k < hi;) {
			int m = 0;
			while (pl.end[m] <= k)
				m++;
			uint32_t end = pl.end[m] < hi ? pl.end[m] : hi;
			uint32_t n = end - k;
			if (s->cluster_nodes != 0 && n > s->cluster_nodes)
				n = s->cluster_nodes;
			snprintf(cname, sizeof cname, "%s-c%u", sname, (unsigned)c++);
			uint32_t cl = pool_add_cluster(p, cname, site);
			build_cluster(p, cname, cl, m, &pl, s, n);
			k += n;
		}
	}
	return 0;
}
