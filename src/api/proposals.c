/*
 * proposals.c — open-call proposals in the daemon (see proposals.h): the
 * JSON-lines file under STATE_DIR/proposals/, the calls file beside it,
 * and the handlers (create, list, get, scores; a call's read and its
 * selection).
 *
 * Invariants: v holds every stored proposal in id order, ids 1, 2, ...;
 * the file holds exactly v (one compact JSON object a line), written
 * whole (temporary file, fsync, rename) before a create or a scores
 * change is answered; a change whose write fails leaves v as it was.
 * calls maps a call (program) name to its selection record, "selecting"
 * from the moment its decision is durable until its grants and audit
 * entry are all made, then "closed"; a call in calls takes no proposals
 * and no scores.  One mutex serialises every read and change of v,
 * calls and both files (svc and the journal are called under it; they
 * never call back).  Each record keeps the tenant's id and name, so
 * visibility never depends on a rename.
 *
 * Ownership: struct proposals_api owns v, calls and its paths; it
 * borrows svc.
 */
#include "api/proposals.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/journal.h"
#include "api/svc_int.h"
#include "api/validate.h"
#include "compete/opencall.h"
#include "ledger/audit.h"
#include "model/grant.h"
#include "sim/proposals.h"
#include "util/alloc.h"
#include "util/file.h"

#define PPATH 4096
#define PFILE_MAX ((size_t)64 << 20)

struct proposals_api {
	struct svc *s;
	char *dir, *path;    /* STATE_DIR/proposals, .../proposals.jsonl */
	char *calls_path;    /* .../calls.json */
	pthread_mutex_t mu;
	json_t *v;           /* array of records, id order */
	json_t *calls;       /* call name -> its selection record */
};

static const char *const create_keys[] = {
	"program", "tenant", "servers", "model", "months", "category",
	"region", "org", "scores",
};
static const char *const score_names[PROPOSALS_NCRITERIA] = {
	"impact", "ecosystem", "feasibility",
};

/* ---- Helpers ------------------------------------------------------------ */

static int
bad(struct http_resp *rs, const char *field, const struct err *e)
{
	int st = e->code == ERR_NOTFOUND ? 404 : e->code == ERR_LIMIT ? 413 :
		 e->code == ERR_IO || e->code == ERR_INTERNAL ? 500 : 400;

	http_error(rs, st, st == 404 ? "not_found" : st == 413 ? "too_large" :
		   st == 500 ? "internal" : "invalid",
		   field != NULL && *field ? field : NULL, "%s", e->msg);
	return 0;
}

static int
parse_id(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v == 0)
		return -1;
	*out = v;
	return 0;
}

/* Every record of a, one compact JSON line each (caller frees). */
static char *
dump_lines(json_t *a, size_t *len)
{
	char *out = xstrdup("");
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(a); i++) {
		char *l = json_dumps(json_array_get(a, i), JSON_COMPACT);
		size_t k = strlen(l);
		out = xrealloc(out, n + k + 2);
		memcpy(out + n, l, k);
		n += k;
		out[n++] = '\n';
		out[n] = '\0';
		free(l);
	}
	*len = n;
	return out;
}

/* Loads the file into pa->v (a missing file is an empty list). */
static int
load(struct proposals_api *pa, struct err *e)
{
	char *buf, *line, *next;
	size_t len;
	int rc, ln = 0;

	pa->v = json_array();
	if ((rc = file_read_all(pa->path, PFILE_MAX, &buf, &len, e)) < 0)
		return rc == ERR_NOTFOUND ? 0 : rc;
	for (line = buf; line < buf + len; line = next) {
		json_error_t je;
		json_t *o;
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));

		next = nl ? nl + 1 : buf + len;
		ln++;
		if (next - line <= 1)
			continue;
		o = json_loadb(line, (size_t)(next - line), 0, &je);
		if (!json_is_object(o) || json_integer_value(json_object_get(o, "id"))
					  != (json_int_t)json_array_size(pa->v) + 1) {
			json_decref(o);
			free(buf);
			return err_set(e, ERR_INVALID, "%s:%d: not a proposal record "
				       "in id order", pa->path, ln);
		}
		json_array_append_new(pa->v, o);
	}
	free(buf);
	return 0;
}

/* Loads the calls file into pa->calls (a missing file: no calls). */
static int
load_calls(struct proposals_api *pa, struct err *e)
{
	json_error_t je;
	char *buf;
	size_t len;
	int rc;

	if ((rc = file_read_all(pa->calls_path, PFILE_MAX, &buf, &len, e)) < 0) {
		if (rc != ERR_NOTFOUND)
			return rc;
		pa->calls = json_object();
		return 0;
	}
	pa->calls = json_loadb(buf, len, 0, &je);
	free(buf);
	if (!json_is_object(pa->calls)) {
		json_decref(pa->calls);
		pa->calls = NULL;
		return err_set(e, ERR_INVALID, "%s:%d: %s", pa->calls_path, je.line,
			       je.line > 0 ? je.text : "not a JSON object");
	}
	return 0;
}

/* Writes pa->calls whole (call with mu held). */
static int
save_calls(struct proposals_api *pa, struct err *e)
{
	char *text = json_dumps(pa->calls, JSON_COMPACT);
	int rc = file_write_whole(pa->calls_path, text, strlen(text), e);

	free(text);
	return rc;
}

/* Tenant t's name into out (DB_NAME_MAX), "" when unknown. */
static void
acct_name(struct svc *s, uint32_t t, char out[DB_NAME_MAX])
{
	json_t *a = svc_tenants_json(s, t);
	const char *n = json_string_value(json_object_get(json_array_get(a, 0),
							  "name"));

	snprintf(out, DB_NAME_MAX, "%s", n ? n : "");
	json_decref(a);
}

struct pfind {
	const char *name;
	uint32_t id;
};

static int
prog_cb(void *ctx, const struct db_program *p)
{
	struct pfind *f = ctx;

	if (strcmp(p->name, f->name) == 0)
		f->id = p->id;
	return 0;
}

/* The award of proposal rec in its call's selection, or NULL (call with
 * mu held; lent). */
static json_t *
award_of(struct proposals_api *pa, json_t *rec)
{
	json_t *call = json_object_get(pa->calls, json_string_value(
		json_object_get(rec, "program")));
	json_t *aw = json_object_get(call, "awards"), *a;
	json_int_t id = json_integer_value(json_object_get(rec, "id"));
	size_t i;

	json_array_foreach(aw, i, a) {
		if (json_integer_value(json_object_get(a, "proposal")) == id)
			return a;
	}
	return NULL;
}

