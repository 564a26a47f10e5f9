/*
 * db_auth.c — tenants, users and API tokens in the store (see db.h).
 *
 * Tokens: the store keeps a per-token 16-byte salt and the 32-byte hash of
 * salt||secret, never the secret; hashing and the constant-time compare
 * are the api layer's.  Tenant and user "put" is an upsert by name so the
 * daemon's first start and later configuration use one call; the return
 * value (0 created, 1 existed) lets the api answer 201 or 409 as it likes.
 */
#include "store/db_int.h"

#include <string.h>

static const char sql_tenant_find[] =
	"SELECT id, parent FROM tenants WHERE name = ?1";
static const char sql_tenant_ins[] =
	"INSERT INTO tenants (name, parent, shares) VALUES (?1, ?2, ?3)";
static const char sql_tenant_upd[] =
	"UPDATE tenants SET shares = ?2 WHERE id = ?1";
static const char sql_tenants[] =
	"SELECT id, coalesce(parent, 0), shares, name FROM tenants ORDER BY id";
static const char sql_user_find[] = "SELECT id FROM users WHERE name = ?1";
static const char sql_user_ins[] =
	"INSERT INTO users (name, tenant, role) VALUES (?1, ?2, ?3)";
static const char sql_user_upd[] =
	"UPDATE users SET tenant = ?2, role = ?3 WHERE id = ?1";
static const char sql_users[] =
	"SELECT id, tenant, role, name FROM users ORDER BY id";
static const char sql_token_ins[] =
	"INSERT INTO tokens (user, salt, hash, created) VALUES (?1, ?2, ?3, ?4)";
static const char sql_token_get[] =
	"SELECT user, salt, hash, revoked FROM tokens WHERE id = ?1";
static const char sql_token_rev[] =
	"UPDATE tokens SET revoked = 1 WHERE id = ?1";

/* Runs a one-row lookup by name: 1 and the columns' int64s in out when
 * found, 0 when not, < 0 on error. */
static int
find_by_name(struct db_conn *c, const char *sql, const char *name,
	     long long *out, int ncol, struct err *e)
{
	sqlite3_stmt *st = db__stmt(c, sql, e);
	int rc;

	if (st == NULL)
		return e != NULL ? e->code : ERR_INTERNAL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		for (int k = 0; k < ncol; k++)
			out[k] = sqlite3_column_int64(st, k);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = db__sqlerr(c, rc, name, e);
	}
	db__done(st);
	return rc;
}

/* Steps a bound write statement to its end. */
static int
step_write(struct db_conn *c, sqlite3_stmt *st, const char *what,
	   struct err *e)
{
	int rc = sqlite3_step(st);

	db__done(st);
	return rc == SQLITE_DONE ? 0 : db__sqlerr(c, rc, what, e);
}

struct tenant_arg {
	const char *name, *parent;
	uint32_t shares;
	uint32_t *id;
};

static int
op_tenant(struct db_conn *c, void *arg, struct err *e)
{
	struct tenant_arg *a = arg;
	long long row[2] = {0, 0}, parent = 0;
	sqlite3_stmt *st;
	int rc;

	if (a->parent != NULL) {
		rc = find_by_name(c, sql_tenant_find, a->parent, row, 2, e);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return err_at(e, ERR_NOTFOUND, NULL, 0, "parent",
				      "no tenant \"%s\"", a->parent);
		parent = row[0];
	}
	if ((rc = find_by_name(c, sql_tenant_find, a->name, row, 2, e)) < 0)
		return rc;
	if (rc == 1) {
		if (row[1] != parent)
			return err_at(e, ERR_CONFLICT, NULL, 0, "parent",
				      "tenant \"%s\" exists under another "
				      "parent", a->name);
		if ((st = db__stmt(c, sql_tenant_upd, e)) == NULL)
			return e != NULL ? e->code : ERR_INTERNAL;
		sqlite3_bind_int64(st, 1, row[0]);
		sqlite3_bind_int64(st, 2, a->shares);
		if ((rc = step_write(c, st, a->name, e)) < 0)
			return rc;
		*a->id = (uint32_t)row[0];
		return 1;
	}
	if ((st = db__stmt(c, sql_tenant_ins, e)) == NULL)
		return e != NULL ? e->code : ERR_INTERNAL;
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	if (parent != 0)
		sqlite3_bind_int64(st, 2, parent);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, a->shares);
	if ((rc = step_write(c, st, a->name, e)) < 0)
		return rc;
	*a->id = (uint32_t)sqlite3_last_insert_rowid(c->h);
	return 0;
}

int
db_tenant_put(struct db *d, const char *name, const char *parent,
	      uint32_t shares, uint32_t *id, struct err *e)
{
	struct tenant_arg a = {name, parent, shares, id};
	int rc;

	if ((rc = db__check_name(name, "name", e)) < 0)
		return rc;
	if (parent != NULL && (rc = db__check_name(parent, "parent", e)) < 0)
		return rc;
	return db__write(d, op_tenant, &a, 0, e);
}

