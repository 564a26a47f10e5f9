/*
 * lmeval.h — readers for EleutherAI lm-evaluation-harness outputs, read as
 * the harness writes them (docs/EVAL-FORMATS.md):
 *
 *  - results JSON, layout 0.4.x: results[task]["<metric>,<filter>"] with
 *    its standard error in "<metric>_stderr,<filter>" (a number or the
 *    string "N/A"), an "alias", and beside "results" the optional objects
 *    "groups" (group aggregates), "group_subtasks", "higher_is_better"
 *    and "n-samples";
 *  - results JSON, layout 0.3 (the Korean fork): results[task] with flat
 *    "<metric>" and "<metric>_stderr" keys and no filter;
 *  - per-sample JSONL (samples_<task>_*.jsonl): one object per item with
 *    its "doc_id" and the item's metric value (e.g. "acc": 1).
 *
 * Every value is checked; a failure returns ERR_INVALID (or ERR_LIMIT,
 * ERR_IO, ERR_NOTFOUND) with a message naming the place: a JSON path for
 * results ("NAME: results.arc_easy[\"acc,none\"]: expected a number, got a
 * string"), "NAME:LINE:COLUMN: ..." for JSON syntax errors (jansson's
 * position), "NAME:LINE: field: ..." for JSONL rows.  On failure the output
 * is left empty.  The parse functions do no I/O; the read functions read
 * a file of at most LMEVAL_MAX_FILE bytes and parse it.
 *
 * Ownership: a struct lmeval_results or lmeval_samples owns every string
 * and array it points to; free it with lmeval_results_free or
 * lmeval_samples_free (both accept a zeroed struct).
 */
#ifndef ALLOT_SIM_LMEVAL_H
#define ALLOT_SIM_LMEVAL_H

#include <stddef.h>

#include "util/err.h"

#define LMEVAL_MAX_FILE ((size_t)256 << 20) /* bytes in one input file */
#define LMEVAL_MAX_NAME 256                 /* bytes in a task or metric key */
#define LMEVAL_MAX_ROWS 1000000             /* metric rows or samples */

/* higher_is_better as the file states it */
enum { LMEVAL_LOWER = 0, LMEVAL_HIGHER = 1, LMEVAL_UNKNOWN = -1 };

struct lmeval_metric {
	char *task;
	char *metric;  /* "acc", "exact_match" ... */
	char *filter;  /* "none", "strict-match" ...; "" in layout 0.3 */
	double value;
	double se;     /* standard error; NaN when absent or "N/A" */
	int higher;    /* LMEVAL_HIGHER, LMEVAL_LOWER or LMEVAL_UNKNOWN */
	long n;        /* items evaluated (n-samples "effective"), -1 unknown */
	int group;     /* 1: the task is a group (its value aggregates others) */
};

struct lmeval_group {
	char *name;
	char **subtasks; /* from group_subtasks, in file order */
	size_t nsub;
};

struct lmeval_results {
	int layout;                  /* 3 (0.3) or 4 (0.4.x) */
	struct lmeval_metric *rows;  /* results[...], task by task, file order */
	size_t nrows;
	size_t ntasks;               /* distinct tasks in results */
	struct lmeval_metric *grows; /* the "groups" object's rows (0.4) */
	size_t ngrows;
	struct lmeval_group *groups; /* tasks with subtasks in group_subtasks */
	size_t ngroups;
};

struct lmeval_sample {
	long doc_id;
	double value;
};

struct lmeval_samples {
	char *metric;               /* the metric read */
	char *filter;               /* the rows' "filter", or "" if they have none */
	struct lmeval_sample *v;    /* in file order */
	size_t n;
};

/*
 * Parses a results JSON buf[0..len) named `name` in messages; detects the
 * layout (a metric key with a comma anywhere means 0.4, none means 0.3;
 * "groups", "group_subtasks", "higher_is_better" or "n-samples" require
 * 0.4).  Returns 0 with *out filled, or a negative ERR_* with e set and
 * *out empty.
 */
int lmeval_results_parse(const char *name, const char *buf, size_t len,
			 struct lmeval_results *out, struct err *e);
/* Reads the file at path (at most LMEVAL_MAX_FILE bytes) and parses it. */
int lmeval_results_read(const char *path, struct lmeval_results *out,
			struct err *e);
void lmeval_results_free(struct lmeval_results *r);
/* The first row of results with this task, metric and filter (filter NULL:
 * any), or NULL.  Lends a pointer into r. */
const struct lmeval_metric *lmeval_results_find(const struct lmeval_results *r,
						const char *task,
						const char *metric,
						const char *filter);

/*
 * Parses per-sample JSONL buf[0..len).  metric names the row field that
 * holds the item's value (a number or a boolean); NULL picks it from the
 * first row: the one entry of its "metrics" array if it has one, else its
 * single numeric field outside the harness's own (doc_id, target, hashes
 * ...), else an error asking for a name.  filter, if not NULL, keeps only
 * rows whose "filter" equals it; otherwise all rows must share one filter.
 * Blank lines are skipped.  Every doc_id (an integer >= 0) appears once.
 * Returns 0 or a negative ERR_* with e "NAME:LINE: field: reason".
 */
int lmeval_samples_parse(const char *name, const char *buf, size_t len,
			 const char *metric, const char *filter,
			 struct lmeval_samples *out, struct err *e);
/* Reads the file at path (at most LMEVAL_MAX_FILE bytes) and parses it. */
int lmeval_samples_read(const char *path, const char *metric,
			const char *filter, struct lmeval_samples *out,
			struct err *e);
void lmeval_samples_free(struct lmeval_samples *s);
/* The mean of the values and the harness's standard error of it,
 * sd / sqrt(n) with the sample sd (n - 1); se is NaN when n < 2, both
 * NaN when n == 0. */
void lmeval_samples_stats(const struct lmeval_samples *s, double *mean,
			  double *se);

#endif
