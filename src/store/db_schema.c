/*
 * db_schema.c — the store's schema and its migrations (see db.h).
 *
 * PRAGMA user_version is the schema version.  migrations[k] takes
 * version k to k + 1; db__migrate runs each step in one BEGIN IMMEDIATE
 * transaction that also sets the new user_version (and reads the version
 * again inside it, so two processes racing to create a file do not both
 * run a step), so a crash mid-way leaves the old version intact.  A new
 * version is a new string appended to migrations[] and DB_SCHEMA_VERSION
 * raised by one; a step never changes once released.
 */
#include "store/db_int.h"

#include <stdio.h>

static const char *const migrations[DB_SCHEMA_VERSION] = {
	/* 0 -> 1: everything. */
	"CREATE TABLE tenants ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" parent INTEGER REFERENCES tenants(id),"
	" shares INTEGER NOT NULL);"
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" tenant INTEGER NOT NULL REFERENCES tenants(id),"
	" role INTEGER NOT NULL);"
	"CREATE TABLE tokens ("
	" id INTEGER PRIMARY KEY,"
	" user INTEGER NOT NULL REFERENCES users(id),"
	" salt BLOB NOT NULL CHECK (length(salt) = 16),"
	" hash BLOB NOT NULL CHECK (length(hash) = 32),"
	" created INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE programs ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" budget_won INTEGER NOT NULL,"
	" spec TEXT);"
	"CREATE TABLE grants ("
	" id INTEGER PRIMARY KEY,"
	" tenant INTEGER NOT NULL REFERENCES tenants(id),"
	" program INTEGER REFERENCES programs(id),"
	" model INTEGER NOT NULL,"
	" gpus INTEGER NOT NULL CHECK (gpus > 0),"
	" start INTEGER NOT NULL,"
	" \"end\" INTEGER NOT NULL,"
	" borrow_limit INTEGER NOT NULL,"
	" lend_limit INTEGER NOT NULL,"
	" price_won_hour INTEGER NOT NULL,"
	" CHECK (start < \"end\"));"
	"CREATE TABLE jobs ("
	" id INTEGER PRIMARY KEY,"
	" idem TEXT NOT NULL,"
	" tenant INTEGER NOT NULL REFERENCES tenants(id),"
	" user INTEGER NOT NULL REFERENCES users(id),"
	" name TEXT NOT NULL,"
	" gpus_per_node INTEGER NOT NULL,"
	" nodes INTEGER NOT NULL,"
	" gpu_milli INTEGER NOT NULL,"
	" cpu_milli INTEGER NOT NULL,"
	" mem_mib INTEGER NOT NULL,"
	" model_mask INTEGER NOT NULL,"
	" class INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" grace_s INTEGER NOT NULL,"
	" time_limit INTEGER NOT NULL,"
	" submit INTEGER NOT NULL,"
	" start INTEGER NOT NULL,"
	" \"end\" INTEGER NOT NULL,"
	" state INTEGER NOT NULL,"
	" prio_boost INTEGER NOT NULL,"
	" command TEXT NOT NULL,"
	" workdir TEXT NOT NULL,"
	" alloc TEXT,"
	" exit_code INTEGER NOT NULL,"
	" reason TEXT NOT NULL,"
	" starting INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX jobs_idem ON jobs(user, idem) WHERE idem <> '';"
	"CREATE INDEX jobs_tenant ON jobs(tenant);"
	"CREATE INDEX jobs_user ON jobs(user);"
	"CREATE INDEX jobs_state ON jobs(state);"
	"CREATE TABLE usage ("
	" id INTEGER PRIMARY KEY,"
	" job INTEGER NOT NULL,"
	" tenant INTEGER NOT NULL REFERENCES tenants(id),"
	" grant_id INTEGER NOT NULL,"
	" model INTEGER NOT NULL,"
	" start INTEGER NOT NULL,"
	" \"end\" INTEGER NOT NULL,"
	" gpu_milli INTEGER NOT NULL,"
	" CHECK (start <= \"end\"));"
	"CREATE INDEX usage_tenant ON usage(tenant);"
	"CREATE TABLE audit ("
	" seq INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" kind INTEGER NOT NULL,"
	" policy TEXT NOT NULL,"
	" payload TEXT NOT NULL,"
	" prev TEXT NOT NULL,"
	" hash TEXT NOT NULL);"
	"CREATE TABLE audit_inputs ("
	" seq INTEGER NOT NULL REFERENCES audit(seq),"
	" idx INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" PRIMARY KEY (seq, idx)) WITHOUT ROWID;"
	"CREATE TABLE pool ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" text TEXT NOT NULL);"
	"CREATE TABLE meta ("
	" key TEXT PRIMARY KEY,"
	" val TEXT NOT NULL) WITHOUT ROWID;",
	/* 1 -> 2: the executor's accounting beside allot's (NULL = none). */
	"ALTER TABLE usage ADD COLUMN exec_gpu_s INTEGER;",
};

int
db__pragma_int(struct db_conn *c, const char *sql, long long *out,
	       struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->h, sql, -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK) {
		rc = db__sqlerr(c, rc, sql, e);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return 0;
}

int
db__too_new(const char *path, long long v, struct err *e)
{
	return err_set(e, ERR_STATE,
		       "%s: database schema %lld is newer than this allot (%d)",
		       path, v, DB_SCHEMA_VERSION);
}

int
db__migrate(struct db_conn *c, const char *path, int *version,
	    struct err *e)
{
	long long v = 0;
	int rc, named = 0; /* the message already starts with path */

	for (;;) {
		char set[64];

		if ((rc = db__exec(c, "BEGIN IMMEDIATE", "migrate", e)) < 0)
			return rc;
		if ((rc = db__pragma_int(c, "PRAGMA user_version", &v, e)) < 0)
			goto fail;
		if (v > DB_SCHEMA_VERSION) {
			rc = db__too_new(path, v, e);
			named = 1;
			goto fail;
		}
		if (v < 0) {
			rc = err_set(e, ERR_INVALID, "%s: schema version %lld",
				     path, v);
			named = 1;
			goto fail;
		}
		if (v == DB_SCHEMA_VERSION)
			break;
		if ((rc = db__exec(c, migrations[v], "migrate", e)) < 0)
			goto fail;
		snprintf(set, sizeof set, "PRAGMA user_version = %lld", v + 1);
		if ((rc = db__exec(c, set, "migrate", e)) < 0)
			goto fail;
		if ((rc = db__exec(c, "COMMIT", "migrate", e)) < 0)
			goto fail;
	}
	*version = (int)v;
	return db__exec(c, "COMMIT", "migrate", e);
fail:
	sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
	if (!named)
		err_prefix(e, path);
	return rc;
}

