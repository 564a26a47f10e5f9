/*
 * rounds.h — competition rounds in the daemon (docs/API.md, "Rounds"):
 * create a round, upload its score files, close it into a decision.
 *
 * Each round is a folder STATE_DIR/rounds/ID/ in the round-directory
 * layout of docs/ROUNDS.md (teams.csv, rubric.txt, panel.csv, votes.csv,
 * gates.csv, results/TEAM/NAME) plus round.json (its name) and, once
 * closed, decision.json (roundin's canonical decision).  A round is open
 * until decision.json exists; closing appends an AUDIT_ROUND entry whose
 * payload names every input file with its sha256.
 *
 * The handlers answer through rs like routes.c's (JSON bodies, the API's
 * error bodies) and return 0.  The route's role check (auth_scope of the
 * route's action) has already passed when they run; they check the round
 * itself: a tenant role sees only rounds whose teams include its tenant's
 * name, and before close only their status and teams.
 */
#ifndef ALLOT_API_ROUNDS_H
#define ALLOT_API_ROUNDS_H

#include "api/auth.h"
#include "api/http.h"
#include "api/svc.h"

struct rounds;

/* The rounds of s (borrowed) under its state directory (created when
 * missing).  NULL on error (logged). */
struct rounds *rounds_new(struct svc *s);
void rounds_free(struct rounds *r);

/* POST /v1/rounds {"name", "rubric", "teams"} -> 201 {"id"}. */
int rounds_create(struct rounds *r, const struct auth_principal *p,
		  const struct http_req *rq, struct http_resp *rs);
/* POST /v1/rounds/{id}/scores {"kind", "team", "name", "content"}. */
int rounds_scores(struct rounds *r, const struct auth_principal *p,
		  const char *id, const struct http_req *rq,
		  struct http_resp *rs);
/* POST /v1/rounds/{id}/close -> 200 {"decision"}. */
int rounds_close(struct rounds *r, const struct auth_principal *p,
		 const char *id, const struct http_req *rq,
		 struct http_resp *rs);
/* GET /v1/rounds?status=open|closed&limit=&cursor= -> 200 {"rounds": [{"id",
 * "name", "status", "teams"}], "next_cursor"}: ids ascending after the
 * cursor, at most limit (1..1000, default 100); only the rounds p may see
 * (an account role: those its account is a team of), never scores. */
int rounds_list(struct rounds *r, const struct auth_principal *p,
		const struct http_req *rq, struct http_resp *rs);
/* GET /v1/rounds/{id}. */
int rounds_get(struct rounds *r, const struct auth_principal *p,
	       const char *id, const struct http_req *rq, struct http_resp *rs);

#endif
