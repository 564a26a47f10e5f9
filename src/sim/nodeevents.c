/*
 * nodeevents.c — reads the capacity-events file (format in nodeevents.h).
 *
 * The line loop and the header are the trace readers' driver
 * (trace_table_read); this file checks one record, expands a node range
 * and appends one event per node.  Node names are looked up through a map
 * from the pool's name ids to node indexes, built once per read (a rack
 * and a node may share a name; only nodes are in the map).  Events are
 * appended in file order and sorted stably by time at the end.  The
 * container owns its array; a failed read leaves it empty.
 */
#include "sim/nodeevents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/grantfile.h"
#include "sim/trace_int.h"
#include "util/alloc.h"

#define NONE UINT32_MAX
#define MAX_NAME 64 /* pool names (docs/POOL-FORMAT.md) */

enum { C_TIME, C_NODE, C_ACTION, C_NCOLS };

static const char *const event_cols[C_NCOLS] = {"time", "node", "action"};

static const char *const action_names[NODEEVENT_NACTIONS] = {
	"join", "leave", "drain", "fail", "repair",
};

struct ctx {
	const struct pool *pool;
	uint32_t *node_of;   /* pool name id -> node index, NONE */
	struct nodeevents *ev;
};

void
nodeevents_init(struct nodeevents *ev)
{
	memset(ev, 0, sizeof *ev);
}

void
nodeevents_free(struct nodeevents *ev)
{
	if (ev == NULL)
		return;
	free(ev->v);
	memset(ev, 0, sizeof *ev);
}

const char *
nodeevents_action_name(enum nodeevent_action a)
{
	return (unsigned)a < NODEEVENT_NACTIONS ? action_names[a] : "?";
}

int
nodeevents_action_parse(const char *s, size_t n)
{
	for (int i = 0; i < NODEEVENT_NACTIONS; i++)
		if (strlen(action_names[i]) == n && memcmp(action_names[i], s, n) == 0)
			return i;
	return -1;
}

static int
name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("._-:/@+", c) != NULL;
}

/* A range PRE[LO-HI]SUF of node names. */
struct range {
	const char *pre, *suf;
	size_t npre, nsuf;
	uint32_t lo, hi;
	int width;
};

