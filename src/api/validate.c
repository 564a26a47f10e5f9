/*
 * validate.c — request JSON to checked values (see validate.h).
 *
 * The order of checks is the order of the fields in the API document, so
 * a body with several faults always names the same one first.  Strings
 * are copied; nothing is allocated on failure (the job's strings are
 * freed before returning an error).
 */
#include "api/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static int
bad(char field[VALIDATE_FIELD_MAX], const char *name, struct err *e,
    int code, const char *what)
{
	snprintf(field, VALIDATE_FIELD_MAX, "%s", name);
	return err_set(e, code, "%s: %s", name, what);
}

int
validate_object(const char *body, size_t len, json_t **out, struct err *e)
{
	json_error_t je;
	json_t *v;

	*out = NULL;
	v = json_loadb(body, len, JSON_REJECT_DUPLICATES,
		       &je);
	if (v == NULL)
		return err_set(e, ERR_INVALID, "malformed JSON at line %d, column %d: %s",
			       je.line, je.column, je.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return err_set(e, ERR_INVALID, "the body must be a JSON object");
	}
	*out = v;
	return 0;
}

int
validate_keys(json_t *o, const char *const *allowed, size_t n,
	      char field[VALIDATE_FIELD_MAX], struct err *e)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (i == n) {
			char name[VALIDATE_FIELD_MAX];
			snprintf(name, sizeof name, "%.60s", k);
			return bad(field, name, e, ERR_INVALID, "unknown field");
		}
	}
	return 0;
}

int
validate_str(json_t *o, const char *key, int required, size_t max, char *out,
	     char field[VALIDATE_FIELD_MAX], struct err *e)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	if (v == NULL || json_is_null(v)) {
		if (required)
			return bad(field, key, e, ERR_INVALID, "required");
		return 0;
	}
	if (!json_is_string(v))
		return bad(field, key, e, ERR_INVALID, "expected a string");
	n = json_string_length(v);
	if (n == 0)
		return bad(field, key, e, ERR_INVALID, "must not be empty");
	if (n > max) {
		char what[64];
		snprintf(what, sizeof what, "longer than %zu bytes", max);
		return bad(field, key, e, ERR_INVALID, what);
	}
	if (memchr(json_string_value(v), '\0', n) != NULL)
		return bad(field, key, e, ERR_INVALID, "contains a NUL byte");
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

int
validate_int(json_t *o, const char *key, int required, int64_t min,
	     int64_t max, int64_t *out, char field[VALIDATE_FIELD_MAX],
	     struct err *e)
{
	json_t *v = json_object_get(o, key);
	json_int_t x;

	if (v == NULL || json_is_null(v)) {
		if (required)
			return bad(field, key, e, ERR_INVALID, "required");
		return 0;
	}
	if (!json_is_integer(v))
		return bad(field, key, e, ERR_INVALID, "expected an integer");
	x = json_integer_value(v);
	if (x < min || x > max) {
		char what[96];
		snprintf(what, sizeof what, "expected %lld..%lld, got %lld",
			 (long long)min, (long long)max, (long long)x);
		return bad(field, key, e, ERR_INVALID, what);
	}
	*out = x;
	return 0;
}

int
validate_bool(json_t *o, const char *key, int *out,
	      char field[VALIDATE_FIELD_MAX], struct err *e)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(field, key, e, ERR_INVALID, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

int
validate_name(const char *s, const char *fieldname,
	      char field[VALIDATE_FIELD_MAX], struct err *e)
{
	size_t n = strlen(s);

	if (n == 0 || n >= DB_NAME_MAX)
		return bad(field, fieldname, e, ERR_INVALID,
			   "expected 1..127 bytes");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("._-@+:/", c) != NULL))
			return bad(field, fieldname, e, ERR_INVALID,
				   "only letters, digits and ._-@+:/ are allowed");
	}
	return 0;
}

