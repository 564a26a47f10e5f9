/*
 * event.c — the 4-ary event heap.
 *
 * Invariant: v[0..n) is a heap under event_before: every parent comes
 * before its (up to four) children, children of i at 4i+1..4i+4.  A 4-ary
 * heap is shallower than a binary one and its children share a cache
 * line, which matters because pops dominate the simulator's loop.  Keys
 * are unique (the sequence number differs), so the order is total and the
 * heap's shape never decides which of two events comes first.
 */
#include "sim/event.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static const char *const kind_names[EV_NKINDS] = {
	"finish", "preempt", "node", "submit", "start", "schedule",
};

const char *
event_kind_name(enum event_kind k)
{
	return (unsigned)k < EV_NKINDS ? kind_names[k] : "?";
}

void
event_heap_init(struct event_heap *h)
{
	memset(h, 0, sizeof *h);
}

void
event_heap_free(struct event_heap *h)
{
	if (h == NULL)
		return;
	free(h->v);
	memset(h, 0, sizeof *h);
}

void
event_heap_reserve(struct event_heap *h, size_t n)
{
	if (n > h->cap)
		h->v = xgrow(h->v, &h->cap, n, sizeof *h->v);
}

int
event_before(const struct event *a, const struct event *b)
{
	return a->time < b->time || (a->time == b->time && a->ord < b->ord);
}

void
event_push(struct event_heap *h, int64_t time, enum event_kind kind,
	   uint32_t job)
{
	struct event ev;
	size_t i;

	ALLOT_ASSERT((unsigned)kind < EV_NKINDS);
	ALLOT_ASSERT(h->seq < (UINT64_C(1) << EVENT_SEQ_BITS));
	if (h->n == h->cap)
		h->v = xgrow(h->v, &h->cap, h->n + 1, sizeof *h->v);
	ev.time = time;
	ev.ord = (uint64_t)kind << EVENT_SEQ_BITS | h->seq++;
	ev.job = job;
	/* Sift up: move parents down until ev's place is found. */
	i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / 4;
		if (!event_before(&ev, &h->v[p]))
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = ev;
}

const struct event *
event_peek(const struct event_heap *h)
{
	return h->n > 0 ? &h->v[0] : NULL;
}

int
event_pop(struct event_heap *h, struct event *ev)
{
	struct event last;
	size_t i = 0, n;

	if (h->n == 0)
		return -1;
	*ev = h->v[0];
	n = --h->n;
	if (n == 0)
		return 0;
	last = h->v[n];
	/* Sift down the former last element from the root. */
	for (;;) {
		size_t c = 4 * i + 1, best, end;
		if (c >= n)
			break;
		best = c;
		end = c + 4 < n ? c + 4 : n;
		for (size_t k = c + 1; k < end; k++)
			if (event_before(&h->v[k], &h->v[best]))
				best = k;
		if (!event_before(&h->v[best], &last))
			break;
		h->v[i] = h->v[best];
		i = best;
	}
	h->v[i] = last;
	return 0;
}