/* Parses the digits s[0..n) (1..9 of them) into *v; -1 if malformed. */
static int
number(const char *s, size_t n, uint32_t *v)
{
	uint32_t x = 0;

	if (n < 1 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint32_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/* Splits f into a range; a name without '[' is a range of one (width -1).
 * Returns 0 or ERR_INVALID naming the field. */
static int
get_range(const struct csv_lines *r, struct csv_field f, struct range *g,
	  struct err *e)
{
	const char *lb, *dash, *rb;
	char show[64];

	memset(g, 0, sizeof *g);
	lb = memchr(f.s, '[', f.n);
	if (lb == NULL) {
		int rc = csv_get_name(r, "node", f, MAX_NAME, e);
		g->pre = f.s;
		g->npre = f.n;
		g->width = -1;
		return rc;
	}
	rb = memchr(lb, ']', f.n - (size_t)(lb - f.s));
	dash = rb != NULL ? memchr(lb, '-', (size_t)(rb - lb)) : NULL;
	if (rb == NULL || dash == NULL ||
	    number(lb + 1, (size_t)(dash - lb - 1), &g->lo) != 0 ||
	    number(dash + 1, (size_t)(rb - dash - 1), &g->hi) != 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "node",
			      "expected a name or a range PREFIX[LO-HI]SUFFIX "
			      "(1..9 digits each), got %s",
			      csv_show(show, sizeof show, f));
	g->pre = f.s;
	g->npre = (size_t)(lb - f.s);
	g->suf = rb + 1;
	g->nsuf = f.n - (size_t)(rb + 1 - f.s);
	g->width = (int)(dash - lb - 1);
	for (size_t i = 0; i < g->npre; i++)
		if (!name_char((unsigned char)g->pre[i]))
			goto badchar;
	for (size_t i = 0; i < g->nsuf; i++)
		if (!name_char((unsigned char)g->suf[i]))
			goto badchar;
	if (g->lo > g->hi)
		return err_at(e, ERR_INVALID, r->name, r->line, "node",
			      "range %u-%u runs backwards", (unsigned)g->lo,
			      (unsigned)g->hi);
	if (g->hi - g->lo >= NODEEVENTS_MAX_RANGE)
		return err_at(e, ERR_INVALID, r->name, r->line, "node",
			      "range of %lu names: at most %d",
			      (unsigned long)(g->hi - g->lo) + 1,
			      NODEEVENTS_MAX_RANGE);
	return 0;
badchar:
	return err_at(e, ERR_INVALID, r->name, r->line, "node",
		      "%s: names are letters, digits and ._-:/@+",
		      csv_show(show, sizeof show, f));
}

/* Writes name number k of g into buf (MAX_NAME + 32 bytes); returns its
 * length, or 0 if it is longer than a pool name can be. */
static size_t
range_name(const struct range *g, uint32_t k, char *buf)
{
	size_t n = g->npre;
	int d;

	if (n > MAX_NAME || g->pre == NULL)
		return 0;
	memcpy(buf, g->pre, n);
	if (g->width < 0)
		return n;
	d = snprintf(buf + n, 16, "%0*lu", g->width, (unsigned long)k);
	n += (size_t)d;
	if (n + g->nsuf > MAX_NAME)
		return 0;
	memcpy(buf + n, g->suf, g->nsuf);
	return n + g->nsuf;
}

static int
event_record(void *vctx, const struct csv_lines *r, const struct csv_field *f,
	     int nf, const int *idx, struct err *e)
{
	struct ctx *c = vctx;
	struct nodeevents *ev = c->ev;
	struct csv_field act = f[idx[C_ACTION]];
	struct range g;
	char show[64], name[MAX_NAME + 32];
	int64_t t;
	int a, rc;
	uint32_t count;

	(void)nf;
	if ((rc = grantfile_time(r, "time", f[idx[C_TIME]], &t, e)) != 0 ||
	    (rc = get_range(r, f[idx[C_NODE]], &g, e)) != 0)
		return rc;
	if ((a = nodeevents_action_parse(act.s, act.n)) < 0)
		return err_at(e, ERR_INVALID, r->name, r->line, "action",
			      "expected join, leave, drain, fail or repair, got "
			      "%s", csv_show(show, sizeof show, act));
	count = g.width < 0 ? 1 : g.hi - g.lo + 1;
	if (ev->n + count > NODEEVENTS_MAX)
		return err_at(e, ERR_LIMIT, r->name, r->line, "node",
			      "more than %d events", NODEEVENTS_MAX);
	for (uint32_t k = 0; k < count; k++) {
		size_t n = range_name(&g, g.lo + k, name);
		long id = n > 0 ? strtab_find(&c->pool->names, name, n) : -1;
		uint32_t node = id >= 0 ? c->node_of[id] : NONE;
		if (node == NONE) {
			struct csv_field nf2 = {name, n};
			if (n == 0)
				return err_at(e, ERR_INVALID, r->name, r->line,
					      "node", "names are at most %d bytes",
					      MAX_NAME);
			return err_at(e, ERR_INVALID, r->name, r->line, "node",
				      "no node %s in the pool",
				      csv_show(show, sizeof show, nf2));
		}
		if (ev->n == ev->cap)
			ev->v = xgrow(ev->v, &ev->cap, ev->n + 1, sizeof *ev->v);
		ev->v[ev->n++] = (struct nodeevent){t, node, (uint8_t)a};
	}
	return 0;
}

/* Sorts ev->v stably by time: a merge sort (the file is usually in time
 * order already, so most merges are a single comparison). */
static void
sort_by_time(struct nodeevent *v, struct nodeevent *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	sort_by_time(v, tmp, mid);
	sort_by_time(v + mid, tmp, n - mid);
	if (v[mid - 1].time <= v[mid].time)
		return;
	while (i < mid && j < n)
		tmp[k++] = v[j].time < v[i].time ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	memcpy(v, tmp, k * sizeof *v);
}

int
nodeevents_parse(const char *name, const char *buf, size_t len,
		 const struct pool *pool, struct nodeevents *ev, struct err *e)
{
	struct ctx c = {pool, NULL, ev};
	struct trace_table t = {
		.sep = ',',
		.cols = event_cols,
		.ncols = C_NCOLS,
		.required = 1u << C_TIME | 1u << C_NODE | 1u << C_ACTION,
		.record = event_record,
		.ctx = &c,
	};
	struct trace_opts o = {.max_jobs = NODEEVENTS_MAX};
	size_t skipped;
	int rc;

	ALLOT_ASSERT(ev->n == 0);
	c.node_of = xmalloc((pool->names.n + 1) * sizeof *c.node_of);
	for (size_t i = 0; i < pool->names.n; i++)
		c.node_of[i] = NONE;
	for (size_t i = 0; i < pool->nnodes; i++)
		c.node_of[pool->nodes[i].name] = (uint32_t)i;
	rc = trace_table_read(name, buf, len, &o, &t, &skipped, e);
	free(c.node_of);
	if (rc != 0) {
		nodeevents_free(ev);
		return rc;
	}
	if (ev->n > 1) {
		struct nodeevent *tmp = xmalloc(ev->n * sizeof *tmp);
		sort_by_time(ev->v, tmp, ev->n);
		free(tmp);
	}
	return 0;
}
