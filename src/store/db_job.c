/*
 * db_job.c — job rows: durable submit (with idempotency keys) and update
 * through the group-commit writer, and the reads (get, active, list) on
 * read connections.  See db.h for the contracts.
 *
 * Idempotency: a unique index on (user, idem) for non-empty keys.  The
 * submit op looks the key up first on the writing connection, so it also
 * sees a job with the same key submitted earlier in the same, not yet
 * committed, batch: two racing submissions of one key get one id.
 */
#include "store/db_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define JOB_COLS \
	"id, idem, tenant, user, name, gpus_per_node, nodes, gpu_milli," \
	" cpu_milli, mem_mib, model_mask, class, flags, grace_s, time_limit," \
	" submit, start, \"end\", state, prio_boost, command, workdir, alloc," \
	" exit_code, reason, starting"

/* "idem <> ''" lets the planner use the partial index jobs_idem. */
static const char sql_idem[] =
	"SELECT id FROM jobs WHERE user = ?1 AND idem = ?2 AND idem <> ''";
static const char sql_insert[] =
	"INSERT INTO jobs (idem, tenant, user, name, gpus_per_node, nodes,"
	" gpu_milli, cpu_milli, mem_mib, model_mask, class, flags, grace_s,"
	" time_limit, submit, start, \"end\", state, prio_boost, command,"
	" workdir, alloc, exit_code, reason, starting) VALUES (?1, ?2, ?3, ?4,"
	" ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
	" ?20, ?21, ?22, ?23, ?24, ?25)";
static const char sql_update[] =
	"UPDATE jobs SET state = ?2, flags = ?3, start = ?4, \"end\" = ?5,"
	" alloc = ?6, exit_code = ?7, reason = ?8, starting = ?9,"
	" prio_boost = ?10 WHERE id = ?1";
static const char sql_get[] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?1";
static const char sql_active[] =
	"SELECT " JOB_COLS " FROM jobs WHERE state IN (0, 1, 5) ORDER BY id";
static const char sql_max[] = "SELECT coalesce(max(id), 0) FROM jobs";

/* One statement per filter combination (bit 0 tenant, 1 user, 2 state),
 * so that each can use its index. */
#define LIST(w) "SELECT " JOB_COLS " FROM jobs WHERE id > ?1" w \
	" ORDER BY id LIMIT ?5"
static const char *const sql_list[8] = {
	LIST(""),
	LIST(" AND tenant = ?2"),
	LIST(" AND user = ?3"),
	LIST(" AND tenant = ?2 AND user = ?3"),
	LIST(" AND state = ?4"),
	LIST(" AND tenant = ?2 AND state = ?4"),
	LIST(" AND user = ?3 AND state = ?4"),
	LIST(" AND tenant = ?2 AND user = ?3 AND state = ?4"),
};

void
db_job_clear(struct db_job *j)
{
	if (j == NULL)
		return;
	free(j->command);
	free(j->workdir);
	free(j->alloc);
	j->command = j->workdir = j->alloc = NULL;
}

/* Fills j from a row selected with JOB_COLS (strings copied). */
static void
row_to_job(sqlite3_stmt *st, struct db_job *j)
{
	struct job *s = &j->shape;

	memset(j, 0, sizeof *j);
	j->id = (uint64_t)sqlite3_column_int64(st, 0);
	db__col_copy(st, 1, j->idem, sizeof j->idem);
	j->tenant = (uint32_t)sqlite3_column_int64(st, 2);
	j->user = (uint32_t)sqlite3_column_int64(st, 3);
	db__col_copy(st, 4, j->name, sizeof j->name);
	s->id = (uint32_t)j->id;
	s->tenant = j->tenant;
	s->gpus_per_node = (uint16_t)sqlite3_column_int(st, 5);
	s->nodes = (uint16_t)sqlite3_column_int(st, 6);
	s->gpu_milli = (uint16_t)sqlite3_column_int(st, 7);
	s->cpu_milli = (uint32_t)sqlite3_column_int64(st, 8);
	s->mem_mib = (uint32_t)sqlite3_column_int64(st, 9);
	s->model_mask = (uint32_t)sqlite3_column_int64(st, 10);
	s->class = (uint8_t)sqlite3_column_int(st, 11);
	s->flags = (uint32_t)sqlite3_column_int64(st, 12);
	s->grace_s = (uint32_t)sqlite3_column_int64(st, 13);
	s->time_limit = sqlite3_column_int64(st, 14);
	s->submit = sqlite3_column_int64(st, 15);
	s->start = sqlite3_column_int64(st, 16);
	s->end = sqlite3_column_int64(st, 17);
	s->state = (uint8_t)sqlite3_column_int(st, 18);
	s->duration = 0;
	j->prio_boost = sqlite3_column_int64(st, 19);
	j->command = db__col_dup(st, 20);
	j->workdir = db__col_dup(st, 21);
	j->alloc = db__col_dup(st, 22);
	j->exit_code = sqlite3_column_int(st, 23);
	db__col_copy(st, 24, j->reason, sizeof j->reason);
	j->starting = (uint8_t)sqlite3_column_int(st, 25);
}

