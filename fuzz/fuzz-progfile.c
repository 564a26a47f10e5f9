/*
 * fuzz-progfile.c — fuzzes the programme scenario parser (progfile_parse).
 * Beyond "no crash, no leak": a failed parse leaves the output zeroed and
 * its message names the input; a good parse has a name, an end after the
 * start, every tenant's and grant's references in range, rounds in date
 * order and every dated item inside [0, end].
 */
#include <stdint.h>
#include <string.h>

#include "sim/progfile.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct progfile pf;
	struct err e;
	int rc;

	memset(&e, 0, sizeof e);
	rc = progfile_parse("fuzz", (const char *)data, size, &pf, &e);
	ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
	if (rc != 0) {
		ALLOT_ASSERT(pf.programs == NULL && pf.tenants == NULL &&
			     pf.ntenants == 0 && pf.nrounds == 0);
		ALLOT_ASSERT(strncmp(e.msg, "fuzz", 4) == 0);
		return 0;
	}
	ALLOT_ASSERT(pf.name[0] != '\0' && pf.end > 0);
	for (size_t k = 0; k < pf.ntenants; k++)
		ALLOT_ASSERT(pf.tenants[k].program < pf.nprograms);
	for (size_t k = 0; k < pf.ngrants; k++) {
		ALLOT_ASSERT(pf.grants[k].tenant < pf.ntenants);
		ALLOT_ASSERT(pf.grants[k].from < pf.grants[k].to &&
			     pf.grants[k].to <= pf.end && pf.grants[k].gpus > 0);
	}
	for (size_t k = 0; k < pf.nrounds; k++) {
		ALLOT_ASSERT(pf.rounds[k].at >= 0 && pf.rounds[k].at <= pf.end);
		ALLOT_ASSERT(k == 0 || pf.rounds[k - 1].at < pf.rounds[k].at);
		ALLOT_ASSERT(pf.programs[pf.rounds[k].program].kind == PF_COMPETITION);
	}
	for (size_t k = 0; k < pf.ncalls; k++)
		ALLOT_ASSERT(pf.calls[k].ncapacity > 0 && pf.calls[k].proposals > 0);
	progfile_free(&pf);
	return 0;
}
