/*
 * topo.c — the domain index and gang node choice (see topo.h).
 *
 * Layout: nodes of each domain and domains of each site are kept as CSR
 * arrays (start offsets plus one flat list), built once from the pool.
 * Counters: lvl[d][g] = nodes of domain d with >= g whole GPUs free;
 * site_lvl[s][m][g] the same summed per site and model.  nf[n] caches each
 * node's whole-free count so updates are differential.  site_cap[s][m][g]
 * counts the nodes that would have >= g GPUs if they were empty (UP or
 * HELD nodes of that many GPUs), for topo_could_ever_fit; nc[n] caches
 * each node's contribution.
 */
#include "sched/topo.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define NLVL (POOL_MAX_GPUS_PER_NODE + 1)

struct topo {
	const struct pool *pool;
	size_t ndomains, nsites;
	uint8_t *nf;           /* per node: whole GPUs free (0 if not UP) */
	uint16_t (*lvl)[NLVL]; /* per domain */
	uint8_t *dmodel;       /* per domain: model of its nodes */
	uint32_t *dsite, *drack;
	uint32_t *dnode_start, *dnode; /* CSR: domain -> nodes */
	uint32_t *sdom_start, *sdom;   /* CSR: site -> domains */
	uint32_t *site_lvl;    /* [site][model][g] */
	uint8_t *nc;           /* per node: GPUs if UP or HELD, else 0 */
	uint32_t *site_cap;    /* [site][model][g], as if all were free */
};

static uint32_t *
site_cell(const struct topo *t, uint32_t site, int model)
{
	return &t->site_lvl[((size_t)site * POOL_MAX_MODELS + (size_t)model) * NLVL];
}

/* Models in use: the pool's (models are never removed). */
static int
nmodels(const struct topo *t)
{
	size_t n = t->pool->model_names.n;

	return n < POOL_MAX_MODELS ? (int)n : POOL_MAX_MODELS;
}

static int
node_whole_free(const struct node *n)
{
	return (n->state == NODE_UP || n->state == NODE_HELD) ? node_full_free(n) : 0;
}

static int
node_cap(const struct node *n)
{
	return (n->state == NODE_UP || n->state == NODE_HELD) ? n->ngpu : 0;
}

static void
apply_cap(struct topo *t, uint32_t node, int old, int now)
{
	const struct node *n = &t->pool->nodes[node];
	uint32_t *sc = &t->site_cap[((size_t)t->dsite[n->domain] * POOL_MAX_MODELS +
				     (size_t)n->model) * NLVL];

	for (int g = 1; g < NLVL; g++)
		sc[g] = (uint32_t)((int64_t)sc[g] + (now >= g) - (old >= g));
}

static void
apply(struct topo *t, uint32_t node, int old, int now)
{
	const struct node *n = &t->pool->nodes[node];
	uint32_t d = n->domain;
	uint32_t *sc = site_cell(t, t->dsite[d], n->model);

	for (int g = 1; g < NLVL; g++) {
		int delta = (now >= g) - (old >= g);
		t->lvl[d][g] = (uint16_t)(t->lvl[d][g] + delta);
		sc[g] = (uint32_t)((int64_t)sc[g] + delta);
	}
}

