/*
 * rounds.c — competition rounds in the daemon (see rounds.h): the round
 * folders under STATE_DIR/rounds/ and the four handlers.
 *
 * Invariants: a round folder exists with round.json, teams.csv and
 * rubric.txt before its id is answered; every file is written whole
 * (temporary file, fsync, rename), so a crash leaves either the old or
 * the new bytes; decision.json appears (by rename) only after the audit
 * entry is durable, and its presence is what "closed" means.  One mutex
 * serialises every change and read of the folders (uploads, close), so
 * no upload lands in a round while it is being closed.
 *
 * Ownership: struct rounds owns its base path; it borrows the svc.
 */
#include "api/rounds.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
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
#include "compete/rubricfile.h"
#include "ledger/audit.h"
#include "sim/panel.h"
#include "sim/roundin.h"
#include "sim/votes.h"
#include "util/alloc.h"
#include "util/csv.h"
#include "util/file.h"

#define RPATH 4096
#define RFILE_NAME_MAX 200
#define RLIST_MAX 1000
#define RLIST_DEFAULT 100

struct rounds {
	struct svc *s;
	char *base;          /* STATE_DIR/rounds */
	pthread_mutex_t mu;
	uint64_t next;       /* first id to try */
};

/* One open round's definition, as read from its folder. */
struct rdef {
	char name[DB_NAME_MAX];
	char **teams;
	size_t nteams;
	int closed;
};

static const char *const create_keys[] = {"name", "rubric", "teams"};
static const char *const score_keys[] = {"kind", "team", "name", "content"};

/* ---- Helpers ------------------------------------------------------------ */

static int
bad(struct http_resp *rs, const char *field, const struct err *e)
{
	int st = e->code == ERR_NOTFOUND ? 404 : e->code == ERR_LIMIT ? 413 :
		 e->code == ERR_CONFLICT || e->code == ERR_STATE ? 409 :
		 e->code == ERR_IO || e->code == ERR_INTERNAL ? 500 : 400;

	http_error(rs, st, st == 404 ? "not_found" : st == 413 ? "too_large" :
		   st == 409 ? "conflict" : st == 500 ? "internal" : "invalid",
		   field, "%s", e->msg);
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

/* A team name that is also a safe directory name. */
static int
team_name_ok(const char *s, const char *fieldname, char field[VALIDATE_FIELD_MAX],
	     struct err *e)
{
	int rc;

	if ((rc = validate_name(s, fieldname, field, e)) < 0)
		return rc;
	if (s[0] == '.' || strchr(s, '/') != NULL || strchr(s, ',') != NULL) {
		snprintf(field, VALIDATE_FIELD_MAX, "%s", fieldname);
		return err_set(e, ERR_INVALID, "%s: a team name may not start "
			       "with '.' nor hold '/' or ','", fieldname);
	}
	return 0;
}

/* A results file name: [A-Za-z0-9._-], not starting with '.', ending in
 * .json or .jsonl. */
static int
file_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RFILE_NAME_MAX || s[0] == '.')
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		      *p == '-'))
			return 0;
	return (n > 5 && strcmp(s + n - 5, ".json") == 0) ||
	       (n > 6 && strcmp(s + n - 6, ".jsonl") == 0);
}

static void
rdef_free(struct rdef *d)
{
	for (size_t i = 0; i < d->nteams; i++)
		free(d->teams[i]);
	free(d->teams);
	memset(d, 0, sizeof *d);
}

static int
round_dir(const struct rounds *r, uint64_t id, char out[RPATH])
{
	return (size_t)snprintf(out, RPATH, "%s/%" PRIu64, r->base, id) >= RPATH
	       ? -1 : 0;
}

static int
round_file(const struct rounds *r, uint64_t id, const char *rel, char out[RPATH])
{
	return (size_t)snprintf(out, RPATH, "%s/%" PRIu64 "/%s", r->base, id,
				rel) >= RPATH ? -1 : 0;
}

/* Loads round id's definition (call with mu held): ERR_NOTFOUND when
 * there is no such round. */
