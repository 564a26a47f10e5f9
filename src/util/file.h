/*
 * file.h — reading a whole file into memory, with a size limit checked
 * while reading (files that grow, pipes and /proc entries included), so
 * that no input can make allot allocate without bound; writing one whole
 * and durably.
 */
#ifndef ALLOT_UTIL_FILE_H
#define ALLOT_UTIL_FILE_H

#include <stddef.h>

#include "util/err.h"

/* Reads path into a new NUL-terminated buffer (*buf, owned by the caller;
 * *len excludes the NUL).  At most max bytes: ERR_LIMIT beyond.  A
 * missing file is ERR_NOTFOUND, other failures ERR_IO; messages start
 * with the path.  On error *buf is NULL. */
int file_read_all(const char *path, size_t max, char **buf, size_t *len,
		  struct err *e);

/* Writes buf[0..len) to path whole or not at all: a temporary file
 * "PATH.tmp", fsync, rename over path, fsync of the folder.  ERR_IO (the
 * message names the path and the system's reason) or ERR_LIMIT for a path
 * too long; on error path is untouched. */
int file_write_whole(const char *path, const void *buf, size_t len,
		     struct err *e);

#endif
