/*
 * multi.c — several executors behind one (multi.h, docs/CLUSTERS.md).
 *
 * The daemon sees one executor and one pool; each member is one cluster
 * (usually a remote agent running the Slurm executor, because libslurm
 * holds one configuration per process).  A job never spans clusters, so
 * everything routes by node: `nodes` maps each node name (a strtab id)
 * to its member, learnt from multi_pool_text and from NODE events; `ids`
 * maps each run id this executor started or recovered as running to its
 * member until its EXITED or LOST passes.
 *
 * Recovery with a member down: an id that no answering member knows may
 * be on a member that did not answer, so it is neither declared lost
 * (the daemon would run it again: twice) nor forgotten: it is reported
 * STARTED and kept in `pend` with the set of members still to ask.
 * exec_poll asks them again at most once a second; the first that knows
 * the id takes it (its EXITED or LOST is queued, or it joins `ids` if
 * still running); when every one of them says never started, a LOST with
 * never_started = 1 is queued (nothing ran, the daemon may rerun).
 * exec_stop of a pending id asks at once (the member must know the id
 * before it can stop it): ERR_IO while none of them answers.
 *
 * One mutex guards everything and is held across calls into members (the
 * daemon drives the executor from one thread in practice).  `q` holds
 * events made here or polled early (by a start that met an unknown
 * node); exec_poll hands them out first.
 */
#include "exec/multi.h"
#include "exec/exec_int.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exec/remote.h"
#include "exec/sx.h"
#include "model/pool.h"
#include "model/poolfile.h"
#include "util/alloc.h"
#include "util/strtab.h"

#define ASK_MS 1000
#define NAME_MAX_LEN 53 /* the `nodes` shorthand names racks NAME-rNNN */

struct member {
	struct exec *x;
	char *name;
};

struct pend {
	uint64_t id;
	uint64_t ask; /* bit i: member i has still to be asked */
};

/* id -> member, open addressing; st: 0 empty, 1 used, 2 deleted */
struct idmap {
	uint64_t *key;
	uint8_t *st;
	uint8_t *val;
	size_t cap, used, live;
};

struct multi {
	struct exec base;
	pthread_mutex_t mu;
	struct member *m;
	size_t n;
	struct strtab nodes;  /* node names */
	uint8_t *node_m;      /* strtab id -> member */
	size_t cap_node_m;
	struct idmap ids;
	struct pend *p;
	size_t np, capp;
	struct exec_event *q;
	size_t nq, capq;
	size_t rr;            /* member polled first next time */
	int64_t last_ask;     /* monotonic ms */
};

static const struct exec_ops multi_ops;

/* ---- id map --------------------------------------------------------- */

static size_t
id_hash(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

static long
id_find(const struct idmap *h, uint64_t id)
{
	if (h->cap == 0)
		return -1;
	for (size_t i = id_hash(id, h->cap);; i = (i + 1) & (h->cap - 1)) {
		if (h->st[i] == 0)
			return -1;
		if (h->st[i] == 1 && h->key[i] == id)
			return h->val[i];
	}
}

static void id_put(struct idmap *h, uint64_t id, size_t member);

static void
id_grow(struct idmap *h)
{
	struct idmap old = *h;
	size_t cap = old.cap == 0 ? 64 : old.cap;

	while (cap < 4 * (old.live + 1))
		cap *= 2;
	h->cap = cap;
	h->key = xcalloc(cap, sizeof *h->key);
	h->st = xcalloc(cap, 1);
	h->val = xcalloc(cap, 1);
	h->used = h->live = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.st[i] == 1)
			id_put(h, old.key[i], old.val[i]);
	free(old.key);
	free(old.st);
	free(old.val);
}

static void
id_put(struct idmap *h, uint64_t id, size_t member)
{
	size_t i;

	if (2 * (h->used + 1) > h->cap)
		id_grow(h);
	for (i = id_hash(id, h->cap); h->st[i] != 0;
	     i = (i + 1) & (h->cap - 1))
		if (h->st[i] == 1 && h->key[i] == id) {
			h->val[i] = (uint8_t)member;
			return;
		}
	h->st[i] = 1;
	h->key[i] = id;
	h->val[i] = (uint8_t)member;
	h->used++;
	h->live++;
}

