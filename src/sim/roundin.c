/*
 * roundin.c — load a round's inputs from a directory, validate them and
 * run the round (see roundin.h; the layout is in docs/ROUNDS.md).
 *
 * Every file is read once into memory, hashed (audit_sha256_hex) and
 * parsed from that buffer, so the hash logged is the hash of what was
 * scored.  Everything is loaded into a private struct load; the result is
 * moved to the caller only after round_run succeeded, so an error leaves
 * nothing behind.
 *
 * The raw-score callback relies on round_run calling it first with the
 * data itself (all counts 1) and then once per replicate (round.c does);
 * it accumulates each raw score's replicate mean and square to report
 * its bootstrap sd.
 */
#include "sim/roundin.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compete/bt.h"
#include "sim/lmeval.h"
#include "sim/panel.h"
#include "sim/votes.h"
#include "util/alloc.h"
#include "util/csv.h"
#include "util/file.h"
#include "util/jsonw.h"

#define PRD_PREFIX "answer_"
#define PRD_SUFFIX "-human-reviewer_threeclass.jsonl"
#define SAMPLES_MEAN_TOL 1e-6

/* One (task, metric, filter) a results part reads, per team. */
struct tteam {
	double value;       /* the results file's value */
	uint32_t *unit;     /* per sample: its unit in the task's stratum */
	double *v;          /* per sample: the value */
	size_t n;
};

struct task {
	const char *name, *metric, *filter; /* borrowed from the rubric */
	struct tteam *tt;   /* per team */
	int stratum;        /* -1: no per-sample logs, fixed */
	long *docs;         /* the stratum's units: sorted doc_ids */
	size_t ndocs;
};

struct load {
	const char *dir;
	struct rubricfile rf;
	char *rtext;
	char **teams;
	size_t nteams;
	struct roundin_file *files;
	size_t nfiles, fcap;
	int *gate_ok;
	char **gates_failed;
	/* results */
	struct task *tasks;
	size_t ntasks;
	size_t **ptask;     /* per part: indices into tasks */
	size_t nptask;      /* parts in ptask */
	/* panel */
	struct panel panel;
	int have_panel, panel_s;
	long *pcrit;        /* per part: criterion id, -1 all */
	long *pteam;        /* per team: id in panel.teams */
	double *pmean;
	/* votes */
	struct bt_game *games, *gw;
	size_t *gunit;
	size_t ngames, gcap, nvunits;
	int have_votes, votes_s;
	double *pstr;
	/* strata */
	size_t nstrata;
	size_t nunits[ROUND_MAX_STRATA];
	char *sname[ROUND_MAX_STRATA];
	/* callback statistics */
	long ncalls;
	double *raw0, *sum, *sumsq; /* replicate mean, squared deviations */
	long *cnt;
};

/* ---- files ---------------------------------------------------------- */

static char *
join(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s = xmalloc(na + nb + 2);

	snprintf(s, na + nb + 2, "%s/%s", a, b);
	return s;
}