/* The record's copy for p (call with mu held): tenant roles never see
 * the scores; once its call is selected, "outcome" — for a tenant role
 * only its own proposal's status, servers, months, grant and dates; the
 * program roles also rank, composite and reason. */
static json_t *
view(struct proposals_api *pa, const struct auth_principal *p, json_t *rec)
{
	int full = auth_scope(p->role, ACT_PROPOSAL_READ) == SCOPE_ALL;
	json_t *o = json_deep_copy(rec), *a = award_of(pa, rec);

	if (!full)
		json_object_del(o, "scores");
	if (a != NULL) {
		static const char *const keep[] = {
			"status", "servers", "months", "grant", "start", "end",
		};
		json_t *out = json_object();
		if (full)
			json_object_update(out, a);
		else
			for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
				if (json_object_get(a, keep[i]) != NULL)
					json_object_set(out, keep[i],
							json_object_get(a, keep[i]));
		json_object_del(out, "proposal");
		json_object_set_new(o, "outcome", out);
	}
	return o;
}

static int
may_see(const struct auth_principal *p, json_t *rec)
{
	return auth_allows(p, ACT_PROPOSAL_READ, (uint32_t)json_integer_value(
		json_object_get(rec, "tenant_id")), 0);
}

/* Checks o's scores object into sc; field names the one at fault. */
static int
scores_check(json_t *o, double sc[PROPOSALS_NCRITERIA],
	     char field[VALIDATE_FIELD_MAX], struct err *e)
{
	json_t *so = json_object_get(o, "scores");
	const char *k;
	json_t *val;

	if (!json_is_object(so)) {
		snprintf(field, VALIDATE_FIELD_MAX, "scores");
		return err_set(e, ERR_INVALID, "scores: expected an object "
			       "{\"impact\", \"ecosystem\", \"feasibility\"}");
	}
	json_object_foreach(so, k, val) {
		int known = 0;
		for (size_t i = 0; i < PROPOSALS_NCRITERIA; i++)
			known |= strcmp(k, score_names[i]) == 0;
		if (!known) {
			snprintf(field, VALIDATE_FIELD_MAX, "scores.%.40s", k);
			return err_set(e, ERR_INVALID, "%s: unknown criterion "
				       "(impact, ecosystem, feasibility)", field);
		}
	}
	for (size_t i = 0; i < PROPOSALS_NCRITERIA; i++) {
		json_t *x = json_object_get(so, score_names[i]);
		double d = json_number_value(x);

		snprintf(field, VALIDATE_FIELD_MAX, "scores.%s", score_names[i]);
		if (!json_is_number(x) || !isfinite(d) || d < 0 || d > 100)
			return err_set(e, ERR_INVALID, "%s: expected a number "
				       "0..100", field);
		sc[i] = d;
	}
	field[0] = '\0';
	return 0;
}

static int finish(struct proposals_api *pa, const char *call, json_t *rec,
		  int recovering, struct err *e);
static json_t *record_of(struct proposals_api *pa, uint32_t id);

/* Completes every selection a crash interrupted (status "selecting"). */
static void
recover_calls(struct proposals_api *pa)
{
	const char *name;
	json_t *rec;

	json_object_foreach(pa->calls, name, rec) {
		const char *st = json_string_value(json_object_get(rec, "status"));
		struct err e;

		if (st == NULL || strcmp(st, "selecting") != 0)
			continue;
		memset(&e, 0, sizeof e);
		if (finish(pa, name, rec, 1, &e) != 0)
			svc_log(pa->s, "call %s: the interrupted selection is still "
				"not complete: %s", name, e.msg);
		else
			svc_log(pa->s, "call %s: the interrupted selection was "
				"completed (grants and audit entry)", name);
	}
}

/* ---- Life cycle ------------------------------------------------------------ */

struct proposals_api *
proposals_api_new(struct svc *s)
{
	struct proposals_api *pa = xcalloc(1, sizeof *pa);
	size_t n = strlen(s->state_dir) + sizeof "/proposals/proposals.jsonl";
	struct err e;

	memset(&e, 0, sizeof e);
	pthread_mutex_init(&pa->mu, NULL);
	pa->s = s;
	pa->dir = xmalloc(n);
	pa->path = xmalloc(n);
	snprintf(pa->dir, n, "%s/proposals", s->state_dir);
	snprintf(pa->path, n, "%s/proposals/proposals.jsonl", s->state_dir);
	pa->calls_path = xmalloc(n);
	snprintf(pa->calls_path, n, "%s/proposals/calls.json", s->state_dir);
	if (mkdir(pa->dir, 0700) != 0 && errno != EEXIST) {
		svc_log(s, "proposals: %s: %s", pa->dir, strerror(errno));
		proposals_api_free(pa);
		return NULL;
	}
	if (load(pa, &e) != 0 || load_calls(pa, &e) != 0) {
		svc_log(s, "proposals: %s", e.msg);
		proposals_api_free(pa);
		return NULL;
	}
	recover_calls(pa);
	return pa;
}

void
proposals_api_free(struct proposals_api *pa)
{
	if (pa == NULL)
		return;
	pthread_mutex_destroy(&pa->mu);
	json_decref(pa->v);
	json_decref(pa->calls);
	free(pa->calls_path);
	free(pa->dir);
	free(pa->path);
	free(pa);
}

/* ---- Handlers --------------------------------------------------------------- */

static int
denied(struct proposals_api *pa, const struct auth_principal *p,
       const struct http_req *rq, struct http_resp *rs, int status,
       const char *field, const char *why)
{
	svc_log(pa->s, "denied: user %s (%s, account %u) %s %s: %s", p->name,
		auth_role_name(p->role), p->tenant, rq->method, rq->path, why);
	if (status == 404)
		http_error(rs, 404, "not_found", NULL, "%s", why);
	else
		http_error(rs, 403, "forbidden", field, "%s", why);
	return 0;
}

/* Runs the proposal through the CSV parser of sim/proposals.h too, so
 * what the API keeps is a valid line of the proposals CSV format. */
static int
csv_check(struct svc *s, const char *tenant, const char *org,
	  const char *cat, int64_t region, const char *model, int64_t servers,
	  int64_t months, const double sc[PROPOSALS_NCRITERIA], struct err *e)
{
	struct proposals ps;
	char buf[1024];
	int n, rc;

	n = snprintf(buf, sizeof buf, "id,tenant,org,category,region,model,"
		     "servers,months,impact,ecosystem,feasibility\n1,%s,%s,%s,"
		     "%" PRId64 ",%s,%" PRId64 ",%" PRId64 ",%.6f,%.6f,%.6f\n",
		     tenant, org, cat, region, model, servers, months, sc[0],
		     sc[1], sc[2]);
	if (n < 0 || (size_t)n >= sizeof buf)
		return err_set(e, ERR_LIMIT, "proposal too long");
	proposals_init(&ps);
	rc = proposals_parse("proposal", buf, (size_t)n, svc_models(s), &ps, e);
	proposals_free(&ps);
	return rc;
}

