/*
 * db.h — the durable store of the live service: SQLite in WAL mode with
 * synchronous=FULL, foreign keys on, a versioned schema, and group commit.
 *
 * One writer thread owns the only writing connection.  Every write
 * (db_job_submit, db_job_update, db_*_put, db_usage_add, db_audit_append,
 * ...) is queued as an operation; the caller blocks until the writer has
 * run it inside one transaction together with everything else queued
 * (BEGIN IMMEDIATE ... COMMIT, up to DB_BATCH_MAX operations) and the
 * commit is on disk.  Each caller gets its own result: one operation
 * failing (a constraint, a missing row) does not fail the others.  When a
 * write function returns 0 (or 1), the row is durable.  (The one
 * exception, db_job_submit_async, reports through a callback instead.)
 *
 * Reads (db_job_get, db_jobs_list, the loaders) use a small pool of read
 * connections guarded by a mutex; they see the last committed state.
 *
 * Every function is safe to call from any number of threads at once,
 * except db_open and db_close.  A NULL struct err is allowed everywhere.
 * Callbacks (cb) are called on the calling thread while a read connection
 * is held: they must not call back into the store; a row passed to a
 * callback is lent for the call only.  A callback returns 0 to go on;
 * anything else stops the walk and is returned by the function.
 *
 * Ids are assigned by the store: jobs 1, 2, 3, ... in commit order; the
 * same for tenants, users, tokens, grants, programs, usage rows.  Rows are
 * never deleted (tokens are revoked, jobs end in a final state).
 */
#ifndef ALLOT_STORE_DB_H
#define ALLOT_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/audit.h"
#include "model/grant.h"
#include "model/job.h"
#include "util/err.h"

#define DB_SCHEMA_VERSION 2
#define DB_BATCH_MAX 4096  /* operations per group-commit transaction */
#define DB_NAME_MAX 128    /* names of jobs, tenants, users, programs */
#define DB_TEXT_MAX (1 << 20) /* command, workdir, alloc, pool text, meta */

struct db;

/* ---- Opening and closing ---------------------------------------------- */

/* Opens (creating if absent) the database at path, migrates it to
 * DB_SCHEMA_VERSION, and starts the writer thread.  One process at a
 * time: a POSIX lock on "path.lock" (created beside it, never removed) is
 * held until db_close and dies with the process.  Errors: ERR_IO (cannot
 * open or write), ERR_INVALID (the file is not an SQLite database),
 * ERR_STATE ("database schema N is newer than this allot (M)"),
 * ERR_CONFLICT ("in use by another allot (pid N)").  On error *out is
 * NULL and nothing is left running. */
int db_open(const char *path, struct db **out, struct err *e);
/* Stops taking writes (later ones fail with ERR_STATE "store is closing"),
 * commits everything already queued, and stops the writer thread.  Safe to
 * call while other threads are still calling write functions; idempotent.
 * Reads keep working until db_close. */
void db_shutdown(struct db *d);
/* db_shutdown, then closes every connection and frees d.  No other thread
 * may be inside a db_ function, or enter one, from here on.  NULL is a
 * no-op. */
void db_close(struct db *d);
/* The schema version of the open database (DB_SCHEMA_VERSION once open). */
int db_schema_version(struct db *d);

/* Group-commit counters since db_open (for /metrics and bench/bench-db). */
struct db_stats {
	uint64_t commits;        /* batch transactions run */
	uint64_t ops;            /* write operations in them */
	uint64_t failed_ops;     /* of which failed (their caller got < 0) */
	uint64_t max_batch;      /* the largest batch */
};

void db_stats(struct db *d, struct db_stats *out);

/* ---- Jobs ---------------------------------------------------------------- */

struct db_job {
	uint64_t id;              /* assigned by db_job_submit, 1, 2, ... */
	char idem[65];            /* client idempotency key, "" = none */
	uint32_t tenant, user;    /* ids in db tenants/users */
	char name[DB_NAME_MAX];
	struct job shape;         /* model/job.h fields used: gpus_per_node,
				   * nodes, gpu_milli, cpu_milli, mem_mib,
				   * model_mask, class, flags, grace_s,
				   * time_limit, submit, start, end, state
				   * (shape.id and shape.tenant are not stored:
				   * id and tenant above are) */
	int64_t prio_boost;       /* reserved, 0 */
	char *command, *workdir;  /* owned (db_job_clear frees); NULL = "" */
	char *alloc;              /* "node:0,1;node2:0-7" or NULL */
	int exit_code;            /* -1 unknown */
	char reason[32];          /* last pending reason / failure reason */
	uint8_t starting;         /* 1 = marked for start, executor not yet
				   * confirmed */
};

