/*
 * svg.c — the report's charts as inline SVG (svg.h).
 *
 * Every chart has the same frame: a plot area on the left, a legend on
 * the right, y ticks at "nice" steps (1, 2 or 5 times a power of ten)
 * with light grid lines, and x ticks either numeric, or dates (months
 * apart over long spans), or one per category (names turned by 35 degrees,
 * and the plot shrunk to make room, when they do not fit flat).
 * Coordinates are printed with one decimal and labels through
 * svg_num, so output depends only on the input numbers.  Nothing here
 * keeps state between calls; the scratch arrays of svg_area are freed
 * before it returns.
 */
#include "sim/svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/csv.h"

#define LEGEND_W 220 /* pixels right of the plot for the legend */
#define LEGEND_MAX 16
#define LABEL_MAX 30 /* bytes of a legend or category label */

struct axis {
	double lo, hi, step;
};

struct plot {
	double x0, x1, y0, y1; /* pixel box of the plot area */
	struct axis xa, ya;
	int rot;               /* category labels turned to fit */
};

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
};

const char *
svg_colour(size_t i)
{
	return palette[i % (sizeof palette / sizeof palette[0])];
}

void
svg_escape(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (c >= 0x20 && c != 0x7f)
				fputc(c, f);
		}
	}
}

char *
svg_num(char *buf, size_t cap, double v)
{
	static const char *const suf[] = {"", "k", "M", "G", "T"};
	int k = 0, dec;

	if (!isfinite(v)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	while (k < 4 && fabs(v) >= 999.5) {
		v /= 1000.0;
		k++;
	}
	dec = fabs(v) >= 99.95 ? 0 : fabs(v) >= 9.995 ? 1 : 2;
	snprintf(buf, cap, "%.*f", dec, v);
	if (dec > 0 && strchr(buf, '.') != NULL) {
		size_t n = strlen(buf);
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, cap, "0");
	if (strlen(buf) + strlen(suf[k]) < cap) {
		size_t l = strlen(buf);
		snprintf(buf + l, cap - l, "%s", suf[k]);
	}
	return buf;
}

/* Days since 1970-01-01 to the civil date (H. Hinnant's algorithm,
 * proleptic Gregorian). */
static void
civil(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

char *
svg_date(char *buf, size_t cap, int64_t z)
{
	int64_t y, m, d;

	civil(z, &y, &m, &d);
	snprintf(buf, cap, "%04lld-%02lld-%02lld", (long long)y, (long long)m,
		 (long long)d);
	return buf;
}

/* A label cut to at most max bytes, not inside a UTF-8 sequence. */
static void
text_cut(FILE *f, const char *s, size_t max)
{
	char buf[LABEL_MAX + 4];
	size_t n = s != NULL ? strlen(s) : 0;

	if (max > LABEL_MAX)
		max = LABEL_MAX;
	if (n <= max) {
		svg_escape(f, s);
		return;
	}
	n = max > 1 ? max - 1 : 0;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	snprintf(buf, n + 4, "%.*s\xe2\x80\xa6", (int)n, s); /* an ellipsis */
	svg_escape(f, buf);
}

static void
axis_fit(struct axis *a, double lo, double hi)
{
	double raw, p, m;

	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (!(hi > lo))
		hi = lo + (lo != 0 ? fabs(lo) * 0.1 : 1);
	raw = (hi - lo) / 5;
	if (!(raw > 0))
		raw = 1; /* hi - lo underflowed */
	p = pow(10, floor(log10(raw)));
	m = raw / p;
	a->step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
	a->lo = floor(lo / a->step + 1e-9) * a->step;
	a->hi = ceil(hi / a->step - 1e-9) * a->step;
	if (!(a->hi > a->lo))
		a->hi = a->lo + a->step;
}

static double
px(const struct plot *p, double x)
{
	return p->x0 + (x - p->xa.lo) / (p->xa.hi - p->xa.lo) * (p->x1 - p->x0);
}

static double
py(const struct plot *p, double y)
{
	return p->y1 - (y - p->ya.lo) / (p->ya.hi - p->ya.lo) * (p->y1 - p->y0);
}

static void
text(FILE *f, double x, double y, const char *anchor, const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y,
		anchor);
	svg_escape(f, s);
	fputs("</text>\n", f);
}

/* Opens the <svg>, sizes the plot box and draws the y axis with its grid
 * and both axis labels; the caller has set pl->ya. */
static void
frame(FILE *f, const struct svg_chart *c, struct plot *pl)
{
	int w = c->width > 0 ? c->width : 800, h = c->height > 0 ? c->height : 300;
	size_t longest = 0;
	char buf[32];

	pl->x0 = 64;
	pl->x1 = w - LEGEND_W;
	pl->y0 = 12;
	pl->y1 = h - 44;
	pl->rot = 0;
	for (size_t i = 0; c->x == NULL && c->cat != NULL && i < c->n; i++)
		if (strlen(c->cat[i]) > longest)
			longest = strlen(c->cat[i]);
	longest = longest < LABEL_MAX ? longest : LABEL_MAX;
	if (c->n > 0 && (double)longest * 6.5 > (pl->x1 - pl->x0) / (double)c->n) {
		/* Labels turned by 35 degrees: room below for the longest. */
		pl->rot = 1;
		pl->y1 -= fmin((double)longest * 6.5 * 0.57 - 8, pl->y1 / 3);
		pl->x0 = fmax(pl->x0, (double)longest * 5.4 -
			      (pl->x1 - pl->x0) / (double)c->n / 2);
	}
	fprintf(f, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "role=\"img\" aria-label=\"", w, h, w, h);
	svg_escape(f, c->title);
	fprintf(f, "\" font-family=\"sans-serif\" font-size=\"11\">\n<title>");
	svg_escape(f, c->title);
	fputs("</title>\n", f);
	for (int k = 0; k <= 20; k++) { /* axis_fit makes 5 to 10 steps */
		double v = pl->ya.lo + k * pl->ya.step, y;
		if (v > pl->ya.hi + pl->ya.step * 1e-6)
			break;
		y = py(pl, v);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			   "stroke=\"#ddd\"/>\n", pl->x0, y, pl->x1, y);
		text(f, pl->x0 - 4, y + 4, "end", svg_num(buf, sizeof buf, v));
	}
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		   "stroke=\"#333\"/>\n", pl->x0, pl->y1, pl->x1, pl->y1);
	if (c->ylabel != NULL) {
		fprintf(f, "<text transform=\"translate(14 %.1f) rotate(-90)\" "
			   "text-anchor=\"middle\">", (pl->y0 + pl->y1) / 2);
		svg_escape(f, c->ylabel);
		fputs("</text>\n", f);
	}
	if (c->xlabel != NULL)
		text(f, (pl->x0 + pl->x1) / 2, h - 6, "middle", c->xlabel);
}

