/*
 * err.c — the error table and message formatting.  Each code has exactly
 * one row: its name for JSON, its HTTP status, its exit status.
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int http;
	int exit;
} table[ERR_NCODES] = {
	[0] = {"ok", 200, 0},
	[1] = {"invalid", 400, 65},   /* EX_DATAERR */
	[2] = {"io", 500, 74},        /* EX_IOERR */
	[3] = {"not_found", 404, 66}, /* EX_NOINPUT */
	[4] = {"limit", 413, 65},
	[5] = {"no_space", 409, 75},  /* EX_TEMPFAIL */
	[6] = {"state", 409, 65},
	[7] = {"usage", 400, 64},     /* EX_USAGE */
	[8] = {"denied", 403, 77},    /* EX_NOPERM */
	[9] = {"conflict", 409, 65},
	[10] = {"internal", 500, 70}, /* EX_SOFTWARE */
};

static int
row(int code)
{
	int i = -code;

	return (i >= 0 && i < ERR_NCODES) ? i : -ERR_INTERNAL;
}

const char *
err_name(int code)
{
	return table[row(code)].name;
}

int
err_http_status(int code)
{
	return table[row(code)].http;
}

int
err_exit_status(int code)
{
	return table[row(code)].exit;
}

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

int
err_at(struct err *e, int code, const char *file, long line, const char *field,
       const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;

	if (e == NULL)
		return code;
	e->code = code;
	e->msg[0] = '\0';
	if (file != NULL && line > 0)
		n = (size_t)snprintf(e->msg, sizeof e->msg, "%s:%ld: ", file, line);
	else if (file != NULL)
		n = (size_t)snprintf(e->msg, sizeof e->msg, "%s: ", file);
	if (n < sizeof e->msg && field != NULL)
		n += (size_t)snprintf(e->msg + n, sizeof e->msg - n, "%s: ", field);
	if (n < sizeof e->msg) {
		va_start(ap, fmt);
		vsnprintf(e->msg + n, sizeof e->msg - n, fmt, ap);
		va_end(ap);
	}
	return code;
}

void
err_prefix(struct err *e, const char *prefix)
{
	char tmp[sizeof e->msg];
	size_t n;

	if (e == NULL)
		return;
	memcpy(tmp, e->msg, sizeof tmp);
	n = strlen(prefix);
	if (n > sizeof e->msg - 3)
		n = sizeof e->msg - 3;
	memcpy(e->msg, prefix, n);
	memcpy(e->msg + n, ": ", 2);
	n += 2;
	memcpy(e->msg + n, tmp, sizeof e->msg - n - 1);
	e->msg[sizeof e->msg - 1] = '\0';
}

void
err_clear(struct err *e)
{
	if (e != NULL) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}
