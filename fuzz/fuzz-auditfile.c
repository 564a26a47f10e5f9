/*
 * fuzz-auditfile.c — libFuzzer harness for the audit log reader and the
 * chain check: any bytes must give a log or a clean error, never a crash.
 */
#include <stddef.h>
#include <stdint.h>

#include "ledger/audit.h"
#include "store/auditfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_log l;
	struct err e;

	audit_init(&l);
	if (auditfile_parse("fuzz", (const char *)data, size, &l, &e) == 0)
		(void)audit_verify(&l, NULL, &e);
	audit_free(&l);
	return 0;
}