static void
x_tick(FILE *f, const struct plot *pl, double v, const char *label)
{
	double x = px(pl, v);

	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		   "stroke=\"#333\"/>\n", x, pl->y1, x, pl->y1 + 4);
	text(f, x, pl->y1 + 16, "middle", label);
}

/* Dates over two months or more: ticks on the first of every 1, 2, 3, 6
 * or 12 months (at most 7), labelled YYYY-MM. */
static int
month_ticks(FILE *f, const struct plot *pl)
{
	static const int steps[] = {1, 2, 3, 6, 12, 24, 60};
	double span = (pl->xa.hi - pl->xa.lo) / 30.44;
	int64_t y, m, d, ym;
	int step = 120;
	char buf[32];

	if (span < 2)
		return 0;
	for (int k = 6; k >= 0; k--)
		if (span / steps[k] <= 6)
			step = steps[k];
	civil((int64_t)ceil(pl->xa.lo), &y, &m, &d);
	ym = y * 12 + m - 1 + (d > 1);
	ym = (ym + step - 1) / step * step;
	for (int k = 0; k < 20; k++, ym += step) {
		double v = (double)csv_days_from_civil(ym / 12, (int)(ym % 12) + 1, 1);
		if (v > pl->xa.hi)
			break;
		snprintf(buf, sizeof buf, "%04lld-%02lld", (long long)(ym / 12),
			 (long long)(ym % 12 + 1));
		x_tick(f, pl, v, buf);
	}
	return 1;
}

static void
x_ticks(FILE *f, const struct svg_chart *c, const struct plot *pl)
{
	char buf[32];

	if (c->xdate && month_ticks(f, pl))
		return;
	for (int k = 0; k <= 20; k++) {
		double v = pl->xa.lo + k * pl->xa.step;
		if (v > pl->xa.hi + pl->xa.step * 1e-6)
			break;
		if (c->xdate)
			svg_date(buf, sizeof buf, (int64_t)llround(v));
		else
			svg_num(buf, sizeof buf, v);
		x_tick(f, pl, v, buf);
	}
}

