/*
 * place_int.h — what place.c (the index and the placement loop) and
 * place_score.c (the six policies' scores and GPU choices) share; other
 * callers use place.h.
 *
 * Scores are computed on a struct place_view, the part of a node's state
 * every policy's score depends on, with the GPUs sorted by free milli
 * (largest first).  Nodes with equal views get equal scores from every
 * policy, which is what lets the index score a whole class of nodes once.
 * Which GPUs of the chosen node a task takes is decided on the real node
 * (place_score_gpus), because ties between GPUs break by device index.
 */
#ifndef ALLOT_SCHED_PLACE_INT_H
#define ALLOT_SCHED_PLACE_INT_H

#include <stdint.h>

#include "model/job.h"
#include "model/pool.h"
#include "sched/frag.h"
#include "sched/place.h"
#include "util/rng.h"

/* Constants of the paper's simulator.  Scores normalise CPU and GPU by the
 * largest node of the pool (as the simulator does with its node list's
 * max spec); these defaults are openb's, used for an empty pool. */
#define PLACE_MAX_SCORE 100
#define PLACE_MAX_SPEC_CPU 128000 /* milli-CPU */
#define PLACE_MAX_SPEC_GPU 8000   /* milli-GPU */

/* GpuClustering's task kinds: bit 0 for a GPU share, bit k for a task of
 * k whole GPUs per node; CPU-only tasks have none. */
#define PLACE_NTAGS (POOL_MAX_GPUS_PER_NODE + 1)
#define PLACE_NO_TAG 0xff

/* A node state as scores see it: 32 bytes, compared and hashed bytewise,
 * so unused bytes must be zero. */
struct place_view {
	uint32_t cpu_free;
	uint32_t mem_free;
	uint16_t gpu[POOL_MAX_GPUS_PER_NODE]; /* free milli, descending; 0 past ngpu */
	uint16_t aff;  /* GpuClustering: task kinds resident on the node */
	uint8_t model;
	uint8_t ngpu;
	uint8_t pad[4];
};

/* One gang member as placement sees it. */
struct place_task {
	uint32_t cpu;        /* milli-CPU the pool must have free */
	uint32_t cpu_score;  /* milli-CPU the scores count (non-zero) */
	uint32_t mem;        /* MiB */
	uint32_t model_mask; /* 0 = any; ignored for CPU-only tasks */
	uint16_t milli;      /* per GPU */
	uint8_t ngpu;        /* GPUs on the node, 0 = CPU-only */
	uint8_t tag;         /* GpuClustering kind bit, or PLACE_NO_TAG */
	uint32_t spec_cpu;   /* the pool's largest node: milli-CPU ... */
	uint32_t spec_gpu;   /* ... and milli-GPU (normalise the scores) */
};

/* Fills t from one member of j, with the default max spec. */
void place_score_task(struct place_task *t, const struct job *j);
/* Fills v (all bytes) from node n with the GpuClustering kind set aff. */
void place_score_view(struct place_view *v, const struct node *n, uint16_t aff);
/* Whether t fits a node in state v (CPU, memory, model, GPUs with room). */
int place_score_fits(const struct place_view *v, const struct place_task *t);
/* Fragmentation of state v against typ. */
double place_score_frag(const struct place_view *v,
			const struct frag_typical *typ);
/* The score (0..100) policy p gives a node in state v for t, which must
 * fit.  FGD needs typ and frag, v's fragmentation (place_score_frag). */
int place_score(enum place_policy p, const struct place_view *v,
		const struct place_task *t, const struct frag_typical *typ,
		double frag);
/* The GPUs (bit i = GPU i) of node n that t takes under policy p: whole
 * GPUs are the first free ones by index; a share goes to a random fitting
 * GPU (Random), the GPU whose use scores best (FGD; frag is n's
 * fragmentation), or the tightest fitting GPU (the others); ties go to
 * the lowest index.  t must fit n. */
uint8_t place_score_gpus(enum place_policy p, const struct node *n,
			 const struct place_task *t, const struct frag_typical *typ,
			 double frag, struct rng *r);

#endif
