/*
 * csv.c — line and field splitting and field parsing for the trace
 * readers (and any other text table).
 *
 * Nothing here allocates or copies the input: lines and fields point into
 * the caller's buffer.  Every scan is bounded: a line is searched for its
 * end over at most CSV_MAX_LINE + 2 bytes before it is declared too long,
 * numbers have at most a fixed number of digits, and the splitters stop at
 * `max` fields.  Numbers are parsed here rather than with strtol/strtod
 * because fields are not NUL-terminated and strtod depends on the locale.
 */
#include "util/csv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
csv_lines_init(struct csv_lines *r, const char *name, const char *buf,
	       size_t len)
{
	if (buf == NULL) { /* NULL + 0 is undefined; read nothing instead */
		buf = "";
		len = 0;
	}
	r->name = name;
	r->p = buf;
	/* cppcheck-suppress pointerOutOfBoundsCond ; len is buf's length */
	r->end = buf + len;
	r->line = 0;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		r->p += 3;
}

int
csv_lines_next(struct csv_lines *r, const char **s, size_t *n, struct err *e)
{
	const char *p = r->p, *nl, *nul;
	size_t avail, window, len;

	if (p >= r->end)
		return 0;
	r->line++;
	avail = (size_t)(r->end - p);
	window = avail < CSV_MAX_LINE + 2 ? avail : CSV_MAX_LINE + 2;
	nl = memchr(p, '\n', window);
	if (nl == NULL && avail > window) {
		nl = memchr(p + window, '\n', avail - window);
		r->p = nl != NULL ? nl + 1 : r->end;
		return err_at(e, ERR_INVALID, r->name, r->line, "line",
			      "longer than %d bytes", CSV_MAX_LINE);
	}
	len = nl != NULL ? (size_t)(nl - p) : avail;
	r->p = nl != NULL ? nl + 1 : r->end;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len > CSV_MAX_LINE)
		return err_at(e, ERR_INVALID, r->name, r->line, "line",
			      "longer than %d bytes", CSV_MAX_LINE);
	if ((nul = memchr(p, '\0', len)) != NULL)
		return err_at(e, ERR_INVALID, r->name, r->line, "line",
			      "NUL byte at column %zu", (size_t)(nul - p) + 1);
	*s = p;
	*n = len;
	return 1;
}

/* A quoted field starting at s[i] == '"'.  Stores it in *f and returns the
 * index just past the closing quote, or -1 if malformed. */
static long
quoted(const char *s, size_t n, size_t i, struct csv_field *f, char **scratch)
{
	size_t j = i + 1;
	int esc = 0;

	for (;;) {
		if (j >= n)
			return -1;
		if (s[j] == '"') {
			if (j + 1 < n && s[j + 1] == '"') {
				esc = 1;
				j += 2;
				continue;
			}
			break;
		}
		j++;
	}
	if (!esc) {
		f->s = s + i + 1;
		f->n = j - i - 1;
	} else {
		char *d = *scratch, *w = d;
		if (d == NULL)
			return -1;
		for (size_t q = i + 1; q < j; q++) {
			*w++ = s[q];
			if (s[q] == '"')
				q++;
		}
		f->s = d;
		f->n = (size_t)(w - d);
		*scratch = w;
	}
	return (long)(j + 1);
}

