/*
 * routes.c — every route of the API: matching, authentication, the
 * per-token rate limit, authorisation and the handlers.
 *
 * A request goes: match the route (404 / 405) -> public? -> token
 * (401) -> the user behind it (401) -> rate limit (429) -> the role may do
 * the route's action at all (403) -> the handler, which checks the
 * object's tenant and owner with auth_allows.  Objects a principal may not
 * even read answer 404, exactly as if they did not exist, so ids of other
 * tenants' jobs leak nothing; objects it may read but not change answer
 * 403.  Every denial is logged with who, what and why.
 *
 * The route table (infos[] and fns[], same order) is the one place that
 * lists routes; openapi.c describes the same table.
 */
#include "api/routes.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/auth.h"
#include "api/proposals.h"
#include "api/rounds.h"
#include "api/validate.h"
#include "util/alloc.h"

#define RATE_SLOTS 4096
#define NPARAM 2
#define LIST_MAX 1000
#define LIST_DEFAULT 100

struct bucket {
	uint64_t token;
	double tokens, last;
};

struct routes {
	struct svc *s;
	double rate, burst;
	pthread_mutex_t mu;
	struct bucket *b;
	struct rounds *rounds; /* NULL if its folder could not be made */
	struct proposals_api *proposals; /* NULL likewise */
};

struct call {
	struct routes *r;
	struct svc *s;
	const struct http_req *rq;
	struct http_resp *rs;
	const struct route_info *rt;
	struct auth_principal p;
	char param[NPARAM][DB_NAME_MAX];
};

/* ---- Helpers --------------------------------------------------------------- */

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
deny_log(struct call *c, const char *why)
{
	svc_log(c->s, "denied: user %s (%s, account %u) %s %s: %s", c->p.name,
		auth_role_name(c->p.role), c->p.tenant, c->rq->method,
		c->rq->path, why);
}

static int
forbidden(struct call *c, const char *why)
{
	deny_log(c, why);
	http_error(c->rs, 403, "forbidden", NULL, "%s", why);
	return 0;
}

/* A denial that must not reveal whether the object exists. */
static int
hidden(struct call *c, const char *what)
{
	deny_log(c, "not visible: answered 404");
	http_error(c->rs, 404, "not_found", NULL, "no %s", what);
	return 0;
}

