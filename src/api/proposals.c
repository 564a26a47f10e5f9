/*
 * proposals.c — open-call proposals in the daemon (see proposals.h): the
 * JSON-lines file under STATE_DIR/proposals/ and the three handlers.
 *
 * Invariants: v holds every stored proposal in id order, ids 1, 2, ...;
 * the file holds exactly v (one compact JSON object a line), written
 * whole (temporary file, fsync, rename) before a create is answered; a
 * create whose write fails leaves v as it was.  One mutex serialises
 * every read and change of v and the file.  Each record keeps the
 * tenant's id and name, so visibility never depends on a rename.
 *
 * Ownership: struct proposals_api owns v and its paths; it borrows svc.
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

#include "api/svc_int.h"
#include "api/validate.h"
#include "compete/opencall.h"
#include "sim/proposals.h"
#include "util/alloc.h"
#include "util/file.h"

#define PPATH 4096
#define PFILE_MAX ((size_t)64 << 20)

struct proposals_api {
	struct svc *s;
	char *dir, *path;    /* STATE_DIR/proposals, .../proposals.jsonl */
	pthread_mutex_t mu;
	json_t *v;           /* array of records, id order */
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

/* The record's copy for p: tenant roles never see the scores. */
static json_t *
view(const struct auth_principal *p, json_t *rec)
{
	json_t *o = json_deep_copy(rec);

	if (auth_scope(p->role, ACT_PROPOSAL_READ) != SCOPE_ALL)
		json_object_del(o, "scores");
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
	if (mkdir(pa->dir, 0700) != 0 && errno != EEXIST) {
		svc_log(s, "proposals: %s: %s", pa->dir, strerror(errno));
		proposals_api_free(pa);
		return NULL;
	}
	if (load(pa, &e) != 0) {
		svc_log(s, "proposals: %s", e.msg);
		proposals_api_free(pa);
		return NULL;
	}
	return pa;
}

void
proposals_api_free(struct proposals_api *pa)
{
	if (pa == NULL)
		return;
	pthread_mutex_destroy(&pa->mu);
	json_decref(pa->v);
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
		json_array_append_new(out, view(p, rec));
	}
	pthread_mutex_unlock(&pa->mu);
	http_json(rs, 200, json_pack("{s:o}", "proposals", out));
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
			o = view(p, rec);
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
