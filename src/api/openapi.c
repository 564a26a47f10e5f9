/*
 * openapi.c — /openapi.json: an OpenAPI 3.0 document generated from the
 * route table (routes.c), so a route cannot exist undocumented.  The
 * request schemas name every field validate.c accepts.
 */
#include "api/routes.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/auth.h"
#include "api/proposals.h"
#include "sim/proposals.h"
#include "sim/roundin.h"

static json_t *
score_schema(void)
{
	return json_pack("{s:s, s:I, s:I}", "type", "number", "minimum",
			 (json_int_t)0, "maximum", (json_int_t)100);
}

/* POST /v1/calls/{call}/select (proposals.c, proposals_api_select). */
static json_t *
select_schema(void)
{
	json_t *perc = json_pack("{s:s, s:I, s:I}", "type", "number", "minimum",
				 (json_int_t)0, "maximum", (json_int_t)1);
	json_t *cats = json_pack("{s:s, s:b, s:{s:O, s:O, s:O, s:O}}", "type",
				 "object", "additionalProperties", 0,
				 "properties", "academia", perc, "institute",
				 perc, "sme", perc, "large", perc);
	json_t *counts = json_pack("{s:s, s:{s:s, s:I}, s:s}", "type", "object",
				   "additionalProperties", "type", "integer",
				   "minimum", (json_int_t)0, "description",
				   "servers per GPU model name");
	json_t *rules = json_pack(
		"{s:s, s:b, s:{s:{s:s, s:I, s:{s:s, s:I}},"
		" s:O, s:{s:s, s:I}, s:{s:s, s:I},"
		" s:O, s:O, s:O, s:O, s:{s:s, s:I}}, s:s}",
		"type", "object", "additionalProperties", 0, "properties",
		"weights", "type", "array", "maxItems", (json_int_t)3, "items",
		"type", "number", "minimum", (json_int_t)0,
		"cap_servers", counts,
		"max_months", "type", "integer", "minimum", (json_int_t)1,
		"min_servers", "type", "integer", "minimum", (json_int_t)0,
		"max_org_share", perc, "category_share_min", cats,
		"category_share_max", cats, "region_share_min", perc,
		"min_score", "type", "number", "minimum", (json_int_t)0,
		"description", "the call's rules; each field overrides the 2026 "
		"call's (compete/opencall.h)");
	json_t *o = json_pack(
		"{s:s, s:b, s:[s], s:{s:o, s:{s:s, s:s}, s:o}}",
		"type", "object", "additionalProperties", 0, "required", "capacity",
		"properties", "capacity", counts, "start", "type", "integer",
		"description", "unix seconds the awards start; default now",
		"rules", rules);

	json_decref(perc);
	json_decref(cats);
	return o;
}