static int
invalid(struct call *c, const char *field, const struct err *e)
{
	http_error(c->rs, err_http_status(e->code) == 413 ? 413 :
		   e->code == ERR_NOTFOUND ? 404 : e->code == ERR_CONFLICT ||
		   e->code == ERR_STATE ? 409 : 400,
		   e->code == ERR_LIMIT ? "too_large" : e->code == ERR_NOTFOUND ?
		   "not_found" : e->code == ERR_CONFLICT || e->code == ERR_STATE ?
		   "conflict" : "invalid",
		   field && *field ? field : NULL, "%s", e->msg);
	return 0;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* The body as a JSON object with only the allowed keys; answers 400 and
 * returns NULL otherwise. */
static json_t *
body_object(struct call *c, const char *const *keys, size_t n)
{
	char field[VALIDATE_FIELD_MAX] = "";
	struct err e;
	json_t *o;

	if (validate_object(c->rq->body, c->rq->len, &o, &e) != 0) {
		invalid(c, NULL, &e);
		return NULL;
	}
	if (validate_keys(o, keys, n, field, &e) != 0) {
		invalid(c, field, &e);
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- Jobs -------------------------------------------------------------------- */

/* A submission in flight between its queued commit and its answer. */
struct pending_sub {
	struct svc *s;
	struct db_job j;     /* owns its strings until sub_finish */
	struct http_defer *d;
	int rc;
	struct err e;
};

/* On the store's writer thread: record the outcome, wake the request. */
static void
sub_done(void *ctx, int rc, const struct err *e)
{
	struct pending_sub *ps = ctx;

	ps->rc = rc;
	if (e != NULL)
		ps->e = *e;
	http_resume(ps->d);
}

/* On a pool thread: queue the committed job, answer, free. */
static void
sub_finish(void *ctx, struct http_resp *rs)
{
	struct pending_sub *ps = ctx;

	if (ps->rc < 0)
		http_error_err(rs, &ps->e, NULL);
	else {
		char body[64];
		int n;

		if (ps->rc == 0)
			svc_submit_committed(ps->s, &ps->j);
		/* the hot path's answer, formatted without building a JSON tree */
		n = snprintf(body, sizeof body, "{\"id\":%" PRIu64 ",\"state\":\"%s\"}",
			     ps->j.id, ps->rc == 1 ? "existing" : "pending");
		http_text(rs, ps->rc == 1 ? 200 : 201, NULL, body, (size_t)n);
	}
	svc_count_request(ps->s, rs->status);
	db_job_clear(&ps->j);
	free(ps);
}

static int
job_submit(struct call *c)
{
	struct pending_sub *ps;
	struct validate_job v;
	char field[VALIDATE_FIELD_MAX];
	struct err e;
	uint32_t tenant = c->p.tenant;
	int rc;

	if (validate_job(c->rq->body, c->rq->len, svc_models(c->s), &v, field,
			 &e) != 0)
		return invalid(c, field, &e);
	if (v.account[0] != '\0' && svc_tenant_find(c->s, v.account, &tenant) != 0) {
		db_job_clear(&v.j);
		if (auth_scope(c->p.role, ACT_JOB_SUBMIT) != SCOPE_ALL)
			return forbidden(c, "you may submit only to your own account");
		http_error(c->rs, 400, "invalid", "account", "account: no account "
			   "\"%s\"", v.account);
		return 0;
	}
	if (!auth_allows(&c->p, ACT_JOB_SUBMIT, tenant, c->p.user)) {
		db_job_clear(&v.j);
		return forbidden(c, "you may submit only to your own account");
	}
	if (v.j.shape.gpu_milli < MILLI && v.j.shape.gpu_milli > 0 &&
	    !svc_shares_ok(c->s)) {
		db_job_clear(&v.j);
		http_error(c->rs, 400, "invalid", "gpu_milli", "gpu_milli: GPU "
			   "shares run only on the local executor (Slurm gives "
			   "whole GPUs)");
		return 0;
	}
	v.j.tenant = tenant;
	v.j.user = c->p.user;
	if (!v.has_grace)
		v.j.shape.grace_s = SVC_GRACE_DEFAULT;
	/* Queue the commit and park the request: the store's writer answers
	 * it (sub_done) once the row is durable, and a pool thread then
	 * finishes it (sub_finish).  No thread waits for the fsync. */
	ps = xcalloc(1, sizeof *ps);
	ps->s = c->s;
	ps->j = v.j;
	svc_submit_prepare(&ps->j);
	ps->d = http_defer(c->rq, sub_finish, ps);
	if ((rc = db_job_submit_async(svc_db(c->s), &ps->j, sub_done, ps, &e)) != 0) {
		ps->rc = rc;
		ps->e = e;
		http_resume(ps->d);
	}
	return HTTP_DEFERRED;
}

/* Loads job {id} and checks the principal may read it (404 otherwise) and
 * do `action` on it (403).  1 = go on with *j (caller clears); 0 = the
 * response is set. */
static int
job_load(struct call *c, int action, struct db_job *j)
{
	uint64_t id;
	struct err e;
	int rc;

	memset(j, 0, sizeof *j);
	if (parse_u64(c->param[0], &id) != 0 || id == 0) {
		http_error(c->rs, 404, "not_found", NULL, "no job %s", c->param[0]);
		return 0;
	}
	rc = db_job_get(svc_db(c->s), id, j, &e);
	if (rc == ERR_NOTFOUND) {
		http_error(c->rs, 404, "not_found", NULL, "no job %" PRIu64, id);
		return 0;
	}
	if (rc < 0) {
		invalid(c, NULL, &e);
		return 0;
	}
	if (!auth_allows(&c->p, ACT_JOB_READ, j->tenant, j->user) &&
	    !auth_allows(&c->p, action, j->tenant, j->user)) {
		db_job_clear(j);
		hidden(c, "such job");
		return 0;
	}
	if (!auth_allows(&c->p, action, j->tenant, j->user)) {
		db_job_clear(j);
		forbidden(c, "you may not change this job");
		return 0;
	}
	return 1;
}

static int
job_get(struct call *c)
{
	struct db_job j;

	if (!job_load(c, ACT_JOB_READ, &j))
		return 0;
	http_json(c->rs, 200, svc_job_json(c->s, &j));
	db_job_clear(&j);
	return 0;
}

static int
job_action(struct call *c, int what)
{
	struct db_job j;
	const char *state = "pending";
	struct err e;
	int rc;

	if (!job_load(c, ACT_JOB_MANAGE, &j))
		return 0;
	if (what == 0)
		rc = svc_cancel(c->s, j.id, &state, &e);
	else {
		rc = svc_hold(c->s, j.id, what == 1, &e);
		state = "pending";
	}
	if (rc != 0) {
		db_job_clear(&j);
		return invalid(c, NULL, &e);
	}
	svc_log(c->s, "job %" PRIu64 " %s by %s", j.id,
		what == 0 ? "cancelled" : what == 1 ? "held" : "released", c->p.name);
	http_json(c->rs, 200, json_pack("{s:I, s:s, s:b}", "id", (json_int_t)j.id,
					 "state", state, "held", what == 1));
	db_job_clear(&j);
	return 0;
}

static int job_cancel(struct call *c) { return job_action(c, 0); }
static int job_hold(struct call *c) { return job_action(c, 1); }
static int job_release(struct call *c) { return job_action(c, 2); }

struct listctx {
	struct svc *s;
	json_t *a;
	uint64_t last;
	uint32_t n;
};

static int
list_cb(void *ctx, const struct db_job *j)
{
	struct listctx *l = ctx;

	json_array_append_new(l->a, svc_job_json(l->s, j));
	l->last = j->id;
	l->n++;
	return 0;
}

/* The account a list is confined to: the principal's own unless it may
 * read every account; an account named by ?account= outside that: 403.
 * Returns 0 and *tenant (UINT32_MAX = any), or -1 with the response set. */
static int
list_scope(struct call *c, int action, uint32_t *tenant)
{
	const char *acc = http_query(c->rq, "account");
	enum auth_scope sc = auth_scope(c->p.role, action);
	uint32_t t;

	*tenant = sc == SCOPE_ALL ? UINT32_MAX : c->p.tenant;
	if (acc == NULL || *acc == '\0')
		return 0;
	if (svc_tenant_find(c->s, acc, &t) != 0) {
		if (sc == SCOPE_ALL) {
			http_error(c->rs, 400, "invalid", "account", "account: no "
				   "account \"%s\"", acc);
			return -1;
		}
		forbidden(c, "you may read only your own account");
		return -1;
	}
	if (sc != SCOPE_ALL && t != c->p.tenant) {
		forbidden(c, "you may read only your own account");
		return -1;
	}
	*tenant = t;
	return 0;
}

static int
job_list(struct call *c)
{
	struct db_filter f = {UINT32_MAX, UINT32_MAX, -1, 0, LIST_DEFAULT};
	const char *v;
	struct listctx l = {c->s, json_array(), 0, 0};
	struct err e;
	json_t *o;

	if (list_scope(c, ACT_JOB_READ, &f.tenant) != 0)
		goto out;
	if ((v = http_query(c->rq, "state")) != NULL && *v) {
		int st;
		for (st = 0; st < JOB_NSTATES; st++)
			if (strcmp(v, job_state_name(st)) == 0)
				break;
		if (st == JOB_NSTATES) {
			http_error(c->rs, 400, "invalid", "state", "state: expected "
				   "pending, running, completed, failed, cancelled "
				   "or preempted");
			goto out;
		}
		f.state = st;
	}
	if ((v = http_query(c->rq, "user")) != NULL && *v &&
	    svc_user_find(c->s, v, &f.user) != 0)
		f.user = UINT32_MAX - 1; /* nobody: an empty page */
	if ((v = http_query(c->rq, "limit")) != NULL) {
		uint64_t n;
		if (parse_u64(v, &n) != 0 || n < 1 || n > LIST_MAX) {
			http_error(c->rs, 400, "invalid", "limit", "limit: expected "
				   "1..%d", LIST_MAX);
			goto out;
		}
		f.limit = (uint32_t)n;
	}
	if ((v = http_query(c->rq, "cursor")) != NULL && *v &&
	    parse_u64(v, &f.after) != 0) {
		http_error(c->rs, 400, "invalid", "cursor", "cursor: not a cursor "
			   "this server gave");
		goto out;
	}
	if (db_jobs_list(svc_db(c->s), &f, list_cb, &l, &e) != 0) {
		invalid(c, NULL, &e);
		goto out;
	}
	o = json_pack("{s:O}", "jobs", l.a);
	if (l.n == f.limit) {
		char cur[32];
		snprintf(cur, sizeof cur, "%" PRIu64, l.last);
		json_object_set_new(o, "next_cursor", json_string(cur));
	} else
		json_object_set_new(o, "next_cursor", json_null());
	http_json(c->rs, 200, o);
out:
	json_decref(l.a);
	return 0;
}

static int
queue_get(struct call *c)
{
	uint32_t t;
	uint64_t limit = LIST_MAX;
	const char *v;

	if (list_scope(c, ACT_JOB_READ, &t) != 0)
		return 0;
	if ((v = http_query(c->rq, "limit")) != NULL &&
	    (parse_u64(v, &limit) != 0 || limit < 1 || limit > 100000)) {
		http_error(c->rs, 400, "invalid", "limit", "limit: expected 1..100000");
		return 0;
	}
	http_json(c->rs, 200, svc_queue_json(c->s, t, (size_t)limit));
	return 0;
}

/* ---- Pool and nodes ------------------------------------------------------------ */

static int
pool_get(struct call *c)
{
	http_json(c->rs, 200, svc_pool_json(c->s));
	return 0;
}

static int
nodes_get(struct call *c)
{
	http_json(c->rs, 200, svc_nodes_json(c->s));
	return 0;
}

static int
node_set(struct call *c, int drain)
{
	struct err e;

	if (svc_node_set(c->s, c->param[0], drain, &e) != 0)
		return invalid(c, NULL, &e);
	http_json(c->rs, 200, json_pack("{s:s, s:s}", "name", c->param[0],
					 "state", drain ? "drain" : "up"));
	return 0;
}

static int node_drain(struct call *c) { return node_set(c, 1); }
static int node_resume(struct call *c) { return node_set(c, 0); }

/* ---- Tenants, users, tokens ----------------------------------------------------- */

static int
tenants_get(struct call *c)
{
	enum auth_scope sc = auth_scope(c->p.role, ACT_TENANT_READ);

	http_json(c->rs, 200, json_pack("{s:o}", "tenants", svc_tenants_json(
		c->s, sc == SCOPE_ALL ? UINT32_MAX : c->p.tenant)));
	return 0;
}

static const char *const tenant_keys[] = {"name", "parent", "shares"};

static int
tenants_post(struct call *c)
{
	char name[DB_NAME_MAX] = "", parent[DB_NAME_MAX] = "";
	char field[VALIDATE_FIELD_MAX] = "";
	int64_t shares = 1;
	uint32_t id;
	struct err e;
	json_t *o = body_object(c, tenant_keys, 3);
	int rc;

	if (o == NULL)
		return 0;
	if (validate_str(o, "name", 1, DB_NAME_MAX - 1, name, field, &e) != 0 ||
	    validate_name(name, "name", field, &e) != 0 ||
	    validate_str(o, "parent", 0, DB_NAME_MAX - 1, parent, field, &e) != 0 ||
	    validate_int(o, "shares", 0, 1, 1000000000, &shares, field, &e) != 0) {
		json_decref(o);
		return invalid(c, field, &e);
	}
	json_decref(o);
	rc = svc_tenant_put(c->s, name, parent[0] ? parent : NULL,
			    (uint32_t)shares, &id, &e);
	if (rc < 0)
		return invalid(c, rc == ERR_NOTFOUND ? "parent" : NULL, &e);
	svc_log(c->s, "account %s %s by %s", name, rc ? "updated" : "created",
		c->p.name);
	http_json(c->rs, rc == 0 ? 201 : 200, json_pack(
		"{s:I, s:s, s:I}", "id", (json_int_t)id, "name", name, "shares",
		(json_int_t)shares));
	return 0;
}

static int
users_get(struct call *c)
{
	enum auth_scope sc = auth_scope(c->p.role, ACT_USER_READ);

	http_json(c->rs, 200, json_pack("{s:o}", "users", svc_users_json(
		c->s, sc == SCOPE_ALL ? UINT32_MAX : c->p.tenant,
		sc == SCOPE_OWN ? c->p.user : 0)));
	return 0;
}

static const char *const user_keys[] = {"name", "account", "role"};

static int
users_post(struct call *c)
{
	char name[DB_NAME_MAX] = "", acc[DB_NAME_MAX] = "", role[32] = "member";
	char field[VALIDATE_FIELD_MAX] = "";
	uint32_t tenant = c->p.tenant, id;
	struct err e;
	json_t *o = body_object(c, user_keys, 3);
	int rc, r;

	if (o == NULL)
		return 0;
	if (validate_str(o, "name", 1, DB_NAME_MAX - 1, name, field, &e) != 0 ||
	    validate_name(name, "name", field, &e) != 0 ||
	    validate_str(o, "account", 0, DB_NAME_MAX - 1, acc, field, &e) != 0 ||
	    validate_str(o, "role", 0, sizeof role - 1, role, field, &e) != 0) {
		json_decref(o);
		return invalid(c, field, &e);
	}
	json_decref(o);
	if ((r = auth_role_parse(role)) < 0) {
		http_error(c->rs, 400, "invalid", "role", "role: expected admin, "
			   "program-manager, evaluator, tenant-admin, member or viewer");
		return 0;
	}
	if (acc[0] && svc_tenant_find(c->s, acc, &tenant) != 0) {
		if (auth_scope(c->p.role, ACT_USER_WRITE) != SCOPE_ALL)
			return forbidden(c, "you may manage only your own account's users");
		http_error(c->rs, 400, "invalid", "account", "account: no account "
			   "\"%s\"", acc);
		return 0;
	}
	if (!auth_allows(&c->p, ACT_USER_WRITE, tenant, 0))
		return forbidden(c, "you may manage only your own account's users");
	if (auth_scope(c->p.role, ACT_USER_WRITE) != SCOPE_ALL &&
	    r != ROLE_TENANT_ADMIN && r != ROLE_MEMBER && r != ROLE_VIEWER)
		return forbidden(c, "a tenant-admin may give only the roles "
			     "tenant-admin, member and viewer");
	if (svc_user_find(c->s, name, &id) == 0) {
		uint32_t ot;
		int orole;
		/* Changing a user of another account is changing that account. */
		if (svc_user_get(c->s, id, &ot, &orole) == 0 &&
		    !auth_allows(&c->p, ACT_USER_WRITE, ot, 0))
			return forbidden(c, "that user belongs to another account");
	}
	rc = svc_user_put(c->s, name, tenant, r, &id, &e);
	if (rc < 0)
		return invalid(c, NULL, &e);
	svc_log(c->s, "user %s (%s) %s by %s", name, role,
		rc ? "updated" : "created", c->p.name);
	http_json(c->rs, rc == 0 ? 201 : 200, json_pack(
		"{s:I, s:s, s:I, s:s}", "id", (json_int_t)id, "name", name,
		"account_id", (json_int_t)tenant, "role", role));
	return 0;
}

static const char *const token_keys[] = {"user"};

static int
tokens_post(struct call *c)
{
	char name[DB_NAME_MAX] = "", field[VALIDATE_FIELD_MAX] = "";
	char tok[AUTH_TOKEN_MAX];
	uint32_t uid = c->p.user, tenant;
	uint64_t tid;
	int role;
	struct err e;
	json_t *o = body_object(c, token_keys, 1);

	if (o == NULL)
		return 0;
	if (validate_str(o, "user", 0, DB_NAME_MAX - 1, name, field, &e) != 0) {
		json_decref(o);
		return invalid(c, field, &e);
	}
	json_decref(o);
	if (name[0] && svc_user_find(c->s, name, &uid) != 0) {
		if (auth_scope(c->p.role, ACT_TOKEN_CREATE) != SCOPE_ALL)
			return forbidden(c, "you may not make tokens for that user");
		http_error(c->rs, 400, "invalid", "user", "user: no user \"%s\"", name);
		return 0;
	}
	if (svc_user_get(c->s, uid, &tenant, &role) != 0 ||
	    !auth_allows(&c->p, ACT_TOKEN_CREATE, tenant, uid))
		return forbidden(c, "you may not make tokens for that user");
	if (auth_scope(c->p.role, ACT_TOKEN_CREATE) == SCOPE_TENANT &&
	    uid != c->p.user && (role == ROLE_ADMIN || role == ROLE_PROGRAM_MANAGER ||
				 role == ROLE_EVALUATOR))
		return forbidden(c, "you may not make tokens for that user");
	if (auth_token_create(svc_auth(c->s), uid, (int64_t)time(NULL), tok, &tid,
			      &e) != 0)
		return invalid(c, NULL, &e);
	svc_log(c->s, "token %" PRIu64 " made for user %u by %s", tid, uid,
		c->p.name);
	http_json(c->rs, 201, json_pack("{s:s, s:I, s:I}", "token", tok, "id",
					 (json_int_t)tid, "user_id", (json_int_t)uid));
	return 0;
}

static int
token_revoke(struct call *c)
{
	uint64_t id;
	uint32_t user, tenant;
	uint8_t salt[16], hash[32];
	int revoked, role;
	struct err e;

	if (parse_u64(c->param[0], &id) != 0 ||
	    db_token_get(svc_db(c->s), id, &user, salt, hash, &revoked, &e) != 0 ||
	    svc_user_get(c->s, user, &tenant, &role) != 0) {
		http_error(c->rs, 404, "not_found", NULL, "no token %s", c->param[0]);
		return 0;
	}
	if (!auth_allows(&c->p, ACT_TOKEN_CREATE, tenant, user))
		return hidden(c, "such token");
	if (auth_scope(c->p.role, ACT_TOKEN_CREATE) == SCOPE_TENANT &&
	    user != c->p.user && (role == ROLE_ADMIN || role == ROLE_PROGRAM_MANAGER ||
				  role == ROLE_EVALUATOR))
		return hidden(c, "such token");
	if (auth_token_revoke(svc_auth(c->s), id, &e) != 0)
		return invalid(c, NULL, &e);
	svc_log(c->s, "token %" PRIu64 " revoked by %s", id, c->p.name);
	http_json(c->rs, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id,
					 "revoked", 1));
	return 0;
}

/* ---- Programs and grants ------------------------------------------------------- */

static int
prog_cb(void *ctx, const struct db_program *p)
{
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:I}", "id",
					     (json_int_t)p->id, "name", p->name,
					     "budget_won", (json_int_t)p->budget_won));
	return 0;
}

