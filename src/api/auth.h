/*
 * auth.h — API tokens, roles and the authorisation table.
 *
 * Tokens look like "allot_<id>_<64 hex digits>": the id names the row in
 * the store, the hex digits are 32 random bytes (the secret).  The store
 * keeps only a per-token 16-byte salt and SHA-256(salt || secret); a
 * token is checked by recomputing that hash and comparing in constant
 * time.  Rows are cached in memory after the first look-up (revocation
 * through auth_token_revoke updates the cache).
 *
 * Roles and what they may do live in ONE table (auth.c, auth_scope): for
 * each role and action, the scope of objects it may act on — none, its
 * own (jobs it submitted, itself), its tenant's, or all.  Routes ask
 * auth_allows with the object's tenant and owner; nothing else decides.
 */
#ifndef ALLOT_API_AUTH_H
#define ALLOT_API_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

#define AUTH_TOKEN_MAX 96 /* "allot_" + id + "_" + 64 hex + NUL, with room */

enum auth_role {
	ROLE_NONE = 0,
	ROLE_ADMIN,
	ROLE_PROGRAM_MANAGER,
	ROLE_EVALUATOR,
	ROLE_TENANT_ADMIN,
	ROLE_MEMBER,
	ROLE_VIEWER,
	ROLE_N
};

enum auth_action {
	ACT_JOB_SUBMIT = 0,
	ACT_JOB_READ,     /* get, list, queue */
	ACT_JOB_MANAGE,   /* cancel, hold, release */
	ACT_POOL_READ,    /* pool, nodes */
	ACT_NODE_MANAGE,  /* drain, resume */
	ACT_TENANT_READ,
	ACT_TENANT_WRITE,
	ACT_USER_READ,
	ACT_USER_WRITE,
	ACT_TOKEN_CREATE,
	ACT_PROGRAM_READ,
	ACT_PROGRAM_WRITE,
	ACT_GRANT_READ,
	ACT_GRANT_WRITE,
	ACT_USAGE_READ,
	ACT_AUDIT_READ,
	ACT_METRICS,
	ACT_ROUND_WRITE,  /* create, close */
	ACT_ROUND_SCORE,  /* upload score files */
	ACT_ROUND_READ,   /* a tenant role: its team's rounds only */
	ACT_PROPOSAL_WRITE, /* submit an open-call proposal */
	ACT_PROPOSAL_READ,  /* a tenant role: its own proposals only */
	ACT_N
};

enum auth_scope {
	SCOPE_NONE = 0, /* denied */
	SCOPE_OWN,      /* objects the principal owns (its jobs, itself) */
	SCOPE_TENANT,   /* objects of the principal's tenant */
	SCOPE_ALL,
};

/* Who is asking: the token's user, as the live state knows it. */
struct auth_principal {
	uint64_t token;
	uint32_t user, tenant;
	int role;
	char name[DB_NAME_MAX];
};

/* "admin", "program-manager", "evaluator", "tenant-admin", "member",
 * "viewer"; "?" otherwise. */
const char *auth_role_name(int role);
/* The role named s, or -1. */
int auth_role_parse(const char *s);
const char *auth_action_name(int action);
/* The scope role has for action (the authorisation table). */
enum auth_scope auth_scope(int role, int action);
/* Whether p may do action on an object of tenant `tenant` owned by user
 * `owner` (0 = an object no user owns: OWN scope then means "its
 * tenant's").  For creating objects pass the tenant they will belong to. */
int auth_allows(const struct auth_principal *p, int action, uint32_t tenant,
		uint32_t owner);

struct auth;

/* A token checker over d (borrowed; must outlive it). */
struct auth *auth_new(struct db *d);
void auth_free(struct auth *a);
/* Makes a token for user: random secret and salt, the salted hash stored
 * durably; the token text (shown once) into out[AUTH_TOKEN_MAX]. */
int auth_token_create(struct auth *a, uint32_t user, int64_t now,
		      char out[AUTH_TOKEN_MAX], uint64_t *token_id,
		      struct err *e);
/* Checks an Authorization header value ("Bearer allot_..."; a bare token
 * is accepted too): ERR_DENIED with a reason when it is missing,
 * malformed, unknown, revoked or wrong; else 0 with the user and token
 * id.  Thread-safe. */
int auth_token_check(struct auth *a, const char *header, uint32_t *user,
		     uint64_t *token_id, struct err *e);
/* Revokes a token durably and in the cache. */
int auth_token_revoke(struct auth *a, uint64_t token_id, struct err *e);

#endif
