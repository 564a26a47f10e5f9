/*
 * rubricfile.h — a competition round's rubric as a text file
 * (docs/ROUNDS.md): its parts with their sources and normalisation, the
 * gates, the number of finalists, the tie rule and the bootstrap.
 *
 *	rubric korea-2026-r1 version 1
 *	part bench.national 10 group benchmarks source results task=kmmlu metric=acc,none norm fixed 0.25 1
 *	part experts 35 group experts source panel criterion=all norm fixed 0 10
 *	part users 25 group users source votes rating=bt norm minmax
 *	gate from-scratch
 *	finalists 3
 *	tie part users
 *	bootstrap reps 2000 level 0.95 confidence 0.95 seed 1
 *
 * Pure: parses a buffer, no I/O.  Errors are ERR_INVALID (ERR_LIMIT for
 * sizes) with "NAME:LINE: FIELD: reason"; on error the output is empty.
 * Ownership: struct rubricfile owns every string and array it points to;
 * free it with rubricfile_free (a zeroed struct may be freed).
 */
#ifndef ALLOT_COMPETE_RUBRICFILE_H
#define ALLOT_COMPETE_RUBRICFILE_H

#include <stddef.h>

#include "compete/round.h"
#include "compete/rubric.h"
#include "util/err.h"

#define RUBRICFILE_MAX_FILE ((size_t)1 << 20) /* bytes in a rubric file */
#define RUBRICFILE_MAX_PARTS 32
#define RUBRICFILE_MAX_TASKS 32    /* tasks in one results part */
#define RUBRICFILE_MAX_GATES 16
#define RUBRICFILE_MAX_NAME 40     /* rubric, part, group, gate names */
#define RUBRICFILE_MAX_VERSION 16
#define RUBRICFILE_MAX_TASK 256    /* a task, metric or criterion name */
#define RUBRICFILE_MAX_REPS 1000000

enum rubricfile_source {
	RUBRICFILE_RESULTS = 0, /* lm-evaluation-harness results (+ samples) */
	RUBRICFILE_PANEL,       /* panel scores CSV */
	RUBRICFILE_VOTES        /* pairwise votes: CSV or PRD directory */
};

enum rubricfile_rating {
	RUBRICFILE_BT = 0,      /* Bradley-Terry log-strength (geo. mean 0) */
	RUBRICFILE_WINRATE      /* share of games won, ties half */
};

struct rubricfile_part {
	char *name;
	char *group;            /* "" when not given */
	double weight;          /* > 0 */
	enum rubric_norm norm;
	double lo, hi;          /* RUBRIC_FIXED scale */
	int source;             /* enum rubricfile_source */
	/* RUBRICFILE_RESULTS */
	char **tasks;
	size_t ntasks;
	char *metric;           /* e.g. "acc" */
	char *filter;           /* e.g. "none"; NULL: any (layout 0.3: "") */
	/* RUBRICFILE_PANEL */
	char *criterion;        /* NULL: the mean over all criteria */
	/* RUBRICFILE_VOTES */
	int rating;             /* enum rubricfile_rating */
	double prior;           /* bt_opts.prior, >= 0 */
	long line;              /* where the part is defined */
};

struct rubricfile {
	char *name;
	char *version;          /* "1" unless given */
	struct rubricfile_part *parts;
	size_t nparts;
	struct rubric_part *rparts; /* the rubric view of parts (same order) */
	struct rubric rubric;       /* parts = rparts */
	char **gates;
	size_t ngates;
	double panel_lo, panel_hi;  /* valid panel scores (default 0..10) */
	struct round_cfg cfg;       /* finalists, tie, bootstrap */
};

/*
 * Parses buf[0..len) (named `name` in messages) into out.  Required: one
 * `rubric` line, at least one `part`, one `finalists` line.  Defaults:
 * version 1, tie keep, reps 2000, level 0.95, confidence 0.95, seed 1,
 * panel range 0 10.  Returns 0, or a negative ERR_* with e set and out
 * zeroed.
 */
int rubricfile_parse(const char *name, const char *buf, size_t len,
		     struct rubricfile *out, struct err *e);
void rubricfile_free(struct rubricfile *rf);
/* The index of the part called name, or -1. */
long rubricfile_find_part(const struct rubricfile *rf, const char *name);
/* Writes the policy version "round:NAME@VERSION" to buf (cap >= 64). */
void rubricfile_policy(const struct rubricfile *rf, char *buf, size_t cap);

#endif