static int
programs_get(struct call *c)
{
	json_t *a = json_array();
	struct err e;

	if (db_programs_load(svc_db(c->s), prog_cb, a, &e) != 0) {
		json_decref(a);
		return invalid(c, NULL, &e);
	}
	http_json(c->rs, 200, json_pack("{s:o}", "programs", a));
	return 0;
}

static const char *const program_keys[] = {"name", "budget_won"};

static int
programs_post(struct call *c)
{
	struct db_program p;
	char field[VALIDATE_FIELD_MAX] = "";
	int64_t budget = 0;
	uint32_t id;
	struct err e;
	json_t *o = body_object(c, program_keys, 2);
	int rc;

	if (o == NULL)
		return 0;
	memset(&p, 0, sizeof p);
	if (validate_str(o, "name", 1, DB_NAME_MAX - 1, p.name, field, &e) != 0 ||
	    validate_name(p.name, "name", field, &e) != 0 ||
	    validate_int(o, "budget_won", 0, 0, INT64_MAX, &budget, field,
			       &e) != 0) {
		json_decref(o);
		return invalid(c, field, &e);
	}
	json_decref(o);
	p.budget_won = budget;
	if ((rc = db_program_put(svc_db(c->s), &p, &id, &e)) < 0)
		return invalid(c, NULL, &e);
	http_json(c->rs, rc == 0 ? 201 : 200, json_pack(
		"{s:I, s:s, s:I}", "id", (json_int_t)id, "name", p.name,
		"budget_won", (json_int_t)budget));
	return 0;
}

