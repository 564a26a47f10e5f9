/*
 * sim_events.c — capacity over time in the simulator (sim_opts.events):
 * nodes joining, leaving, draining, failing (their jobs requeued,
 * checkpointable ones keeping the work up to their last checkpoint) and
 * being repaired.  The struct sim it works on is shared with sim.c
 * through sim_int.h.
 */
#include "sim/sim.h"
#include "sim/sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/tenant.h"
#include "sched/fairshare.h"
#include "sched/quota.h"
#include "sched/topo.h"
#include "util/alloc.h"

/*
 * Before the run: remembers every node's state, works out which jobs fit
 * the pool at its fullest (every node UP that is UP now, ever joins, or is
 * repaired while present), and allocates what requeues need in FIFO and
 * first-fit (the priority set-up has its own).  The initial states (nodes
 * that first join are ABSENT) are set later by events_start, once quotas
 * exist.
 */
void
sim__events_setup(struct sim *s)
{
	const struct nodeevents *ev = s->o.events;
	size_t nn = s->pool->nnodes, n = s->w->njobs;
	uint8_t *full = xcalloc(nn + 1, 1);

	s->orig_state = xmalloc(nn + 1);
	s->leaving = xcalloc(nn + 1, 1);
	s->node_jobs = xcalloc(nn + 1, sizeof *s->node_jobs);
	for (size_t i = 0; i < nn; i++) {
		s->orig_state[i] = s->pool->nodes[i].state;
		full[i] = s->orig_state[i] == NODE_UP;
	}
	for (size_t k = 0; k < ev->n; k++) {
		uint32_t i = ev->v[k].node;
		if (ev->v[k].action == NODEEVENT_JOIN ||
		    (ev->v[k].action == NODEEVENT_REPAIR &&
		     s->orig_state[i] != NODE_ABSENT))
			full[i] = 1;
	}
	for (size_t i = 0; i < nn; i++)
		if (full[i] && s->pool->nodes[i].state != NODE_UP) {
			s->pool->nodes[i].state = NODE_UP;
			placer_node_changed(s->pl, (uint32_t)i);
		}
	s->fits = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		const struct job *j = &s->w->jobs[i];
		/* The priority pass also asks the topology index whether a
		 * gang fits one site and model (policy.c); the others do not
		 * build that index. */
		s->fits[i] = (uint8_t)(placer_could_ever_fit(s->pl, j) &&
				       (s->o.order != SCHED_PRIORITY || j->nodes <= 1 ||
					topo_could_ever_fit(placer_topo(s->pl), j)));
	}
	for (size_t i = 0; i < nn; i++)
		if (s->pool->nodes[i].state != s->orig_state[i]) {
			s->pool->nodes[i].state = s->orig_state[i];
			placer_node_changed(s->pl, (uint32_t)i);
		}
	free(full);
	if (s->o.order != SCHED_PRIORITY) {
		s->fin = xmalloc((n + 1) * sizeof *s->fin);
		s->remain = xmalloc((n + 1) * sizeof *s->remain);
		for (size_t i = 0; i < n; i++) {
			s->fin[i] = -1;
			s->remain[i] = s->w->jobs[i].duration;
		}
	}
}

/* Puts requeued job id back in the queue at its place: by submit time
 * (strict FIFO; first-fit through its kept enqueue number) or into the
 * priority set. */
static void
requeue(struct sim *s, uint32_t id)
{
	const struct job *w = s->w->jobs;
	size_t k;

	sim__enqueue(s, id);
	if (s->o.order != SCHED_FIFO)
		return;
	for (k = s->qtail - 1; k > s->qhead; k--) {
		const struct job *a = &w[s->q[k - 1]];
		if (a->submit < w[id].submit ||
		    (a->submit == w[id].submit && a->id < id))
			break;
		s->q[k] = s->q[k - 1];
	}
	s->q[k] = id;
}

/* Node n failed at t: every job on it stops at once and is requeued; a
 * checkpointable one keeps the work up to its last checkpoint. */
