/*
 * votes.c — pairwise vote readers (see votes.h).
 *
 * Each parser fills a zeroed struct votes; on any error it frees what it
 * built (votes_free) so the caller sees an empty struct.  The PRD
 * directory reader builds into its own struct and hands it over only
 * when every file parsed.  jansson parses each JSONL row; this file
 * checks the fields.  Duplicate CSV votes are found by sorting vote
 * indices on (voter, unordered pair), so the check is O(n log n).
 * Per-question games sort pointers to the votes on (a, b, question,
 * input position) and decide each run of equal keys by one rule.
 */
#include "sim/votes.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/alloc.h"
#include "util/csv.h"

#define PRD_PREFIX "answer_"
#define PRD_MID "-vs-answer_"
#define PRD_SUFFIX "-human-reviewer_threeclass.jsonl"

static int
read_file(const char *path, char **buf, size_t *len, struct err *e)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	char *b;

	*buf = NULL;
	*len = 0;
	if (f == NULL)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
		    "%s: %s", path, strerror(errno));
	b = xmalloc(cap);
	while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n > VOTES_MAX_FILE) {
			fclose(f);
			free(b);
			return err_set(e, ERR_LIMIT, "%s: larger than %zu "
			    "bytes", path, VOTES_MAX_FILE);
		}
		if (cap - n - 1 == 0) {
			cap *= 2;
			b = xrealloc(b, cap);
		}
	}
	if (ferror(f)) {
		fclose(f);
		free(b);
		return err_set(e, ERR_IO, "%s: read error", path);
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static int
is_known(const char *s, size_t n, const char *const *known, size_t nknown)
{
	if (nknown == 0)
		return 1;
	for (size_t i = 0; i < nknown; i++)
		if (strlen(known[i]) == n && memcmp(known[i], s, n) == 0)
			return 1;
	return 0;
}

static void
push(struct votes *vs, const struct vote *v)
{
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 64;
		vs->v = xrealloc(vs->v, vs->cap * sizeof *vs->v);
	}
	vs->v[vs->n++] = *v;
}

void
votes_free(struct votes *vs)
{
	strtab_free(&vs->models);
	strtab_free(&vs->voters);
	free(vs->v);
	memset(vs, 0, sizeof *vs);
}

/* ---- CSV ------------------------------------------------------------ */


static uint64_t
dup_key(const struct vote *v)
{
	uint32_t lo = v->a < v->b ? v->a : v->b;
	uint32_t hi = v->a < v->b ? v->b : v->a;

	return (uint64_t)lo << 32 | hi;
}

struct dupent {
	uint32_t voter;
	uint64_t pair;
	size_t idx;
};

