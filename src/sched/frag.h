/*
 * frag.h — GPU fragmentation as the FGD paper measures it (Weng et al.,
 * "Beware of Fragmentation", USENIX ATC'23, and its simulator's
 * pkg/utils/frag.go).
 *
 * A target workload is summarised as its "typical tasks": the most
 * frequent task shapes (CPU, GPUs, milli-GPU per GPU, allowed models) that
 * together make up 95 % of the tasks, with their renormalised frequencies.
 * A node's fragmentation is the GPU capacity it is expected to leave
 * unusable for a task drawn from that distribution: for each typical task,
 * all of the node's free GPU milli if the task cannot run there at all
 * (wrong model, too little CPU, too few GPUs with room), and otherwise the
 * free milli of the GPUs too small to hold one of its GPU shares.  CPU-only
 * typical tasks count all free GPU milli, exactly as the simulator does.
 * Memory plays no part in fragmentation.
 *
 * Everything here is a pure function of its arguments; the typical list
 * owns its array.
 */
#ifndef ALLOT_SCHED_FRAG_H
#define ALLOT_SCHED_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "model/job.h"
#include "model/pool.h"

/* Milli-CPU a task without a CPU request counts as when scored
 * (Kubernetes' non-zero default request). */
#define FRAG_CPU_DEFAULT 100
/* Share of all tasks the typical shapes must cover (percent). */
#define FRAG_POPULARITY_PCT 95

struct frag_pod {
	uint32_t cpu;        /* milli-CPU per node, as scored (non-zero) */
	uint32_t model_mask; /* allowed models; 0 = any */
	uint32_t count;      /* tasks of this shape in the workload */
	uint16_t milli;      /* per GPU; 0 for a CPU-only task */
	uint8_t ngpu;        /* GPUs per node */
	double freq;         /* renormalised share, sums to 1 over the list */
};

struct frag_typical {
	struct frag_pod *v;
	size_t n, cap;
	size_t ntasks;       /* tasks the list was built from */
};

/* The part of a node's state fragmentation depends on. */
struct frag_node {
	uint32_t cpu_free;
	uint8_t model, ngpu;
	uint16_t gpu_free[POOL_MAX_GPUS_PER_NODE];
};

/* The milli-CPU of one gang member of j as scored: j->cpu_milli, or
 * FRAG_CPU_DEFAULT when that is 0. */
uint32_t frag_task_cpu(const struct job *j);

/* Builds t (replacing its contents) from jobs[0..n): one shape per gang
 * member shape, sorted by decreasing count (ties: larger CPU, milli, GPU
 * count, model mask first), cut after the first shapes that reach
 * threshold_pct percent of the tasks, frequencies renormalised over the
 * kept shapes.  n == 0 gives an empty list. */
void frag_typical_build(struct frag_typical *t, const struct job *jobs,
			size_t n, int threshold_pct);
void frag_typical_free(struct frag_typical *t);

/* Expected fragmented GPU milli of node n against t (0 for an empty t). */
double frag_node_amount(const struct frag_node *n, const struct frag_typical *t);

/* The FGD score of a move that takes a node's fragmentation from `before`
 * to `after`: int(sigmoid((before - after) / 1000) * 100), in 0..100. */
int frag_score(double before, double after);

#endif