static void
id_del(struct idmap *h, uint64_t id)
{
	if (h->cap == 0)
		return;
	for (size_t i = id_hash(id, h->cap); h->st[i] != 0;
	     i = (i + 1) & (h->cap - 1))
		if (h->st[i] == 1 && h->key[i] == id) {
			h->st[i] = 2;
			h->live--;
			return;
		}
}

static void
id_free(struct idmap *h)
{
	free(h->key);
	free(h->st);
	free(h->val);
}

/* ---- nodes, pending ids, the queue ------------------------------------ */

/* Remembers that node name is in member k (the first claim stays). */
static void
node_learn(struct multi *mu, const char *name, size_t k)
{
	size_t before = mu->nodes.n;
	uint32_t id = strtab_intern(&mu->nodes, name, strlen(name));

	if (mu->nodes.n == before)
		return;
	mu->node_m = xgrow(mu->node_m, &mu->cap_node_m, (size_t)id + 1, 1);
	mu->node_m[id] = (uint8_t)k;
}

static long
node_member(const struct multi *mu, const char *name, size_t len)
{
	long id = strtab_find(&mu->nodes, name, len);

	return id < 0 ? -1 : mu->node_m[id];
}

static struct pend *
pend_find(struct multi *mu, uint64_t id)
{
	for (size_t i = 0; i < mu->np; i++)
		if (mu->p[i].id == id)
			return &mu->p[i];
	return NULL;
}

static void
pend_drop(struct multi *mu, uint64_t id)
{
	for (size_t i = 0; i < mu->np; i++)
		if (mu->p[i].id == id) {
			mu->p[i] = mu->p[--mu->np];
			return;
		}
}

static void
queue(struct multi *mu, const struct exec_event *v)
{
	mu->q = xgrow(mu->q, &mu->capq, mu->nq + 1, sizeof *mu->q);
	mu->q[mu->nq++] = *v;
}

/* What an event from member k teaches; names FOREIGN events. */
static void
learn(struct multi *mu, struct exec_event *v, size_t k)
{
	switch (v->kind) {
	case EXEC_NODE:
		node_learn(mu, v->name, k);
		break;
	case EXEC_FOREIGN:
		snprintf(v->name, sizeof v->name, "%s", mu->m[k].name);
		break;
	case EXEC_STARTED:
		id_put(&mu->ids, v->id, k);
		pend_drop(mu, v->id);
		break;
	default: /* EXITED, LOST */
		id_del(&mu->ids, v->id);
		pend_drop(mu, v->id);
		break;
	}
}

/* Polls member k for at most cap events into ev; learns from them. */
static size_t
poll_member(struct multi *mu, size_t k, struct exec_event *ev, size_t cap)
{
	size_t got = exec_poll(mu->m[k].x, ev, cap);

	for (size_t i = 0; i < got; i++)
		learn(mu, &ev[i], k);
	return got;
}

/* Polls every member into the queue (a start met an unknown node). */
static void
poll_into_queue(struct multi *mu)
{
	struct exec_event ev[256];

	for (size_t k = 0; k < mu->n; k++) {
		size_t got;

		do {
			got = poll_member(mu, k, ev, 256);
			for (size_t i = 0; i < got; i++)
				queue(mu, &ev[i]);
		} while (got == 256);
	}
}

/* Asks the members in the pending ids' masks again (see the top); at
 * most once every ASK_MS unless force. */