static const char *const job_keys[] = {
	"name", "command", "workdir", "gpus", "nodes", "gpus_per_node",
	"gpu_milli", "cpu_milli", "mem_mib", "models", "time_limit_s", "class",
	"preemptible", "checkpointable", "grace_s", "account",
	"idempotency_key", "hold",
};

/* "models": an array of known model names to the mask. */
static int
models_mask(json_t *o, const struct pool *pool, uint32_t *mask,
	    char field[VALIDATE_FIELD_MAX], struct err *e)
{
	json_t *v = json_object_get(o, "models"), *m;
	size_t i;

	*mask = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(field, "models", e, ERR_INVALID,
			   "expected an array of GPU model names");
	if (json_array_size(v) > POOL_MAX_MODELS)
		return bad(field, "models", e, ERR_INVALID, "too many models");
	json_array_foreach(v, i, m) {
		char name[32];
		int id;
		snprintf(name, sizeof name, "models[%zu]", i);
		if (!json_is_string(m))
			return bad(field, name, e, ERR_INVALID, "expected a string");
		id = pool_model_find(pool, json_string_value(m));
		if (id < 0) {
			char what[96];
			snprintf(what, sizeof what, "no GPU model \"%.40s\" in the pool",
				 json_string_value(m));
			return bad(field, name, e, ERR_INVALID, what);
		}
		*mask |= 1u << id;
	}
	return 0;
}

/* The fields after the strings: shape, times, class, flags. */
static int
job_fields(json_t *o, const struct pool *pool, struct validate_job *out,
	   char field[VALIDATE_FIELD_MAX], struct err *e)
{
	struct job *j = &out->j.shape;
	int64_t gpus = -1, nodes = -1, gpn = -1, milli = 1000, cpu = 0, mem = 0;
	int64_t tl = 0, grace = -1;
	int pre = 0, ckpt = 0, hold = 0, rc;
	char cls[32] = "training";

	if ((rc = validate_int(o, "gpus", 0, 0, 8 * 1024, &gpus, field, e)) ||
	    (rc = validate_int(o, "nodes", 0, 1, 1024, &nodes, field, e)) ||
	    (rc = validate_int(o, "gpus_per_node", 0, 0, POOL_MAX_GPUS_PER_NODE,
			       &gpn, field, e)) ||
	    (rc = validate_int(o, "gpu_milli", 0, 1, 1000, &milli, field, e)) ||
	    (rc = validate_int(o, "cpu_milli", 0, 0, 100000000, &cpu, field, e)) ||
	    (rc = validate_int(o, "mem_mib", 0, 0, 1LL << 30, &mem, field, e)))
		return rc;
	if (gpus >= 0 && (nodes >= 0 || gpn >= 0))
		return bad(field, "gpus", e, ERR_INVALID,
			   "give either gpus or nodes and gpus_per_node, not both");
	if (gpus >= 0) {
		if (gpus <= POOL_MAX_GPUS_PER_NODE) {
			nodes = 1;
			gpn = gpus;
		} else if (gpus % POOL_MAX_GPUS_PER_NODE == 0) {
			nodes = gpus / POOL_MAX_GPUS_PER_NODE;
			gpn = POOL_MAX_GPUS_PER_NODE;
		} else
			return bad(field, "gpus", e, ERR_INVALID,
				   "more than 8 GPUs must be a multiple of 8 "
				   "(or give nodes and gpus_per_node)");
		if (nodes > 1024)
			return bad(field, "gpus", e, ERR_INVALID, "too many GPUs");
	}
	if (nodes < 0)
		nodes = 1;
	if (gpn < 0)
		gpn = 0; /* CPU-only unless told */
	if (milli < 1000 && (gpn != 1 || nodes != 1))
		return bad(field, "gpu_milli", e, ERR_INVALID,
			   "a share of a GPU is only for a job of 1 GPU on 1 node");
	if ((rc = models_mask(o, pool, &j->model_mask, field, e)) ||
	    (rc = validate_int(o, "time_limit_s", 0, 0, VALIDATE_TIME_MAX, &tl,
			       field, e)) ||
	    (rc = validate_str(o, "class", 0, sizeof cls - 1, cls, field, e)) ||
	    (rc = validate_bool(o, "preemptible", &pre, field, e)) ||
	    (rc = validate_bool(o, "checkpointable", &ckpt, field, e)) ||
	    (rc = validate_int(o, "grace_s", 0, 0, VALIDATE_GRACE_MAX, &grace,
			       field, e)) ||
	    (rc = validate_bool(o, "hold", &hold, field, e)))
		return rc;
	if ((rc = job_class_parse(cls)) < 0)
		return bad(field, "class", e, ERR_INVALID,
			   "expected training, finetune, inference, eval or "
			   "simulation");
	j->class = (uint8_t)rc;
	j->nodes = (uint16_t)nodes;
	j->gpus_per_node = (uint16_t)gpn;
	j->gpu_milli = (uint16_t)milli;
	j->cpu_milli = (uint32_t)cpu;
	j->mem_mib = (uint32_t)mem;
	j->time_limit = tl;
	j->flags = (pre ? JOB_PREEMPTIBLE : 0) | (ckpt ? JOB_CHECKPOINTABLE : 0) |
		   (hold ? JOB_HELD : 0);
	out->has_grace = grace >= 0;
	j->grace_s = grace >= 0 ? (uint32_t)grace : 0;
	j->state = JOB_PENDING;
	j->start = j->end = -1;
	if (job_validate(j, e) != 0) {
		snprintf(field, VALIDATE_FIELD_MAX, "gpus");
		return ERR_INVALID;
	}
	return 0;
}

