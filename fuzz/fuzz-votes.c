/*
 * fuzz-votes.c — fuzzes the vote readers.  The first byte picks the
 * layout (even: CSV, odd: PRD JSONL under a fixed pair file name), the
 * rest is the file.  Beyond "no crash, no leak": a failed read keeps no
 * vote and its message names the input; a good read keeps only votes
 * with two different known models and a valid winner, and the majority
 * games are no more than the votes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/votes.h"
#include "util/alloc.h"

#define NAME "answer_x-vs-answer_y-human-reviewer_threeclass.jsonl"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const known[] = { "x", "y", "z" };
	struct votes vs;
	struct bt_game *g;
	struct err e;
	int rc, prd;

	if (size == 0)
		return 0;
	prd = data[0] & 1;
	memset(&vs, 0, sizeof vs);
	memset(&e, 0, sizeof e);
	if (prd)
		rc = votes_parse_prd(&vs, NAME, (const char *)data + 1,
		    size - 1, known, 3, &e);
	else
		rc = votes_parse_csv(&vs, "fuzz", (const char *)data + 1,
		    size - 1, known, 3, &e);
	ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	if (rc != 0) {
		ALLOT_ASSERT(vs.n == 0 && vs.models.n == 0);
		ALLOT_ASSERT(strncmp(e.msg, prd ? NAME : "fuzz", 4) == 0);
		return 0;
	}
	for (size_t i = 0; i < vs.n; i++) {
		ALLOT_ASSERT(vs.v[i].a != vs.v[i].b);
		ALLOT_ASSERT(vs.v[i].a < vs.models.n && vs.v[i].b < vs.models.n);
		ALLOT_ASSERT(vs.v[i].winner >= VOTE_A &&
		    vs.v[i].winner <= VOTE_TIE);
	}
	ALLOT_ASSERT(votes_majority(&vs, &g) <= vs.n);
	free(g);
	votes_free(&vs);
	return 0;
}
