/*
 * topo.h — topology-aware placement of whole-GPU gangs.
 *
 * Keeps, for every NVLink domain, how many of its nodes have at least g
 * whole GPUs free (g = 1..8), and the same sums per site and model, so
 * that "can this gang fit at all?" is answered in O(1) and choosing nodes
 * costs O(domains of one site), never O(nodes of the pool).
 *
 * Choice (documented in docs/SCHEDULING.md):
 *  1. Never across sites unless the job has JOB_CROSS_SITE.
 *  2. A gang that fits one domain goes into one domain: the domain with the
 *     fewest eligible nodes that still holds it (best fit keeps whole
 *     domains free for the jobs that need them whole).
 *  3. A larger gang takes the fewest domains: domains with the most
 *     eligible nodes first, the last one best-fit; ties go to the domain
 *     in the lowest rack, then the lowest index, so members share racks.
 *  4. Among sites, the one needing the fewest domains, then racks, wins;
 *     ties by site index.
 * Inside a domain, nodes are taken in index order; a member takes the
 * lowest-numbered free GPUs of its node.
 *
 * The index borrows the pool; the owner calls topo_node_changed after any
 * change to a node's free GPUs or state.  HELD nodes count as UP here:
 * reservations are honoured through struct topo_hold instead.
 */
#ifndef ALLOT_SCHED_TOPO_H
#define ALLOT_SCHED_TOPO_H

#include <stddef.h>
#include <stdint.h>

#include "model/job.h"
#include "model/pool.h"

struct topo;

struct topo *topo_new(const struct pool *pool);
void topo_free(struct topo *t);
/* Re-reads node n's free state into the counters. */
void topo_node_changed(struct topo *t, uint32_t node);
/* Whether a whole-GPU gang shape (g GPUs on each of k nodes) could fit
 * now, by counts only (CPU and memory not checked).  O(sites x models). */
int topo_may_fit(const struct topo *t, const struct job *j);
/* Whether a whole-GPU gang could fit if every UP (or HELD) node were
 * free: some site (any site, for JOB_CROSS_SITE) holds j->nodes nodes of
 * one allowed model with at least j->gpus_per_node GPUs each.  A gang
 * that fails this can never run, though the pool may hold enough nodes
 * in all (placer_could_ever_fit counts nodes, not sites or models).
 * CPU and memory are not checked.  1 for shares and CPU-only jobs. */
int topo_could_ever_fit(const struct topo *t, const struct job *j);
/* Chooses nodes for j (whole GPUs, gpu_milli == 1000): fills nodes[0..k)
 * with distinct node indexes and returns 0, or ERR_NOSPACE.  Allocates
 * nothing in the pool. */
int topo_choose(const struct topo *t, const struct job *j, uint32_t *nodes);

/* Reservations seen by a choice: a node n is usable only if the job ends
 * by earliest[n] (the start of the first reservation holding n).
 * dom_held[d] says whether domain d holds any such node, so that only
 * those domains are recounted. */
struct topo_hold {
	const int64_t *earliest;       /* per node */
	const unsigned char *dom_held; /* per domain */
	int64_t job_end;               /* now + time limit; INT64_MAX if none */
	const uint32_t *owner;         /* per node: the job it is held for, */
	uint32_t self;                 /* which may use it anyway (or NULL) */
};
/* topo_choose honouring h (NULL = no reservations). */
int topo_choose_held(const struct topo *t, const struct job *j,
		     const struct topo_hold *h, uint32_t *nodes);
/* Distinct domains and racks among nodes[0..k) (for tests and metrics). */
void topo_spread(const struct pool *p, const uint32_t *nodes, size_t k,
		 size_t *domains, size_t *racks);
size_t topo_bytes(const struct topo *t);
/* Whole free GPUs on UP (or HELD) nodes of the models j allows, over all
 * sites, from the counters: O(sites x models x 8). */
uint64_t topo_free_gpus(const struct topo *t, const struct job *j);

#endif