static void
fail_node(struct sim *s, uint32_t n, int64_t t)
{
	size_t nv = 0;

	for (size_t i = 0; i < s->heap.n; i++) {
		const struct event *ev = &s->heap.v[i];
		const struct alloc *a = &s->alloc[ev->job];
		if (event_kind_of(ev) != EV_FINISH ||
		    s->w->jobs[ev->job].state != JOB_RUNNING ||
		    s->fin[ev->job] != ev->time)
			continue;
		for (size_t k = 0; k < a->nslots; k++)
			if (a->slots[k].node == n) {
				s->victims = xgrow(s->victims, &s->cap_victims,
						   nv + 1, sizeof *s->victims);
				s->victims[nv++] = ev->job;
				break;
			}
	}
	for (size_t v = 0; v < nv; v++) {
		uint32_t id = s->victims[v];
		struct job *j = &s->w->jobs[id];
		struct alloc *a = &s->alloc[id];
		int64_t done = t - j->start, kept = 0;
		/* A job restarted to end at the very time of an older event
		 * of its own has two live-looking events: requeue it once. */
		if (j->state != JOB_RUNNING)
			continue;
		if (s->run != NULL)
			sim__run_leave(s, id);
		placer_release(s->pl, j, a);
		metrics_job(&s->m, s->pool, j, a, 0);
		sim__released(s, a);
		alloc_free(a);
		if (j->flags & JOB_CHECKPOINTABLE)
			kept = s->o.checkpoint_s > 0
				       ? done / s->o.checkpoint_s * s->o.checkpoint_s
				       : done;
		if (j->flags & JOB_CHECKPOINTABLE)
			s->remain[id] = s->remain[id] > kept ? s->remain[id] - kept
							     : 0;
		else
			s->remain[id] = j->duration;
		s->st.lost_gpu_s += job_gpu_milli(j) * (uint64_t)(done - kept) /
				    MILLI;
		j->state = JOB_PENDING;
		j->flags &= ~(uint32_t)JOB_RECLAIMING;
		s->fin[id] = -1;
		s->st.requeued++;
		requeue(s, id);
		{
			struct sched_decision d;
			memset(&d, 0, sizeof d);
			d.blocker = n;
			sim__note(s, t, SIM_NOTE_REQUEUE, id, &d);
		}
		sim__hook(s, t, EV_PREEMPT, id);
	}
}

/* Applies one capacity event at t (semantics in sim.h). */
void
sim__apply_event(struct sim *s, const struct nodeevent *ne, int64_t t)
{
	uint32_t n = ne->node;
	const struct node *nd = &s->pool->nodes[n];

	switch (ne->action) {
	case NODEEVENT_REPAIR:
		if (nd->state == NODE_ABSENT)
			break; /* gone: only a join brings it back */
		/* FALLTHROUGH */
	case NODEEVENT_JOIN:
		s->leaving[n] = 0;
		sim__set_state(s, n, NODE_UP);
		break;
	case NODEEVENT_DRAIN:
		if (nd->state == NODE_UP)
			sim__set_state(s, n, NODE_DRAIN);
		break;
	case NODEEVENT_LEAVE:
		if (nd->state == NODE_ABSENT)
			break;
		if (s->node_jobs[n] == 0) {
			s->leaving[n] = 0;
			sim__set_state(s, n, NODE_ABSENT);
		} else {
			s->leaving[n] = 1;
			if (nd->state == NODE_UP)
				sim__set_state(s, n, NODE_DRAIN);
		}
		break;
	case NODEEVENT_FAIL:
		if (nd->state == NODE_ABSENT || nd->state == NODE_DOWN)
			break;
		fail_node(s, n, t);
		if (nd->state != NODE_ABSENT)
			sim__set_state(s, n, s->leaving[n] ? NODE_ABSENT : NODE_DOWN);
		s->leaving[n] = 0;
		break;
	default:
		break;
	}
	s->st.node_events++;
	sim__hook(s, t, EV_NODE, n);
}

/* The initial states: nodes whose first event is a join are ABSENT until
 * then; events before the first submit are history and apply at once. */
void
sim__events_start(struct sim *s)
{
	const struct nodeevents *ev = s->o.events;
	uint8_t *seen = xcalloc(s->pool->nnodes + 1, 1);
	int64_t first = s->w->jobs[s->order[0]].submit;

	for (size_t k = 0; k < ev->n; k++) {
		uint32_t i = ev->v[k].node;
		if (!seen[i] && ev->v[k].action == NODEEVENT_JOIN)
			sim__set_state(s, i, NODE_ABSENT);
		seen[i] = 1;
	}
	free(seen);
	while (s->evnext < ev->n && ev->v[s->evnext].time < first) {
		sim__apply_event(s, &ev->v[s->evnext], ev->v[s->evnext].time);
		s->evnext++;
	}
}

/* Whether ev was superseded: the job it was for has stopped since (a
 * failure or a preemption) or runs again with another end. */