static int
rdef_load(struct rounds *r, uint64_t id, struct rdef *d, struct err *e)
{
	char path[RPATH];
	json_t *o, *teams;
	json_error_t je;
	struct stat st;

	memset(d, 0, sizeof *d);
	if (round_file(r, id, "round.json", path) != 0 ||
	    (o = json_load_file(path, 0, &je)) == NULL)
		return err_set(e, ERR_NOTFOUND, "no round %" PRIu64, id);
	snprintf(d->name, sizeof d->name, "%s",
		 json_string_value(json_object_get(o, "name")) ?
		 json_string_value(json_object_get(o, "name")) : "");
	teams = json_object_get(o, "teams");
	d->nteams = json_array_size(teams);
	d->teams = xcalloc(d->nteams + 1, sizeof *d->teams);
	for (size_t i = 0; i < d->nteams; i++) {
		const char *t = json_string_value(json_array_get(teams, i));
		d->teams[i] = xstrdup(t ? t : "");
	}
	json_decref(o);
	d->closed = round_file(r, id, "decision.json", path) == 0 &&
		    stat(path, &st) == 0;
	return 0;
}

/* Reads and parses round id's rubric (call with mu held). */
static int
rubric_load(struct rounds *r, uint64_t id, struct rubricfile *rf,
	    struct err *e)
{
	char path[RPATH], *buf;
	size_t len;
	int rc;

	if (round_file(r, id, "rubric.txt", path) != 0)
		return err_set(e, ERR_INTERNAL, "path too long");
	if ((rc = file_read_all(path, HTTP_BODY_MAX, &buf, &len, e)) < 0)
		return rc;
	rc = rubricfile_parse("rubric.txt", buf, len, rf, e);
	free(buf);
	return rc;
}

/* Takes "DIR/" out of a message so answers do not show server paths. */
static void
strip_dir(char *msg, const char *dir)
{
	size_t n = strlen(dir);
	char *p;

	while ((p = strstr(msg, dir)) != NULL) {
		size_t k = n + (p[n] == '/' ? 1 : 0);
		memmove(p, p + k, strlen(p + k) + 1);
	}
}

/* gates.csv on its own: header team,gate,pass; known team and gate;
 * pass yes or no. */
static int
gates_check(const char *buf, size_t len, const struct rdef *d,
	    const struct rubricfile *rf, struct err *e)
{
	static const char *const hdr[] = {"team", "gate", "pass"};
	struct csv_lines lr;
	const char *s;
	size_t n;
	int k, header = 1;

	csv_lines_init(&lr, "gates.csv", buf, len);
	while ((k = csv_lines_next(&lr, &s, &n, e)) != 0) {
		struct csv_field f[4];
		char scratch[CSV_MAX_LINE], show[64];
		int known = 0;

		if (k < 0)
			return k;
		if (n == 0 && !header)
			continue;
		if (csv_split(s, n, ',', f, 4, scratch) != 3)
			return err_at(e, ERR_INVALID, "gates.csv", lr.line, NULL,
				      "expected 3 fields team,gate,pass");
		if (header) {
			if ((k = csv_expect_header(f, hdr, 3, "gates.csv", lr.line,
						   e)) < 0)
				return k;
			header = 0;
			continue;
		}
		for (size_t t = 0; t < d->nteams && !known; t++)
			known = csv_eq(f[0], d->teams[t]);
		if (!known)
			return err_at(e, ERR_INVALID, "gates.csv", lr.line, "team",
				      "unknown team %s (not in the round)",
				      csv_show(show, sizeof show, f[0]));
		known = 0;
		for (size_t g = 0; g < rf->ngates && !known; g++)
			known = csv_eq(f[1], rf->gates[g]);
		if (!known)
			return err_at(e, ERR_INVALID, "gates.csv", lr.line, "gate",
				      "unknown gate %s (not in the rubric)",
				      csv_show(show, sizeof show, f[1]));
		if (!csv_eq(f[2], "yes") && !csv_eq(f[2], "no"))
			return err_at(e, ERR_INVALID, "gates.csv", lr.line, "pass",
				      "expected yes or no, got %s",
				      csv_show(show, sizeof show, f[2]));
	}
	if (header)
		return err_at(e, ERR_INVALID, "gates.csv", 1, NULL,
			      "expected the header team,gate,pass");
	return 0;
}

/* The name of p's tenant into out ("" when unknown). */
static void
caller_tenant(struct rounds *r, const struct auth_principal *p,
	    char out[DB_NAME_MAX])
{
	json_t *a = svc_tenants_json(r->s, p->tenant);
	const char *tn = json_string_value(json_object_get(json_array_get(a, 0),
							   "name"));

	snprintf(out, DB_NAME_MAX, "%s", tn != NULL ? tn : "");
	json_decref(a);
}