static int
grants_get(struct call *c)
{
	uint32_t t;

	if (list_scope(c, ACT_GRANT_READ, &t) != 0)
		return 0;
	http_json(c->rs, 200, json_pack("{s:o}", "grants", svc_grants_json(c->s, t)));
	return 0;
}

static const char *const grant_keys[] = {
	"account", "model", "gpus", "start", "end", "program", "borrow_limit",
	"lend_limit", "price_won_hour",
};

static int
grants_post(struct call *c)
{
	char acc[DB_NAME_MAX] = "", model[64] = "", field[VALIDATE_FIELD_MAX] = "";
	int64_t gpus = 0, start = 0, end = 0, prog = 0, bl = -1, ll = -1, price = 0;
	struct grant g;
	uint32_t id;
	struct err e;
	json_t *o = body_object(c, grant_keys, sizeof grant_keys / sizeof *grant_keys);
	int rc;

	if (o == NULL)
		return 0;
	if (validate_str(o, "account", 1, DB_NAME_MAX - 1, acc, field, &e) != 0 ||
	    validate_str(o, "model", 1, sizeof model - 1, model, field, &e) != 0 ||
	    validate_int(o, "gpus", 1, 1, 10000000, &gpus, field, &e) != 0 ||
	    validate_int(o, "start", 1, 0, INT64_MAX / 2, &start, field, &e) != 0 ||
	    validate_int(o, "end", 1, 1, INT64_MAX / 2, &end, field, &e) != 0 ||
	    validate_int(o, "program", 0, 0, UINT32_MAX, &prog, field, &e) != 0 ||
	    validate_int(o, "borrow_limit", 0, -1, 10000000, &bl, field, &e) != 0 ||
	    validate_int(o, "lend_limit", 0, -1, 10000000, &ll, field, &e) != 0 ||
	    validate_int(o, "price_won_hour", 0, 0, INT64_MAX / 2, &price,
			       field, &e) != 0) {
		json_decref(o);
		return invalid(c, field, &e);
	}
	json_decref(o);
	if (end <= start) {
		http_error(c->rs, 400, "invalid", "end", "end: must be after start");
		return 0;
	}
	memset(&g, 0, sizeof g);
	if (svc_tenant_find(c->s, acc, &g.tenant) != 0) {
		http_error(c->rs, 400, "invalid", "account", "account: no account "
			   "\"%s\"", acc);
		return 0;
	}
	if ((g.model = svc_model_find(c->s, model)) < 0) {
		http_error(c->rs, 400, "invalid", "model", "model: no GPU model "
			   "\"%s\" in the pool", model);
		return 0;
	}
	g.program = (uint32_t)prog;
	g.gpus = gpus;
	g.start = start;
	g.end = end;
	g.borrow_limit = bl;
	g.lend_limit = ll;
	g.price_won_hour = (uint64_t)price;
	if ((rc = svc_grant_add(c->s, &g, &id, &e)) < 0)
		return invalid(c, rc == ERR_NOTFOUND ? "program" : NULL, &e);
	svc_log(c->s, "grant %u: %s gets %lld %s by %s", id, acc, (long long)gpus,
		model, c->p.name);
	http_json(c->rs, 201, json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id,
					 "account", acc, "model", model, "gpus",
					 (json_int_t)gpus));
	return 0;
}