static int
check_text(const char *s, const char *field, struct err *e)
{
	if (s != NULL && strlen(s) > DB_TEXT_MAX)
		return err_at(e, ERR_LIMIT, NULL, 0, field,
			      "longer than %d bytes", DB_TEXT_MAX);
	return 0;
}

/* The strings of j are C strings within their arrays and not too long. */
static int
check_job(const struct db_job *j, struct err *e)
{
	int rc;

	if (memchr(j->idem, '\0', sizeof j->idem) == NULL)
		return err_at(e, ERR_LIMIT, NULL, 0, "idem", "not terminated");
	if (memchr(j->name, '\0', sizeof j->name) == NULL)
		return err_at(e, ERR_LIMIT, NULL, 0, "name", "not terminated");
	if (memchr(j->reason, '\0', sizeof j->reason) == NULL)
		return err_at(e, ERR_LIMIT, NULL, 0, "reason", "not terminated");
	if ((rc = check_text(j->command, "command", e)) < 0 ||
	    (rc = check_text(j->workdir, "workdir", e)) < 0 ||
	    (rc = check_text(j->alloc, "alloc", e)) < 0)
		return rc;
	return 0;
}

static int
op_submit(struct db_conn *c, void *arg, struct err *e)
{
	struct db_job *j = arg;
	const struct job *s = &j->shape;
	sqlite3_stmt *st;
	int rc;

	if (j->idem[0] != '\0') {
		if ((st = db__stmt(c, sql_idem, e)) == NULL)
			return e != NULL ? e->code : ERR_INTERNAL;
		sqlite3_bind_int64(st, 1, j->user);
		sqlite3_bind_text(st, 2, j->idem, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			j->id = (uint64_t)sqlite3_column_int64(st, 0);
			db__done(st);
			return 1;
		}
		db__done(st);
		if (rc != SQLITE_DONE)
			return db__sqlerr(c, rc, "job: idempotency key", e);
	}
	if ((st = db__stmt(c, sql_insert, e)) == NULL)
		return e != NULL ? e->code : ERR_INTERNAL;
	sqlite3_bind_text(st, 1, j->idem, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, j->tenant);
	sqlite3_bind_int64(st, 3, j->user);
	sqlite3_bind_text(st, 4, j->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, s->gpus_per_node);
	sqlite3_bind_int(st, 6, s->nodes);
	sqlite3_bind_int(st, 7, s->gpu_milli);
	sqlite3_bind_int64(st, 8, s->cpu_milli);
	sqlite3_bind_int64(st, 9, s->mem_mib);
	sqlite3_bind_int64(st, 10, s->model_mask);
	sqlite3_bind_int(st, 11, s->class);
	sqlite3_bind_int64(st, 12, s->flags);
	sqlite3_bind_int64(st, 13, s->grace_s);
	sqlite3_bind_int64(st, 14, s->time_limit);
	sqlite3_bind_int64(st, 15, s->submit);
	sqlite3_bind_int64(st, 16, s->start);
	sqlite3_bind_int64(st, 17, s->end);
	sqlite3_bind_int(st, 18, s->state);
	sqlite3_bind_int64(st, 19, j->prio_boost);
	db__bind_text(st, 20, j->command != NULL ? j->command : "");
	db__bind_text(st, 21, j->workdir != NULL ? j->workdir : "");
	db__bind_text(st, 22, j->alloc);
	sqlite3_bind_int(st, 23, j->exit_code);
	sqlite3_bind_text(st, 24, j->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 25, j->starting);
	rc = sqlite3_step(st);
	db__done(st);
	if (rc != SQLITE_DONE) {
		rc = db__sqlerr(c, rc, "job", e);
		if (rc == ERR_NOTFOUND)
			rc = err_set(e, ERR_INVALID,
				     "job: tenant %u or user %u does not exist",
				     j->tenant, j->user);
		return rc;
	}
	j->id = (uint64_t)sqlite3_last_insert_rowid(c->h);
	return 0;
}

int
db_job_submit(struct db *d, struct db_job *j, struct err *e)
{
	int rc;

	if ((rc = check_job(j, e)) < 0)
		return rc;
	return db__write(d, op_submit, j, 0, e);
}

int
db_job_submit_async(struct db *d, struct db_job *j, db_done_fn done,
		    void *ctx, struct err *e)
{
	int rc;

	if ((rc = check_job(j, e)) < 0)
		return rc;
	return db__write_async(d, op_submit, j, 0, done, ctx, e);
}

