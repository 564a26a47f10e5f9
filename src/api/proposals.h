/*
 * proposals.h — open-call proposals in the daemon (docs/API.md,
 * "Proposals"): POST /v1/proposals, GET /v1/proposals, GET
 * /v1/proposals/{id}, POST /v1/proposals/{id}/scores, and a call's
 * selection: POST /v1/calls/{call}/select, GET /v1/calls/{call}.
 *
 * A proposal is one applicant tenant's request to an open call (the
 * fields of compete/opencall.h's struct oc_proposal, with names instead
 * of ids).  Proposals are kept in STATE_DIR/proposals/proposals.jsonl,
 * one JSON object a line, rewritten whole (temporary file, fsync,
 * rename) on every create, so a crash leaves the old or the new file;
 * 201 is answered only after the file is durable.  A call's selection
 * (opencall_select) is kept in STATE_DIR/proposals/calls.json, one record
 * per call, written whole likewise; a proposal's outcome is read from
 * there.
 *
 * The functions carry the prefix proposals_api_ because sim/proposals.h
 * owns proposals_.  Handlers answer through rs like routes.c's and return
 * 0; the route's role check has passed when they run.  A tenant role sees
 * only its tenant's proposals (others answer 404, as if absent) and never
 * the panel scores; program-manager and admin see all.
 */
#ifndef ALLOT_API_PROPOSALS_H
#define ALLOT_API_PROPOSALS_H

#include "api/auth.h"
#include "api/http.h"
#include "api/svc.h"

#define PROPOSALS_API_MAX_MONTHS 12 /* the call's term limit */

struct proposals_api;

/* The proposals of s (borrowed) under its state directory: the folder is
 * made when missing, the files loaded, and every selection a crash
 * interrupted completed (s must be open).  NULL on error (logged). */
struct proposals_api *proposals_api_new(struct svc *s);
void proposals_api_free(struct proposals_api *pa);

/* POST /v1/proposals {"program", "tenant"?, "servers", "model", "months",
 * "category", "region", "org", "scores"?} -> 201 {"id"}. */
int proposals_api_create(struct proposals_api *pa,
			 const struct auth_principal *p,
			 const struct http_req *rq, struct http_resp *rs);
/* GET /v1/proposals?program= -> 200 {"proposals": [...]}. */
int proposals_api_list(struct proposals_api *pa,
		       const struct auth_principal *p,
		       const struct http_req *rq, struct http_resp *rs);
/* POST /v1/calls/{call}/select {"capacity": {"MODEL": servers}, "start"?,
 * "rules"?} (docs/API.md, "Selection"): closes the call (the program
 * named call) and runs opencall_select over its proposals under the
 * given capacity and rules (default opencall_rules_2026); every award
 * becomes a grant (svc_grant_add) from start for its months, one
 * AUDIT_AWARD entry records the decision with the sha256 of its input
 * (the call's proposals as the proposals CSV).  200 with the decision;
 * 404 for an unknown call; 409 when it was selected before (or a
 * selection was interrupted: proposals_api_new completes it, finding
 * grants made before the crash instead of making them again); 400
 * naming the field of a bad body. */
int proposals_api_select(struct proposals_api *pa,
			 const struct auth_principal *p, const char *call,
			 const struct http_req *rq, struct http_resp *rs);
/* POST /v1/proposals/{id}/scores {"impact", "ecosystem", "feasibility"}
 * (each 0..100; program roles only, else 403) -> 200 with the proposal:
 * sets or replaces its panel scores, durably, while its call is open
 * (409 once selected). */
int proposals_api_scores(struct proposals_api *pa,
			 const struct auth_principal *p, const char *id,
			 const struct http_req *rq, struct http_resp *rs);
/* GET /v1/calls/{call}: an open call -> {"call", "status": "open"} (the
 * program roles also "proposals" and "unscored" counts); a selected one
 * -> the program roles get the whole decision (what select answered),
 * an account role {"call", "status", "start", "awards"} with only its
 * own account's awards (proposal, status, servers, months, grant, start,
 * end).  404 when no program has that name. */
int proposals_api_call_get(struct proposals_api *pa,
			   const struct auth_principal *p, const char *call,
			   const struct http_req *rq, struct http_resp *rs);
/* GET /v1/calls -> 200 {"calls": [{"call", "status"}]}: every program
 * as a call, "open" or its selection's status ("selecting", "closed");
 * the program roles also get each call's "proposals" and "unscored"
 * counts. */
int proposals_api_calls_list(struct proposals_api *pa,
			     const struct auth_principal *p,
			     const struct http_req *rq, struct http_resp *rs);
/* GET /v1/proposals/{id}. */
int proposals_api_get(struct proposals_api *pa,
		      const struct auth_principal *p, const char *id,
		      const struct http_req *rq, struct http_resp *rs);

#endif