struct topo *
topo_new(const struct pool *p)
{
	struct topo *t = xcalloc(1, sizeof *t);
	size_t nn = p->nnodes, nd = p->ndomains, ns = p->nsites;

	t->pool = p;
	t->ndomains = nd;
	t->nsites = ns;
	t->nf = xcalloc(nn, 1);
	t->lvl = xcalloc(nd, sizeof *t->lvl);
	t->dmodel = xcalloc(nd, 1);
	t->dsite = xcalloc(nd, sizeof *t->dsite);
	t->drack = xcalloc(nd, sizeof *t->drack);
	t->dnode_start = xcalloc(nd + 1, sizeof *t->dnode_start);
	t->dnode = xcalloc(nn, sizeof *t->dnode);
	t->sdom_start = xcalloc(ns + 1, sizeof *t->sdom_start);
	t->sdom = xcalloc(nd, sizeof *t->sdom);
	t->site_lvl = xcalloc(ns * POOL_MAX_MODELS * NLVL, sizeof *t->site_lvl);
	t->nc = xcalloc(nn + 1, 1);
	t->site_cap = xcalloc(ns * POOL_MAX_MODELS * NLVL + 1, sizeof *t->site_cap);

	for (size_t d = 0; d < nd; d++) {
		uint32_t r = p->domains[d].rack;
		t->drack[d] = r;
		t->dsite[d] = p->clusters[p->racks[r].cluster].site;
	}
	/* CSR by counting sort keeps index order inside each bucket. */
	for (size_t n = 0; n < nn; n++)
		t->dnode_start[p->nodes[n].domain + 1]++;
	for (size_t d = 0; d < nd; d++)
		t->dnode_start[d + 1] += t->dnode_start[d];
	{
		uint32_t *fill = xcalloc(nd, sizeof *fill);
		for (size_t n = 0; n < nn; n++) {
			uint32_t d = p->nodes[n].domain;
			t->dnode[t->dnode_start[d] + fill[d]++] = (uint32_t)n;
		}
		free(fill);
	}
	for (size_t d = 0; d < nd; d++) {
		t->sdom_start[t->dsite[d] + 1]++;
		if (t->dnode_start[d + 1] > t->dnode_start[d])
			t->dmodel[d] = p->nodes[t->dnode[t->dnode_start[d]]].model;
	}
	for (size_t s = 0; s < ns; s++)
		t->sdom_start[s + 1] += t->sdom_start[s];
	{
		uint32_t *fill = xcalloc(ns + 1, sizeof *fill);
		for (size_t d = 0; d < nd; d++) {
			uint32_t s = t->dsite[d];
			t->sdom[t->sdom_start[s] + fill[s]++] = (uint32_t)d;
		}
		free(fill);
	}
	for (size_t n = 0; n < nn; n++) {
		int now = node_whole_free(&p->nodes[n]);
		apply(t, (uint32_t)n, 0, now);
		t->nf[n] = (uint8_t)now;
		now = node_cap(&p->nodes[n]);
		apply_cap(t, (uint32_t)n, 0, now);
		t->nc[n] = (uint8_t)now;
	}
	return t;
}

void
topo_free(struct topo *t)
{
	if (t == NULL)
		return;
	free(t->nf);
	free(t->lvl);
	free(t->dmodel);
	free(t->dsite);
	free(t->drack);
	free(t->dnode_start);
	free(t->dnode);
	free(t->sdom_start);
	free(t->sdom);
	free(t->site_lvl);
	free(t->nc);
	free(t->site_cap);
	free(t);
}

void
topo_node_changed(struct topo *t, uint32_t node)
{
	int now = node_whole_free(&t->pool->nodes[node]);

	if (now != t->nf[node]) {
		apply(t, node, t->nf[node], now);
		t->nf[node] = (uint8_t)now;
	}
	now = node_cap(&t->pool->nodes[node]);
	if (now != t->nc[node]) {
		apply_cap(t, node, t->nc[node], now);
		t->nc[node] = (uint8_t)now;
	}
}

static int
shape_ok(const struct job *j)
{
	return j->gpus_per_node >= 1 && j->gpus_per_node <= POOL_MAX_GPUS_PER_NODE &&
	       j->gpu_milli == MILLI && j->nodes >= 1;
}

int
topo_may_fit(const struct topo *t, const struct job *j)
{
	int g = j->gpus_per_node;

	if (!shape_ok(j))
		return 0;
	for (int m = 0; m < nmodels(t); m++) {
		uint64_t sum = 0;
		if (!job_allows_model(j, m))
			continue;
		for (size_t s = 0; s < t->nsites; s++) {
			uint32_t c = site_cell(t, (uint32_t)s, m)[g];
			if (c >= j->nodes)
				return 1;
			sum += c;
		}
		if ((j->flags & JOB_CROSS_SITE) && sum >= j->nodes)
			return 1;
	}
	return 0;
}

struct cand {
	uint32_t dom, rack, count;
	uint32_t exact; /* count checked against CPU, memory and holds */
};

/* Most eligible nodes first; then lowest rack; then lowest index. */
static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->rack != y->rack)
		return x->rack < y->rack ? -1 : 1;
	return x->dom < y->dom ? -1 : (x->dom > y->dom);
}

/* Nodes of domain d that can host one member of j. */
static uint32_t
usable_in(const struct topo *t, uint32_t d, const struct job *j,
	  const struct topo_hold *h, uint32_t *out, uint32_t want)
{
	uint32_t k = 0;

	for (uint32_t i = t->dnode_start[d]; i < t->dnode_start[d + 1] && k < want;
	     i++) {
		uint32_t n = t->dnode[i];
		const struct node *nd = &t->pool->nodes[n];
		if (t->nf[n] >= j->gpus_per_node && nd->cpu_free >= j->cpu_milli &&
		    nd->mem_free >= j->mem_mib && job_allows_model(j, nd->model) &&
		    (h == NULL || h->earliest[n] >= h->job_end ||
		     (h->owner != NULL && h->owner[n] == h->self))) {
			if (out != NULL)
				out[k] = n;
			k++;
		}
	}
	return k;
}

