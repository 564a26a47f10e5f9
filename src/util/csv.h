/*
 * csv.h — splitting text into lines and lines into fields, and checking
 * field values, without copying the input or allocating.
 *
 * A struct csv_lines walks a buffer the caller owns (it must outlive every
 * line and field handed out).  Lines end in "\n" or "\r\n"; the last line
 * may lack its end.  A line longer than CSV_MAX_LINE bytes or holding a NUL
 * byte is an error naming the line, and is consumed, so a caller that skips
 * bad lines can go on.  Fields are slices (pointer and length) into the
 * buffer, or into a caller's scratch buffer when a quoted field had to be
 * unescaped.
 *
 * The csv_get_* functions parse one field and, on failure, fill a struct
 * err with "NAME:LINE: FIELD: reason" where the reason quotes the offending
 * value (shortened, with unprintable bytes as \xNN).
 */
#ifndef ALLOT_UTIL_CSV_H
#define ALLOT_UTIL_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define CSV_MAX_LINE (64 * 1024) /* bytes in one line, without its end */
#define CSV_MAX_FIELDS 64        /* fields in one line */

struct csv_field {
	const char *s;
	size_t n;
};

struct csv_lines {
	const char *name; /* for messages */
	const char *p;    /* next unread byte */
	const char *end;
	long line;        /* number of the line last returned, 1-based */
};

/* Starts reading buf[0..len) (buf may be NULL when len is 0).  A UTF-8
 * byte order mark at the start is skipped. */
void csv_lines_init(struct csv_lines *r, const char *name, const char *buf,
		    size_t len);
/* Returns 1 with the next line in *s and *n (without its end), 0 at the
 * end of the input, or ERR_INVALID with e naming the line ("line: longer
 * than 65536 bytes", "line: NUL byte at column 7"); the bad line is
 * consumed either way. */
int csv_lines_next(struct csv_lines *r, const char **s, size_t *n,
		   struct err *e);

/* Splits s[0..n) at sep into f[0..max).  A field that starts with '"' is
 * quoted: it runs to the next lone '"', and "" inside stands for one quote;
 * its unescaped text is written to scratch (at least n bytes) when needed.
 * Returns the number of fields (an empty line is one empty field), -1 if
 * there are more than max, -2 for a malformed quoted field. */
int csv_split(const char *s, size_t n, char sep, struct csv_field *f, int max,
	      char *scratch);
/* Splits s[0..n) at runs of spaces and tabs (leading and trailing ones
 * ignored) into f[0..max).  Returns the number of fields (0 for a blank
 * line) or -1 if there are more than max. */
int csv_split_ws(const char *s, size_t n, struct csv_field *f, int max);

/* Whether field f equals the string lit exactly. */
int csv_eq(struct csv_field f, const char *lit);
/* Writes f to dst (cap >= 8 bytes) as a double-quoted, NUL-terminated
 * string for messages: at most about 40 bytes of it, bytes outside
 * printable ASCII and '"', '\\' escaped.  Returns dst. */
char *csv_show(char *dst, size_t cap, struct csv_field f);
/* Checks a header line: f[k] must be hdr[k] for k < n.  Returns 0, or
 * ERR_INVALID with "NAME:LINE: hdr[k]: expected the header a,b,c, got
 * \"x\"" for the first mismatch. */
int csv_expect_header(const struct csv_field *f, const char *const *hdr,
		      int n, const char *name, long line, struct err *e);

/* Parsers for one field.  Each returns 0 and stores the value, or
 * ERR_INVALID with e set to "NAME:LINE: FIELD: reason" for r's current
 * line.  No spaces are allowed around values. */

/* A decimal integer (leading '-' allowed) within lo..hi. */
int csv_get_int(const struct csv_lines *r, const char *field,
		struct csv_field f, int64_t lo, int64_t hi, int64_t *out,
		struct err *e);
/* A decimal number ("12", "-0.5", "1.5e3") within lo..hi; NaN and
 * infinities are refused. */
int csv_get_double(const struct csv_lines *r, const char *field,
		   struct csv_field f, double lo, double hi, double *out,
		   struct err *e);
/* A UTC time "YYYY-MM-DD HH:MM:SS" (or with 'T' between date and time),
 * years 1900..9999, as seconds since 1970-01-01 00:00:00 UTC.  Uses no
 * locale and no time zone. */
int csv_get_time(const struct csv_lines *r, const char *field,
		 struct csv_field f, int64_t *out, struct err *e);
/* A name: 1..maxlen bytes of letters, digits and ._-:/@+ (what ids, model
 * and host names are made of). */
int csv_get_name(const struct csv_lines *r, const char *field,
		 struct csv_field f, size_t maxlen, struct err *e);

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative
 * before); m 1..12, d 1..31, any year. */
int64_t csv_days_from_civil(int64_t y, int m, int d);

#endif