static int
cmp_dup(const void *x, const void *y)
{
	const struct dupent *a = x, *b = y;

	if (a->voter != b->voter)
		return a->voter < b->voter ? -1 : 1;
	if (a->pair != b->pair)
		return a->pair < b->pair ? -1 : 1;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

static int
check_dups(const struct votes *vs, const char *name, struct err *e)
{
	struct dupent *d = xmalloc((vs->n + 1) * sizeof *d);
	int rc = 0;

	for (size_t i = 0; i < vs->n; i++) {
		d[i].voter = vs->v[i].voter;
		d[i].pair = dup_key(&vs->v[i]);
		d[i].idx = i;
	}
	qsort(d, vs->n, sizeof *d, cmp_dup);
	for (size_t i = 1; i < vs->n && rc == 0; i++) {
		const struct vote *a, *b;

		if (d[i].voter != d[i - 1].voter || d[i].pair != d[i - 1].pair)
			continue;
		a = &vs->v[d[i - 1].idx];
		b = &vs->v[d[i].idx];
		rc = err_at(e, ERR_INVALID, name, b->line, "voter",
		    "duplicate vote: \"%s\" already voted on %s vs %s at "
		    "line %ld", strtab_get(&vs->voters, b->voter),
		    strtab_get(&vs->models, a->a),
		    strtab_get(&vs->models, a->b), a->line);
	}
	free(d);
	return rc;
}

static int
parse_csv(struct votes *out, const char *name, const char *buf, size_t len,
	  const char *const *known, size_t nknown, struct err *e)
{
	static const char *const hdr[] = { "voter", "model_a", "model_b",
		"winner" };
	struct csv_lines r;
	struct csv_field f[CSV_MAX_FIELDS];
	char *scratch = xmalloc(CSV_MAX_LINE + 1);
	const char *s;
	size_t n;
	int rc, nf, header = 0;

	csv_lines_init(&r, name, buf, len);
	while ((rc = csv_lines_next(&r, &s, &n, e)) == 1) {
		struct vote v;
		char show[64];

		if (n == 0)
			continue;
		nf = csv_split(s, n, ',', f, CSV_MAX_FIELDS, scratch);
		if (nf == -2) {
			rc = err_at(e, ERR_INVALID, name, r.line, NULL,
			    "malformed quoted field");
			break;
		}
		if (nf != 4) {
			rc = err_at(e, ERR_INVALID, name, r.line, NULL,
			    "expected 4 fields (voter,model_a,model_b,"
			    "winner), got %s", nf < 0 ? "more than 64" :
			    (snprintf(show, sizeof show, "%d", nf), show));
			break;
		}
		if (!header) {
			if (csv_expect_header(f, hdr, 4, name, r.line, e) != 0) {
				rc = ERR_INVALID;
				break;
			}
			header = 1;
			continue;
		}
		for (int k = 0; k < 4 && rc == 1; k++)
			if (f[k].n == 0)
				rc = err_at(e, ERR_INVALID, name, r.line,
				    hdr[k], "empty");
		for (int k = 1; k < 3 && rc == 1; k++)
			if (!is_known(f[k].s, f[k].n, known, nknown))
				rc = err_at(e, ERR_INVALID, name, r.line,
				    hdr[k], "unknown model %s",
				    csv_show(show, sizeof show, f[k]));
		if (rc == 1 && f[1].n == f[2].n &&
		    memcmp(f[1].s, f[2].s, f[1].n) == 0)
			rc = err_at(e, ERR_INVALID, name, r.line, "model_b",
			    "same model as model_a: %s",
			    csv_show(show, sizeof show, f[2]));
		if (rc < 0)
			break;
		if (f[3].n == f[1].n && memcmp(f[3].s, f[1].s, f[1].n) == 0)
			v.winner = VOTE_A;
		else if (f[3].n == f[2].n &&
		    memcmp(f[3].s, f[2].s, f[2].n) == 0)
			v.winner = VOTE_B;
		else if (csv_eq(f[3], "tie"))
			v.winner = VOTE_TIE;
		else {
			rc = err_at(e, ERR_INVALID, name, r.line, "winner",
			    "expected model_a, model_b or tie, got %s",
			    csv_show(show, sizeof show, f[3]));
			break;
		}
		v.voter = strtab_intern(&out->voters, f[0].s, f[0].n);
		v.a = strtab_intern(&out->models, f[1].s, f[1].n);
		v.b = strtab_intern(&out->models, f[2].s, f[2].n);
		v.question = -1;
		v.line = r.line;
		push(out, &v);
	}
	free(scratch);
	if (rc < 0)
		return rc;
	if (!header)
		return err_at(e, ERR_INVALID, name, 1, NULL, "empty file: "
		    "expected the header voter,model_a,model_b,winner");
	return check_dups(out, name, e);
}

int
votes_parse_csv(struct votes *out, const char *name, const char *buf,
		size_t len, const char *const *known, size_t nknown,
		struct err *e)
{
	int rc = parse_csv(out, name, buf, len, known, nknown, e);

	if (rc < 0)
		votes_free(out);
	return rc;
}

int
votes_read_csv(struct votes *out, const char *path,
	       const char *const *known, size_t nknown, struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	if ((rc = read_file(path, &buf, &len, e)) < 0)
		return rc;
	rc = votes_parse_csv(out, path, buf, len, known, nknown, e);
	free(buf);
	return rc;
}

/* ---- PRD JSONL ------------------------------------------------------ */

/* Splits a PRD file name (last path component) into the two model names
 * a[0..*na) and b[0..*nb); 0 if it does not match the pattern. */
static int
prd_pair(const char *path, const char **a, size_t *na, const char **b,
	 size_t *nb)
{
	const char *base = strrchr(path, '/'), *mid;
	size_t n, lp = strlen(PRD_PREFIX), ls = strlen(PRD_SUFFIX);

	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n <= lp + ls || strncmp(base, PRD_PREFIX, lp) != 0 ||
	    strcmp(base + n - ls, PRD_SUFFIX) != 0)
		return 0;
	mid = strstr(base + lp, PRD_MID);
	if (mid == NULL || mid >= base + n - ls)
		return 0;
	*a = base + lp;
	*na = (size_t)(mid - *a);
	*b = mid + strlen(PRD_MID);
	*nb = (size_t)(base + n - ls - *b);
	return *na > 0 && *nb > 0;
}