int
proposals_api_create(struct proposals_api *pa, const struct auth_principal *p,
		     const struct http_req *rq, struct http_resp *rs)
{
	char field[VALIDATE_FIELD_MAX] = "", program[DB_NAME_MAX] = "";
	char tenant[DB_NAME_MAX] = "", model[DB_NAME_MAX] = "";
	char cat[16] = "", org[DB_NAME_MAX] = "";
	double sc[PROPOSALS_NCRITERIA] = {0, 0, 0};
	int64_t servers = 0, months = 0, region = 0;
	struct pfind pf;
	struct err e;
	uint32_t tid;
	json_t *o, *rec;
	char *text;
	size_t len, id;
	int has_scores, rc;

	memset(&e, 0, sizeof e);
	if (validate_object(rq->body, rq->len, &o, &e) != 0)
		return bad(rs, NULL, &e);
	if (validate_keys(o, create_keys, sizeof create_keys /
			  sizeof *create_keys, field, &e) != 0 ||
	    validate_str(o, "program", 1, DB_NAME_MAX - 1, program, field,
			 &e) != 0 ||
	    validate_name(program, "program", field, &e) != 0 ||
	    validate_str(o, "tenant", 0, DB_NAME_MAX - 1, tenant, field, &e) != 0 ||
	    validate_int(o, "servers", 1, 1, PROPOSALS_MAX_SERVERS, &servers,
			 field, &e) != 0 ||
	    validate_str(o, "model", 1, DB_NAME_MAX - 1, model, field, &e) != 0 ||
	    validate_int(o, "months", 1, 1, PROPOSALS_API_MAX_MONTHS, &months,
			 field, &e) != 0 ||
	    validate_str(o, "category", 1, sizeof cat - 1, cat, field, &e) != 0 ||
	    validate_int(o, "region", 0, 0, 255, &region, field, &e) != 0 ||
	    validate_str(o, "org", 1, DB_NAME_MAX - 1, org, field, &e) != 0 ||
	    validate_name(org, "org", field, &e) != 0) {
		json_decref(o);
		return bad(rs, field, &e);
	}
	if (svc_model_find(pa->s, model) < 0) {
		json_decref(o);
		http_error(rs, 400, "invalid", "model", "model: unknown GPU model "
			   "%s (not in the pool)", model);
		return 0;
	}
	if (opencall_category_find(cat, strlen(cat)) < 0) {
		json_decref(o);
		http_error(rs, 400, "invalid", "category", "category: expected "
			   "academia, institute, sme or large");
		return 0;
	}
	memset(&pf, 0, sizeof pf);
	pf.name = program;
	if (db_programs_load(svc_db(pa->s), prog_cb, &pf, &e) != 0) {
		json_decref(o);
		return bad(rs, NULL, &e);
	}
	if (pf.id == 0) {
		json_decref(o);
		http_error(rs, 400, "invalid", "program", "program: no program "
			   "named %s", program);
		return 0;
	}
	if (tenant[0] == '\0')
		acct_name(pa->s, p->tenant, tenant);
	if (svc_tenant_find(pa->s, tenant, &tid) != 0) {
		json_decref(o);
		http_error(rs, 400, "invalid", "tenant", "tenant: no account "
			   "named %s", tenant);
		return 0;
	}
	if (!auth_allows(p, ACT_PROPOSAL_WRITE, tid, 0)) {
		json_decref(o);
		return denied(pa, p, rq, rs, 403, "tenant", "tenant: a proposal "
			      "may be made only for the caller's own account");
	}
	has_scores = json_object_get(o, "scores") != NULL;
	if (has_scores && auth_scope(p->role, ACT_PROPOSAL_WRITE) != SCOPE_ALL) {
		json_decref(o);
		return denied(pa, p, rq, rs, 403, "scores", "scores: only a "
			      "program manager sets panel scores");
	}
	if (has_scores && scores_check(o, sc, field, &e) != 0) {
		json_decref(o);
		return bad(rs, field, &e);
	}
	if (csv_check(pa->s, tenant, org, cat, region, model, servers, months, sc,
		      &e) != 0) {
		json_decref(o);
		return bad(rs, NULL, &e);
	}
	rec = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:s, s:I, s:I, s:s, s:I}",
			"program", program, "tenant", tenant, "tenant_id",
			(json_int_t)tid, "org", org, "category", cat, "region",
			(json_int_t)region, "model", model, "servers",
			(json_int_t)servers, "months", (json_int_t)months,
			"created_by", p->name, "created", (json_int_t)time(NULL));
	if (has_scores) {
		json_t *so = json_object();
		for (size_t i = 0; i < PROPOSALS_NCRITERIA; i++)
			json_object_set_new(so, score_names[i], json_real(sc[i]));
		json_object_set_new(rec, "scores", so);
	}
	json_decref(o);
	pthread_mutex_lock(&pa->mu);
	if (json_object_get(pa->calls, program) != NULL) {
		pthread_mutex_unlock(&pa->mu);
		json_decref(rec);
		http_error(rs, 409, "conflict", "program", "program: the call %s "
			   "is closed (its selection has run)", program);
		return 0;
	}
	id = json_array_size(pa->v) + 1;
	json_object_set_new(rec, "id", json_integer((json_int_t)id));
	json_array_append_new(pa->v, rec);
	text = dump_lines(pa->v, &len);
	if ((rc = file_write_whole(pa->path, text, len, &e)) != 0)
		json_array_remove(pa->v, id - 1);
	pthread_mutex_unlock(&pa->mu);
	free(text);
	if (rc != 0)
		return bad(rs, NULL, &e);
	svc_log(pa->s, "proposal %zu (%s, account %s, %" PRId64 " x %s for %"
		PRId64 " months) made by %s", id, program, tenant, servers, model,
		months, p->name);
	http_json(rs, 201, json_pack("{s:I}", "id", (json_int_t)id));
	return 0;
}

