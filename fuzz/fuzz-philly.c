/*
 * fuzz-philly.c — fuzzes the philly reader (trace_parse with TRACE_PHILLY); the
 * checks are those of fuzz-gang-trace.h.
 */
#include "fuzz-gang-trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_gang_trace(data, size, TRACE_PHILLY);
}