static const char *
jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int
prd_row(struct votes *out, const char *name, long line, const char *s,
	size_t n, uint32_t a, uint32_t b, struct err *e)
{
	json_error_t je;
	json_t *row = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je), *q, *t,
	    *sc;
	struct vote v;
	int rc = 0;

	if (row == NULL)
		return err_set(e, ERR_INVALID, "%s:%ld:%d: %s", name, line,
		    je.column, je.text);
	if (!json_is_object(row)) {
		rc = err_at(e, ERR_INVALID, name, line, NULL, "expected an "
		    "object, got %s", jtype(row));
		goto out;
	}
	q = json_object_get(row, "question_id");
	t = json_object_get(row, "text");
	sc = json_object_get(row, "score");
	if (q == NULL || t == NULL || sc == NULL) {
		rc = err_at(e, ERR_INVALID, name, line, q == NULL ?
		    "question_id" : t == NULL ? "text" : "score", "missing");
		goto out;
	}
	if (!json_is_integer(q) || json_integer_value(q) < 0) {
		rc = err_at(e, ERR_INVALID, name, line, "question_id",
		    "expected an integer >= 0, got %s", jtype(q));
		goto out;
	}
	if (!json_is_string(t)) {
		rc = err_at(e, ERR_INVALID, name, line, "text",
		    "expected a string, got %s", jtype(t));
		goto out;
	}
	if (!json_is_integer(sc)) {
		rc = err_at(e, ERR_INVALID, name, line, "score",
		    "expected an integer 1..3, got %s", jtype(sc));
		goto out;
	}
	if (json_integer_value(sc) < 1 || json_integer_value(sc) > 3) {
		rc = err_at(e, ERR_INVALID, name, line, "score",
		    "expected 1 (A wins), 2 (B wins) or 3 (tie), got %lld",
		    (long long)json_integer_value(sc));
		goto out;
	}
	v.a = a;
	v.b = b;
	v.voter = VOTES_ANON;
	v.question = (long)json_integer_value(q);
	v.winner = (int)json_integer_value(sc);
	v.line = line;
	push(out, &v);
out:
	json_decref(row);
	return rc;
}

static int
parse_prd(struct votes *out, const char *name, const char *buf, size_t len,
	  const char *const *known, size_t nknown, struct err *e)
{
	struct csv_lines r;
	const char *sa, *sb, *s;
	size_t na, nb, n;
	uint32_t a, b;
	int rc;

	if (!prd_pair(name, &sa, &na, &sb, &nb))
		return err_set(e, ERR_INVALID, "%s: file name: expected "
		    PRD_PREFIX "{A}" PRD_MID "{B}" PRD_SUFFIX, name);
	if (!is_known(sa, na, known, nknown) ||
	    !is_known(sb, nb, known, nknown))
		return err_set(e, ERR_INVALID, "%s: file name: unknown model "
		    "\"%.*s\"", name, is_known(sa, na, known, nknown) ?
		    (int)nb : (int)na, is_known(sa, na, known, nknown) ?
		    sb : sa);
	if (na == nb && memcmp(sa, sb, na) == 0)
		return err_set(e, ERR_INVALID, "%s: file name: a model "
		    "against itself", name);
	a = strtab_intern(&out->models, sa, na);
	b = strtab_intern(&out->models, sb, nb);
	csv_lines_init(&r, name, buf, len);
	while ((rc = csv_lines_next(&r, &s, &n, e)) == 1) {
		if (n == 0)
			continue;
		if ((rc = prd_row(out, name, r.line, s, n, a, b, e)) < 0)
			return rc;
	}
	return rc;
}

int
votes_parse_prd(struct votes *out, const char *name, const char *buf,
		size_t len, const char *const *known, size_t nknown,
		struct err *e)
{
	int rc = parse_prd(out, name, buf, len, known, nknown, e);

