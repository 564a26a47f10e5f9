/*
 * db_misc.c — the store's other rows: programs, grants, the pool text,
 * usage, the audit chain and the meta table (see db.h).
 *
 * The audit chain is stored as audit_append made it (seq, prev, hash);
 * whether it still holds is audit_verify's question after db_audit_load,
 * so a row edited behind the store's back is caught there.  An entry's
 * inputs live in audit_inputs; appending one entry is several statements,
 * hence a SAVEPOINT op.
 */
#include "store/db_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static const char sql_prog_find[] = "SELECT id FROM programs WHERE name = ?1";
static const char sql_prog_ins[] =
	"INSERT INTO programs (name, budget_won, spec) VALUES (?1, ?2, ?3)";
static const char sql_prog_upd[] =
	"UPDATE programs SET budget_won = ?2, spec = ?3 WHERE id = ?1";
static const char sql_progs[] =
	"SELECT id, name, budget_won, spec FROM programs ORDER BY id";
static const char sql_grant_ins[] =
	"INSERT INTO grants (tenant, program, model, gpus, start, \"end\","
	" borrow_limit, lend_limit, price_won_hour)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char sql_grants[] =
	"SELECT id, tenant, coalesce(program, 0), model, gpus, start, \"end\","
	" borrow_limit, lend_limit, price_won_hour FROM grants ORDER BY id";
static const char sql_pool_put[] =
	"INSERT OR REPLACE INTO pool (id, text) VALUES (1, ?1)";
static const char sql_pool_get[] = "SELECT text FROM pool WHERE id = 1";
static const char sql_usage_ins[] =
	"INSERT INTO usage (job, tenant, grant_id, model, start, \"end\","
	" gpu_milli, exec_gpu_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_usage_all[] =
	"SELECT id, job, tenant, grant_id, model, start, \"end\", gpu_milli,"
	" exec_gpu_s FROM usage WHERE start < ?2 AND \"end\" > ?1 ORDER BY id";
static const char sql_usage_tenant[] =
	"SELECT id, job, tenant, grant_id, model, start, \"end\", gpu_milli,"
	" exec_gpu_s FROM usage WHERE tenant = ?3 AND start < ?2 AND \"end\" > ?1"
	" ORDER BY id";
static const char sql_audit_ins[] =
	"INSERT INTO audit (seq, time, kind, policy, payload, prev, hash)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_audit_in_ins[] =
	"INSERT INTO audit_inputs (seq, idx, name, sha256) VALUES (?1, ?2, ?3, ?4)";
static const char sql_audit_load[] =
	"SELECT seq, time, kind, policy, payload, prev, hash FROM audit"
	" WHERE seq > ?1 ORDER BY seq LIMIT ?2";
static const char sql_audit_in_load[] =
	"SELECT name, sha256 FROM audit_inputs WHERE seq = ?1 ORDER BY idx";
static const char sql_meta_put[] =
	"INSERT OR REPLACE INTO meta (key, val) VALUES (?1, ?2)";
static const char sql_meta_get[] = "SELECT val FROM meta WHERE key = ?1";

static int
step_write(struct db_conn *c, sqlite3_stmt *st, const char *what,
	   struct err *e)
{
	int rc = sqlite3_step(st);

	db__done(st);
	return rc == SQLITE_DONE ? 0 : db__sqlerr(c, rc, what, e);
}

#define STMT_OR_FAIL(st, c, sql, e) \
	if (((st) = db__stmt((c), (sql), (e))) == NULL) \
		return (e) != NULL ? (e)->code : ERR_INTERNAL

/* ---- Programs ---------------------------------------------------------- */

struct prog_arg {
	const struct db_program *p;
	uint32_t *id;
};

