/*
 * auth.c — tokens (create, check, revoke, cache) and the authorisation
 * table (see auth.h).
 *
 * The cache is a direct-mapped table of CACHE_SLOTS rows keyed by token
 * id, guarded by one mutex held only to copy a row in or out (hashing
 * happens outside it).  A miss reads the store.  A token that was never
 * issued is not cached, so guessing ids costs a store read each: the
 * per-token rate limit (routes.c) does not help there, but the reads are
 * cheap and the secret is 256 bits.
 */
#include "api/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "util/alloc.h"

#define CACHE_SLOTS 4096
#define SECRET_BYTES 32

static const char *const role_names[ROLE_N] = {
	"none", "admin", "program-manager", "evaluator", "tenant-admin",
	"member", "viewer",
};

static const char *const action_names[ACT_N] = {
	"job.submit", "job.read", "job.manage", "pool.read", "node.manage",
	"tenant.read", "tenant.write", "user.read", "user.write",
	"token.create", "program.read", "program.write", "grant.read",
	"grant.write", "usage.read", "audit.read", "metrics", "round.write",
	"round.score", "round.read", "proposal.write", "proposal.read",
};

#define N SCOPE_NONE
#define O SCOPE_OWN
#define T SCOPE_TENANT
#define A SCOPE_ALL
/*
 * THE authorisation table: rows are actions, columns roles (none, admin,
 * program-manager, evaluator, tenant-admin, member, viewer).  Competing
 * teams are tenants: every tenant role is confined to its own tenant, and
 * the program roles (program-manager, evaluator) see no team's jobs.
 */
static const unsigned char table[ACT_N][ROLE_N] = {
	/*                    -  adm pm ev ta mem vw */
	[ACT_JOB_SUBMIT]   = {N, A, N, N, T, T, N},
	[ACT_JOB_READ]     = {N, A, N, N, T, T, T},
	[ACT_JOB_MANAGE]   = {N, A, N, N, T, O, N},
	[ACT_POOL_READ]    = {N, A, A, A, A, A, A},
	[ACT_NODE_MANAGE]  = {N, A, N, N, N, N, N},
	[ACT_TENANT_READ]  = {N, A, A, N, T, T, T},
	[ACT_TENANT_WRITE] = {N, A, N, N, N, N, N},
	[ACT_USER_READ]    = {N, A, N, N, T, O, O},
	[ACT_USER_WRITE]   = {N, A, N, N, T, N, N},
	[ACT_TOKEN_CREATE] = {N, A, O, O, T, O, O},
	[ACT_PROGRAM_READ] = {N, A, A, A, A, A, A},
	[ACT_PROGRAM_WRITE]= {N, A, A, N, N, N, N},
	[ACT_GRANT_READ]   = {N, A, A, N, T, T, T},
	[ACT_GRANT_WRITE]  = {N, A, A, N, N, N, N},
	[ACT_USAGE_READ]   = {N, A, A, N, T, T, T},
	[ACT_AUDIT_READ]   = {N, A, A, N, N, N, N},
	[ACT_METRICS]      = {N, A, A, A, A, A, A},
	[ACT_ROUND_WRITE]  = {N, A, A, N, N, N, N},
	[ACT_ROUND_SCORE]  = {N, A, A, A, N, N, N},
	[ACT_ROUND_READ]   = {N, A, A, A, T, T, T},
	[ACT_PROPOSAL_WRITE] = {N, A, A, N, T, N, N},
	[ACT_PROPOSAL_READ]  = {N, A, A, N, T, T, T},
};
#undef N
#undef O
#undef T
#undef A

const char *
auth_role_name(int role)
{
	return role > ROLE_NONE && role < ROLE_N ? role_names[role] : "?";
}

int
auth_role_parse(const char *s)
{
	for (int r = ROLE_ADMIN; r < ROLE_N; r++)
		if (strcmp(s, role_names[r]) == 0)
			return r;
	return -1;
}

const char *
auth_action_name(int action)
{
	return action >= 0 && action < ACT_N ? action_names[action] : "?";
}

enum auth_scope
auth_scope(int role, int action)
{
	if (role <= ROLE_NONE || role >= ROLE_N || action < 0 || action >= ACT_N)
		return SCOPE_NONE;
	return (enum auth_scope)table[action][role];
}

int
auth_allows(const struct auth_principal *p, int action, uint32_t tenant,
	    uint32_t owner)
{
	switch (auth_scope(p->role, action)) {
	case SCOPE_ALL:
		return 1;
	case SCOPE_TENANT:
		return tenant == p->tenant;
	case SCOPE_OWN:
		return tenant == p->tenant && (owner == 0 || owner == p->user);
	default:
		return 0;
	}
}

