/*
 * pool.c — pool construction and per-node resource accounting.
 *
 * Invariants (checked by pool_alloc/pool_release and by the property
 * tests): 0 <= gpu_free[i] <= 1000 for i < ngpu, cpu_free <= cpu_milli,
 * mem_free <= mem_mib.  Nothing here knows about jobs.
 */
#include "model/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

_Static_assert(sizeof(struct node) <= 48, "node must stay small");

void
pool_init(struct pool *p)
{
	memset(p, 0, sizeof *p);
}

void
pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	strtab_free(&p->names);
	strtab_free(&p->model_names);
	free(p->nodes);
	free(p->domains);
	free(p->racks);
	free(p->clusters);
	free(p->sites);
	memset(p, 0, sizeof *p);
}

int
pool_model_find(const struct pool *p, const char *name)
{
	return (int)strtab_find(&p->model_names, name, strlen(name));
}

int
pool_model(struct pool *p, const char *name, const struct gpu_model *props,
	   struct err *e)
{
	int id = pool_model_find(p, name);

	if (id >= 0)
		return id;
	if (p->model_names.n >= POOL_MAX_MODELS)
		return err_set(e, ERR_LIMIT, "more than %d GPU models (at \"%s\")",
			       POOL_MAX_MODELS, name);
	id = (int)strtab_intern(&p->model_names, name, strlen(name));
	if (props != NULL)
		p->models[id] = *props;
	return id;
}

static uint32_t
name_id(struct pool *p, const char *name)
{
	return strtab_intern(&p->names, name, strlen(name));
}

uint32_t
pool_add_site(struct pool *p, const char *name, const char *provider)
{
	p->sites = xgrow(p->sites, &p->cap_sites, p->nsites + 1, sizeof *p->sites);
	p->sites[p->nsites] = (struct pool_site){name_id(p, name),
						 name_id(p, provider)};
	return (uint32_t)p->nsites++;
}

uint32_t
pool_add_cluster(struct pool *p, const char *name, uint32_t site)
{
	ALLOT_ASSERT(site < p->nsites);
	p->clusters = xgrow(p->clusters, &p->cap_clusters, p->nclusters + 1,
			    sizeof *p->clusters);
	p->clusters[p->nclusters] = (struct pool_cluster){name_id(p, name), site};
	return (uint32_t)p->nclusters++;
}

uint32_t
pool_add_rack(struct pool *p, const char *name, uint32_t cluster)
{
	ALLOT_ASSERT(cluster < p->nclusters);
	p->racks = xgrow(p->racks, &p->cap_racks, p->nracks + 1, sizeof *p->racks);
	p->racks[p->nracks] = (struct pool_rack){name_id(p, name), cluster};
	return (uint32_t)p->nracks++;
}

uint32_t
pool_add_domain(struct pool *p, const char *name, uint32_t rack)
{
	ALLOT_ASSERT(rack < p->nracks);
	p->domains = xgrow(p->domains, &p->cap_domains, p->ndomains + 1,
			   sizeof *p->domains);
	p->domains[p->ndomains] = (struct pool_domain){name_id(p, name), rack, 0};
	return (uint32_t)p->ndomains++;
}

/* The default place for nodes added without a domain: one site, cluster
 * and rack named "default", created on first use. */
static uint32_t
default_rack(struct pool *p)
{
	long r = strtab_find(&p->names, "default-rack", 12);

	if (r >= 0)
		for (size_t i = 0; i < p->nracks; i++)
			if (p->racks[i].name == (uint32_t)r)
				return (uint32_t)i;
	uint32_t s = pool_add_site(p, "default", "default");
	uint32_t c = pool_add_cluster(p, "default-cluster", s);
	return pool_add_rack(p, "default-rack", c);
}