int
db_tenants_load(struct db *d,
		int (*cb)(void *ctx, const struct db_tenant *t), void *ctx,
		struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	sqlite3_stmt *st;
	struct db_tenant t;
	int rc;

	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_tenants, e)) == NULL) {
		db__read_end(d, c);
		return e != NULL ? e->code : ERR_INTERNAL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r;

		memset(&t, 0, sizeof t);
		t.id = (uint32_t)sqlite3_column_int64(st, 0);
		t.parent = (uint32_t)sqlite3_column_int64(st, 1);
		t.shares = (uint32_t)sqlite3_column_int64(st, 2);
		db__col_copy(st, 3, t.name, sizeof t.name);
		if ((r = cb(ctx, &t)) != 0) {
			rc = r;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db__sqlerr(c, rc, "tenants", e);
out:
	db__done(st);
	db__read_end(d, c);
	return rc;
}

struct user_arg {
	const char *name;
	uint32_t tenant;
	int role;
	uint32_t *id;
};

static int
op_user(struct db_conn *c, void *arg, struct err *e)
{
	struct user_arg *a = arg;
	long long row[1] = {0};
	sqlite3_stmt *st;
	int rc, found;

	if ((found = find_by_name(c, sql_user_find, a->name, row, 1, e)) < 0)
		return found;
	st = db__stmt(c, found ? sql_user_upd : sql_user_ins, e);
	if (st == NULL)
		return e != NULL ? e->code : ERR_INTERNAL;
	if (found)
		sqlite3_bind_int64(st, 1, row[0]);
	else
		sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->tenant);
	sqlite3_bind_int(st, 3, a->role);
	if ((rc = step_write(c, st, a->name, e)) < 0) {
		if (rc == ERR_NOTFOUND)
			err_at(e, rc, NULL, 0, "tenant", "no tenant %u",
			       a->tenant);
		return rc;
	}
	*a->id = found ? (uint32_t)row[0] :
			 (uint32_t)sqlite3_last_insert_rowid(c->h);
	return found;
}

int
db_user_put(struct db *d, const char *name, uint32_t tenant, int role,
	    uint32_t *id, struct err *e)
{
	struct user_arg a = {name, tenant, role, id};
	int rc;

	if ((rc = db__check_name(name, "name", e)) < 0)
		return rc;
	return db__write(d, op_user, &a, 0, e);
}

int
db_users_load(struct db *d, int (*cb)(void *ctx, const struct db_user *u),
	      void *ctx, struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	sqlite3_stmt *st;
	struct db_user u;
	int rc;

	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_users, e)) == NULL) {
		db__read_end(d, c);
		return e != NULL ? e->code : ERR_INTERNAL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r;

		memset(&u, 0, sizeof u);
		u.id = (uint32_t)sqlite3_column_int64(st, 0);
		u.tenant = (uint32_t)sqlite3_column_int64(st, 1);
		u.role = sqlite3_column_int(st, 2);
		db__col_copy(st, 3, u.name, sizeof u.name);
		if ((r = cb(ctx, &u)) != 0) {
			rc = r;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db__sqlerr(c, rc, "users", e);
out:
	db__done(st);
	db__read_end(d, c);
	return rc;
}

struct token_arg {
	uint32_t user;
	const uint8_t *salt, *hash;
	int64_t created;
	uint64_t *id;
};

static int
op_token(struct db_conn *c, void *arg, struct err *e)
{
	struct token_arg *a = arg;
	sqlite3_stmt *st = db__stmt(c, sql_token_ins, e);
	int rc;

	if (st == NULL)
		return e != NULL ? e->code : ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, a->user);
	sqlite3_bind_blob(st, 2, a->salt, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, a->hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->created);
	if ((rc = step_write(c, st, "token", e)) < 0) {
		if (rc == ERR_NOTFOUND)
			err_at(e, rc, NULL, 0, "user", "no user %u", a->user);
		return rc;
	}
	*a->id = (uint64_t)sqlite3_last_insert_rowid(c->h);
	return 0;
}

int
db_token_put(struct db *d, uint32_t user, const uint8_t salt[16],
	     const uint8_t hash[32], int64_t created, uint64_t *token_id,
	     struct err *e)
{
	struct token_arg a = {user, salt, hash, created, token_id};

	return db__write(d, op_token, &a, 0, e);
}

int
db_token_get(struct db *d, uint64_t token_id, uint32_t *user,
	     uint8_t salt[16], uint8_t hash[32], int *revoked, struct err *e)
{
	struct db_conn *c = db__read_begin(d, e);
	sqlite3_stmt *st;
	int rc;

	if (c == NULL)
		return e != NULL ? e->code : ERR_IO;
	if ((st = db__stmt(c, sql_token_get, e)) == NULL) {
		db__read_end(d, c);
		return e != NULL ? e->code : ERR_INTERNAL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)token_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 16 &&
	    sqlite3_column_bytes(st, 2) == 32) {
		*user = (uint32_t)sqlite3_column_int64(st, 0);
		memcpy(salt, sqlite3_column_blob(st, 1), 16);
		memcpy(hash, sqlite3_column_blob(st, 2), 32);
		*revoked = sqlite3_column_int(st, 3) != 0;
		rc = 0;
	} else if (rc == SQLITE_ROW) {
		rc = err_set(e, ERR_INVALID, "token %llu: bad salt or hash",
			     (unsigned long long)token_id);
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "token %llu does not exist",
			     (unsigned long long)token_id);
	} else {
		rc = db__sqlerr(c, rc, "token", e);
	}
	db__done(st);
	db__read_end(d, c);
	return rc;
}

static int
op_revoke(struct db_conn *c, void *arg, struct err *e)
{
	const uint64_t *id = arg;
	sqlite3_stmt *st = db__stmt(c, sql_token_rev, e);
	int rc;

	if (st == NULL)
		return e != NULL ? e->code : ERR_INTERNAL;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)*id);
	if ((rc = step_write(c, st, "token", e)) < 0)
		return rc;
	if (sqlite3_changes(c->h) == 0)
		return err_set(e, ERR_NOTFOUND, "token %llu does not exist",
			       (unsigned long long)*id);
	return 0;
}

int
db_token_revoke(struct db *d, uint64_t token_id, struct err *e)
{
	return db__write(d, op_revoke, &token_id, 0, e);
}