static void
ask_again(struct multi *mu, int force)
{
	if (mu->np == 0 ||
	    (!force && exec__now_mono_ms() - mu->last_ask < ASK_MS))
		return;
	mu->last_ask = exec__now_mono_ms();
	for (size_t k = 0; k < mu->n; k++) {
		uint64_t bit = (uint64_t)1 << k, *ids;
		struct exec_event *ev;
		size_t n = 0;

		for (size_t i = 0; i < mu->np; i++)
			n += (mu->p[i].ask & bit) != 0;
		if (n == 0)
			continue;
		ids = xcalloc(n, sizeof *ids);
		ev = xcalloc(n, sizeof *ev);
		n = 0;
		for (size_t i = 0; i < mu->np; i++)
			if (mu->p[i].ask & bit)
				ids[n++] = mu->p[i].id;
		if (exec_recover(mu->m[k].x, ids, n, ev, NULL) == 0)
			for (size_t i = 0; i < n; i++) {
				struct pend *p = pend_find(mu, ids[i]);

				if (p == NULL)
					continue;
				if (ev[i].kind == EXEC_LOST &&
				    ev[i].never_started) {
					p->ask &= ~bit;
					if (p->ask != 0)
						continue;
					queue(mu, &ev[i]); /* nobody ran it */
					pend_drop(mu, ids[i]);
				} else if (ev[i].kind == EXEC_STARTED) {
					id_put(&mu->ids, ids[i], k);
					pend_drop(mu, ids[i]);
				} else {
					queue(mu, &ev[i]);
					pend_drop(mu, ids[i]);
				}
			}
		free(ids);
		free(ev);
	}
}

/* ---- operations --------------------------------------------------------- */

/* The member all of j's nodes are in, or an error. */
static int
route(struct multi *mu, const struct exec_job *j, size_t *out, struct err *e)
{
	const char *list = j->nodelist && *j->nodelist ? j->nodelist : j->node;
	long found = -1;
	int polled = 0;

	if (list == NULL || *list == '\0')
		return err_set(e, ERR_INVALID, "nodelist: empty (no node)");
	for (const char *s = list; *s != '\0';) {
		size_t len = strcspn(s, ",");
		long k;

		if (len == 0 || len > 64) {
			return err_set(e, ERR_INVALID, "nodelist: \"%.80s\": "
				       "empty or over-long node name", list);
		}
		k = node_member(mu, s, len);
		if (k < 0 && !polled) {
			poll_into_queue(mu);
			polled = 1;
			k = node_member(mu, s, len);
		}
		if (k < 0)
			return err_set(e, ERR_INVALID, "node %.*s: in no "
				       "cluster", (int)len, s);
		if (found >= 0 && k != found)
			return err_set(e, ERR_INVALID, "nodelist: spans "
				       "clusters %s and %s",
				       mu->m[found].name, mu->m[k].name);
		found = k;
		s += len;
		if (*s == ',')
			s++;
	}
	if (j->node != NULL && *j->node != '\0' && j->node != list) {
		long k = node_member(mu, j->node, strlen(j->node));

		if (k != found)
			return err_set(e, ERR_INVALID, "node %s: not in the "
				       "nodelist's cluster %s", j->node,
				       mu->m[found].name);
	}
	*out = (size_t)found;
	return 0;
}

static int
multi_start(struct exec *x, const struct exec_job *j, struct err *e)
{
	struct multi *mu = (struct multi *)x;
	size_t k = 0;
	int rc;

	pthread_mutex_lock(&mu->mu);
	if ((rc = route(mu, j, &k, e)) == 0 &&
	    (rc = exec_start(mu->m[k].x, j, e)) == 0)
		id_put(&mu->ids, j->id, k);
	pthread_mutex_unlock(&mu->mu);
	return rc;
}

static int
multi_stop(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e)
{
	struct multi *mu = (struct multi *)x;
	long k;
	int rc;

	pthread_mutex_lock(&mu->mu);
	/* an id pending since a recover: ask its candidates now, so that
	 * the member running it knows it before the stop */
	if (pend_find(mu, id) != NULL)
		ask_again(mu, 1);
	if ((k = id_find(&mu->ids, id)) >= 0)
		rc = exec_stop(mu->m[k].x, id, grace_s, e);
	else if (pend_find(mu, id) != NULL)
		rc = err_set(e, ERR_IO, "id %" PRIu64 ": the clusters that may "
			     "run it do not answer", id);
	else {
		rc = err_set(e, ERR_NOTFOUND, "id %" PRIu64 ": not running in "
			     "any cluster", id);
		for (size_t i = 0; i < mu->nq; i++)
			if (mu->q[i].id == id && (mu->q[i].kind == EXEC_EXITED ||
						  mu->q[i].kind == EXEC_LOST))
				rc = 0; /* ended, not yet reported */
	}
	pthread_mutex_unlock(&mu->mu);
	return rc;
}

