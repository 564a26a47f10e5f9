/*
 * slurmtime.h — Slurm's --time formats, parsed and printed, so that
 * `allot submit --time` reads what sbatch users type and `allot queue`
 * prints elapsed times the way squeue does.  Pure: no I/O, no clock.
 *
 * Accepted (sbatch(1)): "M" (minutes), "M:S", "H:M:S", "D-H", "D-H:M",
 * "D-H:M:S", and "UNLIMITED" / "INFINITE" (any case).  "0" also means no
 * limit, as in Slurm.  Seconds and minutes after a ':' are 0..59, hours
 * after a '-' 0..23; the leading field may be larger ("90" = 90 minutes,
 * "30:00:00" = 30 hours).  Surrounding blanks, signs, empty fields and
 * totals beyond SLURMTIME_MAX_S are refused.
 */
#ifndef ALLOT_UTIL_SLURMTIME_H
#define ALLOT_UTIL_SLURMTIME_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* The largest limit accepted: 2^31 - 1 seconds (about 68 years). */
#define SLURMTIME_MAX_S INT64_C(2147483647)

/* Parses s into seconds (*out_s; 0 = no limit).  On error returns
 * ERR_INVALID, leaves *out_s alone and fills e with
 * "--time: expected ..., got \"s\"". */
int slurmtime_parse(const char *s, int64_t *out_s, struct err *e);

/* Writes seconds (>= 0) as squeue prints a TIME: "M:SS" under an hour,
 * "H:MM:SS" under a day, else "D-HH:MM:SS".  Negative values print as
 * "-".  Always NUL-terminates; returns the length snprintf would have
 * written.  slurmtime_parse reads the output back to the same value. */
int slurmtime_format(int64_t s, char *buf, size_t cap);

#endif