struct plan {
	uint32_t ndom, nrack;
	uint32_t *doms; /* chosen domains, in take order */
	size_t cap;
};

/*
 * Plans j over the candidate domains c[0..nc) (already filtered to one
 * model and to the allowed sites).  Returns 0 with the plan, or -1.
 */
static int
plan_gang(const struct topo *t, const struct job *j, struct cand *c, size_t nc,
	  struct plan *pl)
{
	uint32_t need = j->nodes, best = UINT32_MAX;
	size_t bi = 0;

	pl->ndom = pl->nrack = 0;
	/* Rule 2: one domain, best fit. */
	for (size_t i = 0; i < nc; i++)
		if (c[i].count >= need && c[i].count < best) {
			best = c[i].count;
			bi = i;
		}
	pl->doms = xgrow(pl->doms, &pl->cap, nc + 1, sizeof *pl->doms);
	if (best != UINT32_MAX) {
		pl->doms[0] = c[bi].dom;
		pl->ndom = pl->nrack = 1;
		return 0;
	}
	/* Rule 3: fewest domains, largest first, last one best fit. */
	qsort(c, nc, sizeof *c, cmp_cand);
	size_t i = 0;
	while (need > 0 && i < nc) {
		/* If the remainder fits one of the rest, take the smallest such. */
		size_t fit = nc;
		for (size_t k = i; k < nc; k++)
			if (c[k].count >= need &&
			    (fit == nc || c[k].count < c[fit].count))
				fit = k;
		if (fit != nc) {
			pl->doms[pl->ndom++] = c[fit].dom;
			need = 0;
			break;
		}
		pl->doms[pl->ndom++] = c[i].dom;
		need -= c[i].count;
		i++;
	}
	if (need > 0)
		return -1;
	/* Racks used. */
	for (uint32_t a = 0; a < pl->ndom; a++) {
		int seen = 0;
		for (uint32_t b = 0; b < a; b++)
			seen |= t->drack[pl->doms[b]] == t->drack[pl->doms[a]];
		pl->nrack += !seen;
	}
	return 0;
}

static size_t
gather(const struct topo *t, const struct job *j, const struct topo_hold *h,
       int m, long site, struct cand *out)
{
	size_t k = 0;
	uint32_t s0 = site < 0 ? 0 : (uint32_t)site;
	uint32_t s1 = site < 0 ? (uint32_t)t->nsites : (uint32_t)site + 1;

	for (uint32_t s = s0; s < s1; s++)
		for (uint32_t i = t->sdom_start[s]; i < t->sdom_start[s + 1]; i++) {
			uint32_t d = t->sdom[i];
			uint32_t cnt = t->lvl[d][j->gpus_per_node];
			if (cnt == 0 || t->dmodel[d] != m)
				continue;
			/* Counts ignore reservations: recount exactly where
			 * there are some.  CPU and memory are checked on the
			 * domains a plan picks (verify_plan). */
			if (h != NULL && h->dom_held[d])
				cnt = usable_in(t, d, j, h, NULL, cnt);
			if (cnt > 0)
				out[k++] = (struct cand){d, t->drack[d], cnt,
							 h != NULL && h->dom_held[d]};
		}
	return k;
}

/*
 * Counts from the levels ignore CPU and memory.  Checks the domains plan
 * pl uses, recounting them exactly; if one holds fewer usable nodes than
 * planned, corrects its count (dropping it at zero) and plans again.
 * Each domain is recounted at most once, so this ends.  Returns 1 with a
 * plan that holds, 0 if none does.
 */
static int
verify_plan(const struct topo *t, const struct job *j,
	    const struct topo_hold *h, struct cand *c, size_t *nc,
	    struct plan *pl)
{
	if (j->cpu_milli == 0 && j->mem_mib == 0)
		return 1;
	for (;;) {
		int changed = 0;
		for (uint32_t i = 0; i < pl->ndom; i++)
			for (size_t k = 0; k < *nc; k++) {
				if (c[k].dom != pl->doms[i] || c[k].exact)
					continue;
				uint32_t got = usable_in(t, c[k].dom, j, h, NULL,
							 c[k].count);
				c[k].exact = 1;
				if (got < c[k].count) {
					c[k].count = got;
					changed = 1;
				}
			}
		if (!changed)
			return 1;
		size_t w = 0;
		for (size_t k = 0; k < *nc; k++)
			if (c[k].count > 0)
				c[w++] = c[k];
		*nc = w;
		if (plan_gang(t, j, c, *nc, pl) != 0)
			return 0;
	}
}