/* ---- Usage and audit ------------------------------------------------------------ */

/* ?from=&to= in unix seconds (default: all time up to now); answers 400
 * and returns -1 when they are malformed or out of order. */
static int
time_range(struct call *c, uint64_t *from, uint64_t *to)
{
	const char *v;

	*from = 0;
	*to = (uint64_t)time(NULL) + 1;
	if ((v = http_query(c->rq, "from")) != NULL && parse_u64(v, from) != 0) {
		http_error(c->rs, 400, "invalid", "from", "from: expected unix seconds");
		return -1;
	}
	if ((v = http_query(c->rq, "to")) != NULL && parse_u64(v, to) != 0) {
		http_error(c->rs, 400, "invalid", "to", "to: expected unix seconds");
		return -1;
	}
	if (*to <= *from || *to > (uint64_t)INT64_MAX) {
		http_error(c->rs, 400, "invalid", "to", "to: must be after from");
		return -1;
	}
	return 0;
}

static int
usage_get(struct call *c)
{
	uint32_t t;
	uint64_t from, to;
	struct err e;
	json_t *o;

	if (list_scope(c, ACT_USAGE_READ, &t) != 0)
		return 0;
	if (time_range(c, &from, &to) != 0)
		return 0;
	if ((o = svc_usage_json(c->s, t, (int64_t)from, (int64_t)to, &e)) == NULL)
		return invalid(c, NULL, &e);
	http_json(c->rs, 200, o);
	return 0;
}