int
proposals_api_list(struct proposals_api *pa, const struct auth_principal *p,
		   const struct http_req *rq, struct http_resp *rs)
{
	const char *prog = http_query(rq, "program");
	json_t *out = json_array();

	pthread_mutex_lock(&pa->mu);
	for (size_t i = 0; i < json_array_size(pa->v); i++) {
		json_t *rec = json_array_get(pa->v, i);
		const char *rp = json_string_value(json_object_get(rec, "program"));

		if (!may_see(p, rec))
			continue;
		if (prog != NULL && *prog && (rp == NULL || strcmp(rp, prog) != 0))
			continue;
		json_array_append_new(out, view(pa, p, rec));
	}
	pthread_mutex_unlock(&pa->mu);
	http_json(rs, 200, json_pack("{s:o}", "proposals", out));
	return 0;
}

int
proposals_api_scores(struct proposals_api *pa, const struct auth_principal *p,
		     const char *id, const struct http_req *rq,
		     struct http_resp *rs)
{
	char field[VALIDATE_FIELD_MAX] = "";
	double sc[PROPOSALS_NCRITERIA];
	struct err e;
	json_t *o, *w, *rec, *old = NULL, *so, *ans = NULL;
	uint64_t pid;
	char *text;
	size_t len;
	int rc = 0;

	memset(&e, 0, sizeof e);
	if (parse_id(id, &pid) != 0) {
		http_error(rs, 404, "not_found", NULL, "no proposal %s", id);
		return 0;
	}
	if (auth_scope(p->role, ACT_PROPOSAL_WRITE) != SCOPE_ALL)
		return denied(pa, p, rq, rs, 403, NULL, "only a program manager "
			      "sets panel scores");
	if (validate_object(rq->body, rq->len, &o, &e) != 0)
		return bad(rs, NULL, &e);
	w = json_pack("{s:o}", "scores", o);
	if (scores_check(w, sc, field, &e) != 0) {
		json_decref(w);
		/* The body is the scores object: name "impact", not
		 * "scores.impact". */
		return bad(rs, strncmp(field, "scores.", 7) == 0 ? field + 7 :
			   field, &e);
	}
	json_decref(w);
	pthread_mutex_lock(&pa->mu);
	if ((rec = record_of(pa, (uint32_t)(pid > UINT32_MAX ? 0 : pid))) == NULL)
		rc = err_set(&e, ERR_NOTFOUND, "no proposal %s", id);
	else if (json_object_get(pa->calls, json_string_value(json_object_get(
		rec, "program"))) != NULL)
		rc = err_set(&e, ERR_STATE, "proposal %s: its call %s is closed "
			     "(selected)", id, json_string_value(json_object_get(
				     rec, "program")));
	else {
		old = json_object_get(rec, "scores");
		if (old != NULL)
			json_incref(old);
		so = json_object();
		for (size_t i = 0; i < PROPOSALS_NCRITERIA; i++)
			json_object_set_new(so, score_names[i], json_real(sc[i]));
		json_object_set_new(rec, "scores", so);
		text = dump_lines(pa->v, &len);
		if ((rc = file_write_whole(pa->path, text, len, &e)) != 0) {
			if (old != NULL)
				json_object_set(rec, "scores", old);
			else
				json_object_del(rec, "scores");
		} else
			ans = view(pa, p, rec);
		free(text);
		json_decref(old);
	}
	pthread_mutex_unlock(&pa->mu);
	if (rc != 0) {
		if (rc == ERR_STATE) {
			http_error(rs, 409, "conflict", NULL, "%s", e.msg);
			return 0;
		}
		return bad(rs, NULL, &e);
	}
	svc_log(pa->s, "proposal %s: panel scores set by %s", id, p->name);
	http_json(rs, 200, ans);
	return 0;
}

int
proposals_api_get(struct proposals_api *pa, const struct auth_principal *p,
		  const char *id, const struct http_req *rq, struct http_resp *rs)
{
	json_t *o = NULL;
	uint64_t pid;
	int seen = 0;

	if (parse_id(id, &pid) != 0) {
		http_error(rs, 404, "not_found", NULL, "no proposal %s", id);
		return 0;
	}
	pthread_mutex_lock(&pa->mu);
	if (pid <= json_array_size(pa->v)) {
		json_t *rec = json_array_get(pa->v, (size_t)(pid - 1));
		seen = 1;
		if (may_see(p, rec))
			o = view(pa, p, rec);
	}
	pthread_mutex_unlock(&pa->mu);
	if (o == NULL && seen) {
		char why[64];
		snprintf(why, sizeof why, "no proposal %s", id);
		return denied(pa, p, rq, rs, 404, NULL, why);
	}
	if (o == NULL) {
		http_error(rs, 404, "not_found", NULL, "no proposal %s", id);
		return 0;
	}
	http_json(rs, 200, o);
	return 0;
}

/* ---- Selection ---------------------------------------------------------------- */

#define SEL_MONTH_S (30 * 86400) /* a month of an award, as the simulator's */
#define SEL_GPN 8                /* GPUs per server */
#define SEL_MAX_SERVERS 10000000

static const char *const select_keys[] = {"capacity", "start", "rules"};
static const char *const rule_keys[] = {
	"weights", "cap_servers", "max_months", "min_servers", "max_org_share",
	"category_share_min", "category_share_max", "region_share_min",
	"min_score",
};

/* A number o[key] in [lo, hi] into *out; absent leaves *out.  The field
 * is prefix.key. */
static int
num_field(json_t *o, const char *prefix, const char *key, double lo, double hi,
	  double *out, char field[VALIDATE_FIELD_MAX], struct err *e)
{
	json_t *x = json_object_get(o, key);
	double d;

	if (x == NULL)
		return 0;
	d = json_number_value(x);
	if (!json_is_number(x) || !isfinite(d) || d < lo || d > hi) {
		snprintf(field, VALIDATE_FIELD_MAX, "%s%s", prefix, key);
		return err_set(e, ERR_INVALID, "%s: expected a number %g..%g", field,
			       lo, hi);
	}
	*out = d;
	return 0;
}

/* An integer o[key] in [lo, hi] into *out; absent leaves *out. */
static int
int_field(json_t *o, const char *prefix, const char *key, int64_t lo,
	  int64_t hi, int64_t *out, char field[VALIDATE_FIELD_MAX], struct err *e)
{
	json_t *x = json_object_get(o, key);

	if (x == NULL)
		return 0;
	if (!json_is_integer(x) || json_integer_value(x) < lo ||
	    json_integer_value(x) > hi) {
		snprintf(field, VALIDATE_FIELD_MAX, "%s%s", prefix, key);
		return err_set(e, ERR_INVALID, "%s: expected an integer %" PRId64
			       "..%" PRId64, field, lo, hi);
	}
	*out = json_integer_value(x);
	return 0;
}

