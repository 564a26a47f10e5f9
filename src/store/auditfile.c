/*
 * auditfile.c — reading and appending the JSONL audit log (see
 * auditfile.h), with jansson.
 */
#include "store/auditfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/csv.h"
#include "util/file.h"

static int
get_str(const char *name, long line, json_t *o, const char *key, char *dst,
	size_t cap, struct err *e)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return err_at(e, ERR_INVALID, name, line, key, "expected a string");
	if (json_string_length(v) >= cap)
		return err_at(e, ERR_LIMIT, name, line, key, "longer than %zu bytes",
			      cap - 1);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
parse_line(const char *name, long line, const char *s, size_t n,
	   struct audit_entry *x, struct err *e)
{
	json_error_t je;
	json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
	json_t *v, *ins;
	char kind[32];
	int rc = 0;

	memset(x, 0, sizeof *x);
	if (o == NULL)
		return err_at(e, ERR_INVALID, name, line, NULL,
			      "column %d: %s", je.column, je.text);
	if (!json_is_object(o)) {
		rc = err_at(e, ERR_INVALID, name, line, NULL, "expected an object");
		goto out;
	}
	v = json_object_get(o, "seq");
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		rc = err_at(e, ERR_INVALID, name, line, "seq",
			    "expected an integer >= 1");
		goto out;
	}
	x->seq = (uint64_t)json_integer_value(v);
	v = json_object_get(o, "time");
	if (!json_is_integer(v)) {
		rc = err_at(e, ERR_INVALID, name, line, "time",
			    "expected an integer");
		goto out;
	}
	x->time = (int64_t)json_integer_value(v);
	if ((rc = get_str(name, line, o, "kind", kind, sizeof kind, e)) != 0)
		goto out;
	if ((x->kind = audit_kind_parse(kind)) < 0) {
		rc = err_at(e, ERR_INVALID, name, line, "kind",
			    "unknown kind \"%s\"", kind);
		goto out;
	}
	if ((rc = get_str(name, line, o, "policy", x->policy, sizeof x->policy,
			  e)) != 0 ||
	    (rc = get_str(name, line, o, "prev", x->prev, sizeof x->prev, e)) != 0 ||
	    (rc = get_str(name, line, o, "hash", x->hash, sizeof x->hash, e)) != 0)
		goto out;
	v = json_object_get(o, "payload");
	if (!json_is_string(v) || json_string_length(v) > AUDIT_MAX_PAYLOAD) {
		rc = err_at(e, ERR_INVALID, name, line, "payload",
			    "expected a string of at most %d bytes",
			    AUDIT_MAX_PAYLOAD);
		goto out;
	}
	x->payload = xstrdup(json_string_value(v));
	ins = json_object_get(o, "inputs");
	if (!json_is_array(ins) || json_array_size(ins) > AUDIT_MAX_INPUTS) {
		rc = err_at(e, ERR_INVALID, name, line, "inputs",
			    "expected an array of at most %d", AUDIT_MAX_INPUTS);
		goto out;
	}
	x->ninputs = json_array_size(ins);
	x->inputs = xcalloc(x->ninputs + 1, sizeof *x->inputs);
	for (size_t i = 0; i < x->ninputs; i++) {
		json_t *in = json_array_get(ins, i);
		char field[32];
		snprintf(field, sizeof field, "inputs[%zu]", i);
		if (!json_is_object(in)) {
			rc = err_at(e, ERR_INVALID, name, line, field,
				    "expected an object");
			goto out;
		}
		if ((rc = get_str(name, line, in, "name", x->inputs[i].name,
				  sizeof x->inputs[i].name, e)) != 0 ||
		    (rc = get_str(name, line, in, "sha256", x->inputs[i].sha256,
				  sizeof x->inputs[i].sha256, e)) != 0)
			goto out;
	}
out:
	if (rc != 0) {
		free(x->inputs);
		free(x->payload);
		x->inputs = NULL;
		x->payload = NULL;
	}
	json_decref(o);
	return rc;
}

int
auditfile_parse(const char *name, const char *buf, size_t len,
		struct audit_log *l, struct err *e)
{
	struct csv_lines r;
	const char *s;
	size_t n;
	int rc;

	csv_lines_init(&r, name, buf, len);
	while ((rc = csv_lines_next(&r, &s, &n, e)) != 0) {
		struct audit_entry x;
		if (rc < 0)
			return rc;
		if (n == 0)
			continue;
		if ((rc = parse_line(name, r.line, s, n, &x, e)) != 0)
			return rc;
		audit_push_raw(l, &x);
	}
	return 0;
}

int
auditfile_read(const char *path, struct audit_log *l, struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	if ((rc = file_read_all(path, AUDITFILE_MAX_BYTES, &buf, &len, e)) != 0)
		return rc;
	rc = auditfile_parse(path, buf, len, l, e);
	free(buf);
	return rc;
}

int
auditfile_write_entry(FILE *f, const struct audit_entry *x)
{
	json_t *o = json_object(), *ins = json_array();
	char *s;
	int rc;

	json_object_set_new(o, "seq", json_integer((json_int_t)x->seq));
	json_object_set_new(o, "time", json_integer((json_int_t)x->time));
	json_object_set_new(o, "kind", json_string(audit_kind_name(x->kind)));
	json_object_set_new(o, "policy", json_string(x->policy));
	for (size_t i = 0; i < x->ninputs; i++) {
		json_t *in = json_object();
		json_object_set_new(in, "name", json_string(x->inputs[i].name));
		json_object_set_new(in, "sha256", json_string(x->inputs[i].sha256));
		json_array_append_new(ins, in);
	}
	json_object_set_new(o, "inputs", ins);
	json_object_set_new(o, "payload", json_string(x->payload));
	json_object_set_new(o, "prev", json_string(x->prev));
	json_object_set_new(o, "hash", json_string(x->hash));
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return ERR_INVALID; /* a string that is not UTF-8 */
	rc = fprintf(f, "%s\n", s) < 0 ? ERR_IO : 0;
	free(s);
	return rc;
}

int
auditfile_append(const char *path, const struct audit_log *l, struct err *e)
{
	FILE *f;
	int rc;

	if (l->n == 0)
		return 0;
	if ((f = fopen(path, "ab")) == NULL)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	rc = auditfile_write_entry(f, &l->v[l->n - 1]);
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		rc = ERR_IO;
	if (fclose(f) != 0 && rc == 0)
		rc = ERR_IO;
	if (rc != 0)
		return err_set(e, rc, "%s: could not append the entry%s", path,
			       rc == ERR_INVALID ? " (not UTF-8)" : "");
	return 0;
}