/* The accounting cross-check: same scope and range rules as usage_get. */
static int
usage_check_get(struct call *c)
{
	uint32_t t;
	uint64_t from, to;
	struct err e;
	json_t *o;

	if (list_scope(c, ACT_USAGE_READ, &t) != 0)
		return 0;
	if (time_range(c, &from, &to) != 0)
		return 0;
	if ((o = svc_usage_check_json(c->s, t, (int64_t)from, (int64_t)to,
				      &e)) == NULL)
		return invalid(c, NULL, &e);
	http_json(c->rs, 200, o);
	return 0;
}

/* The ledger: same scope and range rules as usage_get. */
static int
ledger_get(struct call *c)
{
	uint32_t t;
	uint64_t from, to;
	struct err e;
	json_t *o;

	if (list_scope(c, ACT_USAGE_READ, &t) != 0)
		return 0;
	if (time_range(c, &from, &to) != 0)
		return 0;
	if ((o = svc_ledger_json(c->s, t, (int64_t)from, (int64_t)to, &e)) == NULL)
		return invalid(c, NULL, &e);
	http_json(c->rs, 200, o);
	return 0;
}

/* The executor's side: unusable nodes, foreign jobs (operators only). */
static int
executor_get(struct call *c)
{
	http_json(c->rs, 200, svc_executor_json(c->s)); /* table: operators */
	return 0;
}

static int
audit_get(struct call *c)
{
	uint64_t after = 0, limit = 100;
	const char *v;

	if ((v = http_query(c->rq, "after")) != NULL && parse_u64(v, &after) != 0) {
		http_error(c->rs, 400, "invalid", "after", "after: expected a sequence "
			   "number");
		return 0;
	}
	if ((v = http_query(c->rq, "limit")) != NULL &&
	    (parse_u64(v, &limit) != 0 || limit < 1 || limit > LIST_MAX)) {
		http_error(c->rs, 400, "invalid", "limit", "limit: expected 1..%d",
			   LIST_MAX);
		return 0;
	}
	http_json(c->rs, 200, json_pack("{s:o}", "entries", journal_json(
		svc_journal(c->s), after, (size_t)limit)));
	return 0;
}

static int
audit_verify_get(struct call *c)
{
	http_json(c->rs, 200, journal_verify(svc_journal(c->s)));
	return 0;
}

/* ---- Rounds (rounds.c) ------------------------------------------------------------ */

static int
rounds_ok(struct call *c)
{
	if (c->r->rounds != NULL)
		return 1;
	http_error(c->rs, 500, "internal", NULL, "rounds are unavailable: the "
		   "state directory's rounds/ folder could not be made");
	return 0;
}

static int
round_create(struct call *c)
{
	return rounds_ok(c) ? rounds_create(c->r->rounds, &c->p, c->rq, c->rs) : 0;
}

static int
round_scores(struct call *c)
{
	return rounds_ok(c) ? rounds_scores(c->r->rounds, &c->p, c->param[0],
					    c->rq, c->rs) : 0;
}

static int
round_close(struct call *c)
{
	return rounds_ok(c) ? rounds_close(c->r->rounds, &c->p, c->param[0],
					   c->rq, c->rs) : 0;
}

static int
round_list(struct call *c)
{
	return rounds_ok(c) ? rounds_list(c->r->rounds, &c->p, c->rq, c->rs) : 0;
}

static int
round_get(struct call *c)
{
	return rounds_ok(c) ? rounds_get(c->r->rounds, &c->p, c->param[0], c->rq,
					 c->rs) : 0;
}

/* ---- Proposals (proposals.c) ------------------------------------------------------ */

static int
proposals_ok(struct call *c)
{
	if (c->r->proposals != NULL)
		return 1;
	http_error(c->rs, 500, "internal", NULL, "proposals are unavailable: "
		   "the state directory's proposals/ folder could not be read");
	return 0;
}

static int
proposal_create(struct call *c)
{
	return proposals_ok(c) ? proposals_api_create(c->r->proposals, &c->p,
						      c->rq, c->rs) : 0;
}

static int
proposal_list(struct call *c)
{
	return proposals_ok(c) ? proposals_api_list(c->r->proposals, &c->p,
						    c->rq, c->rs) : 0;
}

static int
proposal_get(struct call *c)
{
	return proposals_ok(c) ? proposals_api_get(c->r->proposals, &c->p,
						   c->param[0], c->rq, c->rs) : 0;
}

static int
proposal_scores(struct call *c)
{
	return proposals_ok(c) ? proposals_api_scores(c->r->proposals, &c->p,
						      c->param[0], c->rq, c->rs) : 0;
}

static int
calls_list(struct call *c)
{
	return proposals_ok(c) ? proposals_api_calls_list(c->r->proposals, &c->p,
							  c->rq, c->rs) : 0;
}

static int
call_get(struct call *c)
{
	return proposals_ok(c) ? proposals_api_call_get(c->r->proposals, &c->p,
							c->param[0], c->rq, c->rs) : 0;
}

