/*
 * votes.h — readers for pairwise user votes, and their reduction to
 * Bradley-Terry games (compete/bt.h).
 *
 * Two layouts:
 *  - CSV with the header `voter,model_a,model_b,winner`; winner is
 *    model_a's name, model_b's name or `tie`.  One voter may vote on a
 *    pair (in either order) once: a second vote is a duplicate (error).
 *  - PRD human ratings (github.com/bcdnlp/PRD): one JSONL file per
 *    ordered pair, named answer_{A}-vs-answer_{B}-human-reviewer_
 *    threeclass.jsonl, rows {"question_id": int, "text": string,
 *    "score": 1|2|3} with 1 = A wins, 2 = B wins, 3 = tie.  Voters are
 *    anonymous (voter VOTES_ANON); several rows per question are the
 *    several reviewers' votes.
 *
 * Errors: ERR_INVALID (ERR_IO, ERR_NOTFOUND, ERR_LIMIT) with the place,
 * "NAME:LINE: FIELD: reason" ("NAME:LINE:COLUMN: ..." for JSON syntax).
 * On failure the output struct is left empty: nothing is half-applied.
 *
 * Ownership: a struct votes owns its tables and vote array; free it with
 * votes_free (a zeroed struct is empty and may be freed).
 */
#ifndef ALLOT_SIM_VOTES_H
#define ALLOT_SIM_VOTES_H

#include <stddef.h>
#include <stdint.h>

#include "compete/bt.h"
#include "util/err.h"
#include "util/strtab.h"

#define VOTES_MAX_FILE ((size_t)64 << 20) /* bytes in one input file */
#define VOTES_ANON UINT32_MAX             /* voter of an anonymous vote */

enum { VOTE_A = 1, VOTE_B = 2, VOTE_TIE = 3 };

struct vote {
	uint32_t a, b;   /* model ids (index into models), a != b */
	uint32_t voter;  /* voter id, or VOTES_ANON */
	long question;   /* question id, -1 if the layout has none */
	int winner;      /* VOTE_A, VOTE_B or VOTE_TIE */
	long line;       /* input line, for messages */
};

struct votes {
	struct strtab models;
	struct strtab voters;
	struct vote *v;
	size_t n, cap;
};

/*
 * Parses a CSV vote file held in buf[0..len) into out (which must be
 * zeroed); name is used in messages.  known[0..nknown), if nknown > 0,
 * lists the allowed model names: any other is an error.
 */
int votes_parse_csv(struct votes *out, const char *name, const char *buf,
		    size_t len, const char *const *known, size_t nknown,
		    struct err *e);
/* Reads and parses the CSV file at path (at most VOTES_MAX_FILE bytes). */
int votes_read_csv(struct votes *out, const char *path,
		   const char *const *known, size_t nknown, struct err *e);

/*
 * Parses one PRD JSONL file held in buf[0..len) into out (zeroed); the
 * ordered pair comes from name's last path component.
 */
int votes_parse_prd(struct votes *out, const char *name, const char *buf,
		    size_t len, const char *const *known, size_t nknown,
		    struct err *e);
/*
 * Reads every PRD file in directory dir (file names matching the
 * pattern above, in byte order of name; other files are ignored) into
 * out (zeroed).  No matching file is ERR_NOTFOUND.
 */
int votes_read_prd_dir(struct votes *out, const char *dir,
		       const char *const *known, size_t nknown,
		       struct err *e);

/*
 * One game per vote (weight 1; ties score 0.5).  *games is a new array
 * owned by the caller (free()); returns its length (vs->n).
 */
size_t votes_games(const struct votes *vs, struct bt_game **games);
/*
 * For a bootstrap over voters: sets g[i].weight (g from votes_games, same
 * order) to counts[voter of vote i], counts indexed by voter id
 * (0..voters.n).  Anonymous votes keep weight 1.
 */
void votes_weigh_voters(const struct votes *vs, const uint32_t *counts,
			struct bt_game *g);
/*
 * How votes_per_question turns one question's votes on an ordered pair
 * into one game:
 *  - VOTES_MAJORITY: the outcome (A, B or tie) with more than half of
 *    the votes; a tie when none has.  1,3,3 is a tie.
 *  - VOTES_NET: the sign of the net preference, A if more votes say A
 *    than B, B if more say B than A, else a tie; tie votes only dilute.
 *    1,3,3 is a win for A; 1,2,3 and 1,2 are ties.  This is the PRD
 *    project's rule (the mean of A = -1, B = +1, tie = 0, then its
 *    sign), which gives the published human win rates.
 */
enum votes_rule { VOTES_MAJORITY, VOTES_NET };

/*
 * One game per ordered pair and question, decided by rule (see above).
 * Games come in order of (a, b, question).  *games is a new array owned
 * by the caller (free()); returns its length.
 */
size_t votes_per_question(const struct votes *vs, enum votes_rule rule,
			  struct bt_game **games);
/* votes_per_question with VOTES_MAJORITY. */
size_t votes_majority(const struct votes *vs, struct bt_game **games);

void votes_free(struct votes *vs);

#endif
