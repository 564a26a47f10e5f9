/*
 * fuzz-request.c — fuzzes request parsing and validation (api/validate.h):
 * validate_job over an arbitrary body against a fixed two-model pool, and
 * the generic object/keys/field checks the other routes use.  Beyond "no
 * crash, no leak": a refusal names a field that is a known field, an
 * unknown one found in the body, or nothing (malformed JSON); an accepted
 * job has a shape job_validate accepts, a non-empty command, and model
 * bits only for models the pool has.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/validate.h"
#include "model/poolgen.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tenant_keys[] = {"name", "parent", "shares"};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool pool;
	static int ready;
	struct validate_job v;
	char field[VALIDATE_FIELD_MAX];
	struct err e;
	json_t *o;
	int rc;

	if (!ready) {
		struct poolgen_spec s;
		poolgen_defaults(&s);
		ALLOT_ASSERT(poolgen_parse("nodes=2,models=H100+B200", &s, NULL) == 0);
		pool_init(&pool);
		ALLOT_ASSERT(poolgen_build(&s, &pool, NULL) == 0);
		ready = 1;
	}
	rc = validate_job((const char *)data, size, &pool, &v, field, &e);
	if (rc == 0) {
		ALLOT_ASSERT(job_validate(&v.j.shape, NULL) == 0);
		ALLOT_ASSERT(v.j.command != NULL && v.j.command[0] != '\0');
		ALLOT_ASSERT((v.j.shape.model_mask & ~3u) == 0);
		ALLOT_ASSERT(v.j.shape.state == JOB_PENDING);
		ALLOT_ASSERT(v.j.workdir == NULL || v.j.workdir[0] == '/');
		db_job_clear(&v.j);
	} else {
		ALLOT_ASSERT(rc == ERR_INVALID || rc == ERR_LIMIT);
		ALLOT_ASSERT(strlen(field) < VALIDATE_FIELD_MAX);
		ALLOT_ASSERT(e.msg[0] != '\0');
		/* A named field is named in the message too. */
		if (field[0] != '\0')
			ALLOT_ASSERT(strstr(e.msg, field) != NULL);
	}
	if (validate_object((const char *)data, size, &o, &e) == 0) {
		char name[DB_NAME_MAX] = "";
		int64_t shares = 1;
		field[0] = '\0';
		if (validate_keys(o, tenant_keys, 3, field, &e) == 0 &&
		    validate_str(o, "name", 1, DB_NAME_MAX - 1, name, field, &e) == 0 &&
		    validate_name(name, "name", field, &e) == 0 &&
		    validate_int(o, "shares", 0, 1, 1000, &shares, field, &e) == 0)
			ALLOT_ASSERT(shares >= 1 && shares <= 1000 && name[0] != '\0');
		json_decref(o);
	}
	return 0;
}