struct slot {
	uint64_t id;      /* 0 = empty */
	uint32_t user;
	int revoked;
	uint8_t salt[16], hash[32];
};

struct auth {
	struct db *db;
	pthread_mutex_t mu;
	struct slot *cache;
};

struct auth *
auth_new(struct db *d)
{
	struct auth *a = xcalloc(1, sizeof *a);

	if (sodium_init() < 0)
		allot_die("libsodium cannot initialise");
	a->db = d;
	pthread_mutex_init(&a->mu, NULL);
	a->cache = xcalloc(CACHE_SLOTS, sizeof *a->cache);
	return a;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->mu);
	free(a->cache);
	free(a);
}

static void
salted(const uint8_t salt[16], const uint8_t *secret, uint8_t out[32])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, salt, 16);
	crypto_hash_sha256_update(&st, secret, SECRET_BYTES);
	crypto_hash_sha256_final(&st, out);
}

int
auth_token_create(struct auth *a, uint32_t user, int64_t now,
		  char out[AUTH_TOKEN_MAX], uint64_t *token_id, struct err *e)
{
	uint8_t secret[SECRET_BYTES], salt[16], hash[32];
	char hex[2 * SECRET_BYTES + 1];
	uint64_t id;
	int rc;

	randombytes_buf(secret, sizeof secret);
	randombytes_buf(salt, sizeof salt);
	salted(salt, secret, hash);
	if ((rc = db_token_put(a->db, user, salt, hash, now, &id, e)) < 0)
		return rc;
	sodium_bin2hex(hex, sizeof hex, secret, sizeof secret);
	snprintf(out, AUTH_TOKEN_MAX, "allot_%llu_%s", (unsigned long long)id, hex);
	sodium_memzero(secret, sizeof secret);
	if (token_id != NULL)
		*token_id = id;
	return 0;
}

int
auth_token_check(struct auth *a, const char *h, uint32_t *user,
		 uint64_t *token_id, struct err *e)
{
	uint8_t secret[SECRET_BYTES], hash[32];
	struct slot s;
	unsigned long long id = 0;
	const char *p, *hex;
	size_t binlen = 0;
	int rc;

	if (h == NULL || *h == '\0')
		return err_set(e, ERR_DENIED, "missing Authorization: Bearer token");
	if (strncmp(h, "Bearer ", 7) == 0)
		h += 7;
	while (*h == ' ')
		h++;
	if (strncmp(h, "allot_", 6) != 0)
		return err_set(e, ERR_DENIED, "malformed token");
	for (p = h + 6; *p >= '0' && *p <= '9' && id < UINT64_MAX / 10; p++)
		id = id * 10 + (unsigned)(*p - '0');
	if (p == h + 6 || *p != '_' || id == 0)
		return err_set(e, ERR_DENIED, "malformed token");
	hex = p + 1;
	if (strlen(hex) != 2 * SECRET_BYTES ||
	    sodium_hex2bin(secret, sizeof secret, hex, 2 * SECRET_BYTES, NULL,
			   &binlen, NULL) != 0 || binlen != SECRET_BYTES)
		return err_set(e, ERR_DENIED, "malformed token");
	pthread_mutex_lock(&a->mu);
	s = a->cache[id % CACHE_SLOTS];
	pthread_mutex_unlock(&a->mu);
	if (s.id != id) {
		memset(&s, 0, sizeof s);
		rc = db_token_get(a->db, id, &s.user, s.salt, s.hash, &s.revoked,
				  NULL);
		if (rc == ERR_NOTFOUND)
			return err_set(e, ERR_DENIED, "unknown token");
		if (rc < 0)
			return err_set(e, ERR_INTERNAL, "token look-up failed");
		s.id = id;
		pthread_mutex_lock(&a->mu);
		a->cache[id % CACHE_SLOTS] = s;
		pthread_mutex_unlock(&a->mu);
	}
	salted(s.salt, secret, hash);
	sodium_memzero(secret, sizeof secret);
	if (sodium_memcmp(hash, s.hash, sizeof hash) != 0)
		return err_set(e, ERR_DENIED, "wrong token");
	if (s.revoked)
		return err_set(e, ERR_DENIED, "token revoked");
	*user = s.user;
	if (token_id != NULL)
		*token_id = id;
	return 0;
}

int
auth_token_revoke(struct auth *a, uint64_t id, struct err *e)
{
	int rc = db_token_revoke(a->db, id, e);

	pthread_mutex_lock(&a->mu);
	if (a->cache[id % CACHE_SLOTS].id == id)
		a->cache[id % CACHE_SLOTS].id = 0;
	pthread_mutex_unlock(&a->mu);
	return rc;
}