static int
call_select(struct call *c)
{
	return proposals_ok(c) ? proposals_api_select(c->r->proposals, &c->p,
						      c->param[0], c->rq, c->rs) : 0;
}

/* ---- Metrics ------------------------------------------------------------------------ */

static int
metrics_get(struct call *c)
{
	size_t len = 0;
	/* Per-account series: every account for the roles that read all
	 * jobs or all grants, else only the caller's. */
	int all = auth_scope(c->p.role, ACT_JOB_READ) == SCOPE_ALL ||
		  auth_scope(c->p.role, ACT_GRANT_READ) == SCOPE_ALL;
	char *t = svc_metrics_text(c->s, all ? UINT32_MAX : c->p.tenant, &len);

	http_text(c->rs, 200, "text/plain; version=0.0.4", t, len);
	free(t);
	return 0;
}

/* ---- The table ---------------------------------------------------------------------- */

static const struct route_info infos[] = {
	{"GET", "/openapi.json", -1, "This document", NULL, 0},
	{"POST", "/v1/jobs", ACT_JOB_SUBMIT, "Submit a job", "JobRequest", 1},
	{"GET", "/v1/jobs", ACT_JOB_READ, "List jobs (filters, cursor)", NULL, 0},
	{"GET", "/v1/jobs/{id}", ACT_JOB_READ, "One job", NULL, 0},
	{"POST", "/v1/jobs/{id}/cancel", ACT_JOB_MANAGE, "Cancel a job", NULL, 0},
	{"POST", "/v1/jobs/{id}/hold", ACT_JOB_MANAGE, "Hold a pending job", NULL, 0},
	{"POST", "/v1/jobs/{id}/release", ACT_JOB_MANAGE, "Release a held job", NULL, 0},
	{"GET", "/v1/queue", ACT_JOB_READ, "Pending jobs in priority order with reasons", NULL, 0},
	{"GET", "/v1/pool", ACT_POOL_READ, "The pool's size and free GPUs", NULL, 0},
	{"GET", "/v1/nodes", ACT_POOL_READ, "Nodes and their state", NULL, 0},
	{"POST", "/v1/nodes/{name}/drain", ACT_NODE_MANAGE, "Drain a node", NULL, 0},
	{"POST", "/v1/nodes/{name}/resume", ACT_NODE_MANAGE, "Resume a drained node", NULL, 0},
	{"GET", "/v1/tenants", ACT_TENANT_READ, "Accounts (tenants)", NULL, 0},
	{"POST", "/v1/tenants", ACT_TENANT_WRITE, "Create or update an account", "TenantRequest", 1},
	{"GET", "/v1/users", ACT_USER_READ, "Users", NULL, 0},
	{"POST", "/v1/users", ACT_USER_WRITE, "Create or update a user", "UserRequest", 1},
	{"POST", "/v1/tokens", ACT_TOKEN_CREATE, "Make an API token (shown once)", "TokenRequest", 1},
	{"POST", "/v1/tokens/{id}/revoke", ACT_TOKEN_CREATE, "Revoke a token", NULL, 0},
	{"GET", "/v1/programs", ACT_PROGRAM_READ, "Programs", NULL, 0},
	{"POST", "/v1/programs", ACT_PROGRAM_WRITE, "Create or update a program", "ProgramRequest", 1},
	{"GET", "/v1/grants", ACT_GRANT_READ, "Grants (quotas)", NULL, 0},
	{"POST", "/v1/grants", ACT_GRANT_WRITE, "Add a grant", "GrantRequest", 1},
	{"GET", "/v1/usage", ACT_USAGE_READ, "GPU-seconds per account and model", NULL, 0},
	{"GET", "/v1/usage/check", ACT_USAGE_READ, "allot's GPU-seconds per run beside the executor's (Slurm's) accounting", NULL, 0},
	{"GET", "/v1/ledger", ACT_USAGE_READ, "GPU-hours and won per account, grant and model; programs' budgets drawn", NULL, 0},
	{"GET", "/v1/executor", ACT_NODE_MANAGE, "The executor: unusable nodes, jobs it found that allot did not start", NULL, 0},
	{"GET", "/v1/audit", ACT_AUDIT_READ, "Audit entries (hash chain)", NULL, 0},
	{"GET", "/v1/audit/verify", ACT_AUDIT_READ, "Verify the audit chain", NULL, 0},
	{"GET", "/metrics", ACT_METRICS, "Prometheus metrics", NULL, 0},
	{"POST", "/v1/rounds", ACT_ROUND_WRITE, "Create a competition round", "RoundRequest", 1},
	{"POST", "/v1/rounds/{id}/scores", ACT_ROUND_SCORE, "Upload a round's score file", "RoundScoresRequest", 1},
	{"POST", "/v1/rounds/{id}/close", ACT_ROUND_WRITE, "Close a round: the audited decision", NULL, 0},
	{"GET", "/v1/rounds/{id}", ACT_ROUND_READ, "A round: status, teams; the decision once closed", NULL, 0},
	{"GET", "/v1/rounds", ACT_ROUND_READ, "Rounds (a tenant: its team's), cursor", NULL, 0},
	{"POST", "/v1/proposals", ACT_PROPOSAL_WRITE, "Submit an open-call proposal", "ProposalRequest", 1},
	{"GET", "/v1/proposals", ACT_PROPOSAL_READ, "Open-call proposals (a tenant: its own)", NULL, 0},
	{"GET", "/v1/proposals/{id}", ACT_PROPOSAL_READ, "One open-call proposal", NULL, 0},
	{"POST", "/v1/calls/{call}/select", ACT_GRANT_WRITE, "Close an open call: select proposals, awards become grants", "CallSelectRequest", 0},
	{"POST", "/v1/proposals/{id}/scores", ACT_PROPOSAL_WRITE, "Set a proposal's panel scores (program roles)", "ProposalScoresRequest", 0},
	{"GET", "/v1/calls/{call}", ACT_PROPOSAL_READ, "A call: open, or its selection (a tenant: its own awards)", NULL, 0},
	{"GET", "/v1/calls", ACT_PROPOSAL_READ, "Calls (programs) and their status; program roles: proposal counts", NULL, 0},
};

