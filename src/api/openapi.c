/*
 * openapi.c — /openapi.json: an OpenAPI 3.0 document generated from the
 * route table (routes.c), so a route cannot exist undocumented.  The
 * request schemas name every field validate.c accepts.
 */
#include "api/routes.h"

#include <stdio.h>
#include <string.h>

#include "api/auth.h"

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

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "Error", err,
			 "JobRequest", job, "TenantRequest", tenant, "UserRequest",
			 user, "TokenRequest", token, "ProgramRequest", program,
			 "GrantRequest", grant);
}

static json_t *
error_ref(const char *why)
{
	return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", why, "content",
			 "application/json", "schema", "$ref",
			 "#/components/schemas/Error");
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
