/*
 * jsonw.c — streaming JSON writer; see jsonw.h.
 */
#include "util/jsonw.h"

#include <inttypes.h>
#include <math.h>

#include "util/alloc.h"

void
jsonw_init(struct jsonw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->first[0] = 1;
	w->after_key = 0;
}

static void
sep(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!(w->first[w->depth] & 1))
		fputc(',', w->f);
	w->first[w->depth] &= (unsigned char)~1u;
}

static void
open(struct jsonw *w, int c)
{
	sep(w);
	fputc(c, w->f);
	ALLOT_ASSERT(w->depth + 1 < JSONW_MAX_DEPTH);
	w->first[++w->depth] = (unsigned char)(1 | (c == '[' ? 2 : 0));
}

void
jsonw_obj(struct jsonw *w)
{
	open(w, '{');
}

void
jsonw_arr(struct jsonw *w)
{
	open(w, '[');
}

void
jsonw_end(struct jsonw *w)
{
	/* first[d]: bit 0 = no element yet, bit 1 = this level is an array. */
	ALLOT_ASSERT(w->depth > 0);
	fputc((w->first[w->depth] & 2) ? ']' : '}', w->f);
	w->depth--;
}

void
jsonw_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void
jsonw_key(struct jsonw *w, const char *k)
{
	sep(w);
	jsonw_quote(w->f, k);
	fputc(':', w->f);
	w->after_key = 1;
}

void
jsonw_str(struct jsonw *w, const char *s)
{
	sep(w);
	if (s == NULL)
		fputs("null", w->f);
	else
		jsonw_quote(w->f, s);
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
	sep(w);
	fprintf(w->f, "%" PRId64, v);
}

void
jsonw_uint(struct jsonw *w, uint64_t v)
{
	sep(w);
	fprintf(w->f, "%" PRIu64, v);
}

void
jsonw_double(struct jsonw *w, double v)
{
	sep(w);
	if (!isfinite(v))
		fputs("null", w->f);
	else
		fprintf(w->f, "%.17g", v);
}

void
jsonw_fixed(struct jsonw *w, double v, int decimals)
{
	sep(w);
	if (!isfinite(v))
		fputs("null", w->f);
	else
		fprintf(w->f, "%.*f", decimals, v);
}

void
jsonw_bool(struct jsonw *w, int v)
{
	sep(w);
	fputs(v ? "true" : "false", w->f);
}

void
jsonw_null(struct jsonw *w)
{
	sep(w);
	fputs("null", w->f);
}

void
jsonw_nl(struct jsonw *w)
{
	fputc('\n', w->f);
}