/* Whether a principal of role, whose tenant is named tn, may see round
 * d: program roles always; a tenant role when tn is one of its teams. */
static int
visible_to(int role, const char *tn, const struct rdef *d, int *full)
{
	int ok = 0;

	*full = auth_scope(role, ACT_ROUND_READ) == SCOPE_ALL;
	if (*full)
		return 1;
	if (auth_scope(role, ACT_ROUND_READ) == SCOPE_NONE || tn[0] == '\0')
		return 0;
	for (size_t i = 0; i < d->nteams && !ok; i++)
		ok = strcmp(tn, d->teams[i]) == 0;
	return ok;
}

/* Whether p may see round d at all (visible_to with p's tenant). */
static int
visible(struct rounds *r, const struct auth_principal *p, const struct rdef *d,
	int *full)
{
	char tn[DB_NAME_MAX];

	caller_tenant(r, p, tn);
	return visible_to(p->role, tn, d, full);
}

static int
hidden(struct rounds *r, const struct auth_principal *p,
       const struct http_req *rq, struct http_resp *rs, const char *id)
{
	svc_log(r->s, "denied: user %s (%s, account %u) %s %s: not visible: "
		"answered 404", p->name, auth_role_name(p->role), p->tenant,
		rq->method, rq->path);
	http_error(rs, 404, "not_found", NULL, "no round %s", id);
	return 0;
}

/* ---- Life cycle ------------------------------------------------------------ */

struct rounds *
rounds_new(struct svc *s)
{
	struct rounds *r = xcalloc(1, sizeof *r);
	size_t n = strlen(s->state_dir) + sizeof "/rounds";

	r->s = s;
	r->base = xmalloc(n);
	snprintf(r->base, n, "%s/rounds", s->state_dir);
	if (mkdir(r->base, 0700) != 0 && errno != EEXIST) {
		svc_log(s, "rounds: %s: %s", r->base, strerror(errno));
		free(r->base);
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	r->next = 1;
	return r;
}

void
rounds_free(struct rounds *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r->base);
	free(r);
}

/* ---- Handlers --------------------------------------------------------------- */

