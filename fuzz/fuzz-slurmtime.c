/*
 * fuzz-slurmtime.c — fuzzes the Slurm --time parser (slurmtime_parse).
 * Beyond "no crash": a refusal leaves the output alone and says what was
 * expected; an accepted value is within 0..SLURMTIME_MAX_S, and printing
 * it squeue-style (slurmtime_format) reads back to the same seconds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/slurmtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, buf[64];
	struct err e;
	int64_t v = -7, w = -7;
	int rc;

	if (size > 256)
		return 0;
	s = xstrndup((const char *)data, size);  /* stops at an embedded NUL */
	rc = slurmtime_parse(s, &v, &e);
	if (rc != 0) {
		ALLOT_ASSERT(rc == ERR_INVALID && e.code == rc && v == -7);
		ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
		ALLOT_ASSERT(strstr(e.msg, "--time: ") == e.msg);
		free(s);
		return 0;
	}
	ALLOT_ASSERT(v >= 0 && v <= SLURMTIME_MAX_S);
	ALLOT_ASSERT(slurmtime_format(v, buf, sizeof buf) < (int)sizeof buf);
	ALLOT_ASSERT(slurmtime_parse(buf, &w, &e) == 0 && w == v);
	free(s);
	return 0;
}