/* An object {MODEL: servers} into out[model id]; field prefix.MODEL. */
static int
model_counts(struct svc *s, json_t *o, const char *name, uint32_t *out,
	     char field[VALIDATE_FIELD_MAX], struct err *e)
{
	const char *k;
	json_t *x;

	if (!json_is_object(o)) {
		snprintf(field, VALIDATE_FIELD_MAX, "%s", name);
		return err_set(e, ERR_INVALID, "%s: expected an object {\"MODEL\": "
			       "servers}", name);
	}
	json_object_foreach(o, k, x) {
		int m = svc_model_find(s, k);
		snprintf(field, VALIDATE_FIELD_MAX, "%s.%.40s", name, k);
		if (m < 0)
			return err_set(e, ERR_INVALID, "%s: no GPU model %s in the "
				       "pool", field, k);
		if (!json_is_integer(x) || json_integer_value(x) < 0 ||
		    json_integer_value(x) > SEL_MAX_SERVERS)
			return err_set(e, ERR_INVALID, "%s: expected 8-GPU servers "
				       "0..%d", field, SEL_MAX_SERVERS);
		out[m] = (uint32_t)json_integer_value(x);
	}
	field[0] = '\0';
	return 0;
}

/* An object {CATEGORY: share} into out[category]. */
static int
category_shares(json_t *o, const char *name, double *out,
		char field[VALIDATE_FIELD_MAX], struct err *e)
{
	const char *k;
	json_t *x;

	if (o == NULL)
		return 0;
	if (!json_is_object(o)) {
		snprintf(field, VALIDATE_FIELD_MAX, "%s", name);
		return err_set(e, ERR_INVALID, "%s: expected an object {\"academia\""
			       ": share, ...}", name);
	}
	json_object_foreach(o, k, x) {
		int c = opencall_category_find(k, strlen(k));
		double d = json_number_value(x);
		snprintf(field, VALIDATE_FIELD_MAX, "%s.%.40s", name, k);
		if (c < 0)
			return err_set(e, ERR_INVALID, "%s: expected academia, "
				       "institute, sme or large", field);
		if (!json_is_number(x) || !isfinite(d) || d < 0 || d > 1)
			return err_set(e, ERR_INVALID, "%s: expected a share 0..1",
				       field);
		out[c] = d;
	}
	field[0] = '\0';
	return 0;
}

/* The rules object of a select body over the 2026 call's defaults. */
static int
rules_parse(struct svc *s, json_t *ro, struct oc_rules *r,
	    char field[VALIDATE_FIELD_MAX], struct err *e)
{
	int64_t mm, ms;
	json_t *w;
	int rc;

	opencall_rules_2026(r, svc_models(s));
	if (ro == NULL)
		return 0;
	if (!json_is_object(ro)) {
		snprintf(field, VALIDATE_FIELD_MAX, "rules");
		return err_set(e, ERR_INVALID, "rules: expected an object");
	}
	if ((rc = validate_keys(ro, rule_keys, sizeof rule_keys / sizeof *rule_keys,
				field, e)) != 0) {
		char tmp[VALIDATE_FIELD_MAX];
		snprintf(tmp, sizeof tmp, "rules.%.50s", field);
		memcpy(field, tmp, VALIDATE_FIELD_MAX);
		return rc;
	}
	if ((w = json_object_get(ro, "weights")) != NULL) {
		if (!json_is_array(w) || json_array_size(w) != PROPOSALS_NCRITERIA) {
			snprintf(field, VALIDATE_FIELD_MAX, "rules.weights");
			return err_set(e, ERR_INVALID, "rules.weights: expected %d "
				       "numbers (impact, ecosystem, feasibility)",
				       PROPOSALS_NCRITERIA);
		}
		for (size_t i = 0; i < PROPOSALS_NCRITERIA; i++) {
			json_t *x = json_array_get(w, i);
			double d = json_number_value(x);
			if (!json_is_number(x) || !isfinite(d) || d < 0 || d > 1e6) {
				snprintf(field, VALIDATE_FIELD_MAX, "rules.weights[%zu]", i);
				return err_set(e, ERR_INVALID, "%s: expected a number "
					       "0..1e6", field);
			}
			r->weights[i] = d;
		}
	}
	if (json_object_get(ro, "cap_servers") != NULL) {
		memset(r->cap_servers, 0, sizeof r->cap_servers);
		if ((rc = model_counts(s, json_object_get(ro, "cap_servers"),
				       "rules.cap_servers", r->cap_servers, field,
				       e)) != 0)
			return rc;
	}
	mm = r->max_months;
	ms = r->min_servers;
	if ((rc = int_field(ro, "rules.", "max_months", 1, PROPOSALS_API_MAX_MONTHS,
			    &mm, field, e)) != 0 ||
	    (rc = int_field(ro, "rules.", "min_servers", 0, SEL_MAX_SERVERS, &ms,
			    field, e)) != 0 ||
	    (rc = num_field(ro, "rules.", "max_org_share", 0, 1, &r->max_org_share,
			    field, e)) != 0 ||
	    (rc = num_field(ro, "rules.", "region_share_min", 0, 1,
			    &r->region_share_min, field, e)) != 0 ||
	    (rc = num_field(ro, "rules.", "min_score", 0, 100, &r->min_score,
			    field, e)) != 0 ||
	    (rc = category_shares(json_object_get(ro, "category_share_min"),
				  "rules.category_share_min",
				  r->category_share_min, field, e)) != 0 ||
	    (rc = category_shares(json_object_get(ro, "category_share_max"),
				  "rules.category_share_max",
				  r->category_share_max, field, e)) != 0)
		return rc;
	r->max_months = (uint32_t)mm;
	r->min_servers = (uint32_t)ms;
	if ((rc = opencall_rules_check(r, e)) != 0) {
		snprintf(field, VALIDATE_FIELD_MAX, "rules");
		err_prefix(e, "rules");
		return rc;
	}
	return 0;
}

