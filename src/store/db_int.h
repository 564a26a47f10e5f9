/*
 * db_int.h — what db.c (connections, schema, the writer thread) shares with
 * db_job.c, db_auth.c and db_misc.c (the rows).  Not for other layers.
 *
 * A write is a struct db_op: a function the writer thread runs on the
 * writing connection inside the current batch transaction, with an
 * argument that points into the blocked caller's stack.  An op that runs
 * more than one writing statement sets `savepoint` so that its failure
 * undoes all of its statements; an op with one writing statement needs
 * none (SQLite backs out a failed statement and keeps the transaction).
 */
#ifndef ALLOT_STORE_DB_INT_H
#define ALLOT_STORE_DB_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/db.h"

#define DB__NCACHE 64 /* prepared statements kept per connection */

struct db_conn {
	sqlite3 *h;
	struct {
		const char *sql;  /* a string literal: the key is its address */
		sqlite3_stmt *st;
	} cache[DB__NCACHE];
	struct db_conn *next;     /* free list of the read pool */
};

typedef int (*db_op_fn)(struct db_conn *c, void *arg, struct err *e);

/* Queues run(c, arg) for the writer and blocks until its batch is
 * committed (or failed); returns what run returned, or the commit's error.
 * ERR_STATE once db_shutdown has begun. */
int db__write(struct db *d, db_op_fn run, void *arg, int savepoint,
	      struct err *e);
/* Queues run(c, arg) and returns at once: 0, or ERR_STATE once
 * db_shutdown has begun (done is then never called).  The writer calls
 * done(ctx, rc, e) after the batch is committed or failed. */
int db__write_async(struct db *d, db_op_fn run, void *arg, int savepoint,
		    db_done_fn done, void *ctx, struct err *e);
/* A read connection from the pool (opening one if none is free and fewer
 * than the limit exist, else waiting); NULL and e on error. */
struct db_conn *db__read_begin(struct db *d, struct err *e);
void db__read_end(struct db *d, struct db_conn *c);
/* The cached prepared statement for sql (a string literal) on c, reset
 * and with no bindings; NULL and e on error. */
sqlite3_stmt *db__stmt(struct db_conn *c, const char *sql, struct err *e);
/* Resets st after use (keeps it cached). */
void db__done(sqlite3_stmt *st);
/* Maps an SQLite result code to an ERR_* and fills e with "what: sqlite's
 * message"; returns the ERR_* code. */
int db__sqlerr(struct db_conn *c, int rc, const char *what, struct err *e);
/* Runs sql (no rows) on c; the ERR_* of db__sqlerr on failure. */
int db__exec(struct db_conn *c, const char *sql, const char *what,
	     struct err *e);
/* An integer PRAGMA's (or one-row query's) value into *out. */
int db__pragma_int(struct db_conn *c, const char *sql, long long *out,
		   struct err *e);
/* ERR_STATE "path: database schema v is newer than this allot (M)". */
int db__too_new(const char *path, long long v, struct err *e);
/* Brings the schema of c's database to DB_SCHEMA_VERSION (db_schema.c);
 * *version is the version it is at.  Messages start with path. */
int db__migrate(struct db_conn *c, const char *path, int *version,
		struct err *e);
/* Binds text that may be NULL (as SQL NULL). */
int db__bind_text(sqlite3_stmt *st, int i, const char *s);
/* A copy of column i as a C string (NULL for SQL NULL). */
char *db__col_dup(sqlite3_stmt *st, int i);
/* Copies column i into dst (cap bytes, truncating). */
void db__col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap);
/* Checks that name is a non-empty string shorter than DB_NAME_MAX. */
int db__check_name(const char *name, const char *field, struct err *e);

#endif