int
rounds_create(struct rounds *r, const struct auth_principal *p,
	      const struct http_req *rq, struct http_resp *rs)
{
	char field[VALIDATE_FIELD_MAX] = "", name[DB_NAME_MAX] = "";
	char dir[RPATH], path[RPATH];
	const char *rubric;
	struct rubricfile rf;
	struct err e;
	json_t *o, *teams, *meta;
	char *csv = NULL, *mtext;
	size_t nt, clen = 0;
	uint64_t id;
	int rc = 0;

	memset(&e, 0, sizeof e);
	if (validate_object(rq->body, rq->len, &o, &e) != 0)
		return bad(rs, NULL, &e);
	if (validate_keys(o, create_keys, 3, field, &e) != 0 ||
	    validate_str(o, "name", 1, DB_NAME_MAX - 1, name, field, &e) != 0 ||
	    validate_name(name, "name", field, &e) != 0) {
		json_decref(o);
		return bad(rs, field, &e);
	}
	if ((rubric = json_string_value(json_object_get(o, "rubric"))) == NULL) {
		json_decref(o);
		http_error(rs, 400, "invalid", "rubric", "rubric: expected the "
			   "rubric file's text");
		return 0;
	}
	teams = json_object_get(o, "teams");
	nt = json_array_size(teams);
	if (!json_is_array(teams) || nt == 0 || nt > ROUNDIN_MAX_TEAMS) {
		json_decref(o);
		http_error(rs, 400, "invalid", "teams", "teams: expected 1..%d team "
			   "names", ROUNDIN_MAX_TEAMS);
		return 0;
	}
	for (size_t i = 0; i < nt; i++) {
		const char *t = json_string_value(json_array_get(teams, i));
		char fn[32];

		snprintf(fn, sizeof fn, "teams[%zu]", i);
		if (t == NULL) {
			json_decref(o);
			http_error(rs, 400, "invalid", fn, "%s: expected a string", fn);
			return 0;
		}
		if (team_name_ok(t, fn, field, &e) != 0) {
			json_decref(o);
			return bad(rs, field, &e);
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(t, json_string_value(json_array_get(teams, k))) == 0) {
				json_decref(o);
				http_error(rs, 400, "invalid", fn, "%s: team %s twice",
					   fn, t);
				return 0;
			}
	}
	if (rubricfile_parse("rubric.txt", rubric, strlen(rubric), &rf, &e) != 0) {
		json_decref(o);
		return bad(rs, "rubric", &e);
	}
	rubricfile_free(&rf);
	/* teams.csv */
	csv = xstrdup("team\n");
	clen = strlen(csv);
	for (size_t i = 0; i < nt; i++) {
		const char *t = json_string_value(json_array_get(teams, i));
		size_t k = strlen(t);
		csv = xrealloc(csv, clen + k + 2);
		memcpy(csv + clen, t, k);
		clen += k;
		csv[clen++] = '\n';
		csv[clen] = '\0';
	}
	meta = json_pack("{s:s, s:O}", "name", name, "teams", teams);
	mtext = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	pthread_mutex_lock(&r->mu);
	for (id = r->next;; id++) {
		if (round_dir(r, id, dir) != 0) {
			rc = err_set(&e, ERR_INTERNAL, "path too long");
			break;
		}
		if (mkdir(dir, 0700) == 0) {
			rc = 0;
			break;
		}
		if (errno != EEXIST) {
			rc = err_set(&e, ERR_IO, "cannot make a round folder: %s",
				     strerror(errno));
			break;
		}
	}
	if (rc == 0) {
		r->next = id + 1;
		rc = round_file(r, id, "teams.csv", path) != 0 ?
		     err_set(&e, ERR_INTERNAL, "path too long") :
		     file_write_whole(path, csv, clen, &e);
		if (rc == 0 && round_file(r, id, "rubric.txt", path) == 0)
			rc = file_write_whole(path, rubric, strlen(rubric), &e);
		/* round.json last: it is what makes the round exist. */
		if (rc == 0 && round_file(r, id, "round.json", path) == 0)
			rc = file_write_whole(path, mtext, strlen(mtext), &e);
	}
	pthread_mutex_unlock(&r->mu);
	free(csv);
	free(mtext);
	json_decref(o);
	if (rc != 0)
		return bad(rs, NULL, &e);
	svc_log(r->s, "round %" PRIu64 " (%s, %zu teams) created by %s", id, name,
		nt, p->name);
	http_json(rs, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
				     "name", name, "status", "open"));
	return 0;
}

/* Validates content of kind for round d; fills rel with the file name
 * relative to the round folder (and makes results/TEAM/). */
static int
score_check(struct rounds *r, uint64_t id, const struct rdef *d,
	    const char *kind, const char *team, const char *fname,
	    const char *content, size_t len, char rel[RPATH], const char **fieldp,
	    struct err *e)
{
	struct rubricfile rf;
	int rc;