/* The effective rules as JSON (for the record and the audit payload). */
static json_t *
rules_json(const struct oc_rules *r, const struct pool *pool)
{
	json_t *w = json_array(), *caps = json_object(), *cmin = json_object();
	json_t *cmax = json_object();

	for (size_t i = 0; i < r->ncriteria; i++)
		json_array_append_new(w, json_real(r->weights[i]));
	for (uint32_t m = 0; m < pool->model_names.n; m++)
		if (r->cap_servers[m] > 0)
			json_object_set_new(caps, strtab_get(&pool->model_names, m),
					    json_integer(r->cap_servers[m]));
	for (int c = 0; c < OC_NCATEGORIES; c++) {
		json_object_set_new(cmin, opencall_category_name(c),
				    json_real(r->category_share_min[c]));
		json_object_set_new(cmax, opencall_category_name(c),
				    json_real(r->category_share_max[c]));
	}
	return json_pack("{s:o, s:o, s:I, s:I, s:f, s:o, s:o, s:f, s:f}",
			 "weights", w, "cap_servers", caps, "max_months",
			 (json_int_t)r->max_months, "min_servers",
			 (json_int_t)r->min_servers, "max_org_share",
			 r->max_org_share, "category_share_min", cmin,
			 "category_share_max", cmax, "region_share_min",
			 r->region_share_min, "min_score", r->min_score);
}

/* The call's proposals (records of program `call`, id order) as the
 * proposals CSV (sim/proposals.h), the selection's one input: unscored
 * proposals score 0.  Caller frees; *n gets the count. */
static char *
call_csv(struct proposals_api *pa, const char *call, size_t *len, size_t *n,
	 size_t *unscored)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);

	if (f == NULL)
		abort(); /* out of memory, as xmalloc */
	*n = *unscored = 0;
	fprintf(f, "id,tenant,org,category,region,model,servers,months,impact,"
		"ecosystem,feasibility\n");
	for (size_t i = 0; i < json_array_size(pa->v); i++) {
		json_t *rec = json_array_get(pa->v, i), *sc;
		const char *rp = json_string_value(json_object_get(rec, "program"));
		double v[PROPOSALS_NCRITERIA] = {0, 0, 0};

		if (rp == NULL || strcmp(rp, call) != 0)
			continue;
		if ((sc = json_object_get(rec, "scores")) != NULL)
			for (size_t k = 0; k < PROPOSALS_NCRITERIA; k++)
				v[k] = json_number_value(json_object_get(sc,
									score_names[k]));
		else
			(*unscored)++;
		fprintf(f, "%" JSON_INTEGER_FORMAT ",%s,%s,%s,%" JSON_INTEGER_FORMAT
			",%s,%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT
			",%.6f,%.6f,%.6f\n",
			json_integer_value(json_object_get(rec, "id")),
			json_string_value(json_object_get(rec, "tenant")),
			json_string_value(json_object_get(rec, "org")),
			json_string_value(json_object_get(rec, "category")),
			json_integer_value(json_object_get(rec, "region")),
			json_string_value(json_object_get(rec, "model")),
			json_integer_value(json_object_get(rec, "servers")),
			json_integer_value(json_object_get(rec, "months")),
			v[0], v[1], v[2]);
		(*n)++;
	}
	fclose(f);
	*len = blen;
	return buf;
}

/* The record of proposal id (call with mu held; lent). */
static json_t *
record_of(struct proposals_api *pa, uint32_t id)
{
	return id >= 1 && id <= json_array_size(pa->v) ?
	       json_array_get(pa->v, id - 1) : NULL;
}

/* The id of a grant of tenant equal to award x (program, model, GPUs,
 * start, end) whose id no award of rec holds yet, or 0. */
static uint32_t
grant_match(struct proposals_api *pa, json_t *rec, json_t *x)
{
	json_t *gs = svc_grants_json(pa->s, (uint32_t)json_integer_value(
		json_object_get(x, "tenant_id")));
	json_t *g, *aw = json_object_get(rec, "awards"), *y;
	uint32_t found = 0;
	size_t i, k;

	json_array_foreach(gs, i, g) {
		json_int_t id = json_integer_value(json_object_get(g, "id"));
		int taken = 0;
		if (json_integer_value(json_object_get(g, "program")) !=
		    json_integer_value(json_object_get(rec, "program_id")) ||
		    !json_equal(json_object_get(g, "model"), json_object_get(x, "model")) ||
		    !json_equal(json_object_get(g, "gpus"), json_object_get(x, "gpus")) ||
		    !json_equal(json_object_get(g, "start"), json_object_get(x, "start")) ||
		    !json_equal(json_object_get(g, "end"), json_object_get(x, "end")))
			continue;
		json_array_foreach(aw, k, y) {
			taken |= json_integer_value(json_object_get(y, "grant")) == id;
		}
		if (!taken) {
			found = (uint32_t)id;
			break;
		}
	}
	json_decref(gs);
	return found;
}

/* Whether the audit log already has call rec's award entry. */
static int
audited(struct proposals_api *pa, const char *call, json_t *rec)
{
	json_t *es = journal_json(svc_journal(pa->s), 0, SIZE_MAX), *x;
	size_t i;
	int yes = 0;

	json_array_foreach(es, i, x) {
		json_t *pl = json_object_get(x, "payload");
		const char *k = json_string_value(json_object_get(x, "kind"));
		const char *c = json_string_value(json_object_get(pl, "call"));
		if (k != NULL && strcmp(k, "award") == 0 && c != NULL &&
		    strcmp(c, call) == 0 &&
		    json_equal(json_object_get(pl, "program_id"),
			       json_object_get(rec, "program_id")))
			yes = 1;
	}
	json_decref(es);
	return yes;
}

/*
 * Brings call record rec (status "selecting", durable) to "closed" (call
 * with mu held): every award without a grant gets one (svc_grant_add:
 * the scheduler enforces it at once), the record saved after each so a
 * grant is never made twice; then the one AUDIT_AWARD entry (the record
 * as closed), then the record saved closed.  recovering (after a crash
 * in the middle): a grant identical to an award's that no award holds is
 * the one made before the crash and is taken instead of a new one, and
 * an award entry already in the log for this call is not appended again.
 */
static int
finish(struct proposals_api *pa, const char *call, json_t *rec, int recovering,
       struct err *e)
{
	json_t *aw = json_object_get(rec, "awards"), *x;
	char *payload;
	size_t k;
	int rc;

