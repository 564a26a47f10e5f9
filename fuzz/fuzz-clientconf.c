/*
 * fuzz-clientconf.c — fuzzes what the client reads from outside: the
 * config file (client_conf_parse), a server's error body
 * (client_error_from_body) and a time argument (client_parse_time).  An
 * input starting with 'E' is an error body (the second byte picks the
 * HTTP status, 400..599), one starting with 'T' a time (the rest, up to a
 * NUL); anything else is a config file.  Beyond "no crash": a refused config names the file and
 * leaves no half-set URL behind a success code; an accepted one has a
 * URL starting with http:// or https:// without a trailing '/' and a
 * token without blanks; an error body always yields a negative code and
 * a NUL-terminated message that names the status.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client_conf c;
	struct err e;
	int rc;

	if (size > 4096)
		return 0;
	if (size >= 2 && data[0] == 'E') {
		long status = 400 + data[1] % 200;
		char want[16];

		rc = client_error_from_body(status, (const char *)data + 2, size - 2, &e);
		ALLOT_ASSERT(rc < 0 && e.code == rc);
		ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
		snprintf(want, sizeof want, "HTTP %ld", status);
		ALLOT_ASSERT(strstr(e.msg, want) != NULL);
		ALLOT_ASSERT(client_exit_status(rc, status) == (status < 500 ? 1 : 2));
		return 0;
	}
	if (size >= 1 && data[0] == 'T') {
		char *t = xstrndup((const char *)data + 1, size - 1);
		int64_t v = client_parse_time(t);

		ALLOT_ASSERT(v >= -1);
		free(t);
		return 0;
	}
	memset(&c, 0, sizeof c);
	rc = client_conf_parse(&c, "cfg", (const char *)data, size, &e);
	if (rc != 0) {
		ALLOT_ASSERT(rc < 0 && e.code == rc);
		ALLOT_ASSERT(memchr(e.msg, '\0', sizeof e.msg) != NULL);
		return 0;
	}
	if (c.url[0] != '\0') {
		size_t n = strlen(c.url);
		ALLOT_ASSERT(strncmp(c.url, "http://", 7) == 0 ||
			     strncmp(c.url, "https://", 8) == 0);
		ALLOT_ASSERT(c.url[n - 1] != '/');
		ALLOT_ASSERT(n > (c.url[4] == 's' ? 8u : 7u));
	}
	for (const char *p = c.token; *p; p++)
		ALLOT_ASSERT(isgraph((unsigned char)*p));
	ALLOT_ASSERT(c.timeout_ms >= 0 && c.timeout_ms <= 86400000L);
	return 0;
}