static json_t *
schemas(void)
{
	json_t *err = json_pack(
		"{s:s, s:{s:{s:s, s:[s, s], s:{s:{s:s, s:[s,s,s,s,s,s,s,s]},"
		" s:{s:s}, s:{s:s, s:s}}}}}",
		"type", "object", "properties", "error", "type", "object",
		"required", "code", "message", "properties", "code", "type",
		"string", "enum", "invalid", "unauthorized", "forbidden",
		"not_found", "conflict", "too_large", "rate_limited", "internal",
		"message", "type", "string", "field", "type", "string",
		"description", "the field at fault; a JSON path for nested ones");
	json_t *job = json_pack(
		"{s:s, s:b, s:[s], s:{"
		"s:{s:s, s:I}, s:{s:s}, s:{s:s, s:s},"
		"s:{s:s, s:I, s:I, s:s}, s:{s:s, s:I, s:I}, s:{s:s, s:I, s:I},"
		"s:{s:s, s:I, s:I, s:s}, s:{s:s, s:I}, s:{s:s, s:I},"
		"s:{s:s, s:{s:s}}, s:{s:s, s:I, s:I},"
		"s:{s:s, s:[s,s,s,s,s]}, s:{s:s}, s:{s:s}, s:{s:s, s:I, s:I},"
		"s:{s:s, s:s}, s:{s:s, s:I}, s:{s:s}}}",
		"type", "object", "additionalProperties", 0, "required", "command",
		"properties",
		"name", "type", "string", "maxLength", (json_int_t)127,
		"command", "type", "string",
		"workdir", "type", "string", "description", "absolute path",
		"gpus", "type", "integer", "minimum", (json_int_t)0, "maximum",
		(json_int_t)8192, "description", "total GPUs; above 8 a multiple of 8",
		"nodes", "type", "integer", "minimum", (json_int_t)1, "maximum",
		(json_int_t)1024,
		"gpus_per_node", "type", "integer", "minimum", (json_int_t)0,
		"maximum", (json_int_t)8,
		"gpu_milli", "type", "integer", "minimum", (json_int_t)1, "maximum",
		(json_int_t)1000, "description", "share of one GPU in thousandths",
		"cpu_milli", "type", "integer", "minimum", (json_int_t)0,
		"mem_mib", "type", "integer", "minimum", (json_int_t)0,
		"models", "type", "array", "items", "type", "string",
		"time_limit_s", "type", "integer", "minimum", (json_int_t)0,
		"maximum", (json_int_t)(366LL * 86400),
		"class", "type", "string", "enum", "training", "finetune",
		"inference", "eval", "simulation",
		"preemptible", "type", "boolean", "checkpointable", "type", "boolean",
		"grace_s", "type", "integer", "minimum", (json_int_t)0, "maximum",
		(json_int_t)86400,
		"account", "type", "string", "description",
		"tenant name; default the submitter's",
		"idempotency_key", "type", "string", "maxLength", (json_int_t)64,
		"hold", "type", "boolean");
	json_t *tenant = json_pack(
		"{s:s, s:b, s:[s], s:{s:{s:s}, s:{s:s}, s:{s:s, s:I}}}",
		"type", "object", "additionalProperties", 0, "required", "name",
		"properties", "name", "type", "string", "parent", "type", "string",
		"shares", "type", "integer", "minimum", (json_int_t)1);
	json_t *user = json_pack(
		"{s:s, s:b, s:[s], s:{s:{s:s}, s:{s:s}, s:{s:s, s:[s,s,s,s,s,s]}}}",
		"type", "object", "additionalProperties", 0, "required", "name",
		"properties", "name", "type", "string", "account", "type", "string",
		"role", "type", "string", "enum", "admin", "program-manager",
		"evaluator", "tenant-admin", "member", "viewer");
	json_t *token = json_pack(
		"{s:s, s:b, s:{s:{s:s, s:s}}}", "type", "object",
		"additionalProperties", 0, "properties", "user", "type", "string",
		"description", "user name; default yourself");
	json_t *program = json_pack(
		"{s:s, s:b, s:[s], s:{s:{s:s}, s:{s:s, s:I}}}", "type", "object",
		"additionalProperties", 0, "required", "name", "properties", "name",
		"type", "string", "budget_won", "type", "integer", "minimum",
		(json_int_t)0);
	json_t *grant = json_pack(
		"{s:s, s:b, s:[s,s,s,s,s], s:{s:{s:s}, s:{s:s}, s:{s:s, s:I},"
		" s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s}, s:{s:s, s:I}, s:{s:s, s:I},"
		" s:{s:s}}}",
		"type", "object", "additionalProperties", 0, "required", "account",
		"model", "gpus", "start", "end", "properties", "account", "type",
		"string", "model", "type", "string", "gpus", "type", "integer",
		"minimum", (json_int_t)1, "start", "type", "integer", "description",
		"unix seconds", "end", "type", "integer", "description",
		"unix seconds, after start", "program", "type", "integer",
		"borrow_limit", "type", "integer", "minimum", (json_int_t)-1,
		"lend_limit", "type", "integer", "minimum", (json_int_t)-1,
		"price_won_hour", "type", "integer");

	json_t *all = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "Error",
				err, "JobRequest", job, "TenantRequest", tenant,
				"UserRequest", user, "TokenRequest", token,
				"ProgramRequest", program, "GrantRequest", grant);

	json_object_set_new(all, "RoundRequest", json_pack(
		"{s:s, s:b, s:[s,s,s], s:{s:{s:s, s:I}, s:{s:s, s:s},"
		" s:{s:s, s:I, s:I, s:{s:s, s:I}}}}",
		"type", "object", "additionalProperties", 0, "required", "name",
		"rubric", "teams", "properties",
		"name", "type", "string", "maxLength", (json_int_t)(DB_NAME_MAX - 1),
		"rubric", "type", "string", "description",
		"the rubric file's text (docs/ROUNDS.md)",
		"teams", "type", "array", "minItems", (json_int_t)1, "maxItems",
		(json_int_t)ROUNDIN_MAX_TEAMS, "items", "type", "string",
		"maxLength", (json_int_t)(DB_NAME_MAX - 1)));
	json_object_set_new(all, "RoundScoresRequest", json_pack(
		"{s:s, s:b, s:[s,s], s:{s:{s:s, s:[s,s,s,s]}, s:{s:s, s:s},"
		" s:{s:s, s:s}, s:{s:s, s:s}}}",
		"type", "object", "additionalProperties", 0, "required", "kind",
		"content", "properties",
		"kind", "type", "string", "enum", "panel", "votes", "gates", "results",
		"team", "type", "string", "description", "results only: the team",
		"name", "type", "string", "description",
		"results only: the file name, ending in .json or .jsonl",
		"content", "type", "string", "description", "the file's text"));
	json_object_set_new(all, "ProposalRequest", json_pack(
		"{s:s, s:b, s:[s,s,s,s,s,s], s:{s:{s:s}, s:{s:s, s:s},"
		" s:{s:s, s:I, s:I}, s:{s:s}, s:{s:s, s:I, s:I},"
		" s:{s:s, s:[s,s,s,s]}, s:{s:s, s:I, s:I}, s:{s:s},"
		" s:{s:s, s:b, s:{s:o, s:o, s:o}, s:s}}}",
		"type", "object", "additionalProperties", 0, "required", "program",
		"servers", "model", "months", "category", "org", "properties",
		"program", "type", "string",
		"tenant", "type", "string", "description",
		"the applying account; default the caller's",
		"servers", "type", "integer", "minimum", (json_int_t)1, "maximum",
		(json_int_t)PROPOSALS_MAX_SERVERS,
		"model", "type", "string",
		"months", "type", "integer", "minimum", (json_int_t)1, "maximum",
		(json_int_t)PROPOSALS_API_MAX_MONTHS,
		"category", "type", "string", "enum", "academia", "institute", "sme",
		"large",
		"region", "type", "integer", "minimum", (json_int_t)0, "maximum",
		(json_int_t)255,
		"org", "type", "string",
		"scores", "type", "object", "additionalProperties", 0, "properties",
		"impact", score_schema(), "ecosystem", score_schema(), "feasibility",
		score_schema(), "description", "program roles only"));
	json_object_set_new(all, "CallSelectRequest", select_schema());
	json_object_set_new(all, "ProposalScoresRequest", json_pack(
		"{s:s, s:b, s:[s,s,s], s:{s:o, s:o, s:o}}", "type", "object",
		"additionalProperties", 0, "required", "impact", "ecosystem",
		"feasibility", "properties", "impact", score_schema(),
		"ecosystem", score_schema(), "feasibility", score_schema()));
	return all;
}

