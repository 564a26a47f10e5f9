/*
 * poolgen.h — pools of regular shape built from a one-line spec, and the
 * table of GPU models allot knows by name.
 *
 * A spec is comma-separated key=value pairs (docs/POOL-FORMAT.md):
 *
 *	sites=3,nodes=32500,gpus=8,models=B200:0.6+H200:0.4,domain=72,rack=4
 *
 * "3 sites, 32,500 nodes of 8 B200, 72-GPU NVLink domains" is
 * "sites=3,nodes=32500,gpus=8,models=B200,domain=72".
 *
 * Layout (deterministic, no randomness): the node count of each model is
 * its weight's share of `nodes` (largest remainder); nodes are laid out in
 * the order the models are listed and the sites take contiguous blocks of
 * that sequence (site s gets nodes [s*N/S, (s+1)*N/S)), so a site holds one
 * model or, at a boundary, two.  Within a site each model's block is one
 * cluster (or several of at most `cluster` nodes).  A cluster is cut into
 * NVLink domains of domain/gpus nodes (domain=8 with 8-GPU nodes: every
 * node is its own HGX domain; domain=72 with 8-GPU nodes: 9 nodes of 8 =
 * 72 GPUs, our stand-in for an NVL72-like B200 domain; GB200 with 4 GPUs
 * per node: 18 nodes) and racks of `rack` nodes rounded up to a whole
 * number of domains.  The last domain and rack of a cluster may be short.
 *
 * Names: site "site-S" (provider "provider-S" unless providers= is given),
 * cluster "site-S-cC", rack "site-S-cC-rNNN", domain "site-S-cC-dNNNN",
 * node "site-S-cC-nNNNNN" (C, NNN counted within the site / cluster).
 */
#ifndef ALLOT_MODEL_POOLGEN_H
#define ALLOT_MODEL_POOLGEN_H

#include <stddef.h>
#include <stdint.h>

#include "model/pool.h"
#include "util/err.h"

#define POOLGEN_MAX_NODES 1000000
#define POOLGEN_MAX_SITES 64
#define POOLGEN_MAX_PROVIDERS 16
#define POOLGEN_MAX_NAME 32   /* bytes of a model or provider name, + NUL */

/* A GPU model allot knows by name.  The figures are approximate public
 * numbers (board power, memory as sold, a plausible 2025 market price per
 * GPU-hour in won at about 1,400 won per dollar); they are defaults for
 * pool files and generated pools, not a price list. */
struct poolgen_known {
	const char *name;
	struct gpu_model props;
	int gpus_per_node;  /* usual server size */
	int domain_gpus;    /* usual NVLink domain size in GPUs */
};

/* The built-in model, matched case-sensitively, or NULL. */
const struct poolgen_known *poolgen_known_model(const char *name);
/* The i-th built-in model (0-based), or NULL past the end. */
const struct poolgen_known *poolgen_known_at(size_t i);

struct poolgen_share {
	char name[POOLGEN_MAX_NAME];
	double weight;  /* > 0; weights are normalised */
};

struct poolgen_spec {
	uint32_t sites;          /* 1..64 */
	uint32_t nodes;          /* 1..1,000,000 */
	uint32_t gpus;           /* per node, 1..8; 0 = each model's usual */
	uint32_t domain_gpus;    /* NVLink domain size; 0 = each model's usual */
	uint32_t rack_nodes;     /* nodes per rack before rounding; default 4 */
	uint32_t cluster_nodes;  /* largest cluster; 0 = no limit */
	uint32_t cpu_milli;      /* per node; default 224000 (224 cores) */
	uint32_t mem_mib;        /* per node; default 2097152 (2 TiB) */
	int nmodels;
	struct poolgen_share models[POOL_MAX_MODELS];
	int nproviders;          /* 0 = "provider-S" for site S */
	char providers[POOLGEN_MAX_PROVIDERS][POOLGEN_MAX_NAME];
};

/* Fills s with the defaults: 1 site, 32 nodes of B200, the model's usual
 * gpus and domain, racks of 4 nodes, 224 cores and 2 TiB per node. */
void poolgen_defaults(struct poolgen_spec *s);
/* Parses a spec over the defaults.  Keys: sites, nodes, gpus, models
 * (NAME[:WEIGHT] joined by '+'), domain, rack, cluster, cpu, mem,
 * providers (NAME joined by '+', given to the sites round robin), scale
 * (multiplies nodes, applied last).  Errors name the key: "spec: domain:
 * expected an integer 1..1000000, got \"x\"".  Every model must be a
 * built-in one. */
int poolgen_parse(const char *spec, struct poolgen_spec *s, struct err *e);
/* Multiplies the node count by factor (> 0), rounding to the nearest whole
 * node, at least 1 and at most POOLGEN_MAX_NODES. */
void poolgen_scale(struct poolgen_spec *s, double factor);
/* Writes the spec in canonical form ("sites=3,nodes=...") to buf (cap
 * bytes, NUL-terminated, truncated if short); returns the full length. */
size_t poolgen_format(const struct poolgen_spec *s, char *buf, size_t cap);
/* Builds the pool the spec describes into p, which must be empty (just
 * pool_init'ed).  Checks the spec first (ERR_INVALID naming the key: a
 * domain that is not a whole number of nodes, more sites than nodes) and
 * changes nothing on error. */
int poolgen_build(const struct poolgen_spec *s, struct pool *p, struct err *e);

#endif