int
validate_job(const char *body, size_t len, const struct pool *pool,
	     struct validate_job *out, char field[VALIDATE_FIELD_MAX],
	     struct err *e)
{
	char name[DB_NAME_MAX] = "job";
	char *wd = xmalloc(VALIDATE_PATH_MAX + 1);
	json_t *o = NULL, *cmd;
	int rc;

	memset(out, 0, sizeof *out);
	field[0] = '\0';
	wd[0] = '\0';
	if ((rc = validate_object(body, len, &o, e)) != 0)
		goto out;
	if ((rc = validate_keys(o, job_keys, sizeof job_keys / sizeof job_keys[0],
				field, e)) != 0 ||
	    (rc = validate_str(o, "name", 0, DB_NAME_MAX - 1, name, field, e)) != 0)
		goto out;
	cmd = json_object_get(o, "command");
	if (cmd == NULL || json_is_null(cmd)) {
		rc = bad(field, "command", e, ERR_INVALID, "required");
		goto out;
	}
	if (!json_is_string(cmd) || json_string_length(cmd) == 0) {
		rc = bad(field, "command", e, ERR_INVALID,
			 "expected a non-empty string");
		goto out;
	}
	if (memchr(json_string_value(cmd), '\0', json_string_length(cmd))) {
		rc = bad(field, "command", e, ERR_INVALID, "contains a NUL byte");
		goto out;
	}
	if ((rc = validate_str(o, "workdir", 0, VALIDATE_PATH_MAX, wd, field, e)))
		goto out;
	if (wd[0] != '\0' && wd[0] != '/') {
		rc = bad(field, "workdir", e, ERR_INVALID,
			 "expected an absolute path");
		goto out;
	}
	if ((rc = job_fields(o, pool, out, field, e)) != 0 ||
	    (rc = validate_str(o, "account", 0, DB_NAME_MAX - 1, out->account,
			       field, e)) != 0 ||
	    (rc = validate_str(o, "idempotency_key", 0, sizeof out->j.idem - 1,
			       out->j.idem, field, e)) != 0)
		goto out;
	memcpy(out->j.name, name, sizeof name);
	out->j.command = xstrdup(json_string_value(cmd));
	out->j.workdir = wd[0] ? xstrdup(wd) : NULL;
	out->j.exit_code = -1;
out:
	free(wd);
	json_decref(o);
	if (rc != 0) {
		out->j.idem[0] = '\0';
		out->account[0] = '\0';
	}
	return rc;
}