static size_t
multi_poll(struct exec *x, struct exec_event *ev, size_t cap)
{
	struct multi *mu = (struct multi *)x;
	size_t got = 0, start;
	uint64_t full = 0;

	pthread_mutex_lock(&mu->mu);
	ask_again(mu, 0);
	if (mu->nq > 0) {
		got = mu->nq < cap ? mu->nq : cap;
		memcpy(ev, mu->q, got * sizeof *ev);
		memmove(mu->q, mu->q + got, (mu->nq - got) * sizeof *mu->q);
		mu->nq -= got;
	}
	start = mu->rr++ % mu->n;
	/* a fair share each, then what is left to those that filled it */
	for (size_t k = 0; k < mu->n && got < cap; k++) {
		size_t i = (start + k) % mu->n, left = cap - got;
		size_t share = left / (mu->n - k), n;

		if (share == 0)
			share = 1;
		n = poll_member(mu, i, ev + got, share);
		got += n;
		if (n == share)
			full |= (uint64_t)1 << i;
	}
	for (size_t k = 0; k < mu->n && got < cap; k++) {
		size_t i = (start + k) % mu->n;

		if (full & ((uint64_t)1 << i))
			got += poll_member(mu, i, ev + got, cap - got);
	}
	pthread_mutex_unlock(&mu->mu);
	return got;
}

static int
multi_recover(struct exec *x, const uint64_t *ids, size_t n,
	      struct exec_event *ev, struct err *e)
{
	struct multi *mu = (struct multi *)x;
	struct exec_event *all;
	int ok[MULTI_MAX] = {0};
	size_t nok = 0;
	uint64_t failed = 0;
	struct err le = {0};

	if (n == 0)
		return 0;
	all = xcalloc(mu->n * n, sizeof *all);
	pthread_mutex_lock(&mu->mu);
	for (size_t k = 0; k < mu->n; k++) {
		struct err ke = {0};

		ok[k] = exec_recover(mu->m[k].x, ids, n, all + k * n, &ke) == 0;
		if (ok[k])
			nok++;
		else {
			failed |= (uint64_t)1 << k;
			if (le.msg[0] == '\0')
				err_set(&le, ERR_IO, "cluster %s: %s",
					mu->m[k].name, ke.msg);
		}
	}
	if (nok == 0) {
		pthread_mutex_unlock(&mu->mu);
		free(all);
		return err_set(e, ERR_IO, "%s", le.msg);
	}
	for (size_t i = 0; i < n; i++) {
		const struct exec_event *pick = NULL, *never = NULL;
		size_t pk = 0;

		for (size_t k = 0; k < mu->n; k++) {
			const struct exec_event *v = &all[k * n + i];

			if (!ok[k])
				continue;
			if (v->kind == EXEC_LOST && v->never_started) {
				never = v;
				continue;
			}
			/* a run found beats one that vanished */
			if (pick == NULL || (pick->kind == EXEC_LOST &&
					     v->kind != EXEC_LOST)) {
				pick = v;
				pk = k;
			}
		}
		if (pick != NULL) {
			ev[i] = *pick;
			if (pick->kind == EXEC_STARTED)
				id_put(&mu->ids, ids[i], pk);
			else
				id_del(&mu->ids, ids[i]);
			pend_drop(mu, ids[i]);
		} else if (failed != 0) {
			struct pend *p = pend_find(mu, ids[i]);

			memset(&ev[i], 0, sizeof ev[i]);
			ev[i].id = ids[i];
			ev[i].kind = EXEC_STARTED;
			ev[i].at = exec__now_real();
			if (p == NULL) {
				mu->p = xgrow(mu->p, &mu->capp, mu->np + 1,
					      sizeof *mu->p);
				p = &mu->p[mu->np++];
				p->id = ids[i];
			}
			p->ask = failed;
			id_del(&mu->ids, ids[i]);
		} else {
			if (never != NULL) /* always, as every member answered */
				ev[i] = *never;
			else
				exec__ev_lost(&ev[i], ids[i], 1);
			id_del(&mu->ids, ids[i]);
			pend_drop(mu, ids[i]);
		}
	}
	mu->last_ask = exec__now_mono_ms();
	pthread_mutex_unlock(&mu->mu);
	free(all);
	return 0;
}

