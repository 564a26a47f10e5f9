/*
 * slurmtime.c — Slurm's --time formats (see slurmtime.h).
 *
 * The string is split once into at most one '-' (days) and at most two
 * ':' (hours, minutes, seconds); which fields a number stands for depends
 * on the shape, exactly as in sbatch(1):
 *
 *	M    M:S    H:M:S    D-H    D-H:M    D-H:M:S
 *
 * Every field is 1..9 decimal digits, so no intermediate sum overflows
 * int64 before the final range check.
 */
#include "util/slurmtime.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_DIGITS 9

/* Reads 1..MAX_DIGITS digits from *p; returns the value or -1. */
static int64_t
field(const char **p)
{
	int64_t v = 0;
	int n = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > MAX_DIGITS)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return n == 0 ? -1 : v;
}

static int
bad(const char *s, struct err *e, const char *why)
{
	return err_set(e, ERR_INVALID, "--time: %s; expected minutes, MM:SS, "
		       "HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED, got \"%.64s\"",
		       why, s);
}

int
slurmtime_parse(const char *s, int64_t *out_s, struct err *e)
{
	const char *p = s;
	int64_t v[3], days = -1, total;
	int n = 0;

	if (s == NULL || *s == '\0')
		return bad("", e, "empty");
	if (strcasecmp(s, "UNLIMITED") == 0 || strcasecmp(s, "INFINITE") == 0) {
		*out_s = 0;
		return 0;
	}
	if ((v[0] = field(&p)) < 0)
		return bad(s, e, "not a number");
	if (*p == '-') {
		days = v[0];
		p++;
		if ((v[0] = field(&p)) < 0)
			return bad(s, e, "no hours after the days");
	}
	n = 1;
	while (*p == ':' && n < 3) {
		p++;
		if ((v[n] = field(&p)) < 0)
			return bad(s, e, "empty field after ':'");
		n++;
	}
	if (*p != '\0')
		return bad(s, e, "unexpected character");
	if (days >= 0) {
		/* D-H, D-H:M, D-H:M:S */
		if (v[0] > 23)
			return bad(s, e, "hours after a day count must be 0..23");
		for (int i = 1; i < n; i++)
			if (v[i] > 59)
				return bad(s, e, "minutes and seconds must be 0..59");
		total = days * 86400 + v[0] * 3600 + (n > 1 ? v[1] * 60 : 0) +
			(n > 2 ? v[2] : 0);
	} else if (n == 1) {
		total = v[0] * 60;                       /* M */
	} else if (n == 2) {
		if (v[1] > 59)
			return bad(s, e, "seconds must be 0..59");
		total = v[0] * 60 + v[1];                /* M:S */
	} else {
		if (v[1] > 59 || v[2] > 59)
			return bad(s, e, "minutes and seconds must be 0..59");
		total = v[0] * 3600 + v[1] * 60 + v[2]; /* H:M:S */
	}
	if (total > SLURMTIME_MAX_S)
		return bad(s, e, "too long");
	*out_s = total;
	return 0;
}

int
slurmtime_format(int64_t s, char *buf, size_t cap)
{
	long long d, h, m, sec;

	if (s < 0)
		return snprintf(buf, cap, "-");
	d = s / 86400;
	h = s / 3600 % 24;
	m = s / 60 % 60;
	sec = s % 60;
	if (d > 0)
		return snprintf(buf, cap, "%lld-%02lld:%02lld:%02lld", d, h, m, sec);
	if (h > 0)
		return snprintf(buf, cap, "%lld:%02lld:%02lld", h, m, sec);
	return snprintf(buf, cap, "%lld:%02lld", m, sec);
}
