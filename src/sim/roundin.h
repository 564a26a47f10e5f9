/*
 * roundin.h — one competition round from its real inputs: a rubric file
 * (compete/rubricfile.h) and a round directory (docs/ROUNDS.md):
 *
 *	teams.csv                 header `team`, one team per line
 *	results/TEAM/NAME.json    lm-evaluation-harness results (0.3 or 0.4)
 *	results/TEAM/samples_TASK_STAMP.jsonl   per-sample logs (optional)
 *	panel.csv                 evaluator,team,criterion,score
 *	votes.csv | votes/        voter,model_a,model_b,winner | PRD JSONL
 *	gates.csv                 team,gate,pass (pass = yes or no)
 *
 * roundin_run reads every file a part needs (once: the bytes hashed are
 * the bytes parsed), validates them (each reader's own checks, plus: a
 * team missing a part's input, a task absent from a team's results, a
 * samples mean that is not the results value, samples of a task for some
 * teams only or over different items, a gate row for an unknown team or
 * gate, a missing gate row), then runs round_run with the strata
 *
 *	panel members (if a part reads the panel),
 *	voters (if a part reads votes; each anonymous PRD vote is its own unit),
 *	the items of each task that has per-sample logs for every team,
 *
 * in that order: a joint bootstrap, so every team is scored on the same
 * resample of items, evaluators and voters.
 *
 * Nothing is half-applied: on error the result is empty (zeroed) and e
 * says what and where ("DIR/panel.csv:4: score: ...").
 *
 * Ownership: struct roundin_result owns everything it points to; free it
 * with roundin_free (a zeroed struct may be freed).
 */
#ifndef ALLOT_SIM_ROUNDIN_H
#define ALLOT_SIM_ROUNDIN_H

#include <stddef.h>
#include <stdio.h>

#include "compete/round.h"
#include "compete/rubricfile.h"
#include "ledger/audit.h"
#include "util/err.h"

#define ROUNDIN_MAX_TEAMS 256
#define ROUNDIN_MAX_FILES 4096
#define ROUNDIN_MAX_WHY 8192

struct roundin_file {
	char *name;              /* relative to the round directory */
	char sha256[AUDIT_HEX];  /* of the bytes read */
};

struct roundin_result {
	struct rubricfile rf;
	char *rubric_text;       /* the rubric file's bytes, NUL-terminated */
	char rubric_sha256[AUDIT_HEX];
	char **teams;            /* teams.csv order */
	size_t nteams;
	struct round_team *t;    /* per team: gate_ok, score, lo, hi, ... */
	char **gates_failed;     /* per team: failed gate names, ", "-joined */
	double *raw;             /* parts x teams raw scores on the data */
	double *raw_se;          /* bootstrap sd of each raw score */
	char **strata;           /* "panel", "voters", "items:TASK" */
	size_t *nunits;
	size_t nstrata;
	char why[ROUNDIN_MAX_WHY]; /* round_run's decision text */
	struct roundin_file *files; /* every file read, sorted by name */
	size_t nfiles;
};

/*
 * Runs the round for rubric text rubric[0..rlen) (named rname in
 * messages) on directory dir.  Returns 0 with *out filled, or a negative
 * ERR_* with e set and *out zeroed.
 */
int roundin_run(const char *rname, const char *rubric, size_t rlen,
		const char *dir, struct roundin_result *out, struct err *e);
void roundin_free(struct roundin_result *r);

/*
 * The decision as canonical JSON (one line, no newline, fixed key order,
 * doubles %.17g): every input file's name and sha256, the rubric (name,
 * version, sha256, text), the configuration, the parts, the strata, and
 * per team the gate, raw part scores with
 * their bootstrap sd, score, interval, P(last), rank and out, then the
 * out list, the finalists and the decision text.  Byte-identical for the
 * same inputs: this is the audit payload that replay compares.  Returns a
 * new NUL-terminated string (free()).
 */
char *roundin_payload(const struct roundin_result *r);
/* Writes the payload and a newline. */
void roundin_write_json(FILE *f, const struct roundin_result *r);
/* Writes the table (team, score [lo, hi], P(last), gate, rank, decision),
 * the decision text, and each part's raw score per team with its
 * bootstrap sd. */
void roundin_write_table(FILE *f, const struct roundin_result *r);

#endif