static int openapi_get(struct call *c);

static int (*const fns[])(struct call *) = {
	openapi_get, job_submit, job_list, job_get, job_cancel, job_hold,
	job_release, queue_get, pool_get, nodes_get, node_drain, node_resume,
	tenants_get, tenants_post, users_get, users_post, tokens_post,
	token_revoke, programs_get, programs_post, grants_get, grants_post, usage_get,
	usage_check_get, ledger_get, executor_get,
	audit_get, audit_verify_get, metrics_get, round_create, round_scores,
	round_close, round_get, round_list, proposal_create, proposal_list, proposal_get,
	call_select, proposal_scores, call_get, calls_list,
};

_Static_assert(sizeof infos / sizeof infos[0] == sizeof fns / sizeof fns[0],
	       "every route has a handler");
#define NROUTES (sizeof infos / sizeof infos[0])

const struct route_info *
routes_table(size_t *n)
{
	*n = NROUTES;
	return infos;
}

static int
openapi_get(struct call *c)
{
	http_json(c->rs, 200, openapi_document());
	return 0;
}

/* Whether path matches pattern; captures {x} segments into c->param. */
static int
match(const char *pattern, const char *path, struct call *c)
{
	int np = 0;

	while (*pattern && *path) {
		if (*pattern == '{') {
			const char *pe = strchr(pattern, '}'), *se = strchr(path, '/');
			size_t n = se ? (size_t)(se - path) : strlen(path);
			if (pe == NULL || n == 0 || n >= DB_NAME_MAX || np >= NPARAM)
				return 0;
			memcpy(c->param[np], path, n);
			c->param[np++][n] = '\0';
			pattern = pe + 1;
			path += n;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *pattern == '\0' && (*path == '\0' || strcmp(path, "/") == 0);
}

/* Token bucket per token: 0 = allowed. */
static int
rate_ok(struct routes *r, uint64_t token)
{
	struct bucket *b = &r->b[token % RATE_SLOTS];
	double now = now_mono();
	int ok;

	pthread_mutex_lock(&r->mu);
	if (b->token != token) {
		b->token = token;
		b->tokens = r->burst;
		b->last = now;
	}
	b->tokens += (now - b->last) * r->rate;
	if (b->tokens > r->burst)
		b->tokens = r->burst;
	b->last = now;
	ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	pthread_mutex_unlock(&r->mu);
	return ok;
}

static int
dispatch(struct routes *r, const struct http_req *rq, struct http_resp *rs)
{
	struct call c;
	struct err e;
	uint32_t user;
	int path_seen = 0;

	memset(&c, 0, sizeof c);
	memset(&e, 0, sizeof e);
	c.r = r;
	c.s = r->s;
	c.rq = rq;
	c.rs = rs;
	for (size_t i = 0; i < NROUTES; i++) {
		if (!match(infos[i].pattern, rq->path, &c))
			continue;
		path_seen = 1;
		if (strcmp(infos[i].method, rq->method) != 0)
			continue;
		c.rt = &infos[i];
		if (infos[i].action < 0)
			return fns[i](&c);
		if (auth_token_check(svc_auth(r->s), rq->auth, &user, &c.p.token,
				     &e) != 0 || svc_principal(r->s, user, &c.p) != 0) {
			if (e.code == ERR_INTERNAL) {
				http_error(rs, 500, "internal", NULL, "%s", e.msg);
				return 0;
			}
			svc_log(r->s, "denied: %s %s: %s", rq->method, rq->path,
				e.code == ERR_DENIED ? e.msg : "unknown user");
			http_error(rs, 401, "unauthorized", NULL, "%s",
				   e.code == ERR_DENIED ? e.msg : "unknown user");
			return 0;
		}
		if (!rate_ok(r, c.p.token)) {
			http_error(rs, 429, "rate_limited", NULL, "more than %.0f "
				   "requests per second with this token", r->rate);
			return 0;
		}
		if (auth_scope(c.p.role, infos[i].action) == SCOPE_NONE) {
			char why[128];
			snprintf(why, sizeof why, "role %s may not %s",
				 auth_role_name(c.p.role),
				 auth_action_name(infos[i].action));
			return forbidden(&c, why);
		}
		return fns[i](&c);
	}
	if (path_seen)
		http_error(rs, 405, "invalid", NULL, "method %s not allowed on %s",
			   rq->method, rq->path);
	else
		http_error(rs, 404, "not_found", NULL, "no route %s %s", rq->method,
			   rq->path);
	return 0;
}

int
routes_handle(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct routes *r = ctx;
	int rc = dispatch(r, rq, rs);

	if (rc != HTTP_DEFERRED) /* deferred ones count when answered */
		svc_count_request(r->s, rs->status);
	return rc;
}

struct routes *
routes_new(struct svc *s, double rate)
{
	struct routes *r = xcalloc(1, sizeof *r);

	r->s = s;
	r->rate = rate > 0 ? rate : ROUTES_RATE_DEFAULT;
	r->burst = r->rate * 2 < 10 ? 10 : r->rate * 2;
	pthread_mutex_init(&r->mu, NULL);
	r->b = xcalloc(RATE_SLOTS, sizeof *r->b);
	r->rounds = rounds_new(s);
	r->proposals = proposals_api_new(s);
	return r;
}

void
routes_free(struct routes *r)
{
	if (r == NULL)
		return;
	rounds_free(r->rounds);
	proposals_api_free(r->proposals);
	pthread_mutex_destroy(&r->mu);
	free(r->b);
	free(r);
}