	memset(&rf, 0, sizeof rf);
	*fieldp = NULL;
	if (strcmp(kind, "results") == 0) {
		char path[RPATH];
		int known = 0;

		if (team[0] == '\0' || fname[0] == '\0') {
			*fieldp = team[0] == '\0' ? "team" : "name";
			return err_set(e, ERR_INVALID, "%s: required for results",
				       *fieldp);
		}
		for (size_t t = 0; t < d->nteams && !known; t++)
			known = strcmp(team, d->teams[t]) == 0;
		if (!known) {
			*fieldp = "team";
			return err_set(e, ERR_INVALID, "team: %s is not in the "
				       "round", team);
		}
		if (!file_name_ok(fname)) {
			*fieldp = "name";
			return err_set(e, ERR_INVALID, "name: expected a file name "
				       "of letters, digits and ._- ending in .json "
				       "or .jsonl");
		}
		if (strlen(fname) > 6 && strcmp(fname + strlen(fname) - 5, ".json") == 0) {
			json_error_t je;
			json_t *v = json_loadb(content, len, 0, &je);
			if (v == NULL) {
				*fieldp = "content";
				return err_set(e, ERR_INVALID, "results/%s/%s:%d: %s",
					       team, fname, je.line, je.text);
			}
			json_decref(v);
		}
		snprintf(rel, RPATH, "results");
		if (round_file(r, id, rel, path) == 0 && mkdir(path, 0700) != 0 &&
		    errno != EEXIST)
			return err_set(e, ERR_IO, "cannot make results/: %s",
				       strerror(errno));
		snprintf(rel, RPATH, "results/%s", team);
		if (round_file(r, id, rel, path) == 0 && mkdir(path, 0700) != 0 &&
		    errno != EEXIST)
			return err_set(e, ERR_IO, "cannot make results/%s/: %s", team,
				       strerror(errno));
		snprintf(rel, RPATH, "results/%s/%s", team, fname);
		return 0;
	}
	if (team[0] != '\0' || fname[0] != '\0') {
		*fieldp = team[0] != '\0' ? "team" : "name";
		return err_set(e, ERR_INVALID, "%s: only for kind results",
			       *fieldp);
	}
	if (strcmp(kind, "panel") != 0 && strcmp(kind, "votes") != 0 &&
	    strcmp(kind, "gates") != 0) {
		*fieldp = "kind";
		return err_set(e, ERR_INVALID, "kind: expected panel, votes, gates "
			       "or results");
	}
	if ((rc = rubric_load(r, id, &rf, e)) < 0)
		return rc;
	*fieldp = "content";
	snprintf(rel, RPATH, "%s.csv", kind);
	if (strcmp(kind, "panel") == 0) {
		struct panel pn;
		memset(&pn, 0, sizeof pn); /* panel_parse wants it zeroed */
		rc = panel_parse(&pn, rel, content, len, rf.panel_lo, rf.panel_hi,
				 (const char *const *)d->teams, d->nteams, e);
		panel_free(&pn);
	} else if (strcmp(kind, "votes") == 0) {
		struct votes vs;
		memset(&vs, 0, sizeof vs);
		rc = votes_parse_csv(&vs, rel, content, len,
				     (const char *const *)d->teams, d->nteams, e);
		votes_free(&vs);
	} else
		rc = gates_check(content, len, d, &rf, e);
	rubricfile_free(&rf);
	return rc;
}

int
rounds_scores(struct rounds *r, const struct auth_principal *p, const char *id,
	      const struct http_req *rq, struct http_resp *rs)
{
	char field[VALIDATE_FIELD_MAX] = "", kind[16] = "", team[DB_NAME_MAX] = "";
	char fname[RFILE_NAME_MAX + 1] = "", rel[RPATH], path[RPATH];
	const char *content;
	const char *fieldp = NULL;
	struct rdef d;
	struct err e;
	uint64_t rid;
	size_t len;
	json_t *o;
	int rc;

	memset(&e, 0, sizeof e);
	if (parse_id(id, &rid) != 0) {
		http_error(rs, 404, "not_found", NULL, "no round %s", id);
		return 0;
	}
	if (validate_object(rq->body, rq->len, &o, &e) != 0)
		return bad(rs, NULL, &e);
	if (validate_keys(o, score_keys, 4, field, &e) != 0 ||
	    validate_str(o, "kind", 1, sizeof kind - 1, kind, field, &e) != 0 ||
	    validate_str(o, "team", 0, sizeof team - 1, team, field, &e) != 0 ||
	    validate_str(o, "name", 0, sizeof fname - 1, fname, field, &e) != 0) {
		json_decref(o);
		return bad(rs, field, &e);
	}
	if ((content = json_string_value(json_object_get(o, "content"))) == NULL) {
		json_decref(o);
		http_error(rs, 400, "invalid", "content", "content: expected the "
			   "file's text");
		return 0;
	}
	len = json_string_length(json_object_get(o, "content"));
	pthread_mutex_lock(&r->mu);
	if ((rc = rdef_load(r, rid, &d, &e)) == 0) {
		if (d.closed)
			rc = err_set(&e, ERR_STATE, "round %" PRIu64 " is closed",
				     rid);
		else if ((rc = score_check(r, rid, &d, kind, team, fname, content,
					   len, rel, &fieldp, &e)) == 0) {
			fieldp = NULL;
			rc = round_file(r, rid, rel, path) != 0 ?
			     err_set(&e, ERR_INTERNAL, "path too long") :
			     file_write_whole(path, content, len, &e);
		}
	}
	pthread_mutex_unlock(&r->mu);
	rdef_free(&d);
	json_decref(o);
	if (rc != 0)
		return bad(rs, fieldp, &e);
	svc_log(r->s, "round %" PRIu64 ": %s uploaded by %s (%zu bytes)", rid, rel,
		p->name, len);
	http_json(rs, 201, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)rid,
				     "file", rel, "bytes", (json_int_t)len));
	return 0;
}

