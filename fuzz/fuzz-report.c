/*
 * fuzz-report.c — fuzzes the run-report reader (sim/report.h): the input
 * becomes one or two files of a run directory — byte 0 picks the first
 * file (one of the CSV tables or summary.json), the bytes up to the first
 * 0x01 are its content, byte after that picks the second file and the
 * rest is its content — then report_read reads the directory.  Beyond
 * "no crash, no leak": it returns 0, ERR_INVALID or ERR_LIMIT, an error
 * names the directory, and a report read without error is written as
 * HTML and as the JSON and terminal summaries without error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/report.h"
#include "util/alloc.h"
#include "util/jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static const char *
file_name(unsigned k)
{
	k %= REPORT_NFILES + 1;
	return k == REPORT_NFILES ? "summary.json" : report_file_name((int)k);
}

static void
put(const char *name, const uint8_t *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	ALLOT_ASSERT(f != NULL);
	ALLOT_ASSERT(fwrite(p, 1, n, f) == n);
	fclose(f);
}

/* The run directory goes when the process ends. */
static void
cleanup(void)
{
	for (unsigned k = 0; k <= REPORT_NFILES; k++) {
		char path[128];
		snprintf(path, sizeof path, "%s/%s", dir, file_name(k));
		unlink(path);
	}
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report r;
	struct err e;
	const uint8_t *cut;
	FILE *out;
	int rc;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof dir, "/tmp/allot-fuzz-report.XXXXXX");
		ALLOT_ASSERT(mkdtemp(dir) != NULL);
		atexit(cleanup);
	}
	for (unsigned k = 0; k <= REPORT_NFILES; k++) {
		char path[128];
		snprintf(path, sizeof path, "%s/%s", dir, file_name(k));
		unlink(path);
	}
	if (size == 0)
		return 0;
	cut = memchr(data + 1, 0x01, size - 1);
	if (cut == NULL) {
		put(file_name(data[0]), data + 1, size - 1);
	} else {
		put(file_name(data[0]), data + 1, (size_t)(cut - data - 1));
		if (cut + 1 < data + size)
			put(file_name(cut[1]), cut + 2,
			    (size_t)(data + size - cut - 2));
	}
	rc = report_read(dir, &r, &e);
	ALLOT_ASSERT(rc == 0 || rc == ERR_INVALID || rc == ERR_LIMIT);
	if (rc != 0) {
		ALLOT_ASSERT(strncmp(e.msg, dir, strlen(dir)) == 0);
		return 0;
	}
	out = fopen("/dev/null", "w");
	ALLOT_ASSERT(out != NULL);
	ALLOT_ASSERT(report_write_html(out, &r, &e) == 0);
	report_summary(out, &r);
	{
		struct jsonw w;
		jsonw_init(&w, out);
		jsonw_obj(&w);
		report_summary_json(&w, &r);
		jsonw_end(&w);
	}
	fclose(out);
	report_free(&r);
	return 0;
}
