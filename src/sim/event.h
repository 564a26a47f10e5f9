/*
 * event.h — the simulator's event queue: an array-based 4-ary min-heap.
 *
 * Order is total and deterministic: by time, then by kind (the enum's
 * order below: finishes free resources before new work arrives, and the
 * scheduling pass sees everything that happened at an instant), then by a
 * sequence number the heap hands out at push time (first pushed, first
 * popped).  So the same pushes always give the same pops.
 *
 * The heap owns its array; events are plain values.  Pushing grows the
 * array by doubling, so a warm heap allocates nothing.
 */
#ifndef ALLOT_SIM_EVENT_H
#define ALLOT_SIM_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* Kinds in tie-break order at one instant. */
enum event_kind {
	EV_FINISH = 0, /* a running job ends; its resources return */
	EV_PREEMPT,    /* a running job is stopped (used by a later issue) */
	EV_NODE,       /* a capacity event (join, leave, ...); the simulator
			* reads them from a sorted list, not the heap, and
			* hooks get the node index in `job` */
	EV_SUBMIT,     /* a job joins the pending queue */
	EV_START,      /* a job starts (the pass decided it) */
	EV_SCHEDULE,   /* run the scheduling pass */
	EV_NKINDS
};

#define EVENT_SEQ_BITS 56

struct event {
	int64_t time;
	uint64_t ord;  /* kind << EVENT_SEQ_BITS | sequence number */
	uint32_t job;  /* job id (unused by EV_SCHEDULE) */
};

struct event_heap {
	struct event *v;
	size_t n, cap;
	uint64_t seq;  /* next sequence number */
};

const char *event_kind_name(enum event_kind k);
static inline enum event_kind
event_kind_of(const struct event *ev)
{
	return (enum event_kind)(ev->ord >> EVENT_SEQ_BITS);
}

void event_heap_init(struct event_heap *h);
void event_heap_free(struct event_heap *h);
/* Reserves room for n events (so a run of known size never reallocates). */
void event_heap_reserve(struct event_heap *h, size_t n);
/* Adds an event; it gets the next sequence number. */
void event_push(struct event_heap *h, int64_t time, enum event_kind kind,
		uint32_t job);
/* The first event, or NULL when empty; valid until the next push/pop. */
const struct event *event_peek(const struct event_heap *h);
/* Removes the first event into *ev; returns 0, or -1 when empty. */
int event_pop(struct event_heap *h, struct event *ev);
/* Whether a comes strictly before b in the heap's order. */
int event_before(const struct event *a, const struct event *b);

#endif
