/*
 * routes.h — the HTTP API of `allot serve` (docs/API.md): the route
 * table, authentication, the per-token rate limit, authorisation and the
 * handlers.  One table lists every route with its method, path pattern
 * ("/v1/jobs/{id}/cancel"), the action it is authorised as, and its
 * handler; /openapi.json is generated from the same table (openapi.c).
 */
#ifndef ALLOT_API_ROUTES_H
#define ALLOT_API_ROUTES_H

#include <stddef.h>

#include <jansson.h>

#include "api/http.h"
#include "api/svc.h"

#define ROUTES_RATE_DEFAULT 100000.0 /* requests per second per token */

struct routes;

struct route_info {
	const char *method;
	const char *pattern;   /* "{name}" segments are parameters */
	int action;            /* enum auth_action; -1 = public */
	const char *summary;
	const char *body;      /* request schema name in openapi, or NULL */
	int created;           /* answers 201 on success */
};

/* A router over s (borrowed).  rate: requests per second allowed per
 * token (burst: twice that, at least 10); <= 0 = ROUTES_RATE_DEFAULT. */
struct routes *routes_new(struct svc *s, double rate);
void routes_free(struct routes *r);
/* The http_handler: ctx is a struct routes. */
int routes_handle(void *ctx, const struct http_req *rq, struct http_resp *rs);
/* The route table (n entries), for the OpenAPI document and tests. */
const struct route_info *routes_table(size_t *n);

/* The OpenAPI 3 document of every route (openapi.c). */
json_t *openapi_document(void);

#endif
