/*
 * err.h — error codes and the caller-owned error struct.
 *
 * Functions that can fail return 0 or a negative ERR_* code and fill a
 * struct err with a message that names the place: "trace.csv:1042: num_gpu:
 * expected an integer 0..64, got \"x\"".  One table (err.c) maps each code to
 * its name, HTTP status and process exit status.  A NULL struct err is
 * allowed everywhere: the code is still returned.
 */
#ifndef ALLOT_UTIL_ERR_H
#define ALLOT_UTIL_ERR_H

enum err_code {
	ERR_OK = 0,
	ERR_INVALID = -1,  /* malformed input: a file line, a field, a request */
	ERR_IO = -2,       /* open/read/write failed */
	ERR_NOTFOUND = -3, /* a named thing does not exist */
	ERR_LIMIT = -4,    /* input larger than an allowed limit */
	ERR_NOSPACE = -5,  /* the request does not fit the resources */
	ERR_STATE = -6,    /* illegal state transition */
	ERR_USAGE = -7,    /* bad command-line use */
	ERR_DENIED = -8,   /* not authorised */
	ERR_CONFLICT = -9, /* already exists / changed concurrently */
	ERR_INTERNAL = -10,
};
#define ERR_NCODES 11

struct err {
	int code;
	char msg[512];
};

/* Sets e (if not NULL) to code and a printf-style message; returns code. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with the place in front: "file:line: field: message".  line <= 0
 * omits the line, field NULL omits the field. */
int err_at(struct err *e, int code, const char *file, long line,
	   const char *field, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Prefixes an existing message with "prefix: ". */
void err_prefix(struct err *e, const char *prefix);
void err_clear(struct err *e);

const char *err_name(int code);
int err_http_status(int code);
int err_exit_status(int code);

#endif