static void
multi_free(struct exec *x)
{
	struct multi *mu = (struct multi *)x;

	for (size_t k = 0; k < mu->n; k++) {
		exec_free(mu->m[k].x);
		free(mu->m[k].name);
	}
	free(mu->m);
	strtab_free(&mu->nodes);
	free(mu->node_m);
	id_free(&mu->ids);
	free(mu->p);
	free(mu->q);
	pthread_mutex_destroy(&mu->mu);
	free(mu);
}

static const struct exec_ops multi_ops = {
	"multi", multi_start, multi_stop, multi_poll, multi_recover,
	multi_free,
};

static int
name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("._-:/@+", c) != NULL))
			return 0;
	}
	return 1;
}

struct exec *
multi_new(struct exec **members, const char *const *names, size_t n,
	  struct err *e)
{
	struct multi *mu;
	int rc = 0;

	if (n == 0 || n > MULTI_MAX)
		rc = err_set(e, ERR_INVALID, "clusters: %zu given (1..%d)", n,
			     MULTI_MAX);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (members[i] == NULL)
			rc = err_set(e, ERR_INVALID, "cluster %zu: no executor",
				     i);
		else if (!name_ok(names[i]))
			rc = err_set(e, ERR_INVALID, "cluster \"%s\": name: "
				     "expected 1..%d letters, digits or "
				     "._-:/@+", names[i] ? names[i] : "",
				     NAME_MAX_LEN);
		for (size_t k = 0; rc == 0 && k < i; k++)
			if (names[k] != NULL && names[i] != NULL &&
			    strcmp(names[k], names[i]) == 0)
				rc = err_set(e, ERR_INVALID, "cluster %s: name "
					     "given twice", names[i]);
	}
	if (rc != 0) {
		for (size_t i = 0; i < n; i++)
			exec_free(members[i]);
		return NULL;
	}
	mu = xcalloc(1, sizeof *mu);
	mu->base.ops = &multi_ops;
	mu->m = xcalloc(n, sizeof *mu->m);
	mu->n = n;
	for (size_t i = 0; i < n; i++) {
		mu->m[i].x = members[i];
		mu->m[i].name = xstrdup(names[i]);
	}
	pthread_mutex_init(&mu->mu, NULL);
	return &mu->base;
}

/* ---- the merged pool ------------------------------------------------ */

/* One member's text, split: the model and provider lines, the rest. */
struct part {
	char *text;
	struct pool p;
};

/* The next line of *s (comment and ends stripped) into line; 0 at end. */
static int
next_line(const char **s, char *line, size_t cap)
{
	while (**s != '\0') {
		size_t len = strcspn(*s, "\n"), k;
		const char *l = *s;

		*s += len + (l[len] == '\n');
		k = strcspn(l, "#");
		if (k < len)
			len = k;
		while (len > 0 && strchr(" \t\r", l[len - 1]) != NULL)
			len--;
		while (len > 0 && (*l == ' ' || *l == '\t')) {
			l++;
			len--;
		}
		if (len == 0)
			continue;
		if (len >= cap)
			len = cap - 1;
		memcpy(line, l, len);
		line[len] = '\0';
		return 1;
	}
	return 0;
}

/* "KEYWORD NAME ..." -> does line start with keyword and a space? */
static int
is_kw(const char *line, const char *kw)
{
	size_t n = strlen(kw);

	return strncmp(line, kw, n) == 0 &&
		(line[n] == ' ' || line[n] == '\t' || line[n] == '\0');
}

/* The NAME word of a line into buf. */
static const char *
word2(const char *line, char *buf, size_t cap)
{
	size_t a = strcspn(line, " \t"), b;

	line += a;
	line += strspn(line, " \t");
	b = strcspn(line, " \t");
	if (b >= cap)
		b = cap - 1;
	memcpy(buf, line, b);
	buf[b] = '\0';
	return buf;
}