static int
op_program(struct db_conn *c, void *arg, struct err *e)
{
	struct prog_arg *a = arg;
	sqlite3_stmt *st;
	long long id = 0;
	int rc, found;

	STMT_OR_FAIL(st, c, sql_prog_find, e);
	sqlite3_bind_text(st, 1, a->p->name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	found = rc == SQLITE_ROW;
	if (found)
		id = sqlite3_column_int64(st, 0);
	db__done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db__sqlerr(c, rc, "program", e);
	STMT_OR_FAIL(st, c, found ? sql_prog_upd : sql_prog_ins, e);
	if (found)
		sqlite3_bind_int64(st, 1, id);
	else
		sqlite3_bind_text(st, 1, a->p->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->p->budget_won);
	db__bind_text(st, 3, a->p->spec);
	if ((rc = step_write(c, st, "program", e)) < 0)
		return rc;
	*a->id = (uint32_t)(found ? id : sqlite3_last_insert_rowid(c->h));
	return found;
}

int
db_program_put(struct db *d, const struct db_program *p, uint32_t *id,
	       struct err *e)
{
	struct prog_arg a = {p, id};
	int rc;

	if ((rc = db__check_name(p->name, "name", e)) < 0)
		return rc;
	if (p->spec != NULL && strlen(p->spec) > DB_TEXT_MAX)
		return err_at(e, ERR_LIMIT, NULL, 0, "spec",
			      "longer than %d bytes", DB_TEXT_MAX);
	return db__write(d, op_program, &a, 0, e);
}

int
db_programs_load(struct db *d,
		 int (*cb)(void *ctx, const struct db_program *p), void *ctx,
		 struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	struct db_program p;
	sqlite3_stmt *st;
	int rc;

	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_progs, e)) == NULL) {
		db__read_end(d, c);
		return e != NULL ? e->code : ERR_INTERNAL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r;

		memset(&p, 0, sizeof p);
		p.id = (uint32_t)sqlite3_column_int64(st, 0);
		db__col_copy(st, 1, p.name, sizeof p.name);
		p.budget_won = sqlite3_column_int64(st, 2);
		p.spec = db__col_dup(st, 3);
		r = cb(ctx, &p);
		free(p.spec);
		if (r != 0) {
			rc = r;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db__sqlerr(c, rc, "programs", e);
out:
	db__done(st);
	db__read_end(d, c);
	return rc;
}

/* ---- Grants ------------------------------------------------------------ */

struct grant_arg {
	const struct grant *g;
	uint32_t *id;
};

static int
op_grant(struct db_conn *c, void *arg, struct err *e)
{
	struct grant_arg *a = arg;
	const struct grant *g = a->g;
	sqlite3_stmt *st;
	int rc;

	STMT_OR_FAIL(st, c, sql_grant_ins, e);
	sqlite3_bind_int64(st, 1, g->tenant);
	if (g->program != 0)
		sqlite3_bind_int64(st, 2, g->program);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int(st, 3, g->model);
	sqlite3_bind_int64(st, 4, g->gpus);
	sqlite3_bind_int64(st, 5, g->start);
	sqlite3_bind_int64(st, 6, g->end);
	sqlite3_bind_int64(st, 7, g->borrow_limit);
	sqlite3_bind_int64(st, 8, g->lend_limit);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)g->price_won_hour);
	if ((rc = step_write(c, st, "grant", e)) < 0) {
		if (rc == ERR_NOTFOUND)
			err_set(e, rc, "grant: no tenant %u or no program %u",
				g->tenant, g->program);
		return rc;
	}
	*a->id = (uint32_t)sqlite3_last_insert_rowid(c->h);
	return 0;
}

int
db_grant_put(struct db *d, const struct grant *g, uint32_t *id,
	     struct err *e)
{
	struct grant_arg a = {g, id};

	if (g->gpus <= 0)
		return err_at(e, ERR_INVALID, NULL, 0, "gpus",
			      "must be > 0, got %lld", (long long)g->gpus);
	if (g->start >= g->end)
		return err_at(e, ERR_INVALID, NULL, 0, "end",
			      "must be after start");
	if (g->price_won_hour > INT64_MAX)
		return err_at(e, ERR_LIMIT, NULL, 0, "price_won_hour",
			      "too large");
	return db__write(d, op_grant, &a, 0, e);
}