/* Category names under the plot, one per band, cut to fit. */
static void
cat_ticks(FILE *f, const struct svg_chart *c, const struct plot *pl)
{
	double band = (pl->x1 - pl->x0) / (double)c->n;
	double gap = pl->rot ? 13 : 24; /* pixels between labels */
	size_t every = band >= gap ? 1 : (size_t)(gap / band) + 1;

	for (size_t i = 0; i < c->n; i += every) {
		double x = pl->x0 + band * ((double)i + 0.5);
		if (pl->rot)
			fprintf(f, "<text transform=\"translate(%.1f %.1f) "
				   "rotate(-35)\" text-anchor=\"end\">", x + 3,
				pl->y1 + 12);
		else
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" "
				   "text-anchor=\"middle\">", x, pl->y1 + 16);
		text_cut(f, c->cat[i], pl->rot ? LABEL_MAX :
			 (size_t)(band * (double)every / 6.5));
		fputs("</text>\n", f);
	}
}

static const char *
colour_of(const struct svg_chart *c, size_t i)
{
	return c->s[i].colour != NULL ? c->s[i].colour : svg_colour(i);
}

static void
legend(FILE *f, const struct svg_chart *c, const struct plot *pl)
{
	for (size_t i = 0; i < c->ns && i <= LEGEND_MAX; i++) {
		double y = pl->y0 + 16.0 * (double)i;
		if (i == LEGEND_MAX) {
			text(f, pl->x1 + 12, y + 9, "start", "\xe2\x80\xa6");
			break;
		}
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
			   "fill=\"%s\"/>\n<text x=\"%.1f\" y=\"%.1f\">",
			pl->x1 + 12, y, colour_of(c, i), pl->x1 + 26, y + 9);
		text_cut(f, c->s[i].name, LABEL_MAX);
		fputs("</text>\n", f);
	}
}

/* The x axis over c->x, and the y axis from 0 (or the lowest value)
 * to the highest, or to the highest stacked total. */
static void
xy_fit(const struct svg_chart *c, struct plot *pl, int stack)
{
	double lo = 0, hi = 0;

	for (size_t i = 0; i < c->n; i++) {
		double sum = 0;
		for (size_t k = 0; k < c->ns; k++) {
			double v = c->s[k].y[i];
			if (!isfinite(v))
				continue;
			sum = stack ? sum + (v > 0 ? v : 0) : v;
			if (sum > hi)
				hi = sum;
			if (sum < lo)
				lo = sum;
		}
	}
	axis_fit(&pl->ya, lo, hi);
	if (c->x == NULL || c->n == 0) {
		axis_fit(&pl->xa, 0, 1); /* categories, or no data */
		return;
	}
	axis_fit(&pl->xa, c->x[0], c->x[c->n - 1]);
	if (pl->xa.step < 1) { /* x counts days: whole ticks */
		pl->xa.step = 1;
		pl->xa.hi = ceil(pl->xa.hi);
	}
	if (c->x[c->n - 1] > c->x[0]) {
		/* Exactly the data's span on x: no empty margins. */
		pl->xa.lo = c->x[0];
		pl->xa.hi = c->x[c->n - 1];
	}
}

static void
end_svg(FILE *f, const struct svg_chart *c, const struct plot *pl, int xs)
{
	if (xs)
		x_ticks(f, c, pl);
	legend(f, c, pl);
	fputs("</svg>\n", f);
}

void
svg_area(FILE *f, const struct svg_chart *c)
{
	struct plot pl;
	double *base = xcalloc(c->n + 1, sizeof *base);
	double *top = xcalloc(c->n + 1, sizeof *top);

	xy_fit(c, &pl, 1);
	frame(f, c, &pl);
	for (size_t k = 0; k < c->ns && c->n > 0; k++) {
		for (size_t i = 0; i < c->n; i++) {
			double v = c->s[k].y[i];
			top[i] = base[i] + (isfinite(v) && v > 0 ? v : 0);
		}
		fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.85\" d=\"",
			colour_of(c, k));
		for (size_t i = 0; i < c->n; i++)
			fprintf(f, "%s%.1f %.1f", i ? "L" : "M", px(&pl, c->x[i]),
				py(&pl, top[i]));
		for (size_t i = c->n; i-- > 0;)
			fprintf(f, "L%.1f %.1f", px(&pl, c->x[i]), py(&pl, base[i]));
		fputs("Z\"><title>", f);
		svg_escape(f, c->s[k].name);
		fputs("</title></path>\n", f);
		memcpy(base, top, c->n * sizeof *base);
	}
	end_svg(f, c, &pl, 1);
	free(base);
	free(top);
}

