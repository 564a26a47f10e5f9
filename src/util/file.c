/*
 * file.c — whole-file reads with a limit (see file.h).  The buffer grows
 * geometrically up to the limit; one byte more is tried at the limit to
 * tell "exactly the limit" from "larger".
 */
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

int
file_read_all(const char *path, size_t max, char **buf, size_t *len,
	      struct err *e)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, cap = 0, got;
	int rc = 0;

	*buf = NULL;
	*len = 0;
	if (f == NULL)
		return err_at(e, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, path, 0,
			      NULL, "%s", strerror(errno));
	for (;;) {
		if (n == cap) {
			char c;
			if (cap >= max) {
				if (fread(&c, 1, 1, f) == 0 && !ferror(f))
					break; /* exactly the limit */
				rc = err_at(e, ERR_LIMIT, path, 0, NULL,
					    "larger than %zu bytes", max);
				break;
			}
			b = xgrow(b, &cap, n + (n < 65536 ? 65536 : n), 1);
			if (cap > max)
				cap = max;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = err_at(e, ERR_IO, path, 0, NULL, "read: %s",
					    strerror(errno));
			break;
		}
	}
	fclose(f);
	if (rc != 0) {
		free(b);
		return rc;
	}
	b = xrealloc(b, n + 1);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}