/* Model and provider lines: each name once; a model defined twice
 * differently is an error naming both clusters. */
struct seen {
	char line[POOLFILE_MAX_LINE + 1];
	size_t member;
};

static int
merge(struct multi *mu, struct part *pt, char **out, struct err *e)
{
	char *buf = NULL, line[POOLFILE_MAX_LINE + 1], nm[80], nm2[80];
	size_t len = 0, nseen = 0, capseen = 0;
	struct seen *seen = NULL;
	uint64_t nodes = 0, gpus = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = 0;

	if (f == NULL)
		return err_set(e, ERR_IO, "open_memstream failed");
	fprintf(f, "allot-pool 1\n# merged from %zu clusters:", mu->n);
	for (size_t k = 0; k < mu->n; k++)
		fprintf(f, " %s", mu->m[k].name);
	fputc('\n', f);
	/* models first, then providers: everything later refers to them */
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		const char *kw = pass == 0 ? "model" : "provider";

		for (size_t k = 0; k < mu->n && rc == 0; k++) {
			const char *s = pt[k].text;

			while (rc == 0 && next_line(&s, line, sizeof line)) {
				size_t i;

				if (!is_kw(line, kw))
					continue;
				word2(line, nm, sizeof nm);
				for (i = 0; i < nseen; i++)
					if (strcmp(word2(seen[i].line, nm2,
							 sizeof nm2), nm) == 0)
						break;
				if (i < nseen) {
					if (strcmp(seen[i].line, line) != 0)
						rc = err_set(e, ERR_INVALID,
							     "%s %s: defined "
							     "differently by "
							     "clusters %s and %s",
							     kw, nm,
							     mu->m[seen[i].member].name,
							     mu->m[k].name);
					continue;
				}
				seen = xgrow(seen, &capseen, nseen + 1,
					     sizeof *seen);
				snprintf(seen[nseen].line,
					 sizeof seen[nseen].line, "%s", line);
				seen[nseen++].member = k;
				fprintf(f, "%s\n", line);
			}
		}
		nseen = 0; /* models and providers are separate name spaces */
	}
	for (size_t k = 0; k < mu->n && rc == 0; k++) {
		const char *s = pt[k].text;

		fprintf(f, "# cluster %s\n", mu->m[k].name);
		while (next_line(&s, line, sizeof line))
			if (!is_kw(line, "allot-pool") && !is_kw(line, "model") &&
			    !is_kw(line, "provider") && !is_kw(line, "end"))
				fprintf(f, "%s\n", line);
		nodes += pt[k].p.nnodes;
		gpus += pt[k].p.total_gpus;
	}
	fprintf(f, "end nodes=%" PRIu64 " gpus=%" PRIu64 "\n", nodes, gpus);
	free(seen);
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(e, ERR_IO, "open_memstream: write failed");
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	return 0;
}

/* Member k's pool text, whatever kind of executor it is. */
static int
member_text(struct multi *mu, size_t k, const char *default_model,
	    char **out, struct err *e)
{
	const char *kind = exec_name(mu->m[k].x);

	if (strcmp(kind, "remote") == 0)
		return remote_pool_text(mu->m[k].x, mu->m[k].name,
					default_model, out, e);
	if (strcmp(kind, "slurm") == 0)
		return sx_pool_text(mu->m[k].x, mu->m[k].name, default_model,
				    out, e);
	return err_set(e, ERR_INVALID, "executor %s cannot describe its "
		       "nodes", kind);
}

int
multi_pool_text(struct exec *x, const char *default_model, char **out,
		struct err *e)
{
	struct multi *mu = (struct multi *)x;
	struct part *pt;
	struct strtab all = {0};
	uint8_t *owner = NULL;
	size_t capo = 0;
	char *text = NULL;
	int rc = 0;

