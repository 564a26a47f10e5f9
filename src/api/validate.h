/*
 * validate.h — request bodies checked field by field.
 *
 * Every field is checked for type and range, unknown fields are refused,
 * and every refusal names the field (a JSON path for nested ones:
 * "models[1]") in `field` as well as in the message, so the API can put
 * it in the error body.  Pure: no store, no clock, no globals.
 */
#ifndef ALLOT_API_VALIDATE_H
#define ALLOT_API_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "model/pool.h"
#include "store/db.h"
#include "util/err.h"

#define VALIDATE_FIELD_MAX 64
#define VALIDATE_PATH_MAX 4096
#define VALIDATE_TIME_MAX (366LL * 24 * 3600) /* time_limit_s, one year */
#define VALIDATE_GRACE_MAX 86400u

/* A checked submission. */
struct validate_job {
	struct db_job j;              /* shape, name, idem, command and
				       * workdir (owned: db_job_clear) */
	char account[DB_NAME_MAX];    /* "" = the submitter's tenant */
	int has_grace;                /* grace_s was given */
};

/* Parses body[0..len) as a POST /v1/jobs request (docs/API.md) against
 * the pool's GPU models.  On 0, out holds the job (state pending, times
 * -1, submit 0: the caller sets them) and the caller db_job_clear's
 * out->j.  ERR_INVALID (or ERR_LIMIT for sizes) with field naming the
 * field ("" when the body itself is malformed) and nothing to free. */
int validate_job(const char *body, size_t len, const struct pool *pool,
		 struct validate_job *out, char field[VALIDATE_FIELD_MAX],
		 struct err *e);

/* Parses body as a JSON object: ERR_INVALID for malformed JSON (line and
 * column in the message) or a non-object.  The caller json_decref's. */
int validate_object(const char *body, size_t len, json_t **out, struct err *e);
/* Refuses keys of o not in allowed[0..n): ERR_INVALID naming it. */
int validate_keys(json_t *o, const char *const *allowed, size_t n,
		  char field[VALIDATE_FIELD_MAX], struct err *e);
/* o[key] as a string of 1..max bytes into out (max + 1 bytes).  Absent:
 * ERR_INVALID if required, else 0 leaving out as it is. */
int validate_str(json_t *o, const char *key, int required, size_t max,
		 char *out, char field[VALIDATE_FIELD_MAX], struct err *e);
/* o[key] as an integer in [min, max] into *out; absent as above. */
int validate_int(json_t *o, const char *key, int required, int64_t min,
		 int64_t max, int64_t *out, char field[VALIDATE_FIELD_MAX],
		 struct err *e);
/* o[key] as a boolean (0/1) into *out; absent leaves *out. */
int validate_bool(json_t *o, const char *key, int *out,
		  char field[VALIDATE_FIELD_MAX], struct err *e);
/* A name for a tenant, user, job or program: 1..127 bytes of letters,
 * digits and ._-@+:/ ; ERR_INVALID naming field otherwise. */
int validate_name(const char *s, const char *fieldname,
		  char field[VALIDATE_FIELD_MAX], struct err *e);

#endif