int
db_grants_load(struct db *d, int (*cb)(void *ctx, const struct grant *g),
	       void *ctx, struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	struct grant g;
	sqlite3_stmt *st;
	int rc;

	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_grants, e)) == NULL) {
		db__read_end(d, c);
		return e != NULL ? e->code : ERR_INTERNAL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r;

		memset(&g, 0, sizeof g);
		g.id = (uint32_t)sqlite3_column_int64(st, 0);
		g.tenant = (uint32_t)sqlite3_column_int64(st, 1);
		g.program = (uint32_t)sqlite3_column_int64(st, 2);
		g.model = sqlite3_column_int(st, 3);
		g.gpus = sqlite3_column_int64(st, 4);
		g.start = sqlite3_column_int64(st, 5);
		g.end = sqlite3_column_int64(st, 6);
		g.borrow_limit = sqlite3_column_int64(st, 7);
		g.lend_limit = sqlite3_column_int64(st, 8);
		g.price_won_hour = (uint64_t)sqlite3_column_int64(st, 9);
		if ((r = cb(ctx, &g)) != 0) {
			rc = r;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db__sqlerr(c, rc, "grants", e);
out:
	db__done(st);
	db__read_end(d, c);
	return rc;
}

/* ---- Pool and meta ----------------------------------------------------- */

struct kv_arg {
	const char *sql, *key, *val;
};

static int
op_kv(struct db_conn *c, void *arg, struct err *e)
{
	struct kv_arg *a = arg;
	sqlite3_stmt *st;

	STMT_OR_FAIL(st, c, a->sql, e);
	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	if (a->val != NULL)
		sqlite3_bind_text(st, 2, a->val, -1, SQLITE_STATIC);
	return step_write(c, st, a->sql == sql_pool_put ? "pool" : a->key, e);
}

/* One text column of a one-row query with an optional text key. */
static int
get_text(struct db *d, const char *sql, const char *key, const char *what,
	 char **out, struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql, e)) == NULL) {
		db__read_end(d, c);
		return e != NULL ? e->code : ERR_INTERNAL;
	}
	if (key != NULL)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = db__col_dup(st, 0);
		if (*out == NULL)
			*out = xstrdup("");
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "%s: not stored", what);
	} else {
		rc = db__sqlerr(c, rc, what, e);
	}
	db__done(st);
	db__read_end(d, c);
	return rc;
}

int
db_pool_put(struct db *d, const char *text, struct err *e)
{
	struct kv_arg a = {sql_pool_put, text, NULL};

	if (text == NULL || strlen(text) > DB_TEXT_MAX)
		return err_at(e, ERR_LIMIT, NULL, 0, "pool",
			      "missing or longer than %d bytes", DB_TEXT_MAX);
	return db__write(d, op_kv, &a, 0, e);
}

int
db_pool_get(struct db *d, char **text, struct err *e)
{
	return get_text(d, sql_pool_get, NULL, "pool", text, e);
}

int
db_meta_put(struct db *d, const char *key, const char *val, struct err *e)
{
	struct kv_arg a = {sql_meta_put, key, val};
	int rc;

	if ((rc = db__check_name(key, "key", e)) < 0)
		return rc;
	if (val == NULL || strlen(val) > DB_TEXT_MAX)
		return err_at(e, ERR_LIMIT, NULL, 0, key,
			      "missing or longer than %d bytes", DB_TEXT_MAX);
	return db__write(d, op_kv, &a, 0, e);
}

int
db_meta_get(struct db *d, const char *key, char **val, struct err *e)
{
	return get_text(d, sql_meta_get, key, key, val, e);
}

/* ---- Usage ------------------------------------------------------------- */

