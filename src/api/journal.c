/*
 * journal.c — the audit trail of the daemon (see journal.h).
 *
 * Append: under the mutex, audit_append computes seq, prev and hash on
 * the in-memory chain, the store commits the entry, and only a failed
 * commit takes it off the chain again, so memory never runs ahead of the
 * store.  Verification reads the store, not memory: it checks what is on
 * disk.
 */
#include "api/journal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

struct journal {
	struct db *db;
	pthread_mutex_t mu;
	struct audit_log log;
};

int
journal_open(struct db *d, struct journal **out, struct err *e)
{
	struct journal *j = xcalloc(1, sizeof *j);
	int rc;

	j->db = d;
	pthread_mutex_init(&j->mu, NULL);
	audit_init(&j->log);
	if ((rc = db_audit_load(d, 0, 0, &j->log, e)) != 0) {
		journal_free(j);
		*out = NULL;
		return rc;
	}
	*out = j;
	return 0;
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	audit_free(&j->log);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

int
journal_append(struct journal *j, int64_t t, int kind, const char *payload,
	       struct err *e)
{
	int rc;

	pthread_mutex_lock(&j->mu);
	rc = audit_append(&j->log, t, kind, JOURNAL_POLICY, NULL, 0, payload, e);
	if (rc == 0 &&
	    (rc = db_audit_append(j->db, &j->log.v[j->log.n - 1], e)) != 0) {
		struct audit_entry *x = &j->log.v[--j->log.n];
		free(x->payload);
		free(x->inputs);
	}
	pthread_mutex_unlock(&j->mu);
	return rc;
}

static json_t *
entry_json(const struct audit_entry *x)
{
	json_t *p = json_loads(x->payload, 0, NULL);

	return json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:s}", "seq",
			 (json_int_t)x->seq, "time", (json_int_t)x->time, "kind",
			 audit_kind_name(x->kind), "policy", x->policy, "payload",
			 p ? p : json_string(x->payload), "prev", x->prev, "hash",
			 x->hash);
}

json_t *
journal_json(struct journal *j, uint64_t after, size_t limit)
{
	json_t *a = json_array();

	pthread_mutex_lock(&j->mu);
	for (size_t i = after < j->log.n ? (size_t)after : j->log.n;
	     i < j->log.n && json_array_size(a) < limit; i++)
		json_array_append_new(a, entry_json(&j->log.v[i]));
	pthread_mutex_unlock(&j->mu);
	return a;
}

json_t *
journal_verify(struct journal *j)
{
	struct audit_log l;
	struct err e;
	json_t *o;

	audit_init(&l);
	if (db_audit_load(j->db, 0, 0, &l, &e) != 0)
		o = json_pack("{s:b, s:s}", "ok", 0, "error", e.msg);
	else if (audit_verify(&l, NULL, &e) != 0)
		o = json_pack("{s:b, s:s, s:I}", "ok", 0, "error", e.msg, "entries",
			      (json_int_t)l.n);
	else
		o = json_pack("{s:b, s:I, s:s}", "ok", 1, "entries", (json_int_t)l.n,
			      "head", l.n ? l.v[l.n - 1].hash : "");
	audit_free(&l);
	return o;
}