/* Frees command, workdir and alloc and sets them to NULL (other fields
 * are left as they are).  NULL is a no-op. */
void db_job_clear(struct db_job *j);
/* Durable insert; blocks until committed (group commit).  Every field of
 * j but id is stored (tenant and user must exist: ERR_INVALID otherwise;
 * strings longer than DB_TEXT_MAX: ERR_LIMIT).  On 0 j->id is the new id.
 * With a non-empty idem key already present for the same user, returns 1
 * and fills j->id with the existing job's id (nothing inserted, the rest
 * of j untouched). */
int db_job_submit(struct db *d, struct db_job *j, struct err *e);
/* Called on the store's writer thread when an asynchronous write is
 * committed (rc >= 0, as the blocking call would return) or failed (rc <
 * 0, e says why; e is lent for the call).  It must be quick and must not
 * call any db_ write function (the writer would wait for itself). */
typedef void (*db_done_fn)(void *ctx, int rc, const struct err *e);
/* db_job_submit without blocking, for a server that suspends the request
 * and resumes it from done: queues the submission and returns 0 (or an
 * error, and then done is never called: ERR_STATE once db_shutdown has
 * begun, or a check of j failing).  j (and its strings) must stay valid
 * and unchanged until done is called; j->id is set before it is. */
int db_job_submit_async(struct db *d, struct db_job *j, db_done_fn done,
			void *ctx, struct err *e);
/* Durable update of job j->id: shape.state, shape.flags, shape.start,
 * shape.end, alloc (written as given: NULL clears it), exit_code, reason,
 * starting, prio_boost.  Blocks until committed.  ERR_NOTFOUND if there
 * is no such job.  The store does not check the state machine (the caller
 * does, with job_transition). */
int db_job_update(struct db *d, const struct db_job *j, struct err *e);
/* The same for n jobs in one commit, all or nothing: on error none is
 * updated and e names the first job at fault.  One commit instead of n
 * (a scheduling pass that starts or ends many jobs). */
int db_job_update_many(struct db *d, const struct db_job *v, size_t n,
		       struct err *e);
/* Every job not in a final state (state not completed, failed or
 * cancelled), in id order.  Rows lent to cb. */
int db_jobs_active(struct db *d, int (*cb)(void *ctx, const struct db_job *j),
		   void *ctx, struct err *e);
/* The highest job id ever assigned (0 for none): the next is this + 1. */
int db_job_max_id(struct db *d, uint64_t *out, struct err *e);
/* Job id into *out (which the caller later db_job_clear's).  ERR_NOTFOUND
 * (out zeroed) if there is none. */
int db_job_get(struct db *d, uint64_t id, struct db_job *out, struct err *e);

/* Filtered, cursor-paginated list: ids > after, ascending, at most limit
 * (0 = no limit); tenant/user filters UINT32_MAX = any, state -1 = any. */
struct db_filter {
	uint32_t tenant, user;
	int state;
	uint64_t after;
	uint32_t limit;
};

/* Calls cb for each job matching f in ascending id order.  The cursor for
 * the next page is the last id seen. */
int db_jobs_list(struct db *d, const struct db_filter *f,
		 int (*cb)(void *ctx, const struct db_job *j), void *ctx,
		 struct err *e);

/* ---- Tenants, users, tokens ------------------------------------------- */

struct db_tenant {
	uint32_t id;             /* 1, 2, ... */
	uint32_t parent;         /* 0 = a child of the root */
	uint32_t shares;
	char name[DB_NAME_MAX];
};

struct db_user {
	uint32_t id;             /* 1, 2, ... */
	uint32_t tenant;
	int role;                /* the api's role number, stored as is */
	char name[DB_NAME_MAX];
};

/* Creates tenant name under parent (NULL = the root), or, if a tenant of
 * that name exists, sets its shares (its parent must be the same, else
 * ERR_CONFLICT).  Returns 0 when created, 1 when it existed; *id is its id
 * either way.  ERR_NOTFOUND for an unknown parent, ERR_INVALID for an
 * empty or too long name. */
int db_tenant_put(struct db *d, const char *name, const char *parent,
		  uint32_t shares, uint32_t *id, struct err *e);
/* Every tenant in id order (a parent always comes before its children). */
int db_tenants_load(struct db *d,
		    int (*cb)(void *ctx, const struct db_tenant *t), void *ctx,
		    struct err *e);
/* Creates user name in tenant, or, if it exists, sets its tenant and role.
 * Returns 0 when created, 1 when it existed; *id is its id either way.
 * ERR_NOTFOUND for an unknown tenant, ERR_INVALID for a bad name. */
