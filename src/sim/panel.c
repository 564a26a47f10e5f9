/*
 * panel.c — expert panel score reader (see panel.h).
 *
 * The parser builds into the caller's zeroed struct and frees it on any
 * error.  Duplicates are found by sorting (evaluator, team, criterion)
 * keys after the parse; the message names both lines.
 */
#include "sim/panel.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/csv.h"

void
panel_free(struct panel *p)
{
	strtab_free(&p->evaluators);
	strtab_free(&p->teams);
	strtab_free(&p->criteria);
	free(p->s);
	memset(p, 0, sizeof *p);
}

static int
cmp_key(const void *x, const void *y)
{
	const struct panel_score *a = *(const struct panel_score *const *)x;
	const struct panel_score *b = *(const struct panel_score *const *)y;

	if (a->evaluator != b->evaluator)
		return a->evaluator < b->evaluator ? -1 : 1;
	if (a->team != b->team)
		return a->team < b->team ? -1 : 1;
	if (a->criterion != b->criterion)
		return a->criterion < b->criterion ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

static int
check_dups(const struct panel *p, const char *name, struct err *e)
{
	/* Pointers into p->s, so sizeof *q is meant to be a pointer's size:
	 * NOLINTNEXTLINE(bugprone-sizeof-expression) */
	const struct panel_score **q = xmalloc((p->n + 1) * sizeof *q);
	int rc = 0;

	for (size_t i = 0; i < p->n; i++)
		q[i] = &p->s[i];
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): as above */
	qsort(q, p->n, sizeof *q, cmp_key);
	for (size_t i = 1; i < p->n && rc == 0; i++)
		if (cmp_key(&q[i - 1], &q[i]) != 0 &&
		    q[i]->evaluator == q[i - 1]->evaluator &&
		    q[i]->team == q[i - 1]->team &&
		    q[i]->criterion == q[i - 1]->criterion)
			rc = err_at(e, ERR_INVALID, name, q[i]->line,
			    "criterion", "duplicate score: evaluator \"%s\", "
			    "team \"%s\", criterion \"%s\" already scored at "
			    "line %ld",
			    strtab_get(&p->evaluators, q[i]->evaluator),
			    strtab_get(&p->teams, q[i]->team),
			    strtab_get(&p->criteria, q[i]->criterion),
			    q[i - 1]->line);
	free(q);
	return rc;
}

static int
known_team(struct csv_field f, const char *const *teams, size_t nteams)
{
	if (nteams == 0)
		return 1;
	for (size_t i = 0; i < nteams; i++)
		if (strlen(teams[i]) == f.n && memcmp(teams[i], f.s, f.n) == 0)
			return 1;
	return 0;
}

static int
parse(struct panel *out, const char *name, const char *buf, size_t len,
      double lo, double hi, const char *const *teams, size_t nteams,
      struct err *e)
{
	static const char *const hdr[] = { "evaluator", "team", "criterion",
		"score" };
	struct csv_lines r;
	struct csv_field f[CSV_MAX_FIELDS];
	char *scratch = xmalloc(CSV_MAX_LINE + 1);
	const char *s;
	size_t n;
	int rc, nf, header = 0;

	csv_lines_init(&r, name, buf, len);
	while ((rc = csv_lines_next(&r, &s, &n, e)) == 1) {
		struct panel_score ps;
		char show[64];

		if (n == 0)
			continue;
		nf = csv_split(s, n, ',', f, CSV_MAX_FIELDS, scratch);
		if (nf != 4) {
			rc = err_at(e, ERR_INVALID, name, r.line, NULL,
			    "expected 4 fields (evaluator,team,criterion,"
			    "score)%s", nf == -2 ? ": malformed quoted field"
			    : "");
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
		for (int k = 0; k < 3 && rc == 1; k++)
			if (f[k].n == 0)
				rc = err_at(e, ERR_INVALID, name, r.line,
				    hdr[k], "empty");
		if (rc == 1 && !known_team(f[1], teams, nteams))
			rc = err_at(e, ERR_INVALID, name, r.line, "team",
			    "unknown team %s", csv_show(show, sizeof show,
			    f[1]));
		if (rc < 0)
			break;
		if ((rc = csv_get_double(&r, "score", f[3], lo, hi, &ps.score,
		    e)) < 0)
			break;
		ps.evaluator = strtab_intern(&out->evaluators, f[0].s, f[0].n);
		ps.team = strtab_intern(&out->teams, f[1].s, f[1].n);
		ps.criterion = strtab_intern(&out->criteria, f[2].s, f[2].n);
		ps.line = r.line;
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 64;
			out->s = xrealloc(out->s, out->cap * sizeof *out->s);
		}
		out->s[out->n++] = ps;
	}
	free(scratch);
	if (rc < 0)
		return rc;
	if (!header)
		return err_at(e, ERR_INVALID, name, 1, NULL, "empty file: "
		    "expected the header evaluator,team,criterion,score");
	return check_dups(out, name, e);
}

int
panel_parse(struct panel *out, const char *name, const char *buf,
	    size_t len, double lo, double hi, const char *const *teams,
	    size_t nteams, struct err *e)
{
	int rc = parse(out, name, buf, len, lo, hi, teams, nteams, e);

	if (rc < 0)
		panel_free(out);
	return rc;
}

int
panel_read(struct panel *out, const char *path, double lo, double hi,
	   const char *const *teams, size_t nteams, struct err *e)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	char *b;
	int rc;

	if (f == NULL)
		return err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
		    "%s: %s", path, strerror(errno));
	b = xmalloc(cap);
	while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n > PANEL_MAX_FILE) {
			fclose(f);
			free(b);
			return err_set(e, ERR_LIMIT, "%s: larger than %zu "
			    "bytes", path, PANEL_MAX_FILE);
		}
		if (cap - n - 1 == 0) {
			cap *= 2;
			b = xrealloc(b, cap);
		}
	}
	rc = ferror(f) ? err_set(e, ERR_IO, "%s: read error", path) : 0;
	fclose(f);
	if (rc == 0)
		rc = panel_parse(out, path, b, n, lo, hi, teams, nteams, e);
	free(b);
	return rc;
}

void
panel_team_means(const struct panel *p, long crit, const uint32_t *w,
		 double *mean)
{
	double *sw = xcalloc(p->teams.n + 1, sizeof *sw);

	for (size_t t = 0; t < p->teams.n; t++)
		mean[t] = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct panel_score *s = &p->s[i];
		double k = w != NULL ? (double)w[s->evaluator] : 1;

		if (crit >= 0 && s->criterion != (uint32_t)crit)
			continue;
		mean[s->team] += k * s->score;
		sw[s->team] += k;
	}
	for (size_t t = 0; t < p->teams.n; t++)
		mean[t] = sw[t] > 0 ? mean[t] / sw[t] : NAN;
	free(sw);
}