	json_array_foreach(aw, k, x) {
		struct grant g;
		uint32_t gid = 0;

		if (json_object_get(x, "start") == NULL ||
		    json_object_get(x, "grant") != NULL)
			continue;
		if (recovering)
			gid = grant_match(pa, rec, x);
		if (gid == 0) {
			memset(&g, 0, sizeof g);
			g.tenant = (uint32_t)json_integer_value(json_object_get(x,
								"tenant_id"));
			g.program = (uint32_t)json_integer_value(json_object_get(rec,
								 "program_id"));
			g.model = svc_model_find(pa->s, json_string_value(
				json_object_get(x, "model")));
			g.gpus = json_integer_value(json_object_get(x, "gpus"));
			g.start = json_integer_value(json_object_get(x, "start"));
			g.end = json_integer_value(json_object_get(x, "end"));
			g.borrow_limit = GRANT_NO_LIMIT;
			g.lend_limit = GRANT_NO_LIMIT;
			g.price_won_hour = (uint64_t)json_integer_value(
				json_object_get(x, "price_won_hour"));
			if (g.model < 0)
				return err_set(e, ERR_STATE, "call %s: award %zu: no "
					       "model %s in the pool", call, k,
					       json_string_value(json_object_get(x,
								 "model")));
			if ((rc = svc_grant_add(pa->s, &g, &gid, e)) != 0)
				return rc;
		}
		json_object_set_new(x, "grant", json_integer(gid));
		if ((rc = save_calls(pa, e)) != 0)
			return rc;
	}
	json_object_set_new(rec, "status", json_string("closed"));
	if (!recovering || !audited(pa, call, rec)) {
		payload = json_dumps(rec, JSON_COMPACT);
		rc = journal_append(svc_journal(pa->s), (int64_t)time(NULL),
				    AUDIT_AWARD, payload, e);
		free(payload);
		if (rc != 0) {
			json_object_set_new(rec, "status", json_string("selecting"));
			return rc;
		}
	}
	return save_calls(pa, e);
}

/* Parses a select body: capacity per model, start, rules. */
static int
select_parse(struct svc *s, const struct http_req *rq, uint32_t *cap,
	     int64_t *start, struct oc_rules *r, char field[VALIDATE_FIELD_MAX],
	     struct err *e)
{
	json_t *o;
	int64_t total = 0;
	int rc;

	if ((rc = validate_object(rq->body, rq->len, &o, e)) != 0)
		return rc;
	if ((rc = validate_keys(o, select_keys, 3, field, e)) != 0 ||
	    (rc = validate_int(o, "start", 0, 0, INT64_MAX / 4, start, field,
			       e)) != 0)
		goto out;
	if (json_object_get(o, "capacity") == NULL) {
		snprintf(field, VALIDATE_FIELD_MAX, "capacity");
		rc = err_set(e, ERR_INVALID, "capacity: required: the call's "
			     "8-GPU servers per model, {\"H100\": 4}");
		goto out;
	}
	if ((rc = model_counts(s, json_object_get(o, "capacity"), "capacity", cap,
			       field, e)) != 0)
		goto out;
	for (int m = 0; m < POOL_MAX_MODELS; m++)
		total += cap[m];
	if (total == 0) {
		snprintf(field, VALIDATE_FIELD_MAX, "capacity");
		rc = err_set(e, ERR_INVALID, "capacity: no servers to award");
		goto out;
	}
	rc = rules_parse(s, json_object_get(o, "rules"), r, field, e);
out:
	json_decref(o);
	return rc;
}

int
proposals_api_select(struct proposals_api *pa, const struct auth_principal *p,
		     const char *call, const struct http_req *rq,
		     struct http_resp *rs)
{
	const struct pool *pool = svc_models(pa->s);
	char field[VALIDATE_FIELD_MAX] = "", hex[AUDIT_HEX];
	uint32_t cap[POOL_MAX_MODELS];
	struct oc_rules rules;
	struct oc_prices prices;
	struct oc_award *aw = NULL;
	struct proposals ps;
	struct pfind pf;
	struct err e;
	int64_t start = (int64_t)time(NULL);
	size_t n = 0, unscored = 0, clen = 0;
	char *csv = NULL;
	json_t *capj, *rec = NULL, *awards, *inputs, *out;
	long got = 0;
	int rc;

	memset(&e, 0, sizeof e);
	memset(cap, 0, sizeof cap);
	proposals_init(&ps);
	if (select_parse(pa->s, rq, cap, &start, &rules, field, &e) != 0)
		return bad(rs, field, &e);
	memset(&pf, 0, sizeof pf);
	pf.name = call;
	if (db_programs_load(svc_db(pa->s), prog_cb, &pf, &e) != 0)
		return bad(rs, NULL, &e);
	if (pf.id == 0) {
		http_error(rs, 404, "not_found", NULL, "no call %s (calls are "
			   "programs: POST /v1/programs)", call);
		return 0;
	}
	opencall_prices_2026(&prices);
	pthread_mutex_lock(&pa->mu);
	if ((rec = json_object_get(pa->calls, call)) != NULL) {
		const char *st = json_string_value(json_object_get(rec, "status"));
		pthread_mutex_unlock(&pa->mu);
		http_error(rs, 409, "conflict", NULL, "call %s: %s", call,
			   st != NULL && strcmp(st, "closed") == 0 ?
			   "already selected and closed" :
			   "its selection was interrupted and is completed "
			   "when the daemon next starts");
		return 0;
	}
	csv = call_csv(pa, call, &clen, &n, &unscored);
	rc = proposals_parse("proposals.csv", csv, clen, pool, &ps, &e);
	if (rc == 0) {
		aw = xcalloc(ps.n + 1, sizeof *aw);
		got = opencall_select(&rules, ps.v, ps.n, cap,
				      (int)pool->model_names.n, aw, &e);
		if (got < 0)
			rc = (int)got;
	}
	if (rc != 0) {
		pthread_mutex_unlock(&pa->mu);
		free(csv);
		free(aw);
		proposals_free(&ps);
		if (rc == ERR_INVALID || rc == ERR_LIMIT)
			e.code = ERR_INVALID;
		return bad(rs, NULL, &e);
	}
	/* 1. The decision, durable before any grant: the call is closed to
	 *    new proposals and to a second selection from here on. */
	audit_sha256_hex(csv, clen, hex);
	capj = json_object();
	for (uint32_t m = 0; m < pool->model_names.n; m++)
		if (cap[m] > 0)
			json_object_set_new(capj, strtab_get(&pool->model_names, m),
					    json_integer(cap[m]));
	awards = json_array();
	for (size_t k = 0; k < ps.n; k++) {
		const struct oc_award *a = &aw[k];
		json_t *pr = record_of(pa, ps.v[k].id);
		json_t *x = json_pack(
			"{s:I, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:f, s:s}",
			"proposal", (json_int_t)ps.v[k].id, "tenant",
			json_string_value(json_object_get(pr, "tenant")), "tenant_id",
			json_integer_value(json_object_get(pr, "tenant_id")), "model",
			strtab_get(&pool->model_names, (uint32_t)ps.v[k].model),
			"status", opencall_status_name(a->status), "servers",
			(json_int_t)a->servers, "months", (json_int_t)a->months,
			"rank", (json_int_t)a->rank, "composite", a->composite,
			"reason", a->reason);
		if (a->status == OC_AWARDED || a->status == OC_PARTIAL) {
			int m = ps.v[k].model;
			json_object_set_new(x, "start", json_integer(start));
			json_object_set_new(x, "end", json_integer(
				start + (int64_t)a->months * SEL_MONTH_S));
			json_object_set_new(x, "gpus", json_integer(
				(json_int_t)a->servers * SEL_GPN));
			json_object_set_new(x, "price_won_hour", json_integer(
				(json_int_t)opencall_price(&prices, ps.v[k].category,
					pool->models[m].price_won_hour)));
		}
		json_array_append_new(awards, x);
	}
	inputs = json_pack("[{s:s, s:s}]", "name", "proposals.csv", "sha256", hex);
	out = json_pack("{s:s, s:s, s:I, s:s, s:I, s:o, s:o, s:o, s:I, s:I, s:s,"
			" s:I, s:o}",
			"decision", "open-call award", "call", call, "program_id",
			(json_int_t)pf.id, "status", "selecting", "start",
			(json_int_t)start, "capacity", capj, "rules",
			rules_json(&rules, pool), "inputs", inputs, "proposals",
			(json_int_t)ps.n, "unscored", (json_int_t)unscored,
			"selected_by", p->name, "servers_awarded", (json_int_t)got,
			"awards", awards);
	json_object_set(pa->calls, call, out);
	if (save_calls(pa, &e) != 0) {
		json_object_del(pa->calls, call);
		goto fail;
	}
	/* 2., 3.: grants, the audit entry, closed. */
	if (finish(pa, call, out, 0, &e) != 0)
		goto fail;
	pthread_mutex_unlock(&pa->mu);
	svc_log(pa->s, "call %s selected by %s: %zu proposals, %ld servers "
		"awarded, audited", call, p->name, ps.n, got);
	http_json(rs, 200, out);
	free(csv);
	free(aw);
	proposals_free(&ps);
	return 0;
fail:
	if (json_object_get(pa->calls, call) == out) {
		/* Keep what was done (the grants made so far) on disk. */
		struct err e2;
		memset(&e2, 0, sizeof e2);
		(void)save_calls(pa, &e2);
	}
	pthread_mutex_unlock(&pa->mu);
	svc_log(pa->s, "call %s: selection failed: %s", call, e.msg);
	json_decref(out);
	free(csv);
	free(aw);
	proposals_free(&ps);
	e.code = e.code == 0 ? ERR_INTERNAL : e.code;
	if (e.code == ERR_INVALID)
		e.code = ERR_INTERNAL;
	return bad(rs, NULL, &e);
}