int
csv_split(const char *s, size_t n, char sep, struct csv_field *f, int max,
	  char *scratch)
{
	size_t i = 0;
	int k = 0;

	for (;;) {
		const char *q;
		size_t end;

		if (k == max)
			return -1;
		if (i < n && s[i] == '"') {
			long j = quoted(s, n, i, &f[k], &scratch);
			if (j < 0)
				return -2;
			k++;
			i = (size_t)j;
			if (i == n)
				return k;
			if (s[i] != sep)
				return -2;
			i++;
			continue;
		}
		q = i < n ? memchr(s + i, sep, n - i) : NULL;
		end = q != NULL ? (size_t)(q - s) : n;
		f[k].s = s + i;
		f[k].n = end - i;
		k++;
		if (q == NULL)
			return k;
		i = end + 1;
	}
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
csv_split_ws(const char *s, size_t n, struct csv_field *f, int max)
{
	size_t i = 0;
	int k = 0;

	for (;;) {
		size_t start;

		while (i < n && is_blank(s[i]))
			i++;
		if (i == n)
			return k;
		if (k == max)
			return -1;
		start = i;
		while (i < n && !is_blank(s[i]))
			i++;
		f[k].s = s + start;
		f[k].n = i - start;
		k++;
	}
}

int
csv_eq(struct csv_field f, const char *lit)
{
	size_t n = strlen(lit);

	return f.n == n && (n == 0 || memcmp(f.s, lit, n) == 0);
}

char *
csv_show(char *dst, size_t cap, struct csv_field f)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = 0, i;

	dst[w++] = '"';
	for (i = 0; i < f.n && w + 8 < cap && i < 40; i++) {
		unsigned char c = (unsigned char)f.s[i];
		if (c == '"' || c == '\\') {
			dst[w++] = '\\';
			dst[w++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			dst[w++] = (char)c;
		} else {
			dst[w++] = '\\';
			dst[w++] = 'x';
			dst[w++] = hex[c >> 4];
			dst[w++] = hex[c & 15];
		}
	}
	dst[w++] = '"';
	if (i < f.n && w + 3 < cap) {
		memcpy(dst + w, "...", 3);
		w += 3;
	}
	dst[w] = '\0';
	return dst;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 0 and *out, -1 if f is not an integer, -2 if it overflows int64. */
static int
parse_int(struct csv_field f, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t v = 0, lim;

	if (f.n > 0 && f.s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == f.n)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < f.n; i++) {
		unsigned d = (unsigned)(f.s[i] - '0');
		if (!is_digit(f.s[i]))
			return -1;
		if (v > (lim - d) / 10) {
			while (++i < f.n)
				if (!is_digit(f.s[i]))
					return -1;
			return -2;
		}
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int
csv_get_int(const struct csv_lines *r, const char *field, struct csv_field f,
	    int64_t lo, int64_t hi, int64_t *out, struct err *e)
{
	char show[64];
	int64_t v;

	if (parse_int(f, &v) != 0 || v < lo || v > hi)
		return err_at(e, ERR_INVALID, r->name, r->line, field,
			      "expected an integer %lld..%lld, got %s",
			      (long long)lo, (long long)hi,
			      csv_show(show, sizeof show, f));
	*out = v;
	return 0;
}

/* 0 and *out, or -1 if f is not a decimal number. */
static int
parse_double(struct csv_field f, double *out)
{
	size_t i = 0;
	int neg = 0, ndig = 0, sig = 0;
	long exp10 = 0;
	uint64_t mant = 0;
	double v;

	if (i < f.n && f.s[i] == '-') {
		neg = 1;
		i++;
	}
	for (; i < f.n && is_digit(f.s[i]); i++, ndig++) {
		if (sig < 19) {
			mant = mant * 10 + (unsigned)(f.s[i] - '0');
			sig += mant != 0;
		} else {
			exp10++;
		}
	}
	if (i < f.n && f.s[i] == '.') {
		for (i++; i < f.n && is_digit(f.s[i]); i++, ndig++) {
			if (sig < 19) {
				mant = mant * 10 + (unsigned)(f.s[i] - '0');
				sig += mant != 0;
				exp10--;
			}
		}
	}
	if (ndig == 0)
		return -1;
	if (i < f.n && (f.s[i] == 'e' || f.s[i] == 'E')) {
		long x = 0;
		int xneg = 0, xdig = 0;
		i++;
		if (i < f.n && (f.s[i] == '-' || f.s[i] == '+'))
			xneg = f.s[i++] == '-';
		for (; i < f.n && is_digit(f.s[i]); i++, xdig++)
			if (x < 100000)
				x = x * 10 + (f.s[i] - '0');
		if (xdig == 0)
			return -1;
		exp10 += xneg ? -x : x;
	}
	if (i != f.n)
		return -1;
	/* Exact when mant < 2^53 and |exp10| <= 22 (both factors exact and
	 * one rounding); otherwise within a few ulps, plenty for seconds. */
	v = (double)mant;
	if (mant != 0) {
		if (exp10 < 0)
			v = exp10 >= -22 ? v / pow(10, (double)-exp10)
					 : v * pow(10, (double)exp10);
		else if (exp10 > 0)
			v *= pow(10, (double)exp10);
	}
	*out = neg ? -v : v;
	return 0;
}

int
csv_get_double(const struct csv_lines *r, const char *field, struct csv_field f,
	       double lo, double hi, double *out, struct err *e)
{
	char show[64];
	double v;

	if (parse_double(f, &v) != 0)
		return err_at(e, ERR_INVALID, r->name, r->line, field,
			      "expected a number, got %s",
			      csv_show(show, sizeof show, f));
	if (!isfinite(v) || v < lo || v > hi)
		return err_at(e, ERR_INVALID, r->name, r->line, field,
			      "expected a number %g..%g, got %s", lo, hi,
			      csv_show(show, sizeof show, f));
	*out = v;
	return 0;
}

int64_t
csv_days_from_civil(int64_t y, int m, int d)
{
	/* Count in 400-year eras starting on 1 March, so the leap day ends
	 * the year: an era has 146097 days, and day-of-year follows from the
	 * month by a linear formula (153 days per 5 months from March). */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Value of the n digits at s, or -1 if one is not a digit. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
csv_get_time(const struct csv_lines *r, const char *field, struct csv_field f,
	     int64_t *out, struct err *e)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				      30, 31};
	char show[64];
	const char *s = f.s;
	int y, mo, d, h, mi, sec, leap;

	if (f.n != 19 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
		goto bad;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		goto bad;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		goto bad;
	*out = csv_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
bad:
	return err_at(e, ERR_INVALID, r->name, r->line, field,
		      "expected a time YYYY-MM-DD HH:MM:SS, got %s",
		      csv_show(show, sizeof show, f));
}

static int
name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("._-:/@+", c));
}

int
csv_get_name(const struct csv_lines *r, const char *field, struct csv_field f,
	     size_t maxlen, struct err *e)
{
	char show[64];

	if (f.n == 0)
		return err_at(e, ERR_INVALID, r->name, r->line, field,
			      "empty");
	if (f.n > maxlen)
		return err_at(e, ERR_INVALID, r->name, r->line, field,
			      "longer than %zu bytes", maxlen);
	for (size_t i = 0; i < f.n; i++)
		if (!name_char((unsigned char)f.s[i]))
			return err_at(e, ERR_INVALID, r->name, r->line, field,
				      "byte %zu of %s is not a letter, digit or "
				      "one of ._-:/@+", i + 1,
				      csv_show(show, sizeof show, f));
	return 0;
}

int
csv_expect_header(const struct csv_field *f, const char *const *hdr, int n,
		  const char *name, long line, struct err *e)
{
	char want[512], show[96];
	size_t w = 0;

	for (int k = 0; k < n; k++) {
		if (csv_eq(f[k], hdr[k]))
			continue;
		for (int i = 0; i < n && w + 1 < sizeof want; i++)
			w += (size_t)snprintf(want + w, sizeof want - w, "%s%s",
					      i ? "," : "", hdr[i]);
		return err_at(e, ERR_INVALID, name, line, hdr[k],
			      "expected the header %s, got %s", want,
			      csv_show(show, sizeof show, f[k]));
	}
	return 0;
}
