/*
 * nodeevents.h — capacity over time: the file `allot sim --events` reads.
 * Nodes join (deliveries, leases that start), leave (leases that end),
 * are drained for maintenance, fail and are repaired, at given times.  CSV
 * with a header naming the columns (any order):
 *
 *	time,node,action
 *
 *  time    seconds since the epoch, or a UTC "YYYY-MM-DD[ HH:MM:SS]"
 *          (grantfile_time), on the trace's clock
 *  node    a node name of the pool, or a numbered range of them
 *          PREFIX[LO-HI]SUFFIX (n[0000-0127] is n0000 ... n0127: numbers
 *          zero-padded to the digits written in LO, as in pool files; at
 *          most 1,000,000 names, 9 digits per bound); every name must be a
 *          node of the pool
 *  action  join | leave | drain | fail | repair
 *
 * What each action does is the simulator's business (sim.h); this file
 * only reads them.  A range gives one event per node, in range order.
 * The events come out sorted by time, ties in file order.  Errors name the
 * place: "FILE:LINE: field: reason".  No I/O: the caller reads the file.
 */
#ifndef ALLOT_SIM_NODEEVENTS_H
#define ALLOT_SIM_NODEEVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "model/pool.h"
#include "util/err.h"

#define NODEEVENTS_MAX 10000000      /* events after expanding ranges */
#define NODEEVENTS_MAX_RANGE 1000000 /* names in one range */

enum nodeevent_action {
	NODEEVENT_JOIN = 0, /* the node becomes part of the pool, UP */
	NODEEVENT_LEAVE,    /* drained, then gone once its jobs end */
	NODEEVENT_DRAIN,    /* no new work; running jobs go on */
	NODEEVENT_FAIL,     /* down at once; its jobs are requeued */
	NODEEVENT_REPAIR,   /* UP again after a failure or a drain */
	NODEEVENT_NACTIONS
};

struct nodeevent {
	int64_t time;
	uint32_t node;   /* pool node index */
	uint8_t action;  /* enum nodeevent_action */
};

struct nodeevents {
	struct nodeevent *v;  /* sorted by time, ties in file order */
	size_t n, cap;
};

void nodeevents_init(struct nodeevents *ev);
void nodeevents_free(struct nodeevents *ev);

/*
 * Parses buf[0..len) (named `name` in messages) against pool's node names
 * into ev, which must be empty (just initialised).  Returns 0, or
 * ERR_INVALID / ERR_LIMIT with e set and ev left empty.
 */
int nodeevents_parse(const char *name, const char *buf, size_t len,
		     const struct pool *pool, struct nodeevents *ev,
		     struct err *e);

/* "join", "leave", "drain", "fail", "repair"; "?" if out of range. */
const char *nodeevents_action_name(enum nodeevent_action a);
/* The action named s[0..n), or -1. */
int nodeevents_action_parse(const char *s, size_t n);

#endif
