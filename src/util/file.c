/*
 * file.c — whole-file reads with a limit (see file.h).  The buffer grows
 * geometrically up to the limit; one byte more is tried at the limit to
 * tell "exactly the limit" from "larger".
 */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
file_write_whole(const char *path, const void *buf, size_t len, struct err *e)
{
	char tmp[4096], dir[4096];
	const char *slash;
	FILE *f;
	int ok, fd;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return err_set(e, ERR_LIMIT, "%.200s: path too long", path);
	if ((f = fopen(tmp, "wb")) == NULL)
		return err_set(e, ERR_IO, "%s: %s", tmp, strerror(errno));
	ok = fwrite(buf, 1, len, f) == len && fflush(f) == 0 &&
	     fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int saved = errno;
		remove(tmp);
		return err_set(e, ERR_IO, "%s: %s", path, strerror(saved));
	}
	/* The rename is durable once the folder is. */
	slash = strrchr(path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash == NULL ? 1 : slash == path ? 1 :
		 (int)(slash - path), slash == NULL ? "." : path);
	if ((fd = open(dir, O_RDONLY)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}