int
proposals_api_call_get(struct proposals_api *pa, const struct auth_principal *p,
		       const char *call, const struct http_req *rq,
		       struct http_resp *rs)
{
	static const char *const keep[] = {
		"proposal", "status", "servers", "months", "grant", "start", "end",
	};
	int full = auth_scope(p->role, ACT_PROPOSAL_READ) == SCOPE_ALL;
	struct pfind pf;
	struct err e;
	json_t *rec, *o;

	(void)rq;
	memset(&e, 0, sizeof e);
	memset(&pf, 0, sizeof pf);
	pf.name = call;
	if (db_programs_load(svc_db(pa->s), prog_cb, &pf, &e) != 0)
		return bad(rs, NULL, &e);
	if (pf.id == 0) {
		http_error(rs, 404, "not_found", NULL, "no call %s", call);
		return 0;
	}
	pthread_mutex_lock(&pa->mu);
	if ((rec = json_object_get(pa->calls, call)) == NULL) {
		size_t n = 0, unscored = 0, len;
		free(call_csv(pa, call, &len, &n, &unscored));
		o = json_pack("{s:s, s:s}", "call", call, "status", "open");
		if (full) {
			json_object_set_new(o, "proposals", json_integer((json_int_t)n));
			json_object_set_new(o, "unscored",
					    json_integer((json_int_t)unscored));
		}
	} else if (full)
		o = json_deep_copy(rec);
	else {
		json_t *aw = json_array(), *x;
		size_t i;

		json_array_foreach(json_object_get(rec, "awards"), i, x) {
			json_t *y;
			if (!auth_allows(p, ACT_PROPOSAL_READ, (uint32_t)
					 json_integer_value(json_object_get(x,
						 "tenant_id")), 0))
				continue;
			y = json_object();
			for (size_t k = 0; k < sizeof keep / sizeof *keep; k++)
				if (json_object_get(x, keep[k]) != NULL)
					json_object_set(y, keep[k],
							json_object_get(x, keep[k]));
			json_array_append_new(aw, y);
		}
		o = json_pack("{s:s, s:O, s:O, s:o}", "call", call, "status",
			      json_object_get(rec, "status"), "start",
			      json_object_get(rec, "start"), "awards", aw);
	}
	pthread_mutex_unlock(&pa->mu);
	http_json(rs, 200, o);
	return 0;
}

static int
names_cb(void *ctx, const struct db_program *p)
{
	json_array_append_new(ctx, json_string(p->name));
	return 0;
}

int
proposals_api_calls_list(struct proposals_api *pa,
			 const struct auth_principal *p,
			 const struct http_req *rq, struct http_resp *rs)
{
	int full = auth_scope(p->role, ACT_PROPOSAL_READ) == SCOPE_ALL;
	json_t *names = json_array(), *out = json_array(), *nm;
	struct err e;
	size_t i;

	(void)rq;
	memset(&e, 0, sizeof e);
	if (db_programs_load(svc_db(pa->s), names_cb, names, &e) != 0) {
		json_decref(names);
		json_decref(out);
		return bad(rs, NULL, &e);
	}
	pthread_mutex_lock(&pa->mu);
	json_array_foreach(names, i, nm) {
		const char *call = json_string_value(nm);
		json_t *rec = json_object_get(pa->calls, call);
		json_t *st = rec ? json_incref(json_object_get(rec, "status")) :
			     json_string("open");
		json_t *o = json_pack("{s:s, s:o}", "call", call, "status", st);
		if (full) {
			size_t n = 0, unscored = 0, len;
			free(call_csv(pa, call, &len, &n, &unscored));
			json_object_set_new(o, "proposals", json_integer((json_int_t)n));
			json_object_set_new(o, "unscored",
					    json_integer((json_int_t)unscored));
		}
		json_array_append_new(out, o);
	}
	pthread_mutex_unlock(&pa->mu);
	json_decref(names);
	http_json(rs, 200, json_pack("{s:o}", "calls", out));
	return 0;
}