/* Reads DIR/rel (at most max bytes), hashes it and records it once. */
static int
load_file(struct load *L, const char *rel, size_t max, char **buf,
	  size_t *len, struct err *e)
{
	char *path = join(L->dir, rel);
	char hex[AUDIT_HEX];
	int rc;

	rc = file_read_all(path, max, buf, len, e);
	free(path);
	if (rc < 0)
		return rc;
	audit_sha256_hex(*buf, *len, hex);
	for (size_t i = 0; i < L->nfiles; i++)
		if (strcmp(L->files[i].name, rel) == 0)
			return 0;
	if (L->nfiles == ROUNDIN_MAX_FILES) {
		free(*buf);
		*buf = NULL;
		return err_set(e, ERR_LIMIT, "%s: more than %d input files",
		    L->dir, ROUNDIN_MAX_FILES);
	}
	L->files = xgrow(L->files, &L->fcap, L->nfiles + 1, sizeof *L->files);
	L->files[L->nfiles].name = xstrdup(rel);
	memcpy(L->files[L->nfiles].sha256, hex, AUDIT_HEX);
	L->nfiles++;
	return 0;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The names in DIR/rel (no dot files), sorted bytewise. */
static int
list_dir(struct load *L, const char *rel, char ***names, size_t *n,
	 struct err *e)
{
	char *path = join(L->dir, rel);
	DIR *d = opendir(path);
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (d == NULL) {
		int rc = err_set(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
		    "%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	free(path);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		*names = xgrow(*names, &cap, *n + 1, sizeof **names);
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof **names, cmp_str);
	return 0;
}

static void
free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static long
team_index(const struct load *L, const char *s, size_t n)
{
	for (size_t i = 0; i < L->nteams; i++)
		if (strlen(L->teams[i]) == n && memcmp(L->teams[i], s, n) == 0)
			return (long)i;
	return -1;
}

/* ---- teams.csv and gates.csv ----------------------------------------- */

static int
load_teams(struct load *L, struct err *e)
{
	static const char *const hdr[] = {"team"};
	struct csv_lines r;
	char *buf, *path = join(L->dir, "teams.csv");
	const char *s;
	size_t len, n, cap = 0;
	int rc, k, header = 1;

	rc = load_file(L, "teams.csv", (size_t)1 << 20, &buf, &len, e);
	if (rc < 0) {
		free(path);
		return rc;
	}
	csv_lines_init(&r, path, buf, len);
	while ((k = csv_lines_next(&r, &s, &n, e)) != 0) {
		struct csv_field f[2];
		char scratch[CSV_MAX_LINE];

		if ((rc = k) < 0)
			break;
		if (n == 0 && !header)
			continue;
		if (csv_split(s, n, ',', f, 2, scratch) != 1) {
			rc = err_at(e, ERR_INVALID, path, r.line, "team",
			    "expected one field");
			break;
		}
		if (header) {
			if ((rc = csv_expect_header(f, hdr, 1, path, r.line,
			    e)) < 0)
				break;
			header = 0;
			continue;
		}
		if ((rc = csv_get_name(&r, "team", f[0], RUBRICFILE_MAX_NAME,
		    e)) < 0)
			break;
		if (team_index(L, f[0].s, f[0].n) >= 0) {
			rc = err_at(e, ERR_INVALID, path, r.line, "team",
			    "%.*s listed twice", (int)f[0].n, f[0].s);
			break;
		}
		if (L->nteams == ROUNDIN_MAX_TEAMS) {
			rc = err_at(e, ERR_LIMIT, path, r.line, "team",
			    "more than %d teams", ROUNDIN_MAX_TEAMS);
			break;
		}
		L->teams = xgrow(L->teams, &cap, L->nteams + 1,
		    sizeof *L->teams);
		L->teams[L->nteams++] = xstrndup(f[0].s, f[0].n);
		rc = 0;
	}
	if (rc == 0 && L->nteams == 0)
		rc = err_at(e, ERR_INVALID, path, 0, "team", "no teams");
	free(buf);
	free(path);
	return rc < 0 ? rc : 0;
}

static int
load_gates(struct load *L, struct err *e)
{
	static const char *const hdr[] = {"team", "gate", "pass"};
	const struct rubricfile *rf = &L->rf;
	struct csv_lines r;
	char *buf, *path;
	const char *s;
	size_t len, n, ng = rf->ngates;
	long *line;
	int rc, k, header = 1;

	L->gate_ok = xcalloc(L->nteams, sizeof *L->gate_ok);
	L->gates_failed = xcalloc(L->nteams, sizeof *L->gates_failed);
	for (size_t t = 0; t < L->nteams; t++) {
		L->gate_ok[t] = 1;
		L->gates_failed[t] = xstrdup("");
	}
	if (ng == 0)
		return 0;
	if ((rc = load_file(L, "gates.csv", (size_t)1 << 20, &buf, &len,
	    e)) < 0) {
		err_prefix(e, "the rubric has gates");
		return rc;
	}
	path = join(L->dir, "gates.csv");
	line = xcalloc(L->nteams * ng, sizeof *line);
	csv_lines_init(&r, path, buf, len);
	while ((k = csv_lines_next(&r, &s, &n, e)) != 0) {
		struct csv_field f[4];
		char scratch[CSV_MAX_LINE], show[64];
		long t, g = -1;
		int pass;

		if ((rc = k) < 0)
			break;
		if (n == 0 && !header)
			continue;
		if (csv_split(s, n, ',', f, 4, scratch) != 3) {
			rc = err_at(e, ERR_INVALID, path, r.line, NULL,
			    "expected 3 fields team,gate,pass");
			break;
		}
		if (header) {
			if ((rc = csv_expect_header(f, hdr, 3, path, r.line,
			    e)) < 0)
				break;
			header = 0;
			continue;
		}
		if ((t = team_index(L, f[0].s, f[0].n)) < 0) {
			rc = err_at(e, ERR_INVALID, path, r.line, "team",
			    "unknown team %s (not in teams.csv)",
			    csv_show(show, sizeof show, f[0]));
			break;
		}
		for (size_t i = 0; i < ng; i++)
			if (csv_eq(f[1], rf->gates[i]))
				g = (long)i;
		if (g < 0) {
			rc = err_at(e, ERR_INVALID, path, r.line, "gate",
			    "unknown gate %s (not in the rubric)",
			    csv_show(show, sizeof show, f[1]));
			break;
		}
		if (csv_eq(f[2], "yes"))
			pass = 1;
		else if (csv_eq(f[2], "no"))
			pass = 0;
		else {
			rc = err_at(e, ERR_INVALID, path, r.line, "pass",
			    "expected yes or no, got %s",
			    csv_show(show, sizeof show, f[2]));
			break;
		}
		if (line[(size_t)t * ng + (size_t)g] != 0) {
			rc = err_at(e, ERR_INVALID, path, r.line, "gate",
			    "%s of %s given twice (line %ld)",
			    rf->gates[g], L->teams[t],
			    line[(size_t)t * ng + (size_t)g]);
			break;
		}
		line[(size_t)t * ng + (size_t)g] = r.line;
		if (!pass) {
			char *old = L->gates_failed[t];
			size_t m = strlen(old) + strlen(rf->gates[g]) + 3;

			L->gates_failed[t] = xmalloc(m);
			snprintf(L->gates_failed[t], m, "%s%s%s", old,
			    old[0] ? ", " : "", rf->gates[g]);
			free(old);
			L->gate_ok[t] = 0;
		}
		rc = 0;
	}
	for (size_t t = 0; rc == 0 && t < L->nteams; t++)
		for (size_t g = 0; rc == 0 && g < ng; g++)
			if (line[t * ng + g] == 0)
				rc = err_at(e, ERR_INVALID, path, 0, "gate",
				    "no row for team %s, gate %s",
				    L->teams[t], rf->gates[g]);
	free(line);
	free(buf);
	free(path);
	return rc < 0 ? rc : 0;
}

/* ---- results and samples -------------------------------------------- */

static void
add_tasks(struct load *L)
{
	const struct rubricfile *rf = &L->rf;
	size_t cap = 0;

	L->ptask = xcalloc(rf->nparts, sizeof *L->ptask);
	L->nptask = rf->nparts;
	for (size_t k = 0; k < rf->nparts; k++) {
		const struct rubricfile_part *p = &rf->parts[k];

		if (p->source != RUBRICFILE_RESULTS)
			continue;
		L->ptask[k] = xcalloc(p->ntasks, sizeof *L->ptask[k]);
		for (size_t j = 0; j < p->ntasks; j++) {
			size_t i;

			for (i = 0; i < L->ntasks; i++) {
				const struct task *x = &L->tasks[i];

				if (strcmp(x->name, p->tasks[j]) == 0 &&
				    strcmp(x->metric, p->metric) == 0 &&
				    ((x->filter == NULL && p->filter == NULL) ||
				    (x->filter != NULL && p->filter != NULL &&
				    strcmp(x->filter, p->filter) == 0)))
					break;
			}
			if (i == L->ntasks) {
				struct task *x;

				L->tasks = xgrow(L->tasks, &cap, L->ntasks + 1,
				    sizeof *L->tasks);
				x = &L->tasks[L->ntasks++];
				memset(x, 0, sizeof *x);
				x->name = p->tasks[j];
				x->metric = p->metric;
				x->filter = p->filter;
				x->stratum = -1;
				x->tt = xcalloc(L->nteams, sizeof *x->tt);
			}
			L->ptask[k][j] = i;
		}
	}
}

/* The task a samples file is for: samples_TASK_STAMP.jsonl -> TASK. */
static int
samples_task(const char *fn, const char *task)
{
	const char *a, *u;

	if (strncmp(fn, "samples_", 8) != 0 || !ends_with(fn, ".jsonl"))
		return 0;
	a = fn + 8;
	u = strrchr(a, '_');
	return u != NULL && (size_t)(u - a) == strlen(task) &&
	    memcmp(a, task, strlen(task)) == 0;
}

static int
cmp_long(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;

	return (a > b) - (a < b);
}

/* Reads one team's results files and the samples of every needed task. */
static int
load_team_results(struct load *L, size_t t, struct err *e)
{
	char *rel = join("results", L->teams[t]);
	char **names;
	size_t nn, nres = 0;
	struct lmeval_results *res = NULL;
	char **resname = NULL;
	int rc;

	if ((rc = list_dir(L, rel, &names, &nn, e)) < 0) {
		char pre[RUBRICFILE_MAX_NAME + 64];

		snprintf(pre, sizeof pre, "team %s: a part reads results",
		    L->teams[t]);
		err_prefix(e, pre);
		free(rel);
		return rc;
	}
	res = xcalloc(nn + 1, sizeof *res);
	resname = xcalloc(nn + 1, sizeof *resname);
	for (size_t i = 0; i < nn && rc == 0; i++) {
		char *fr, *full, *buf;
		size_t len;

		if (!ends_with(names[i], ".json"))
			continue;
		fr = join(rel, names[i]);
		full = join(L->dir, fr);
		if ((rc = load_file(L, fr, LMEVAL_MAX_FILE, &buf, &len, e)) == 0) {
			rc = lmeval_results_parse(full, buf, len, &res[nres], e);
			free(buf);
		}
		if (rc == 0)
			resname[nres++] = xstrdup(names[i]);
		free(full);
		free(fr);
	}
	if (rc == 0 && nres == 0)
		rc = err_set(e, ERR_INVALID, "%s/%s: no results file (NAME.json)",
		    L->dir, rel);
	for (size_t i = 0; i < L->ntasks && rc == 0; i++) {
		struct task *x = &L->tasks[i];
		const struct lmeval_metric *m = NULL, *mm;
		size_t found = 0;

		for (size_t f = 0; f < nres && rc == 0; f++) {
			if ((mm = lmeval_results_find(&res[f], x->name,
			    x->metric, x->filter)) == NULL)
				continue;
			if (m != NULL)
				rc = err_set(e, ERR_INVALID, "%s/%s: task %s is "
				    "in both %s and %s", L->dir, rel, x->name,
				    resname[found], resname[f]);
			m = mm;
			found = f;
		}
		if (rc == 0 && m == NULL)
			rc = err_set(e, ERR_INVALID, "%s/%s: team %s: no task "
			    "%s with metric %s%s%s in its results", L->dir, rel,
			    L->teams[t], x->name, x->metric,
			    x->filter ? "," : "", x->filter ? x->filter : "");
		else if (rc == 0 && m->higher == LMEVAL_LOWER)
			rc = err_set(e, ERR_INVALID, "%s/%s: team %s: task %s "
			    "metric %s: the results say lower is better; a "
			    "rubric part scores higher as better", L->dir, rel,
			    L->teams[t], x->name, x->metric);
		if (rc == 0 && m != NULL)
			x->tt[t].value = m->value;
	}
	/* samples */
	for (size_t i = 0; i < L->ntasks && rc == 0; i++) {
		struct task *x = &L->tasks[i];
		struct tteam *tt = &x->tt[t];
		const char *fn = NULL;
		struct lmeval_samples s;
		char *fr, *full, *buf;
		size_t len;

		for (size_t j = 0; j < nn && rc == 0; j++) {
			if (!samples_task(names[j], x->name))
				continue;
			if (fn != NULL)
				rc = err_set(e, ERR_INVALID, "%s/%s: two "
				    "samples files for task %s: %s and %s",
				    L->dir, rel, x->name, fn, names[j]);
			fn = names[j];
		}
		if (rc < 0 || fn == NULL)
			continue;
		fr = join(rel, fn);
		full = join(L->dir, fr);
		memset(&s, 0, sizeof s);
		if ((rc = load_file(L, fr, LMEVAL_MAX_FILE, &buf, &len, e)) == 0) {
			rc = lmeval_samples_parse(full, buf, len, x->metric,
			    x->filter, &s, e);
			free(buf);
		}
		if (rc == 0 && s.n == 0)
			rc = err_set(e, ERR_INVALID, "%s: no samples", full);
		if (rc == 0) {
			double mean, se;

			lmeval_samples_stats(&s, &mean, &se);
			if (fabs(mean - tt->value) > SAMPLES_MEAN_TOL)
				rc = err_set(e, ERR_INVALID, "%s: the samples' "
				    "mean %.9g is not the results value %.9g "
				    "of task %s", full, mean, tt->value,
				    x->name);
		}
		if (rc == 0) {
			tt->n = s.n;
			tt->v = xmalloc(s.n * sizeof *tt->v);
			tt->unit = xmalloc(s.n * sizeof *tt->unit);
			/* unit holds the doc_id until the stratum is built */
			for (size_t j = 0; j < s.n; j++) {
				tt->v[j] = s.v[j].value;
				tt->unit[j] = (uint32_t)s.v[j].doc_id;
				if (s.v[j].doc_id > (long)UINT32_MAX - 1)
					rc = err_set(e, ERR_LIMIT, "%s: doc_id "
					    "%ld too large", full,
					    s.v[j].doc_id);
			}
		}
		lmeval_samples_free(&s);
		free(full);
		free(fr);
	}
	for (size_t f = 0; f < nres; f++) {
		lmeval_results_free(&res[f]);
		free(resname[f]);
	}
	free(res);
	free(resname);
	free_names(names, nn);
	free(rel);
	return rc;
}

/* Makes a stratum of each task with samples for every team. */
static int
task_strata(struct load *L, struct err *e)
{
	for (size_t i = 0; i < L->ntasks; i++) {
		struct task *x = &L->tasks[i];
		size_t with = 0, t0 = 0;

		for (size_t t = 0; t < L->nteams; t++)
			if (x->tt[t].n > 0)
				with++;
		if (with > 0 && with < L->nteams) {
			size_t t1 = 0;

			while (x->tt[t0].n == 0)
				t0++;
			while (x->tt[t1].n > 0)
				t1++;
			return err_set(e, ERR_INVALID, "%s: samples of task %s "
			    "for team %s but none for team %s: give them for "
			    "every team or none", L->dir, x->name,
			    L->teams[t0], L->teams[t1]);
		}
		if (with == 0)
			continue;
		if (L->nstrata == ROUND_MAX_STRATA)
			return err_set(e, ERR_LIMIT, "%s: more than %d strata "
			    "(panel, voters and tasks with samples)", L->dir,
			    ROUND_MAX_STRATA);
		x->ndocs = x->tt[0].n;
		x->docs = xmalloc(x->ndocs * sizeof *x->docs);
		for (size_t j = 0; j < x->ndocs; j++)
			x->docs[j] = (long)x->tt[0].unit[j];
		qsort(x->docs, x->ndocs, sizeof *x->docs, cmp_long);
		for (size_t t = 0; t < L->nteams; t++) {
			struct tteam *tt = &x->tt[t];

			if (tt->n != x->ndocs)
				return err_set(e, ERR_INVALID, "%s: task %s: "
				    "team %s has %zu samples, team %s %zu: "
				    "the items must be the same", L->dir,
				    x->name, L->teams[t], tt->n, L->teams[0],
				    x->ndocs);
			for (size_t j = 0; j < tt->n; j++) {
				long d = (long)tt->unit[j];
				long *p = bsearch(&d, x->docs, x->ndocs,
				    sizeof *x->docs, cmp_long);

				if (p == NULL)
					return err_set(e, ERR_INVALID, "%s: task "
					    "%s: team %s has doc_id %ld, team %s "
					    "has not: the items must be the same",
					    L->dir, x->name, L->teams[t], d,
					    L->teams[0]);
				tt->unit[j] = (uint32_t)(p - x->docs);
			}
		}
		x->stratum = (int)L->nstrata;
		L->nunits[L->nstrata] = x->ndocs;
		L->sname[L->nstrata] = xmalloc(strlen(x->name) + 7);
		sprintf(L->sname[L->nstrata], "items:%s", x->name);
		L->nstrata++;
	}
	return 0;
}

/* ---- panel ---------------------------------------------------------- */

static int
load_panel(struct load *L, struct err *e)
{
	const struct rubricfile *rf = &L->rf;
	char *buf, *path;
	size_t len;
	int rc;

	if ((rc = load_file(L, "panel.csv", PANEL_MAX_FILE, &buf, &len,
	    e)) < 0) {
		err_prefix(e, "a part reads the panel");
		return rc;
	}
	path = join(L->dir, "panel.csv");
	rc = panel_parse(&L->panel, path, buf, len, rf->panel_lo,
	    rf->panel_hi, (const char *const *)L->teams, L->nteams, e);
	free(buf);
	L->pcrit = xcalloc(rf->nparts, sizeof *L->pcrit);
	L->pteam = xcalloc(L->nteams, sizeof *L->pteam);
	L->pmean = xcalloc(L->nteams + 1, sizeof *L->pmean);
	for (size_t t = 0; rc == 0 && t < L->nteams; t++)
		L->pteam[t] = strtab_find(&L->panel.teams, L->teams[t],
		    strlen(L->teams[t]));
	for (size_t k = 0; rc == 0 && k < rf->nparts; k++) {
		const struct rubricfile_part *p = &rf->parts[k];

		if (p->source != RUBRICFILE_PANEL)
			continue;
		L->pcrit[k] = -1;
		if (p->criterion != NULL &&
		    (L->pcrit[k] = strtab_find(&L->panel.criteria,
		    p->criterion, strlen(p->criterion))) < 0) {
			rc = err_set(e, ERR_INVALID, "%s: part %s: no scores "
			    "for criterion %s", path, p->name, p->criterion);
			break;
		}
		L->pmean = xrealloc(L->pmean, (L->panel.teams.n + 1) *
		    sizeof *L->pmean);
		panel_team_means(&L->panel, L->pcrit[k], NULL, L->pmean);
		for (size_t t = 0; rc == 0 && t < L->nteams; t++)
			if (L->pteam[t] < 0 || isnan(L->pmean[L->pteam[t]]))
				rc = err_set(e, ERR_INVALID, "%s: part %s: "
				    "team %s has no scores%s%s", path, p->name,
				    L->teams[t], p->criterion ?
				    " for criterion " : "",
				    p->criterion ? p->criterion : "");
	}
	if (rc == 0) {
		L->panel_s = (int)L->nstrata;
		L->nunits[L->nstrata] = L->panel.evaluators.n;
		L->sname[L->nstrata++] = xstrdup("panel");
	}
	free(path);
	return rc;
}

/* ---- votes ---------------------------------------------------------- */

/* Appends vs's votes as games; unit = voter id + base, or a fresh unit
 * per anonymous vote. */
static int
add_games(struct load *L, const struct votes *vs, const char *path,
	  struct err *e)
{
	size_t base = L->nvunits;

	for (size_t i = 0; i < vs->n; i++) {
		const struct vote *v = &vs->v[i];
		const char *na = strtab_get(&vs->models, v->a);
		const char *nb = strtab_get(&vs->models, v->b);
		long a = team_index(L, na, strlen(na));
		long b = team_index(L, nb, strlen(nb));
		struct bt_game *g;

		if (a < 0 || b < 0)
			return err_at(e, ERR_INVALID, path, v->line, "model",
			    "unknown team %s", a < 0 ? na : nb);
		L->games = xgrow(L->games, &L->gcap, L->ngames + 1,
		    sizeof *L->games);
		L->gunit = xrealloc(L->gunit, L->gcap * sizeof *L->gunit);
		g = &L->games[L->ngames];
		g->a = (uint32_t)a;
		g->b = (uint32_t)b;
		g->score = v->winner == VOTE_A ? 1 : v->winner == VOTE_B ? 0 :
		    0.5;
		g->weight = 1;
		if (v->voter == VOTES_ANON)
			L->gunit[L->ngames] = L->nvunits++;
		else
			L->gunit[L->ngames] = base + v->voter;
		L->ngames++;
	}
	if (vs->voters.n > 0 && base + vs->voters.n > L->nvunits)
		L->nvunits = base + vs->voters.n;
	return 0;
}

static int
load_votes(struct load *L, struct err *e)
{
	const struct rubricfile *rf = &L->rf;
	char **names = NULL, *path;
	size_t nn = 0;
	int rc, have_dir, have_csv;
	FILE *f;

	path = join(L->dir, "votes.csv");
	have_csv = (f = fopen(path, "rb")) != NULL;
	if (f != NULL)
		fclose(f);
	free(path);
	rc = list_dir(L, "votes", &names, &nn, e);
	have_dir = rc == 0;
	if (rc < 0 && rc != ERR_NOTFOUND)
		return rc;
	rc = 0;
	if (have_csv && have_dir)
		rc = err_set(e, ERR_INVALID, "%s: both votes.csv and votes/: "
		    "keep one", L->dir);
	else if (!have_csv && !have_dir)
		rc = err_set(e, ERR_NOTFOUND, "%s: a part reads votes: no "
		    "votes.csv and no votes/ directory", L->dir);
	else if (have_csv) {
		struct votes vs;
		char *buf;
		size_t len;

		memset(&vs, 0, sizeof vs);
		path = join(L->dir, "votes.csv");
		if ((rc = load_file(L, "votes.csv", VOTES_MAX_FILE, &buf, &len,
		    e)) == 0) {
			rc = votes_parse_csv(&vs, path, buf, len,
			    (const char *const *)L->teams, L->nteams, e);
			free(buf);
		}
		if (rc == 0)
			rc = add_games(L, &vs, path, e);
		votes_free(&vs);
		free(path);
	} else {
		size_t used = 0;

		for (size_t i = 0; i < nn && rc == 0; i++) {
			struct votes vs;
			char *fr, *buf;
			size_t len;

			if (strncmp(names[i], PRD_PREFIX,
			    strlen(PRD_PREFIX)) != 0 ||
			    !ends_with(names[i], PRD_SUFFIX))
				continue;
			used++;
			memset(&vs, 0, sizeof vs);
			fr = join("votes", names[i]);
			path = join(L->dir, fr);
			if ((rc = load_file(L, fr, VOTES_MAX_FILE, &buf, &len,
			    e)) == 0) {
				rc = votes_parse_prd(&vs, path, buf, len,
				    (const char *const *)L->teams, L->nteams,
				    e);
				free(buf);
			}
			if (rc == 0)
				rc = add_games(L, &vs, path, e);
			votes_free(&vs);
			free(path);
			free(fr);
		}
		if (rc == 0 && used == 0)
			rc = err_set(e, ERR_NOTFOUND, "%s/votes: no file named "
			    PRD_PREFIX "{A}-vs-answer_{B}" PRD_SUFFIX, L->dir);
	}
	free_names(names, nn);
	if (rc < 0)
		return rc;
	for (size_t t = 0; t < L->nteams; t++) {
		size_t k = 0;

		for (size_t i = 0; i < L->ngames; i++)
			k += L->games[i].a == t || L->games[i].b == t;
		if (k == 0)
			return err_set(e, ERR_INVALID, "%s: votes: team %s has "
			    "no votes", L->dir, L->teams[t]);
	}
	L->gw = xmalloc((L->ngames + 1) * sizeof *L->gw);
	L->pstr = xmalloc(L->nteams * sizeof *L->pstr);
	for (size_t k = 0; k < rf->nparts; k++) {
		const struct rubricfile_part *p = &rf->parts[k];
		struct bt_opts o = bt_defaults();

		if (p->source != RUBRICFILE_VOTES || p->rating != RUBRICFILE_BT)
			continue;
		o.prior = p->prior;
		if ((rc = bt_fit(L->nteams, L->games, L->ngames, &o, L->pstr,
		    NULL, e)) < 0) {
			err_prefix(e, p->name);
			err_prefix(e, "votes");
			return rc;
		}
	}
	if (L->nstrata == ROUND_MAX_STRATA)
		return err_set(e, ERR_LIMIT, "%s: too many strata", L->dir);
	L->votes_s = (int)L->nstrata;
	L->nunits[L->nstrata] = L->nvunits;
	L->sname[L->nstrata++] = xstrdup("voters");
	return 0;
}

/* ---- the raw scores --------------------------------------------------- */

static double
task_value(const struct task *x, size_t t, const uint32_t *const *counts)
{
	const struct tteam *tt = &x->tt[t];
	const uint32_t *c;
	double s = 0, w = 0;

	if (x->stratum < 0)
		return tt->value;
	c = counts[x->stratum];
	for (size_t j = 0; j < tt->n; j++) {
		s += c[tt->unit[j]] * tt->v[j];
		w += c[tt->unit[j]];
	}
	return w > 0 ? s / w : NAN;
}

static void
raw_scores(void *ctx, const uint32_t *const *counts, double *raw)
{
	struct load *L = ctx;
	const struct rubricfile *rf = &L->rf;
	size_t nt = L->nteams;

	for (size_t k = 0; k < rf->nparts; k++) {
		const struct rubricfile_part *p = &rf->parts[k];
		double *row = raw + k * nt;

		if (p->source == RUBRICFILE_RESULTS) {
			for (size_t t = 0; t < nt; t++) {
				double s = 0;

				for (size_t j = 0; j < p->ntasks; j++)
					s += task_value(&L->tasks[L->ptask[k][j]],
					    t, counts);
				row[t] = s / (double)p->ntasks;
			}
		} else if (p->source == RUBRICFILE_PANEL) {
			panel_team_means(&L->panel, L->pcrit[k],
			    counts[L->panel_s], L->pmean);
			for (size_t t = 0; t < nt; t++)
				row[t] = L->pteam[t] < 0 ? NAN :
				    L->pmean[L->pteam[t]];
		} else {
			const uint32_t *c = counts[L->votes_s];

			for (size_t i = 0; i < L->ngames; i++) {
				L->gw[i] = L->games[i];
				L->gw[i].weight = c[L->gunit[i]];
			}
			if (p->rating == RUBRICFILE_WINRATE) {
				bt_winrate(nt, L->gw, L->ngames, row);
			} else {
				struct bt_opts o = bt_defaults();

				o.prior = p->prior;
				if (bt_fit(nt, L->gw, L->ngames, &o, L->pstr,
				    NULL, NULL) < 0)
					for (size_t t = 0; t < nt; t++)
						row[t] = NAN;
				else
					for (size_t t = 0; t < nt; t++)
						row[t] = log(L->pstr[t]);
			}
		}
	}
	if (L->ncalls++ == 0) {
		memcpy(L->raw0, raw, rf->nparts * nt * sizeof *raw);
		return;
	}
	for (size_t i = 0; i < rf->nparts * nt; i++) {
		double d;

		if (isnan(raw[i]))
			continue;
		/* Welford: mean in sum[], squared deviations in sumsq[] */
		L->cnt[i]++;
		d = raw[i] - L->sum[i];
		L->sum[i] += d / (double)L->cnt[i];
		L->sumsq[i] += d * (raw[i] - L->sum[i]);
	}
}

/* ---- the whole round -------------------------------------------------- */

static void
load_free(struct load *L)
{
	rubricfile_free(&L->rf);
	free(L->rtext);
	for (size_t t = 0; t < L->nteams; t++) {
		if (L->teams != NULL)
			free(L->teams[t]);
		if (L->gates_failed != NULL)
			free(L->gates_failed[t]);
	}
	free(L->teams);
	free(L->gates_failed);
	free(L->gate_ok);
	for (size_t i = 0; i < L->nfiles; i++)
		free(L->files[i].name);
	free(L->files);
	for (size_t i = 0; i < L->ntasks; i++) {
		for (size_t t = 0; t < L->nteams; t++) {
			free(L->tasks[i].tt[t].unit);
			free(L->tasks[i].tt[t].v);
		}
		free(L->tasks[i].tt);
		free(L->tasks[i].docs);
	}
	free(L->tasks);
	for (size_t k = 0; k < L->nptask; k++)
		free(L->ptask[k]);
	free(L->ptask);
	panel_free(&L->panel);
	free(L->pcrit);
	free(L->pteam);
	free(L->pmean);
	free(L->games);
	free(L->gw);
	free(L->gunit);
	free(L->pstr);
	for (size_t s = 0; s < L->nstrata; s++)
		free(L->sname[s]);
	free(L->raw0);
	free(L->sum);
	free(L->sumsq);
	free(L->cnt);
	memset(L, 0, sizeof *L);
}

static int
cmp_file(const void *x, const void *y)
{
	return strcmp(((const struct roundin_file *)x)->name,
	    ((const struct roundin_file *)y)->name);
}

int
roundin_run(const char *rname, const char *rubric, size_t rlen,
	    const char *dir, struct roundin_result *out, struct err *e)
{
	struct load L;
	struct roundin_result R;
	size_t np, nt;
	int rc, need[3] = {0, 0, 0};

	memset(out, 0, sizeof *out);
	memset(&L, 0, sizeof L);
	memset(&R, 0, sizeof R);
	L.dir = dir;
	L.panel_s = L.votes_s = -1;
	if ((rc = rubricfile_parse(rname, rubric, rlen, &L.rf, e)) < 0)
		return rc;
	L.rtext = xstrndup(rubric, rlen);
	for (size_t k = 0; k < L.rf.nparts; k++)
		need[L.rf.parts[k].source] = 1;
	if ((rc = load_teams(&L, e)) < 0)
		goto done;
	if ((rc = load_gates(&L, e)) < 0)
		goto done;
	if (need[RUBRICFILE_PANEL] && (rc = load_panel(&L, e)) < 0)
		goto done;
	if (need[RUBRICFILE_VOTES] && (rc = load_votes(&L, e)) < 0)
		goto done;
	if (need[RUBRICFILE_RESULTS]) {
		add_tasks(&L);
		for (size_t t = 0; t < L.nteams; t++)
			if ((rc = load_team_results(&L, t, e)) < 0)
				goto done;
		if ((rc = task_strata(&L, e)) < 0)
			goto done;
	}
	np = L.rf.nparts;
	nt = L.nteams;
	L.raw0 = xcalloc(np * nt, sizeof *L.raw0);
	L.sum = xcalloc(np * nt, sizeof *L.sum);
	L.sumsq = xcalloc(np * nt, sizeof *L.sumsq);
	L.cnt = xcalloc(np * nt, sizeof *L.cnt);
	R.t = xcalloc(nt, sizeof *R.t);
	for (size_t t = 0; t < nt; t++)
		R.t[t].gate_ok = L.gate_ok[t];
	if ((rc = round_run(&L.rf.rubric, nt, (const char *const *)L.teams,
	    L.nstrata, L.nunits, raw_scores, &L, &L.rf.cfg, R.t, R.why,
	    sizeof R.why, e)) < 0) {
		free(R.t);
		goto done;
	}

	/* move everything into the result */
	R.rf = L.rf;
	memset(&L.rf, 0, sizeof L.rf);
	R.rubric_text = L.rtext;
	L.rtext = NULL;
	audit_sha256_hex(rubric, rlen, R.rubric_sha256);
	R.teams = L.teams;
	R.nteams = nt;
	R.gates_failed = L.gates_failed;
	L.teams = NULL;
	L.gates_failed = NULL;
	R.raw = L.raw0;
	L.raw0 = NULL;
	R.raw_se = xcalloc(np * nt, sizeof *R.raw_se);
	for (size_t i = 0; i < np * nt; i++) {
		double v = L.cnt[i] > 1 ? L.sumsq[i] / (double)(L.cnt[i] - 1) :
		    0;

		R.raw_se[i] = v > 0 ? sqrt(v) : 0;
	}
	R.nstrata = L.nstrata;
	R.strata = xcalloc(L.nstrata + 1, sizeof *R.strata);
	R.nunits = xcalloc(L.nstrata + 1, sizeof *R.nunits);
	for (size_t s = 0; s < L.nstrata; s++) {
		R.strata[s] = L.sname[s];
		L.sname[s] = NULL;
		R.nunits[s] = L.nunits[s];
	}
	qsort(L.files, L.nfiles, sizeof *L.files, cmp_file);
	R.files = L.files;
	R.nfiles = L.nfiles;
	L.files = NULL;
	L.nfiles = 0;
	*out = R;
	rc = 0;
done:
	load_free(&L);
	return rc;
}

void
roundin_free(struct roundin_result *r)
{
	if (r == NULL)
		return;
	rubricfile_free(&r->rf);
	free(r->rubric_text);
	for (size_t t = 0; t < r->nteams; t++) {
		free(r->teams[t]);
		free(r->gates_failed[t]);
	}
	free(r->teams);
	free(r->gates_failed);
	free(r->t);
	free(r->raw);
	free(r->raw_se);
	for (size_t s = 0; s < r->nstrata; s++)
		free(r->strata[s]);
	free(r->strata);
	free(r->nunits);
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i].name);
	free(r->files);
	memset(r, 0, sizeof *r);
}

