/*
 * panel.h — expert panel scores: CSV with the header
 * `evaluator,team,criterion,score`, one score per evaluator, team and
 * criterion, each within the range [lo, hi] the caller states (e.g. 0..10).
 *
 * Errors: ERR_INVALID with "NAME:LINE: FIELD: reason" for a bad header,
 * a missing or malformed field, an unknown team, a score that is NaN, infinite or out of
 * range, or a duplicate (evaluator, team, criterion) — which names the
 * line of the first one.  On failure the output is left empty.
 *
 * Ownership: struct panel owns its tables and score array; free with
 * panel_free (a zeroed struct is empty).
 */
#ifndef ALLOT_SIM_PANEL_H
#define ALLOT_SIM_PANEL_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strtab.h"

#define PANEL_MAX_FILE ((size_t)64 << 20) /* bytes in one input file */

struct panel_score {
	uint32_t evaluator, team, criterion; /* ids into the tables */
	double score;
	long line;
};

struct panel {
	struct strtab evaluators, teams, criteria;
	struct panel_score *s;
	size_t n, cap;
};

/* Parses buf[0..len) into out (zeroed); scores must lie in [lo, hi];
 * teams[0..nteams), if nteams > 0, lists the allowed team names (any
 * other is an error naming the line). */
int panel_parse(struct panel *out, const char *name, const char *buf,
		size_t len, double lo, double hi, const char *const *teams,
		size_t nteams, struct err *e);
/* Reads and parses the file at path (at most PANEL_MAX_FILE bytes). */
int panel_read(struct panel *out, const char *path, double lo, double hi,
	       const char *const *teams, size_t nteams, struct err *e);
/*
 * Mean score of each team over all its scores of criterion crit (or over
 * all criteria when crit < 0), counting evaluator k's scores w[k] times
 * (w NULL: once each) — a bootstrap over evaluators passes its resample
 * counts.  mean[0..teams.n) is caller-owned; NAN for a team without
 * weighted scores.
 */
void panel_team_means(const struct panel *p, long crit, const uint32_t *w,
		      double *mean);
void panel_free(struct panel *p);

#endif