int
topo_choose(const struct topo *t, const struct job *j, uint32_t *nodes)
{
	return topo_choose_held(t, j, NULL, nodes);
}

int
topo_choose_held(const struct topo *t, const struct job *j,
		 const struct topo_hold *h, uint32_t *nodes)
{
	struct cand *c;
	struct plan pl = {0}, best = {0};
	int found = 0;

	if (!topo_may_fit(t, j))
		return ERR_NOSPACE;
	c = xmalloc((t->ndomains + 1) * sizeof *c);
	for (int m = 0; m < nmodels(t); m++) {
		if (!job_allows_model(j, m))
			continue;
		long nsite = (j->flags & JOB_CROSS_SITE) ? 1 : (long)t->nsites;
		for (long s = 0; s < nsite; s++) {
			long site = (j->flags & JOB_CROSS_SITE) ? -1 : s;
			if (site >= 0 &&
			    site_cell(t, (uint32_t)site, m)[j->gpus_per_node] < j->nodes)
				continue;
			size_t nc = gather(t, j, h, m, site, c);
			if (plan_gang(t, j, c, nc, &pl) != 0)
				continue;
			if (!verify_plan(t, j, h, c, &nc, &pl))
				continue;
			if (!found || pl.ndom < best.ndom ||
			    (pl.ndom == best.ndom && pl.nrack < best.nrack)) {
				struct plan tmp = best;
				best = pl;
				pl = tmp;
				found = 1;
			}
		}
	}
	free(c);
	if (found) {
		uint32_t need = j->nodes, k = 0;
		for (uint32_t i = 0; i < best.ndom && need > 0; i++) {
			uint32_t got = usable_in(t, best.doms[i], j, h, nodes + k, need);
			k += got;
			need -= got;
		}
		ALLOT_ASSERT(need == 0);
	}
	free(pl.doms);
	free(best.doms);
	return found ? 0 : ERR_NOSPACE;
}

void
topo_spread(const struct pool *p, const uint32_t *nodes, size_t k,
	    size_t *domains, size_t *racks)
{
	*domains = *racks = 0;
	for (size_t a = 0; a < k; a++) {
		int sd = 0, sr = 0;
		uint32_t da = p->nodes[nodes[a]].domain;
		for (size_t b = 0; b < a; b++) {
			uint32_t db = p->nodes[nodes[b]].domain;
			sd |= db == da;
			sr |= p->domains[db].rack == p->domains[da].rack;
		}
		*domains += !sd;
		*racks += !sr;
	}
}

size_t
topo_bytes(const struct topo *t)
{
	size_t nn = t->pool->nnodes, nd = t->ndomains, ns = t->nsites;

	return sizeof *t + nn * (2 + sizeof(uint32_t)) +
	       nd * (sizeof *t->lvl + 1 + 3 * sizeof(uint32_t) + sizeof(uint32_t)) +
	       (ns + 1) * sizeof(uint32_t) +
	       2 * ns * POOL_MAX_MODELS * NLVL * sizeof(uint32_t);
}

int
topo_could_ever_fit(const struct topo *t, const struct job *j)
{
	int g = j->gpus_per_node;

	if (!shape_ok(j))
		return 1; /* shares and CPU-only jobs: not a gang question */
	for (int m = 0; m < nmodels(t); m++) {
		uint64_t sum = 0;
		if (!job_allows_model(j, m))
			continue;
		for (size_t s = 0; s < t->nsites; s++) {
			uint32_t c = t->site_cap[(s * POOL_MAX_MODELS + (size_t)m) *
						 NLVL + (size_t)g];
			if (c >= j->nodes)
				return 1;
			sum += c;
		}
		if ((j->flags & JOB_CROSS_SITE) && sum >= j->nodes)
			return 1;
	}
	return 0;
}

uint64_t
topo_free_gpus(const struct topo *t, const struct job *j)
{
	uint64_t sum = 0;

	for (int m = 0; m < nmodels(t); m++) {
		if (!job_allows_model(j, m))
			continue;
		for (size_t s = 0; s < t->nsites; s++) {
			const uint32_t *c = site_cell(t, (uint32_t)s, m);
			/* A node with f whole GPUs free counts in levels 1..f. */
			for (int g = 1; g < NLVL; g++)
				sum += c[g];
		}
	}
	return sum;
}
