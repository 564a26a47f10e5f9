/*
 * place.h — placement: choosing the nodes and GPUs for one job.
 *
 * Six policies behind one interface, defined exactly as in the FGD paper
 * (Weng et al., USENIX ATC'23) and its simulator: Random, DotProd,
 * GpuClustering, GpuPacking, BestFit and FGD (fragmentation gradient
 * descent).  A placer owns a free-capacity index over a pool it borrows
 * (the pool must outlive it); every change of a node's free capacity made
 * while a placer exists goes through placer_place / placer_release /
 * placer_node_changed so the index stays true.
 *
 * Determinism: the placer's randomness (Random's choice, tie-breaking among
 * equal scores) comes from its own seeded stream.
 *
 * Ties: by default (PLACE_TIES_RANK) the placer breaks ties as the paper's
 * simulator does: every node gets a random rank from the seed, and of the
 * nodes with the best score the lowest-ranked one wins (a first fit in a
 * random node order fixed for the placer's life).  PLACE_TIES_UNIFORM
 * breaks them as stock Kubernetes does, uniformly at random.  Random
 * picks uniformly among all feasible nodes either way.
 */
#ifndef ALLOT_SCHED_PLACE_H
#define ALLOT_SCHED_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "model/job.h"
#include "model/pool.h"

enum place_policy {
	PLACE_RANDOM = 0,
	PLACE_DOTPROD,
	PLACE_CLUSTERING,
	PLACE_PACKING,
	PLACE_BESTFIT,
	PLACE_FGD,
	PLACE_NPOLICIES
};

/* "Random", "DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD". */
const char *place_policy_name(enum place_policy p);
/* Case-insensitive; also accepts "clustering" and "packing".  -1 if unknown. */
int place_policy_parse(const char *s);

enum place_ties {
	PLACE_TIES_RANK = 0, /* lowest random rank wins (the paper's simulator) */
	PLACE_TIES_UNIFORM,  /* uniform among the best (stock Kubernetes) */
};

struct placer;

struct placer *placer_new(struct pool *pool, enum place_policy policy,
			  uint64_t seed);
void placer_free(struct placer *pl);

/* Sets how ties between equally scored nodes break (default RANK). */
void placer_set_ties(struct placer *pl, enum place_ties t);

/* FGD measures fragmentation against a target workload: the distribution
 * of task shapes (GPU count and milli, with their frequencies).  Sets it
 * from jobs[0..n); other policies ignore it. */
void placer_set_workload(struct placer *pl, const struct job *jobs, size_t n);

/* Places j: on success allocates its resources in the pool, fills a (the
 * caller frees it with alloc_free) and returns 0.  Otherwise returns
 * ERR_NOSPACE and changes nothing.  Gangs are all-or-nothing. */
int placer_place(struct placer *pl, const struct job *j, struct alloc *a);
/* Returns a's resources to the pool. */
void placer_release(struct placer *pl, const struct job *j,
		    const struct alloc *a);
/* Re-indexes a node whose state or capacity the caller changed. */
void placer_node_changed(struct placer *pl, uint32_t node);
/* Whether j would fit on the pool if it were empty (all UP nodes free):
 * distinguishes "never fits" from "waiting for resources". */
int placer_could_ever_fit(const struct placer *pl, const struct job *j);
/* Bytes the placer's index uses (for the memory benchmark). */
size_t placer_bytes(const struct placer *pl);

/* The score (0..100, higher is better) the placer's policy gives `node`
 * for one gang member of j in the current state, computed as the paper's
 * simulator computes it before breaking ties; -1 if the member does not
 * fit there (node not UP, too little CPU or memory, wrong GPU model, too
 * few GPUs with room).  For explanations and tests; placer_place picks
 * uniformly among the nodes with the best score. */
int placer_score(const struct placer *pl, const struct job *j, uint32_t node);
/* Number of node classes (distinct node states) in the index. */
size_t placer_nclasses(const struct placer *pl);

/* The pool the placer indexes. */
struct pool *placer_pool(struct placer *pl);

struct topo;
/* The placer's topology index (sched/topo.h), created on first use and
 * from then on kept in step with every change the placer makes or is
 * told about. */
struct topo *placer_topo(struct placer *pl);
/* Places whole-GPU job j on nodes[0..j->nodes) chosen by the caller (one
 * member each, e.g. by topo_choose): takes the lowest-numbered free GPUs
 * of each node.  All-or-nothing; 0 or ERR_NOSPACE. */
int placer_place_on(struct placer *pl, const struct job *j,
		    const uint32_t *nodes, struct alloc *a);
/* Marks an UP node HELD (held != 0) or a HELD node UP again, for the span
 * of one scheduling pass: HELD nodes are out of placer_place's reach but
 * still count for placer_could_ever_fit. */
void placer_hold(struct placer *pl, uint32_t node, int held);

#endif