struct usage_arg {
	const struct db_usage *u;
	uint64_t *id;
};

static int
op_usage(struct db_conn *c, void *arg, struct err *e)
{
	struct usage_arg *a = arg;
	const struct db_usage *u = a->u;
	sqlite3_stmt *st;
	int rc;

	STMT_OR_FAIL(st, c, sql_usage_ins, e);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)u->job);
	sqlite3_bind_int64(st, 2, u->tenant);
	sqlite3_bind_int64(st, 3, u->grant);
	sqlite3_bind_int(st, 4, u->model);
	sqlite3_bind_int64(st, 5, u->start);
	sqlite3_bind_int64(st, 6, u->end);
	sqlite3_bind_int64(st, 7, u->gpu_milli);
	if (u->exec_known)
		sqlite3_bind_int64(st, 8, u->exec_gpu_s);
	else
		sqlite3_bind_null(st, 8);
	if ((rc = step_write(c, st, "usage", e)) < 0) {
		if (rc == ERR_NOTFOUND)
			err_at(e, rc, NULL, 0, "tenant", "no tenant %u",
			       u->tenant);
		return rc;
	}
	if (a->id != NULL)
		*a->id = (uint64_t)sqlite3_last_insert_rowid(c->h);
	return 0;
}

int
db_usage_add(struct db *d, const struct db_usage *u, uint64_t *id,
	     struct err *e)
{
	struct usage_arg a = {u, id};

	if (u->end < u->start)
		return err_at(e, ERR_INVALID, NULL, 0, "end",
			      "before start");
	return db__write(d, op_usage, &a, 0, e);
}

int
db_usage_load(struct db *d, uint32_t tenant, int64_t from, int64_t to,
	      int (*cb)(void *ctx, const struct db_usage *u), void *ctx,
	      struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	struct db_usage u;
	sqlite3_stmt *st;
	int rc;

	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	st = db__stmt(c, tenant == UINT32_MAX ? sql_usage_all :
			 sql_usage_tenant, e);
	if (st == NULL) {
		db__read_end(d, c);
		return e != NULL ? e->code : ERR_INTERNAL;
	}
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	if (tenant != UINT32_MAX)
		sqlite3_bind_int64(st, 3, tenant);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r;

		memset(&u, 0, sizeof u);
		u.id = (uint64_t)sqlite3_column_int64(st, 0);
		u.job = (uint64_t)sqlite3_column_int64(st, 1);
		u.tenant = (uint32_t)sqlite3_column_int64(st, 2);
		u.grant = (uint32_t)sqlite3_column_int64(st, 3);
		u.model = sqlite3_column_int(st, 4);
		u.start = sqlite3_column_int64(st, 5);
		u.end = sqlite3_column_int64(st, 6);
		u.gpu_milli = (uint32_t)sqlite3_column_int64(st, 7);
		if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
			u.exec_known = 1;
			u.exec_gpu_s = sqlite3_column_int64(st, 8);
		}
		if ((r = cb(ctx, &u)) != 0) {
			rc = r;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db__sqlerr(c, rc, "usage", e);
out:
	db__done(st);
	db__read_end(d, c);
	return rc;
}

/* ---- Audit ------------------------------------------------------------- */

static int
op_audit(struct db_conn *c, void *arg, struct err *e)
{
	const struct audit_entry *x = arg;
	sqlite3_stmt *st;
	int rc;

	STMT_OR_FAIL(st, c, sql_audit_ins, e);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)x->seq);
	sqlite3_bind_int64(st, 2, x->time);
	sqlite3_bind_int(st, 3, x->kind);
	sqlite3_bind_text(st, 4, x->policy, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, x->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, x->prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, x->hash, -1, SQLITE_STATIC);
	if ((rc = step_write(c, st, "audit", e)) < 0) {
		if (rc == ERR_CONFLICT)
			err_set(e, rc, "audit: entry %llu is already stored",
				(unsigned long long)x->seq);
		return rc;
	}
	for (size_t k = 0; k < x->ninputs; k++) {
		STMT_OR_FAIL(st, c, sql_audit_in_ins, e);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)x->seq);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
		sqlite3_bind_text(st, 3, x->inputs[k].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, x->inputs[k].sha256, -1,
				  SQLITE_STATIC);
		if ((rc = step_write(c, st, "audit input", e)) < 0)
			return rc;
	}
	return 0;
}