int db_user_put(struct db *d, const char *name, uint32_t tenant, int role,
		uint32_t *id, struct err *e);
/* Every user in id order. */
int db_users_load(struct db *d, int (*cb)(void *ctx, const struct db_user *u),
		  void *ctx, struct err *e);
/* Stores a token's salt and hash (never the secret) for user; *token_id
 * is the new token's id.  ERR_NOTFOUND for an unknown user. */
int db_token_put(struct db *d, uint32_t user, const uint8_t salt[16],
		 const uint8_t hash[32], int64_t created, uint64_t *token_id,
		 struct err *e);
/* Token token_id's user, salt, hash and revoked flag; ERR_NOTFOUND. */
int db_token_get(struct db *d, uint64_t token_id, uint32_t *user,
		 uint8_t salt[16], uint8_t hash[32], int *revoked,
		 struct err *e);
/* Marks the token revoked (durably); ERR_NOTFOUND. */
int db_token_revoke(struct db *d, uint64_t token_id, struct err *e);

/* ---- Programs and grants ---------------------------------------------- */

struct db_program {
	uint32_t id;             /* 1, 2, ... */
	char name[DB_NAME_MAX];
	int64_t budget_won;      /* 0 = none */
	char *spec;              /* JSON text kept for the api, or NULL; owned
				  * by the caller on put, lent by loads */
};

/* Creates program p->name, or updates its budget and spec if it exists.
 * Returns 0 created / 1 existed; *id its id. */
int db_program_put(struct db *d, const struct db_program *p, uint32_t *id,
		   struct err *e);
int db_programs_load(struct db *d,
		     int (*cb)(void *ctx, const struct db_program *p),
		     void *ctx, struct err *e);
/* Inserts grant g (g->id ignored; *id is the new id, 1, 2, ...).  tenant
 * must exist (ERR_NOTFOUND); program 0 = none, else must exist.  The
 * store checks gpus > 0 and start < end (ERR_INVALID naming the field);
 * model is the pool's model id, kept as is. */
int db_grant_put(struct db *d, const struct grant *g, uint32_t *id,
		 struct err *e);
/* Every grant in id order (g->id is the store's id). */
int db_grants_load(struct db *d, int (*cb)(void *ctx, const struct grant *g),
		   void *ctx, struct err *e);

/* ---- Pool, usage, audit, meta ----------------------------------------- */

/* Stores the pool file text (docs/POOL-FORMAT.md), replacing any. */
int db_pool_put(struct db *d, const char *text, struct err *e);
/* The stored pool text into *text (caller frees); ERR_NOTFOUND if none. */
int db_pool_get(struct db *d, char **text, struct err *e);

struct db_usage {
	uint64_t id;             /* assigned on add */
	uint64_t job;            /* 0 = not tied to a job */
	uint32_t tenant, grant;  /* grant 0 = none (borrowed) */
	int model;
	int64_t start, end;      /* seconds, start <= end */
	uint32_t gpu_milli;      /* GPU milli held over [start, end) */
	/* The executor's own accounting of the same run (Slurm: allocated
	 * GPUs x its run time), for the cross-check; exec_known 0 = none. */
	int exec_known;
	int64_t exec_gpu_s;
};

/* Appends a usage row (u->id ignored; *id the new id, may be NULL).
 * ERR_INVALID if end < start. */
int db_usage_add(struct db *d, const struct db_usage *u, uint64_t *id,
		 struct err *e);
/* Usage rows overlapping [from, to) for tenant (UINT32_MAX = any), in id
 * order. */
int db_usage_load(struct db *d, uint32_t tenant, int64_t from, int64_t to,
		  int (*cb)(void *ctx, const struct db_usage *u), void *ctx,
		  struct err *e);

/* Stores audit entry x as it is (seq, hashes and all, as audit_append made
 * it).  ERR_CONFLICT if x->seq is already stored. */
int db_audit_append(struct db *d, const struct audit_entry *x, struct err *e);
/* Appends to l (with audit_push_raw) the stored entries with seq > after,
 * in seq order, at most limit (0 = all). */
int db_audit_load(struct db *d, uint64_t after, size_t limit,
		  struct audit_log *l, struct err *e);

/* A key-value table for small settings (e.g. "admin_created").  get puts a
 * copy into *val (caller frees); ERR_NOTFOUND if absent. */
int db_meta_get(struct db *d, const char *key, char **val, struct err *e);
int db_meta_put(struct db *d, const char *key, const char *val,
		struct err *e);

#endif