	if (rc < 0)
		votes_free(out);
	return rc;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int
votes_read_prd_dir(struct votes *out, const char *dir,
		   const char *const *known, size_t nknown, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0, cap = 0;
	int rc = 0;

	if (d == NULL)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
		    "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		const char *sa, *sb;
		size_t na, nb;

		if (!prd_pair(de->d_name, &sa, &na, &sb, &nb))
			continue;
		if (nn == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[nn] = xmalloc(strlen(dir) + strlen(de->d_name) + 2);
		sprintf(names[nn], "%s/%s", dir, de->d_name);
		nn++;
	}
	closedir(d);
	if (nn == 0)	/* names is NULL: no qsort, even of nothing */
		rc = err_set(e, ERR_NOTFOUND, "%s: no file named "
		    PRD_PREFIX "{A}" PRD_MID "{B}" PRD_SUFFIX, dir);
	else
		qsort(names, nn, sizeof *names, cmp_str);
	for (size_t i = 0; i < nn && rc == 0; i++) {
		char *buf;
		size_t len;

		if ((rc = read_file(names[i], &buf, &len, e)) < 0)
			break;
		rc = parse_prd(out, names[i], buf, len, known, nknown, e);
		free(buf);
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	if (rc < 0)
		votes_free(out);
	return rc < 0 ? rc : 0;
}

/* ---- games ---------------------------------------------------------- */

static double
score_of(int winner)
{
	return winner == VOTE_A ? 1 : winner == VOTE_B ? 0 : 0.5;
}

size_t
votes_games(const struct votes *vs, struct bt_game **games)
{
	struct bt_game *g = xmalloc((vs->n + 1) * sizeof *g);

	for (size_t i = 0; i < vs->n; i++) {
		g[i].a = vs->v[i].a;
		g[i].b = vs->v[i].b;
		g[i].score = score_of(vs->v[i].winner);
		g[i].weight = 1;
	}
	*games = g;
	return vs->n;
}

void
votes_weigh_voters(const struct votes *vs, const uint32_t *counts,
		   struct bt_game *g)
{
	for (size_t i = 0; i < vs->n; i++)
		g[i].weight = vs->v[i].voter == VOTES_ANON ? 1 :
		    (double)counts[vs->v[i].voter];
}

static int
cmp_game_key(const void *x, const void *y)
{
	const struct vote *a = *(const struct vote *const *)x;
	const struct vote *b = *(const struct vote *const *)y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	if (a->question != b->question)
		return a->question < b->question ? -1 : 1;
	return (a > b) - (a < b);
}

/* The winner of one question's votes, counts c[VOTE_A..VOTE_TIE] of n
 * votes in all, under rule (votes.h). */
static int
decide(const size_t c[4], size_t n, enum votes_rule rule)
{
	if (rule == VOTES_NET)
		return c[VOTE_A] > c[VOTE_B] ? VOTE_A :
		    c[VOTE_B] > c[VOTE_A] ? VOTE_B : VOTE_TIE;
	for (int k = VOTE_A; k <= VOTE_TIE; k++)
		if (2 * c[k] > n)
			return k;
	return VOTE_TIE;
}

size_t
votes_majority(const struct votes *vs, struct bt_game **games)
{
	return votes_per_question(vs, VOTES_MAJORITY, games);
}

size_t
votes_per_question(const struct votes *vs, enum votes_rule rule,
		   struct bt_game **games)
{
	/* Pointers into vs->v, so sizeof *p is meant to be a pointer's size:
	 * NOLINTNEXTLINE(bugprone-sizeof-expression) */
	const struct vote **p = xmalloc((vs->n + 1) * sizeof *p);
	struct bt_game *g = xmalloc((vs->n + 1) * sizeof *g);
	size_t ng = 0, i = 0;

	for (size_t k = 0; k < vs->n; k++)
		p[k] = &vs->v[k];
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): as above */
	qsort(p, vs->n, sizeof *p, cmp_game_key);
	while (i < vs->n) {
		size_t j = i, c[4] = { 0, 0, 0, 0 };

		while (j < vs->n && p[j]->a == p[i]->a && p[j]->b == p[i]->b &&
		    p[j]->question == p[i]->question)
			c[p[j++]->winner]++;
		g[ng].a = p[i]->a;
		g[ng].b = p[i]->b;
		g[ng].score = score_of(decide(c, j - i, rule));
		g[ng].weight = 1;
		ng++;
		i = j;
	}
	free(p);
	*games = g;
	return ng;
}