static json_t *
error_ref(const char *why)
{
	return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", why, "content",
			 "application/json", "schema", "$ref",
			 "#/components/schemas/Error");
}

/* Appends query parameters (name, type pairs up to NULL) to params. */
static void
query(json_t *params, ...)
{
	const char *name, *type;
	va_list ap;

	va_start(ap, params);
	while ((name = va_arg(ap, const char *)) != NULL) {
		type = va_arg(ap, const char *);
		json_array_append_new(params, json_pack(
			"{s:s, s:s, s:{s:s}}", "name", name, "in", "query",
			"schema", "type", type));
	}
	va_end(ap);
}

static json_t *
operation(const struct route_info *r)
{
	json_t *op = json_pack("{s:s, s:s}", "summary", r->summary,
			       "operationId", r->pattern);
	json_t *resp = json_object(), *params = json_array();
	const char *p = r->pattern;
	char opid[160], *o = opid;

	/* operationId: method + path with separators as underscores. */
	o += snprintf(opid, sizeof opid, "%s", r->method);
	for (; *p && o < opid + sizeof opid - 1; p++)
		if (*p != '{' && *p != '}')
			*o++ = (*p == '/' || *p == '.') ? '_' : *p;
	*o = '\0';
	json_object_set_new(op, "operationId", json_string(opid));
	for (p = r->pattern; (p = strchr(p, '{')) != NULL; p++) {
		const char *q = strchr(p, '}');
		json_array_append_new(params, json_pack(
			"{s:s%, s:s, s:b, s:{s:s}}", "name", p + 1, (size_t)(q - p - 1),
			"in", "path", "required", 1, "schema", "type", "string"));
	}
	if (strcmp(r->pattern, "/v1/jobs") == 0 && strcmp(r->method, "GET") == 0) {
		const char *q[] = {"state", "account", "user", "limit", "cursor"};
		for (size_t i = 0; i < 5; i++)
			json_array_append_new(params, json_pack(
				"{s:s, s:s, s:{s:s}}", "name", q[i], "in", "query",
				"schema", "type", i == 3 ? "integer" : "string"));
	}
	if (strcmp(r->pattern, "/v1/rounds") == 0 && strcmp(r->method, "GET") == 0)
		query(params, "status", "string", "limit", "integer", "cursor",
		      "string", (const char *)NULL);
	if (strcmp(r->pattern, "/v1/proposals") == 0 && strcmp(r->method, "GET") == 0)
		query(params, "program", "string", (const char *)NULL);
	if (strcmp(r->pattern, "/v1/audit") == 0)
		query(params, "after", "integer", "limit", "integer", (const char *)NULL);
	if (strcmp(r->pattern, "/v1/usage") == 0)
		query(params, "account", "string", "from", "integer", "to",
		      "integer", (const char *)NULL);
	if (strcmp(r->pattern, "/v1/queue") == 0)
		query(params, "limit", "integer", (const char *)NULL);
	if (strcmp(r->pattern, "/v1/queue") == 0 || strcmp(r->pattern, "/v1/grants") == 0)
		json_array_append_new(params, json_pack(
			"{s:s, s:s, s:{s:s}}", "name", "account", "in", "query",
			"schema", "type", "string"));
	if (json_array_size(params) > 0)
		json_object_set(op, "parameters", params);
	json_decref(params);
	if (r->body != NULL) {
		char ref[96];
		snprintf(ref, sizeof ref, "#/components/schemas/%s", r->body);
		json_object_set_new(op, "requestBody", json_pack(
			"{s:b, s:{s:{s:{s:s}}}}", "required", 1, "content",
			"application/json", "schema", "$ref", ref));
	}
	json_object_set_new(resp, r->created ? "201" : "200", json_pack(
		"{s:s, s:{s:{s:{s:s}}}}", "description", "success", "content",
		strcmp(r->pattern, "/metrics") == 0 ? "text/plain" : "application/json",
		"schema", "type", strcmp(r->pattern, "/metrics") == 0 ? "string"
								       : "object"));
	if (r->created)
		json_object_set_new(resp, "200", json_pack(
			"{s:s}", "description", "already existed (idempotent)"));
	if (r->body != NULL || strchr(r->pattern, '?') != NULL || r->action >= 0)
		json_object_set_new(resp, "400", error_ref("invalid request; error.field names the field"));
	if (r->action >= 0) {
		json_object_set_new(resp, "401", error_ref("missing, malformed, unknown or revoked token"));
		json_object_set_new(resp, "403", error_ref("the role may not do this"));
		json_object_set_new(resp, "429", error_ref("rate limit of the token"));
	}
	if (strchr(r->pattern, '{') != NULL)
		json_object_set_new(resp, "404", error_ref("no such object, or not visible to you"));
	if (strstr(r->pattern, "/jobs/{id}/") != NULL)
		json_object_set_new(resp, "409", error_ref("the job is in the wrong state"));
	if (r->body != NULL)
		json_object_set_new(resp, "413", error_ref("body larger than 1 MiB"));
	json_object_set_new(op, "responses", resp);
	if (r->action < 0)
		json_object_set_new(op, "security", json_array());
	else
		json_object_set_new(op, "x-allot-action",
				    json_string(auth_action_name(r->action)));
	return op;
}

json_t *
openapi_document(void)
{
	size_t n;
	const struct route_info *rt = routes_table(&n);
	json_t *paths = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *item = json_object_get(paths, rt[i].pattern);
		char method[8];
		size_t k;
		if (item == NULL) {
			item = json_object();
			json_object_set_new(paths, rt[i].pattern, item);
		}
		for (k = 0; k < sizeof method - 1 && rt[i].method[k]; k++)
			method[k] = (char)(rt[i].method[k] - 'A' + 'a');
		method[k] = '\0';
		json_object_set_new(item, method, operation(&rt[i]));
	}
	return json_pack(
		"{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:o, s:{s:{s:s, s:s, s:s}}},"
		" s:[{s:[]}]}",
		"openapi", "3.0.3", "info", "title", "allot", "version", "1",
		"description", "GPU allocation and scheduling for a national pool",
		"paths", paths, "components", "schemas", schemas(),
		"securitySchemes", "bearer", "type", "http", "scheme", "bearer",
		"bearerFormat", "allot_<id>_<secret>", "security", "bearer");
}