	*out = NULL;
	if (x == NULL || x->ops != &multi_ops)
		return err_set(e, ERR_INVALID, "executor: not a multi executor");
	pt = xcalloc(mu->n, sizeof *pt);
	for (size_t k = 0; k < mu->n; k++)
		pool_init(&pt[k].p);
	pthread_mutex_lock(&mu->mu);
	for (size_t k = 0; k < mu->n && rc == 0; k++) {
		if ((rc = member_text(mu, k, default_model, &pt[k].text,
				      e)) == 0)
			rc = poolfile_parse(mu->m[k].name, pt[k].text,
					    strlen(pt[k].text), &pt[k].p, e);
		if (rc != 0) {
			char pre[80];

			snprintf(pre, sizeof pre, "cluster %s", mu->m[k].name);
			err_prefix(e, pre);
			break;
		}
		for (size_t i = 0; i < pt[k].p.nnodes && rc == 0; i++) {
			const char *nm = pool_node_name(&pt[k].p, (uint32_t)i);
			size_t before = all.n;
			uint32_t id = strtab_intern(&all, nm, strlen(nm));

			if (all.n == before && owner != NULL && owner[id] != k)
				rc = err_set(e, ERR_INVALID, "node %s: in "
					     "clusters %s and %s", nm,
					     mu->m[owner[id]].name,
					     mu->m[k].name);
			else if (all.n == before)
				rc = err_set(e, ERR_INVALID, "node %s: twice "
					     "in cluster %s", nm,
					     mu->m[k].name);
			else {
				owner = xgrow(owner, &capo, (size_t)id + 1, 1);
				owner[id] = (uint8_t)k;
			}
		}
	}
	if (rc == 0 && (rc = merge(mu, pt, &text, e)) == 0 && text != NULL) {
		struct pool check;

		/* the merged file must read back (site or rack names two
		 * clusters share would fail here) */
		pool_init(&check);
		rc = poolfile_parse("merged pool", text, strlen(text), &check,
				    e);
		pool_free(&check);
	}
	if (rc == 0) {
		for (size_t i = 0; i < all.n; i++)
			node_learn(mu, all.str[i], owner[i]);
		*out = text;
	} else {
		free(text);
	}
	pthread_mutex_unlock(&mu->mu);
	for (size_t k = 0; k < mu->n; k++) {
		free(pt[k].text);
		pool_free(&pt[k].p);
	}
	free(pt);
	free(owner);
	strtab_free(&all);
	return rc;
}

struct exec *
multi_slurm_open(const char *const *names, const char *const *confs,
		 size_t n, const char *state_dir, const char *account_prefix,
		 struct err *e)
{
	struct exec *m[MULTI_MAX];
	size_t dl = strlen(state_dir) + 16, k;
	char *dir = xmalloc(dl), *sub = NULL;

	if (n == 0 || n > MULTI_MAX) {
		free(dir);
		err_set(e, ERR_INVALID, "clusters: expected 1..%d, got %zu",
			MULTI_MAX, n);
		return NULL;
	}
	snprintf(dir, dl, "%s/clusters", state_dir);
	if ((mkdir(state_dir, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
		err_set(e, ERR_IO, "%s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	for (k = 0; k < n; k++) {
		const char *argv[10];
		size_t sl = dl + strlen(names[k]) + 2;
		int a = 0;

		sub = xrealloc(sub, sl);
		snprintf(sub, sl, "%s/%s", dir, names[k]);
		argv[a++] = "/proc/self/exe";
		argv[a++] = "exec-agent";
		argv[a++] = "--slurm-conf";
		argv[a++] = confs[k];
		argv[a++] = "--state-dir";
		argv[a++] = sub;
		if (account_prefix != NULL) {
			argv[a++] = "--account-prefix";
			argv[a++] = account_prefix;
		}
		argv[a] = NULL;
		if ((m[k] = remote_new(argv, e)) == NULL) {
			struct err why = *e;
			err_set(e, why.code, "--cluster %s=%s: %s", names[k],
				confs[k], why.msg);
			break;
		}
	}
	free(dir);
	free(sub);
	if (k == n)
		return multi_new(m, names, n, e);
	while (k-- > 0)
		exec_free(m[k]);
	return NULL;
}
