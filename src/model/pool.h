/*
 * pool.h — the GPU pool: providers -> sites -> clusters -> racks -> NVLink
 * domains -> nodes -> GPUs, plus the GPU models.
 *
 * The pool owns every entity; everything else refers to them by index.
 * Hierarchy is stored upward (a node knows its domain, a domain its rack,
 * ...), which is all placement needs.  A node's free capacity lives in the
 * node itself (cpu_free, mem_free, gpu_free[]); only pool_alloc/pool_release
 * change it, and the placement index (sched/place.h) is told about every
 * change by its caller.
 *
 * Sizes: a node is 48 bytes, i.e. 6 bytes per GPU for 8-GPU nodes.
 */
#ifndef ALLOT_MODEL_POOL_H
#define ALLOT_MODEL_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strtab.h"

#define POOL_MAX_GPUS_PER_NODE 8
#define POOL_MAX_MODELS 32
#define MILLI 1000 /* one whole GPU in milli-GPU */

struct gpu_model {
	uint32_t mem_gib;        /* memory per GPU */
	uint32_t watts;          /* board power */
	uint64_t price_won_hour; /* market price per GPU-hour, won */
};

enum node_state {
	NODE_UP = 0,  /* schedulable */
	NODE_DRAIN,   /* running jobs continue, nothing new starts */
	NODE_DOWN,    /* failed: nothing runs */
	NODE_ABSENT,  /* not (yet, or any more) part of the pool */
	NODE_HELD,    /* transient, inside one scheduling pass: reserved for a
		       * blocked job; only whole-GPU jobs that end before the
		       * reservation may use it (sched/backfill.h) */
};

struct node {
	uint32_t name;      /* id in pool.names */
	uint32_t domain;    /* NVLink domain index */
	uint32_t cpu_milli; /* capacity, milli-cores */
	uint32_t cpu_free;
	uint32_t mem_mib;   /* capacity, MiB */
	uint32_t mem_free;
	uint8_t model;      /* index into pool.models (GPU nodes) */
	uint8_t ngpu;       /* 0..POOL_MAX_GPUS_PER_NODE */
	uint8_t state;      /* enum node_state */
	uint8_t pad;
	uint16_t gpu_free[POOL_MAX_GPUS_PER_NODE]; /* milli free per GPU */
};

/* Upward links of the hierarchy; each level's name is an id in names. */
struct pool_domain { uint32_t name, rack, ngpu; };
struct pool_rack { uint32_t name, cluster; };
struct pool_cluster { uint32_t name, site; };
struct pool_site { uint32_t name, provider; };

struct pool {
	struct strtab names;    /* every entity name, and the provider names */
	struct strtab model_names; /* model id -> name ("B200") */
	struct gpu_model models[POOL_MAX_MODELS];
	struct node *nodes;
	size_t nnodes, cap_nodes;
	struct pool_domain *domains;
	size_t ndomains, cap_domains;
	struct pool_rack *racks;
	size_t nracks, cap_racks;
	struct pool_cluster *clusters;
	size_t nclusters, cap_clusters;
	struct pool_site *sites;
	size_t nsites, cap_sites;
	uint64_t total_gpus;     /* GPUs on nodes not ABSENT */
};

void pool_init(struct pool *p);
void pool_free(struct pool *p);

/* Returns the model id for name, adding it (with the given properties when
 * new).  -ERR_LIMIT past POOL_MAX_MODELS. */
int pool_model(struct pool *p, const char *name, const struct gpu_model *props,
	       struct err *e);
/* Finds a model by name: id or -1. */
int pool_model_find(const struct pool *p, const char *name);

/* Hierarchy builders; each returns the new index.  parent is the index of
 * the level above; names are copied. */
uint32_t pool_add_site(struct pool *p, const char *name, const char *provider);
uint32_t pool_add_cluster(struct pool *p, const char *name, uint32_t site);
uint32_t pool_add_rack(struct pool *p, const char *name, uint32_t cluster);
uint32_t pool_add_domain(struct pool *p, const char *name, uint32_t rack);
/* Adds an UP node with all capacity free; returns its index.  If domain is
 * UINT32_MAX the node gets a domain (and rack, cluster, site) of its own
 * under a default site.  -ERR_INVALID for ngpu > 8 or model out of range. */
long pool_add_node(struct pool *p, const char *name, uint32_t domain,
		   int model, int ngpu, uint32_t cpu_milli, uint32_t mem_mib,
		   struct err *e);

/* Ancestors of a node. */
uint32_t pool_node_rack(const struct pool *p, uint32_t node);
uint32_t pool_node_cluster(const struct pool *p, uint32_t node);
uint32_t pool_node_site(const struct pool *p, uint32_t node);
const char *pool_node_name(const struct pool *p, uint32_t node);

/* Resource accounting on one node (UP or HELD).  gpu_mask selects GPUs
 * (bit i = GPU i); each selected GPU gives up `milli`.  pool_alloc checks everything first
 * and changes nothing on failure (-ERR_NOSPACE); pool_release asserts the
 * amounts were allocated. */
int pool_alloc(struct pool *p, uint32_t node, uint32_t cpu_milli,
	       uint32_t mem_mib, uint8_t gpu_mask, uint16_t milli);
void pool_release(struct pool *p, uint32_t node, uint32_t cpu_milli,
		  uint32_t mem_mib, uint8_t gpu_mask, uint16_t milli);

/* Summaries. */
uint64_t pool_gpu_milli_total(const struct pool *p);
uint64_t pool_gpu_milli_free(const struct pool *p);
/* Number of whole (1000-milli free) GPUs on node n. */
int node_full_free(const struct node *n);

#endif