int
rounds_close(struct rounds *r, const struct auth_principal *p, const char *id,
	     const struct http_req *rq, struct http_resp *rs)
{
	struct roundin_result res;
	char dir[RPATH], path[RPATH], tmp[RPATH];
	char *rubric = NULL, *payload = NULL;
	size_t rlen = 0;
	struct rdef d;
	struct err e;
	uint64_t rid;
	json_t *dec = NULL;
	int rc;

	(void)rq;
	memset(&e, 0, sizeof e);
	memset(&res, 0, sizeof res);
	if (parse_id(id, &rid) != 0) {
		http_error(rs, 404, "not_found", NULL, "no round %s", id);
		return 0;
	}
	pthread_mutex_lock(&r->mu);
	if ((rc = rdef_load(r, rid, &d, &e)) == 0 && d.closed)
		rc = err_set(&e, ERR_STATE, "round %" PRIu64 " is closed", rid);
	if (rc == 0 && (round_dir(r, rid, dir) != 0 ||
			round_file(r, rid, "rubric.txt", path) != 0))
		rc = err_set(&e, ERR_INTERNAL, "path too long");
	if (rc == 0)
		rc = file_read_all(path, HTTP_BODY_MAX, &rubric, &rlen, &e);
	if (rc == 0 && (rc = roundin_run("rubric.txt", rubric, rlen, dir, &res,
					 &e)) < 0) {
		strip_dir(e.msg, dir);
		if (rc != ERR_INVALID && rc != ERR_NOTFOUND && rc != ERR_LIMIT)
			e.code = rc = ERR_INVALID;
		if (rc == ERR_NOTFOUND) /* a missing input is the caller's */
			e.code = rc = ERR_INVALID;
	}
	if (rc == 0) {
		payload = roundin_payload(&res);
		if (round_file(r, rid, "decision.json", path) != 0 ||
		    (size_t)snprintf(tmp, sizeof tmp, "%s.new", path) >= sizeof tmp)
			rc = err_set(&e, ERR_INTERNAL, "path too long");
		else if ((rc = file_write_whole(tmp, payload, strlen(payload),
					   &e)) == 0) {
			/* The entry is durable before the round reads closed. */
			if ((rc = journal_append(svc_journal(r->s), (int64_t)time(NULL),
						 AUDIT_ROUND, payload, &e)) != 0)
				remove(tmp);
			else if (rename(tmp, path) != 0)
				rc = err_set(&e, ERR_IO, "cannot store the decision: "
					     "%s", strerror(errno));
		}
	}
	pthread_mutex_unlock(&r->mu);
	if (rc == 0 && (dec = json_loads(payload, 0, NULL)) == NULL)
		dec = json_string(payload);
	free(rubric);
	free(payload);
	roundin_free(&res);
	rdef_free(&d);
	if (rc != 0) {
		if (rc == ERR_NOTFOUND)
			http_error(rs, 404, "not_found", NULL, "no round %s", id);
		else
			bad(rs, NULL, &e);
		return 0;
	}
	svc_log(r->s, "round %" PRIu64 " closed by %s: decision stored and "
		"audited", rid, p->name);
	http_json(rs, 200, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)rid,
				     "status", "closed", "decision", dec));
	return 0;
}