static int
op_update(struct db_conn *c, void *arg, struct err *e)
{
	const struct db_job *j = arg;
	sqlite3_stmt *st;
	int rc;

	if ((st = db__stmt(c, sql_update, e)) == NULL)
		return e != NULL ? e->code : ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)j->id);
	sqlite3_bind_int(st, 2, j->shape.state);
	sqlite3_bind_int64(st, 3, j->shape.flags);
	sqlite3_bind_int64(st, 4, j->shape.start);
	sqlite3_bind_int64(st, 5, j->shape.end);
	db__bind_text(st, 6, j->alloc);
	sqlite3_bind_int(st, 7, j->exit_code);
	sqlite3_bind_text(st, 8, j->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, j->starting);
	sqlite3_bind_int64(st, 10, j->prio_boost);
	rc = sqlite3_step(st);
	db__done(st);
	if (rc != SQLITE_DONE)
		return db__sqlerr(c, rc, "job update", e);
	if (sqlite3_changes(c->h) == 0)
		return err_set(e, ERR_NOTFOUND, "job %llu does not exist",
			       (unsigned long long)j->id);
	return 0;
}

int
db_job_update(struct db *d, const struct db_job *j, struct err *e)
{
	int rc;

	if ((rc = check_job(j, e)) < 0)
		return rc;
	return db__write(d, op_update, (void *)(uintptr_t)j, 0, e);
}

struct many_arg {
	const struct db_job *v;
	size_t n;
};

static int
op_update_many(struct db_conn *c, void *arg, struct err *e)
{
	struct many_arg *a = arg;
	int rc;

	for (size_t k = 0; k < a->n; k++)
		if ((rc = op_update(c, (void *)(uintptr_t)&a->v[k], e)) < 0)
			return rc;
	return 0;
}

int
db_job_update_many(struct db *d, const struct db_job *v, size_t n,
		   struct err *e)
{
	struct many_arg a = {v, n};
	int rc;

	if (n == 0)
		return 0;
	for (size_t k = 0; k < n; k++)
		if ((rc = check_job(&v[k], e)) < 0)
			return rc;
	return db__write(d, op_update_many, &a, 1, e);
}

/* Steps st (bound, on read connection c) and calls cb for each row. */
static int
walk(struct db_conn *c, sqlite3_stmt *st,
     int (*cb)(void *ctx, const struct db_job *j), void *ctx, struct err *e)
{
	struct db_job j;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r;

		row_to_job(st, &j);
		r = cb(ctx, &j);
		db_job_clear(&j);
		if (r != 0) {
			db__done(st);
			return r;
		}
	}
	db__done(st);
	if (rc != SQLITE_DONE)
		return db__sqlerr(c, rc, "jobs", e);
	return 0;
}

int
db_jobs_active(struct db *d, int (*cb)(void *ctx, const struct db_job *j),
	       void *ctx, struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_active, e)) == NULL)
		rc = e != NULL ? e->code : ERR_INTERNAL;
	else
		rc = walk(c, st, cb, ctx, e);
	db__read_end(d, c);
	return rc;
}

int
db_job_max_id(struct db *d, uint64_t *out, struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	sqlite3_stmt *st;
	int rc;

	*out = 0;
	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_max, e)) == NULL) {
		rc = e != NULL ? e->code : ERR_INTERNAL;
	} else {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = (uint64_t)sqlite3_column_int64(st, 0);
			rc = 0;
		} else {
			rc = db__sqlerr(c, rc, "jobs", e);
		}
		db__done(st);
	}
	db__read_end(d, c);
	return rc;
}

int
db_job_get(struct db *d, uint64_t id, struct db_job *out, struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_get, e)) == NULL) {
		rc = e != NULL ? e->code : ERR_INTERNAL;
	} else {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			row_to_job(st, out);
			rc = 0;
		} else if (rc == SQLITE_DONE) {
			rc = err_set(e, ERR_NOTFOUND, "job %llu does not exist",
				     (unsigned long long)id);
		} else {
			rc = db__sqlerr(c, rc, "jobs", e);
		}
		db__done(st);
	}
	db__read_end(d, c);
	return rc;
}

int
db_jobs_list(struct db *d, const struct db_filter *f,
	     int (*cb)(void *ctx, const struct db_job *j), void *ctx,
	     struct err *e)
{
	int which = (f->tenant != UINT32_MAX ? 1 : 0) |
		    (f->user != UINT32_MAX ? 2 : 0) | (f->state >= 0 ? 4 : 0);
	struct db_conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((c = db__read_begin(d, e)) == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_list[which], e)) == NULL) {
		rc = e != NULL ? e->code : ERR_INTERNAL;
	} else {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(f->after > INT64_MAX ?
				   INT64_MAX : f->after));
		if (which & 1)
			sqlite3_bind_int64(st, 2, f->tenant);
		if (which & 2)
			sqlite3_bind_int64(st, 3, f->user);
		if (which & 4)
			sqlite3_bind_int(st, 4, f->state);
		sqlite3_bind_int64(st, 5, f->limit == 0 ? -1 : (sqlite3_int64)f->limit);
		rc = walk(c, st, cb, ctx, e);
	}
	db__read_end(d, c);
	return rc;
}