int
db_audit_append(struct db *d, const struct audit_entry *x, struct err *e)
{
	if (x->seq == 0 || x->seq > INT64_MAX)
		return err_at(e, ERR_INVALID, NULL, 0, "seq", "out of range");
	if (x->payload == NULL || strlen(x->payload) > AUDIT_MAX_PAYLOAD)
		return err_at(e, ERR_LIMIT, NULL, 0, "payload",
			      "missing or too long");
	if (x->ninputs > AUDIT_MAX_INPUTS)
		return err_at(e, ERR_LIMIT, NULL, 0, "inputs", "too many");
	if (memchr(x->policy, '\0', sizeof x->policy) == NULL ||
	    memchr(x->prev, '\0', sizeof x->prev) == NULL ||
	    memchr(x->hash, '\0', sizeof x->hash) == NULL)
		return err_set(e, ERR_INVALID, "audit: unterminated field");
	for (size_t k = 0; k < x->ninputs; k++)
		if (memchr(x->inputs[k].name, '\0', AUDIT_MAX_NAME) == NULL ||
		    memchr(x->inputs[k].sha256, '\0', AUDIT_HEX) == NULL)
			return err_set(e, ERR_INVALID,
				       "audit: input %zu unterminated", k);
	return db__write(d, op_audit, (void *)(uintptr_t)x, 1, e);
}

/* The inputs of entry x->seq into x. */
static int
load_inputs(struct db_conn *c, struct audit_entry *x, struct err *e)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	STMT_OR_FAIL(st, c, sql_audit_in_load, e);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)x->seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_input *in;

		x->inputs = xgrow(x->inputs, &cap, x->ninputs + 1,
				  sizeof *x->inputs);
		in = &x->inputs[x->ninputs++];
		db__col_copy(st, 0, in->name, sizeof in->name);
		db__col_copy(st, 1, in->sha256, sizeof in->sha256);
	}
	db__done(st);
	return rc == SQLITE_DONE ? 0 : db__sqlerr(c, rc, "audit inputs", e);
}

int
db_audit_load(struct db *d, uint64_t after, size_t limit,
	      struct audit_log *l, struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_audit_load, e)) == NULL) {
		db__read_end(d, c);
		return e != NULL ? e->code : ERR_INTERNAL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(after > INT64_MAX ?
			   INT64_MAX : after));
	sqlite3_bind_int64(st, 2, limit == 0 || limit > INT64_MAX ? -1 :
			   (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_entry x;

		memset(&x, 0, sizeof x);
		x.seq = (uint64_t)sqlite3_column_int64(st, 0);
		x.time = sqlite3_column_int64(st, 1);
		x.kind = sqlite3_column_int(st, 2);
		db__col_copy(st, 3, x.policy, sizeof x.policy);
		x.payload = db__col_dup(st, 4);
		if (x.payload == NULL)
			x.payload = xstrdup("");
		db__col_copy(st, 5, x.prev, sizeof x.prev);
		db__col_copy(st, 6, x.hash, sizeof x.hash);
		if ((rc = load_inputs(c, &x, e)) < 0) {
			free(x.inputs);
			free(x.payload);
			goto out;
		}
		audit_push_raw(l, &x);
	}
	rc = rc == SQLITE_DONE ? 0 : db__sqlerr(c, rc, "audit", e);
out:
	db__done(st);
	db__read_end(d, c);
	return rc;
}