/* ---- output ----------------------------------------------------------- */

static const char *
tie_name(int tie)
{
	return tie == ROUND_TIE_KEEP ? "keep" : tie == ROUND_TIE_POINT ?
	    "point" : "part";
}

static const char *
source_name(int s)
{
	return s == RUBRICFILE_RESULTS ? "results" : s == RUBRICFILE_PANEL ?
	    "panel" : "votes";
}

static void
payload_write(struct jsonw *w, const struct roundin_result *r)
{
	const struct rubricfile *rf = &r->rf;
	size_t nt = r->nteams;

	jsonw_obj(w);
	jsonw_key(w, "format");
	jsonw_str(w, "allot-round-1");
	jsonw_key(w, "inputs");
	jsonw_arr(w);
	for (size_t i = 0; i < r->nfiles; i++) {
		jsonw_obj(w);
		jsonw_key(w, "name");
		jsonw_str(w, r->files[i].name);
		jsonw_key(w, "sha256");
		jsonw_str(w, r->files[i].sha256);
		jsonw_end(w);
	}
	jsonw_end(w);
	jsonw_key(w, "rubric");
	jsonw_obj(w);
	jsonw_key(w, "name");
	jsonw_str(w, rf->name);
	jsonw_key(w, "version");
	jsonw_str(w, rf->version);
	jsonw_key(w, "sha256");
	jsonw_str(w, r->rubric_sha256);
	jsonw_key(w, "text");
	jsonw_str(w, r->rubric_text);
	jsonw_end(w);
	jsonw_key(w, "config");
	jsonw_obj(w);
	jsonw_key(w, "reps");
	jsonw_int(w, rf->cfg.reps);
	jsonw_key(w, "level");
	jsonw_double(w, rf->cfg.level);
	jsonw_key(w, "confidence");
	jsonw_double(w, rf->cfg.confidence);
	jsonw_key(w, "seed");
	jsonw_uint(w, rf->cfg.seed);
	jsonw_key(w, "finalists");
	jsonw_uint(w, rf->cfg.finalists);
	jsonw_key(w, "tie");
	jsonw_str(w, tie_name(rf->cfg.tie));
	jsonw_key(w, "tie_part");
	jsonw_str(w, rf->cfg.tie == ROUND_TIE_PART ?
	    rf->parts[rf->cfg.tie_part].name : NULL);
	jsonw_end(w);
	jsonw_key(w, "parts");
	jsonw_arr(w);
	for (size_t k = 0; k < rf->nparts; k++) {
		jsonw_obj(w);
		jsonw_key(w, "name");
		jsonw_str(w, rf->parts[k].name);
		jsonw_key(w, "weight");
		jsonw_double(w, rf->parts[k].weight);
		jsonw_key(w, "source");
		jsonw_str(w, source_name(rf->parts[k].source));
		jsonw_end(w);
	}
	jsonw_end(w);
	jsonw_key(w, "strata");
	jsonw_arr(w);
	for (size_t s = 0; s < r->nstrata; s++) {
		jsonw_obj(w);
		jsonw_key(w, "name");
		jsonw_str(w, r->strata[s]);
		jsonw_key(w, "units");
		jsonw_uint(w, r->nunits[s]);
		jsonw_end(w);
	}
	jsonw_end(w);
	jsonw_key(w, "teams");
	jsonw_arr(w);
	for (size_t t = 0; t < nt; t++) {
		const struct round_team *x = &r->t[t];

		jsonw_obj(w);
		jsonw_key(w, "name");
		jsonw_str(w, r->teams[t]);
		jsonw_key(w, "gate");
		jsonw_bool(w, x->gate_ok);
		jsonw_key(w, "gates_failed");
		jsonw_str(w, r->gates_failed[t]);
		jsonw_key(w, "raw");
		jsonw_arr(w);
		for (size_t k = 0; k < rf->nparts; k++)
			jsonw_double(w, r->raw[k * nt + t]);
		jsonw_end(w);
		jsonw_key(w, "raw_se");
		jsonw_arr(w);
		for (size_t k = 0; k < rf->nparts; k++)
			jsonw_double(w, r->raw_se[k * nt + t]);
		jsonw_end(w);
		jsonw_key(w, "score");
		jsonw_double(w, x->score);
		jsonw_key(w, "lo");
		jsonw_double(w, x->lo);
		jsonw_key(w, "hi");
		jsonw_double(w, x->hi);
		jsonw_key(w, "p_last");
		jsonw_double(w, x->p_last);
		jsonw_key(w, "rank");
		jsonw_int(w, x->rank);
		jsonw_key(w, "out");
		jsonw_bool(w, x->out);
		jsonw_end(w);
	}
	jsonw_end(w);
	jsonw_key(w, "out");
	jsonw_arr(w);
	for (size_t t = 0; t < nt; t++)
		if (r->t[t].out)
			jsonw_str(w, r->teams[t]);
	jsonw_end(w);
	jsonw_key(w, "finalists");
	jsonw_arr(w);
	for (size_t t = 0; t < nt; t++)
		if (!r->t[t].out)
			jsonw_str(w, r->teams[t]);
	jsonw_end(w);
	jsonw_key(w, "decision");
	jsonw_str(w, r->why);
	jsonw_end(w);
}