int
rounds_get(struct rounds *r, const struct auth_principal *p, const char *id,
	   const struct http_req *rq, struct http_resp *rs)
{
	char path[RPATH];
	struct rdef d;
	struct err e;
	uint64_t rid;
	json_t *o = NULL, *teams;
	int full = 0;

	memset(&e, 0, sizeof e);
	if (parse_id(id, &rid) != 0) {
		http_error(rs, 404, "not_found", NULL, "no round %s", id);
		return 0;
	}
	pthread_mutex_lock(&r->mu);
	if (rdef_load(r, rid, &d, &e) != 0) {
		pthread_mutex_unlock(&r->mu);
		http_error(rs, 404, "not_found", NULL, "no round %s", id);
		return 0;
	}
	if (!visible(r, p, &d, &full)) {
		pthread_mutex_unlock(&r->mu);
		rdef_free(&d);
		return hidden(r, p, rq, rs, id);
	}
	teams = json_array();
	for (size_t i = 0; i < d.nteams; i++)
		json_array_append_new(teams, json_string(d.teams[i]));
	o = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)rid, "name",
		      d.name, "status", d.closed ? "closed" : "open", "teams",
		      teams);
	if (full) {
		/* The files uploaded so far (names and sizes, not contents). */
		static const char *const fixed[] = {"rubric.txt", "panel.csv",
						    "votes.csv", "gates.csv"};
		json_t *files = json_array();
		struct stat st;

		for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
			if (round_file(r, rid, fixed[i], path) == 0 &&
			    stat(path, &st) == 0)
				json_array_append_new(files, json_pack(
					"{s:s, s:I}", "name", fixed[i], "bytes",
					(json_int_t)st.st_size));
		json_object_set_new(o, "files", files);
		if (round_file(r, rid, "rubric.txt", path) == 0) {
			char *buf;
			size_t len;
			if (file_read_all(path, HTTP_BODY_MAX, &buf, &len, &e) == 0) {
				json_object_set_new(o, "rubric",
						    json_stringn(buf, len));
				free(buf);
			}
		}
	}
	if (d.closed && round_file(r, rid, "decision.json", path) == 0) {
		json_error_t je;
		json_t *dec = json_load_file(path, 0, &je);
		if (dec != NULL)
			json_object_set_new(o, "decision", dec);
	}
	pthread_mutex_unlock(&r->mu);
	rdef_free(&d);
	http_json(rs, 200, o);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
rounds_list(struct rounds *r, const struct auth_principal *p,
	    const struct http_req *rq, struct http_resp *rs)
{
	const char *v = http_query(rq, "status");
	char tn[DB_NAME_MAX];
	uint64_t after = 0, limit = RLIST_DEFAULT, *ids = NULL, last = 0;
	size_t nids = 0, cap = 0, n = 0;
	int want = -1; /* -1 any, 0 open, 1 closed */
	struct dirent *de;
	json_t *a, *o;
	DIR *dp;

	if (v != NULL && *v) {
		if (strcmp(v, "open") != 0 && strcmp(v, "closed") != 0) {
			http_error(rs, 400, "invalid", "status", "status: expected "
				   "open or closed");
			return 0;
		}
		want = strcmp(v, "closed") == 0;
	}
	if ((v = http_query(rq, "limit")) != NULL &&
	    (parse_id(v, &limit) != 0 || limit > RLIST_MAX)) {
		http_error(rs, 400, "invalid", "limit", "limit: expected 1..%d",
			   RLIST_MAX);
		return 0;
	}
	if ((v = http_query(rq, "cursor")) != NULL && *v &&
	    parse_id(v, &after) != 0) {
		http_error(rs, 400, "invalid", "cursor", "cursor: not a cursor "
			   "this server gave");
		return 0;
	}
	caller_tenant(r, p, tn);
	a = json_array();
	pthread_mutex_lock(&r->mu);
	if ((dp = opendir(r->base)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			uint64_t id;
			if (parse_id(de->d_name, &id) != 0 || id <= after)
				continue;
			ids = xgrow(ids, &cap, nids + 1, sizeof *ids);
			ids[nids++] = id;
		}
		closedir(dp);
	}
	if (nids > 0)
		qsort(ids, nids, sizeof *ids, cmp_u64);
	for (size_t i = 0; i < nids && n < limit; i++) {
		struct rdef d;
		struct err e;
		json_t *teams;
		int full;

		if (rdef_load(r, ids[i], &d, &e) != 0)
			continue; /* a folder being made: not a round yet */
		if (!visible_to(p->role, tn, &d, &full) ||
		    (want >= 0 && d.closed != want)) {
			rdef_free(&d);
			continue;
		}
		teams = json_array();
		for (size_t k = 0; k < d.nteams; k++)
			json_array_append_new(teams, json_string(d.teams[k]));
		json_array_append_new(a, json_pack(
			"{s:I, s:s, s:s, s:o}", "id", (json_int_t)ids[i], "name",
			d.name, "status", d.closed ? "closed" : "open", "teams",
			teams));
		rdef_free(&d);
		last = ids[i];
		n++;
	}
	pthread_mutex_unlock(&r->mu);
	free(ids);
	o = json_pack("{s:o}", "rounds", a);
	if (n == limit) {
		char cur[32];
		snprintf(cur, sizeof cur, "%" PRIu64, last);
		json_object_set_new(o, "next_cursor", json_string(cur));
	} else
		json_object_set_new(o, "next_cursor", json_null());
	http_json(rs, 200, o);
	return 0;
}
