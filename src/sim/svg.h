/*
 * svg.h — a tiny writer of inline SVG charts for the HTML report: stacked
 * areas, lines, grouped or stacked bars, and points with error bars, each
 * with axes, ticks, labels and a legend.
 *
 * Output is one <svg> element written to a FILE *, meant to sit inside an
 * HTML page (no xmlns, no script, nothing loaded from elsewhere).  Every
 * text is escaped; every number is printed with a fixed precision, so the
 * same chart gives the same bytes on every run.  Nothing here allocates
 * memory that outlives a call; the caller owns every array it passes.
 */
#ifndef ALLOT_SIM_SVG_H
#define ALLOT_SIM_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct svg_series {
	const char *name;   /* legend text */
	const double *y;    /* one value per x (or per category); NaN = gap */
	const char *colour; /* "#rrggbb", or NULL for svg_colour(index) */
	int dashed;
};

struct svg_chart {
	const char *title;          /* the chart's accessible name */
	const char *xlabel, *ylabel;
	int width, height;          /* pixels; 0 = 800 x 300 */
	const double *x;            /* n ascending x values (areas, lines) */
	const char *const *cat;     /* n category names (bars, points) */
	size_t n;
	const struct svg_series *s;
	size_t ns;
	int xdate;   /* x values are days since 1970-01-01: ticks as dates */
	int stacked; /* bars: stacked rather than grouped */
	int step;    /* lines: steps (each value holds until the next x) */
};

enum svg_mark {
	SVG_MARK_IN,   /* advanced */
	SVG_MARK_OUT,  /* eliminated */
	SVG_MARK_GATE, /* failed a gate */
};

struct svg_point {
	double y, lo, hi; /* the value and its interval */
	int mark;         /* enum svg_mark */
};

/* Series stacked on each other over c->x: series 0 at the bottom. */
void svg_area(FILE *f, const struct svg_chart *c);
/* One line per series over c->x.  Areas and lines put x ticks at whole
 * numbers (x counts days). */
void svg_lines(FILE *f, const struct svg_chart *c);
/* Bars per category c->cat[i]: side by side per series, or stacked. */
void svg_bars(FILE *f, const struct svg_chart *c);
/* p[i] for category c->cat[i] (c->s unused): a dot and its interval,
 * styled by mark, with a legend of the marks. */
void svg_points(FILE *f, const struct svg_chart *c, const struct svg_point *p);

/* Writes s with &, <, >, " and ' escaped for HTML text and attributes,
 * and control bytes dropped. */
void svg_escape(FILE *f, const char *s);
/* The i-th colour of a fixed palette (cycling), as "#rrggbb". */
const char *svg_colour(size_t i);
/* Formats v for a label: at most 3 significant digits, with k, M, G, T
 * for thousands and up ("12.5k", "4.22k", "0.25").  Returns buf. */
char *svg_num(char *buf, size_t cap, double v);
/* Writes days since 1970-01-01 as "YYYY-MM-DD" into buf (>= 16 bytes).
 * Returns buf. */
char *svg_date(char *buf, size_t cap, int64_t days);

#endif