char *
roundin_payload(const struct roundin_result *r)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	struct jsonw w;

	if (f == NULL)
		allot_die("open_memstream: %s", strerror(errno));
	else {
		jsonw_init(&w, f);
		payload_write(&w, r);
		if (fclose(f) != 0)
			allot_die("open_memstream: %s", strerror(errno));
	}
	return s;
}

void
roundin_write_json(FILE *f, const struct roundin_result *r)
{
	struct jsonw w;

	jsonw_init(&w, f);
	payload_write(&w, r);
	jsonw_nl(&w);
}

void
roundin_write_table(FILE *f, const struct roundin_result *r)
{
	const struct rubricfile *rf = &r->rf;

	fprintf(f, "round %s (rubric %s@%s, %d replicates, seed %llu, "
	    "%zu finalists, tie rule %s)\n", rf->name, rf->name, rf->version,
	    rf->cfg.reps, (unsigned long long)rf->cfg.seed,
	    rf->cfg.finalists, tie_name(rf->cfg.tie));
	fprintf(f, "%-20s %7s %17s %7s %5s  %-8s %s\n", "team", "score",
	    "interval", "P(last)", "rank", "gate", "decision");
	for (size_t t = 0; t < r->nteams; t++) {
		const struct round_team *x = &r->t[t];
		char iv[48], pl[16], rk[16];

		snprintf(iv, sizeof iv, "[%.2f, %.2f]", x->lo, x->hi);
		if (isnan(x->p_last))
			snprintf(pl, sizeof pl, "-");
		else
			snprintf(pl, sizeof pl, "%.3f", x->p_last);
		if (x->rank > 0)
			snprintf(rk, sizeof rk, "%d", x->rank);
		else
			snprintf(rk, sizeof rk, "-");
		fprintf(f, "%-20s %7.2f %17s %7s %5s  %-8s %s\n", r->teams[t],
		    x->score, iv, pl, rk, x->gate_ok ? "pass" : "FAIL",
		    x->out ? "out" : "stays");
	}
	fprintf(f, "decision: %s\n", r->why);
	fprintf(f, "\nparts: raw score on the data (bootstrap sd)\n%-20s",
	    "team");
	for (size_t k = 0; k < rf->nparts; k++)
		fprintf(f, " %20s", rf->parts[k].name);
	fputc('\n', f);
	for (size_t t = 0; t < r->nteams; t++) {
		fprintf(f, "%-20s", r->teams[t]);
		for (size_t k = 0; k < rf->nparts; k++) {
			char cell[48];

			snprintf(cell, sizeof cell, "%.4g (%.2g)",
			    r->raw[k * r->nteams + t],
			    r->raw_se[k * r->nteams + t]);
			fprintf(f, " %20s", cell);
		}
		fputc('\n', f);
	}
}