void
svg_lines(FILE *f, const struct svg_chart *c)
{
	struct plot pl;

	xy_fit(c, &pl, 0);
	frame(f, c, &pl);
	for (size_t k = 0; k < c->ns; k++) {
		int pen = 0;
		fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s "
			   "d=\"", colour_of(c, k),
			c->s[k].dashed ? " stroke-dasharray=\"5 3\"" : "");
		for (size_t i = 0; i < c->n; i++) {
			double v = c->s[k].y[i];
			if (!isfinite(v)) {
				pen = 0;
				continue;
			}
			if (pen && c->step)
				fprintf(f, "L%.1f %.1f", px(&pl, c->x[i]),
					py(&pl, c->s[k].y[i - 1]));
			fprintf(f, "%s%.1f %.1f", pen ? "L" : "M", px(&pl, c->x[i]),
				py(&pl, v));
			pen = 1;
		}
		fputs("\"><title>", f);
		svg_escape(f, c->s[k].name);
		fputs("</title></path>\n", f);
	}
	end_svg(f, c, &pl, 1);
}

void
svg_bars(FILE *f, const struct svg_chart *c)
{
	struct plot pl;
	double band, w;
	char buf[32];

	xy_fit(c, &pl, c->stacked);
	frame(f, c, &pl);
	band = c->n > 0 ? (pl.x1 - pl.x0) / (double)c->n : 0;
	w = c->stacked || c->ns == 0 ? band * 0.6 : band * 0.8 / (double)c->ns;
	for (size_t i = 0; i < c->n; i++) {
		double base = 0;
		for (size_t k = 0; k < c->ns; k++) {
			double v = c->s[k].y[i], x, y0, y1;
			if (!isfinite(v) || v <= 0)
				continue;
			x = pl.x0 + band * (double)i + (c->stacked ? band * 0.2 :
				band * 0.1 + w * (double)k);
			y0 = py(&pl, base);
			y1 = py(&pl, base + v);
			if (c->stacked)
				base += v;
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				   "height=\"%.1f\" fill=\"%s\"><title>", x, y1, w,
				y0 - y1, colour_of(c, k));
			svg_escape(f, c->cat[i]);
			fputs(", ", f);
			svg_escape(f, c->s[k].name);
			fprintf(f, ": %s</title></rect>\n", svg_num(buf, sizeof buf, v));
		}
	}
	if (c->n > 0)
		cat_ticks(f, c, &pl);
	end_svg(f, c, &pl, 0);
}

void
svg_points(FILE *f, const struct svg_chart *c, const struct svg_point *p)
{
	static const struct svg_series marks[] = {
		{"advanced", NULL, "#4e79a7", 0},
		{"eliminated", NULL, "#e15759", 0},
		{"failed the gate", NULL, "#888888", 0},
	};
	struct svg_chart lc = *c;
	struct plot pl;
	double lo = INFINITY, hi = -INFINITY, band;
	char buf[32];

	for (size_t i = 0; i < c->n; i++) {
		double v[3] = {p[i].y, p[i].lo, p[i].hi};
		for (int k = 0; k < 3; k++)
			if (isfinite(v[k])) {
				lo = v[k] < lo ? v[k] : lo;
				hi = v[k] > hi ? v[k] : hi;
			}
	}
	axis_fit(&pl.ya, lo, hi);
	frame(f, c, &pl);
	band = c->n > 0 ? (pl.x1 - pl.x0) / (double)c->n : 0;
	for (size_t i = 0; i < c->n; i++) {
		double x = pl.x0 + band * ((double)i + 0.5);
		const char *col = marks[p[i].mark >= 0 && p[i].mark <= 2 ?
					p[i].mark : 0].colour;
		if (isfinite(p[i].lo) && isfinite(p[i].hi))
			fprintf(f, "<path stroke=\"%s\" d=\"M%.1f %.1fL%.1f %.1f"
				   "M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\"/>\n",
				col, x, py(&pl, p[i].lo), x, py(&pl, p[i].hi),
				x - 5, py(&pl, p[i].lo), x + 5, py(&pl, p[i].lo),
				x - 5, py(&pl, p[i].hi), x + 5, py(&pl, p[i].hi));
		if (isfinite(p[i].y)) {
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
				   "stroke=\"%s\" fill=\"%s\"><title>", x,
				py(&pl, p[i].y), col,
				p[i].mark == SVG_MARK_GATE ? "#fff" : col);
			svg_escape(f, c->cat[i]);
			fprintf(f, ": %s", svg_num(buf, sizeof buf, p[i].y));
			fprintf(f, " [%s, ", svg_num(buf, sizeof buf, p[i].lo));
			fprintf(f, "%s]</title></circle>\n",
				svg_num(buf, sizeof buf, p[i].hi));
		} else {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
				   "fill=\"%s\">no score</text>\n", x, pl.y1 - 6, col);
		}
	}
	if (c->n > 0)
		cat_ticks(f, c, &pl);
	lc.s = marks;
	lc.ns = 3;
	end_svg(f, &lc, &pl, 0);
}
