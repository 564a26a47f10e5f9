/*
 * jsonw.h — a streaming JSON writer.  It tracks nesting and commas so
 * callers only say what comes next:
 *
 *	struct jsonw w; jsonw_init(&w, stdout);
 *	jsonw_obj(&w); jsonw_key(&w, "policy"); jsonw_str(&w, "FGD");
 *	jsonw_key(&w, "seeds"); jsonw_arr(&w); jsonw_int(&w, 42); jsonw_end(&w);
 *	jsonw_end(&w); jsonw_nl(&w);
 *
 * Doubles are printed with %.17g (round-trip exact, byte-identical on every
 * run); NaN and infinities become null.  Output goes to a FILE *.
 */
#ifndef ALLOT_UTIL_JSONW_H
#define ALLOT_UTIL_JSONW_H

#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 32

struct jsonw {
	FILE *f;
	int depth;
	unsigned char first[JSONW_MAX_DEPTH]; /* no element yet at this depth */
	unsigned char after_key;
};

void jsonw_init(struct jsonw *w, FILE *f);
void jsonw_obj(struct jsonw *w);
void jsonw_arr(struct jsonw *w);
void jsonw_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *k);
void jsonw_str(struct jsonw *w, const char *s);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_uint(struct jsonw *w, uint64_t v);
void jsonw_double(struct jsonw *w, double v);
/* A double with a fixed number of decimals (for stable, readable output). */
void jsonw_fixed(struct jsonw *w, double v, int decimals);
void jsonw_bool(struct jsonw *w, int v);
void jsonw_null(struct jsonw *w);
void jsonw_nl(struct jsonw *w);
/* Writes s as a JSON string literal (quotes and escapes) to f. */
void jsonw_quote(FILE *f, const char *s);

#endif
