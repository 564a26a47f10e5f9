/*
 * svc_nodes.c — the live service's nodes as the executor and the admins
 * see them (see svc.h and svc_int.h): the state the placer sees derived
 * from the pool file's, an admin's drain (durable, in the meta table) and
 * the executor's NODE events (memory only: the executor repeats them
 * after a restart); FOREIGN jobs listed; the GPUs an executor chose
 * checked against allot's.  Everything here runs with the state lock
 * held, except svc_node_set, which takes it.
 */
#include "api/svc.h"
#include "api/svc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/place.h"
#include "util/alloc.h"

/* The state the placer sees for node k: absent stays absent; otherwise
 * the executor's word when it has given one (usable or down), else the
 * pool file's; an admin's drain on top of a usable node. */
static void
node_apply(struct svc *s, size_t k)
{
	uint8_t st = s->nbase[k];

	if (st != NODE_ABSENT && s->nxseen[k])
		st = s->nxdown[k] ? NODE_DOWN : NODE_UP;
	if (st == NODE_UP && s->ndrain[k])
		st = NODE_DRAIN;
	if (s->pool.nodes[k].state != st) {
		s->pool.nodes[k].state = st;
		placer_node_changed(s->pl, (uint32_t)k);
		s->dirty = 1;
	}
}

void
svc__nodes_init(struct svc *s)
{
	size_t n = s->pool.nnodes + 1;

	s->nbase = xcalloc(n, 1);
	s->ndrain = xcalloc(n, 1);
	s->nxseen = xcalloc(n, 1);
	s->nxdown = xcalloc(n, 1);
	s->nxwhy = xcalloc(n, sizeof *s->nxwhy);
	for (size_t k = 0; k < s->pool.nnodes; k++)
		s->nbase[k] = s->pool.nodes[k].state;
}

/* A NODE event: the executor says node ev->name is usable or not.  Jobs
 * running there are left to the executor: their ends come as events. */
void
svc__node_event(struct svc *s, const struct exec_event *ev)
{
	long k = svc__node_by_name(&s->pool, ev->name, strlen(ev->name));
	int was;

	if (k < 0) {
		svc_log(s, "executor: node %s is not in the pool (%s); ignored",
			ev->name, ev->up ? "up" : ev->text);
		return;
	}
	was = s->nxseen[k] ? !s->nxdown[k] : -1;
	s->nxseen[k] = 1;
	s->nxdown[k] = (uint8_t)!ev->up;
	snprintf(s->nxwhy[k], sizeof s->nxwhy[k], "%.63s", ev->up ? "" : ev->text);
	if (was != ev->up && (was != -1 || !ev->up))
		svc_log(s, "node %s %s%s%s", ev->name, ev->up ? "usable" :
			"unusable", *ev->text ? ": " : "", ev->text);
	node_apply(s, (size_t)k);
}

/* An executor that chose the GPUs itself (Slurm picks the indices of a
 * gres:gpu:N request) says which in STARTED; allot's placement assumed
 * the lowest free ones, as Slurm takes them.  A difference is logged and
 * counted (allot_gpu_index_mismatch_total): the per-node counts still
 * agree, but allot's view of which GPUs are free is then wrong. */
void
svc__gpus_check(struct svc *s, uint32_t id, const struct exec_event *ev)
{
	const struct sjob *x = &s->sj[id];
	char mine[96];
	size_t n = 0;

	if (strncmp(ev->text, "slurm_gpus=", 11) != 0 || x->alloc.nslots == 0)
		return;
	mine[0] = '\0';
	for (int g = 0; g < 8; g++)
		if (x->alloc.slots[0].gpu_mask & (1u << g))
			n += (size_t)snprintf(mine + n, sizeof mine - n, "%s%d",
					      n ? "," : "", g);
	if (strcmp(mine, ev->text + 11) == 0)
		return;
	s->gpu_mismatch++;
	svc_log(s, "job %u: Slurm gave GPUs %s on %s, allot chose %s", id,
		ev->text + 11, pool_node_name(&s->pool, x->alloc.slots[0].node),
		mine);
}

/* A FOREIGN event: reported and listed, never touched. */
void
svc__foreign_event(struct svc *s, const struct exec_event *ev)
{
	struct svc_foreign f;

	memset(&f, 0, sizeof f);
	f.id = ev->id;
	f.at = ev->at > 0 ? ev->at : svc__now();
	snprintf(f.cluster, sizeof f.cluster, "%s", ev->name);
	snprintf(f.text, sizeof f.text, "%s", ev->text);
	s->nforeign++;
	if (s->foreign.n < SVC_FOREIGN_MAX)
		vec_push(&s->foreign, f);
	svc_log(s, "executor: a job allot did not start%s%s: id %llu %s "
		"(left alone)", *f.cluster ? " on cluster " : "", f.cluster,
		(unsigned long long)f.id, f.text);
}

/* Nodes drained before a restart stay drained. */
void
svc__load_drained(struct svc *s)
{
	char *v = NULL;

	if (db_meta_get(s->db, "drained", &v, NULL) != 0)
		return;
	for (char *p = v; p && *p;) {
		char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		long k = svc__node_by_name(&s->pool, p, n);
		if (k >= 0) {
			s->ndrain[k] = 1;
			node_apply(s, (size_t)k);
		}
		p = c ? c + 1 : NULL;
	}
	free(v);
}

int
svc_node_set(struct svc *s, const char *name, int drain, struct err *e)
{
	long k;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc, first = 1;

	pthread_mutex_lock(&s->mu);
	k = svc__node_by_name(&s->pool, name, strlen(name));
	if (k < 0) {
		pthread_mutex_unlock(&s->mu);
		return err_set(e, ERR_NOTFOUND, "no node \"%s\"", name);
	}
	s->ndrain[k] = (uint8_t)(drain != 0);
	if (!drain && s->nbase[k] == NODE_DRAIN)
		s->nbase[k] = NODE_UP;
	node_apply(s, (size_t)k);
	f = open_memstream(&buf, &len);
	for (size_t i = 0; i < s->pool.nnodes; i++)
		if (s->ndrain[i]) {
			fprintf(f, "%s%s", first ? "" : ",",
				pool_node_name(&s->pool, (uint32_t)i));
			first = 0;
		}
	fclose(f);
	svc__wake(s);
	pthread_mutex_unlock(&s->mu);
	rc = db_meta_put(s->db, "drained", buf, e);
	free(buf);
	svc_log(s, "node %s %s", name, drain ? "drained" : "resumed");
	return rc;
}
