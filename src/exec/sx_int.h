/*
 * sx_int.h — what the Slurm executor's files share (sx.c: jobs, events,
 * the controller probe; sx_pool.c: the node import).  Not for other
 * callers: sx.h is the interface.  Functions here carry the sx__ prefix.
 */
#ifndef ALLOT_EXEC_SX_INT_H
#define ALLOT_EXEC_SX_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "exec/exec.h"
#include "util/err.h"

struct sxlive;
struct sxnode;
struct sxpart;

struct sx {
	struct exec base;
	char *conf, *dir, *prefix;
	char ctl_host[256], ctl_port[16]; /* slurmctld, from the conf */
	int64_t down_until;     /* monotonic ms: no RPC before (unreachable) */
	int64_t fail_since;     /* monotonic ms: first failure in a row; -1 */
	int unreach_sent;       /* "cluster unreachable" reported, not back */
	pthread_mutex_t mu;     /* guards everything below and libslurm calls */
	struct sxlive *live;
	size_t nlive, caplive;
	int64_t next_load;
	int64_t next_nodes;     /* monotonic ms of the next slurm_load_node */
	struct sxnode *nodes;   /* every node ever reported */
	size_t nnodes, capnodes;
	uint32_t *foreign;      /* Slurm ids reported FOREIGN, still listed */
	size_t nforeign, capforeign;
	struct exec_event *q;   /* events made, not yet handed out (FIFO) */
	size_t nq, capq, q0;
	struct sxpart *parts;   /* partitions, for choosing one per job */
	size_t nparts;
	int64_t next_parts;     /* monotonic ms of the next reload */
};

/* 1 if x is a Slurm executor (made by sx_new). */
int sx__is(const struct exec *x);
/* Slurm's message for its last error. */
const char *sx__slurm_err(void);
/* With s->mu held: 1 if slurmctld accepts connections now (probed, or
 * known from a recent probe); else 0, and sx__unreachable fills e. */
int sx__reachable(struct sx *s);
int sx__unreachable(const struct sx *s, struct err *e);

#endif