long
pool_add_node(struct pool *p, const char *name, uint32_t domain, int model,
	      int ngpu, uint32_t cpu_milli, uint32_t mem_mib, struct err *e)
{
	struct node *n;

	if (ngpu < 0 || ngpu > POOL_MAX_GPUS_PER_NODE)
		return err_set(e, ERR_INVALID, "node %s: %d GPUs (at most %d)",
			       name, ngpu, POOL_MAX_GPUS_PER_NODE);
	if (model < 0 || (size_t)model >= p->model_names.n) {
		if (ngpu > 0 || model != 0)
			return err_set(e, ERR_INVALID, "node %s: unknown GPU model %d",
				       name, model);
	}
	if (domain == UINT32_MAX)
		domain = pool_add_domain(p, name, default_rack(p));
	ALLOT_ASSERT(domain < p->ndomains);
	p->nodes = xgrow(p->nodes, &p->cap_nodes, p->nnodes + 1, sizeof *p->nodes);
	n = &p->nodes[p->nnodes];
	memset(n, 0, sizeof *n);
	n->name = name_id(p, name);
	n->domain = domain;
	n->cpu_milli = n->cpu_free = cpu_milli;
	n->mem_mib = n->mem_free = mem_mib;
	n->model = (uint8_t)(model < 0 ? 0 : model);
	n->ngpu = (uint8_t)ngpu;
	n->state = NODE_UP;
	for (int i = 0; i < ngpu; i++)
		n->gpu_free[i] = MILLI;
	p->domains[domain].ngpu += (uint32_t)ngpu;
	p->total_gpus += (uint64_t)ngpu;
	return (long)p->nnodes++;
}

uint32_t
pool_node_rack(const struct pool *p, uint32_t node)
{
	return p->domains[p->nodes[node].domain].rack;
}

uint32_t
pool_node_cluster(const struct pool *p, uint32_t node)
{
	return p->racks[pool_node_rack(p, node)].cluster;
}

uint32_t
pool_node_site(const struct pool *p, uint32_t node)
{
	return p->clusters[pool_node_cluster(p, node)].site;
}

const char *
pool_node_name(const struct pool *p, uint32_t node)
{
	return strtab_get(&p->names, p->nodes[node].name);
}

int
pool_alloc(struct pool *p, uint32_t node, uint32_t cpu_milli, uint32_t mem_mib,
	   uint8_t gpu_mask, uint16_t milli)
{
	struct node *n = &p->nodes[node];

	if ((n->state != NODE_UP && n->state != NODE_HELD) || cpu_milli > n->cpu_free ||
	    mem_mib > n->mem_free)
		return ERR_NOSPACE;
	if (gpu_mask >> n->ngpu)
		return ERR_NOSPACE;
	for (int i = 0; i < n->ngpu; i++)
		if ((gpu_mask >> i & 1) && n->gpu_free[i] < milli)
			return ERR_NOSPACE;
	n->cpu_free -= cpu_milli;
	n->mem_free -= mem_mib;
	for (int i = 0; i < n->ngpu; i++)
		if (gpu_mask >> i & 1)
			n->gpu_free[i] = (uint16_t)(n->gpu_free[i] - milli);
	return 0;
}

void
pool_release(struct pool *p, uint32_t node, uint32_t cpu_milli, uint32_t mem_mib,
	     uint8_t gpu_mask, uint16_t milli)
{
	struct node *n = &p->nodes[node];

	ALLOT_ASSERT(n->cpu_free + cpu_milli <= n->cpu_milli);
	ALLOT_ASSERT(n->mem_free + mem_mib <= n->mem_mib);
	n->cpu_free += cpu_milli;
	n->mem_free += mem_mib;
	for (int i = 0; i < n->ngpu; i++)
		if (gpu_mask >> i & 1) {
			ALLOT_ASSERT(n->gpu_free[i] + milli <= MILLI);
			n->gpu_free[i] = (uint16_t)(n->gpu_free[i] + milli);
		}
}

int
node_full_free(const struct node *n)
{
	int k = 0;

	for (int i = 0; i < n->ngpu; i++)
		k += n->gpu_free[i] == MILLI;
	return k;
}

uint64_t
pool_gpu_milli_total(const struct pool *p)
{
	uint64_t t = 0;

	for (size_t i = 0; i < p->nnodes; i++)
		if (p->nodes[i].state != NODE_ABSENT)
			t += (uint64_t)p->nodes[i].ngpu * MILLI;
	return t;
}

uint64_t
pool_gpu_milli_free(const struct pool *p)
{
	uint64_t t = 0;

	for (size_t i = 0; i < p->nnodes; i++) {
		const struct node *n = &p->nodes[i];
		if (n->state == NODE_ABSENT)
			continue;
		for (int g = 0; g < n->ngpu; g++)
			t += n->gpu_free[g];
	}
	return t;
}
