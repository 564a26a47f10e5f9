/*
 * report.h — the report of a program run: reads the files `allot run
 * SCENARIO --out DIR` writes (docs/REPORT.md gives the contract), and
 * writes one self-contained HTML page (inline CSS and SVG, nothing loaded
 * from elsewhere) and a terminal or JSON summary.
 *
 * Every file is optional: a missing one leaves its section saying "no
 * data".  A malformed line is an error "DIR/FILE:LINE: field: reason"
 * and nothing is kept.  The struct report owns everything it points to;
 * report_free releases it.
 */
#ifndef ALLOT_SIM_REPORT_H
#define ALLOT_SIM_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "util/err.h"
#include "util/jsonw.h"
#include "util/strtab.h"

enum report_file {
	REPORT_TENANTS,  /* tenants.csv: tenant,program,kind */
	REPORT_GPUS,     /* gpus_by_tenant.csv: day,tenant,gpus */
	REPORT_CAPACITY, /* capacity_by_site.csv: day,site,capacity,allocated */
	REPORT_WAITS,    /* waits.csv: program,jobs,p50_s,p90_s,p99_s */
	REPORT_ROUNDS,   /* rounds.csv: round,date,team,score,lo,hi,p_last,gate,out */
	REPORT_PHASES,   /* phases.csv: phase,start,end,team,gpus */
	REPORT_OPENCALL, /* opencall.csv: call,category,proposals,asked_gpus,
			    awarded,awarded_gpus */
	REPORT_RECLAIM,  /* reclaim.csv: date,tenant,action,servers */
	REPORT_BUDGET,   /* budget.csv: day,program,budget_won,drawn_won */
	REPORT_NFILES
};

/* One CSV file as read: a row-major table of numbers.  Names are ids in
 * report.names, dates days since 1970-01-01, enumerations the index of
 * the value in the contract's list, an empty optional number NaN. */
struct report_table {
	int present;   /* the file exists */
	size_t nrows, ncols;
	double *v;     /* nrows x ncols */
	long *line;    /* each row's line number in the file */
};

/* GPUs per tenant over time, as charted: the top tenants by GPU-days,
 * grouped by program, and "other" for the rest (when there is a rest). */
struct report_stack {
	size_t ndays, nseries;
	double *day;   /* ndays distinct days, ascending */
	char **name;   /* nseries labels: "tenant (program)" or "other" */
	double *gpus;  /* nseries x ndays, row-major by series */
	double *gpu_days; /* nseries totals over all days */
};

struct report {
	char *dir;
	struct strtab names;
	struct report_table t[REPORT_NFILES];
	/* summary.json; strings NULL and numbers NaN when absent. */
	int have_summary;
	char *scenario, *start, *end;
	double scale, seed, gpus, submitted, completed, util_pct,
	    idle_reclaimed_gpus, budget_won, drawn_won;
	char **finalists;
	size_t nfinalists;
	/* Figures computed from the tables (NaN or 0 without data). */
	struct report_stack stack;
	double proposals, awarded, asked_gpus, awarded_gpus; /* opencall */
	double site_util_pct;  /* sum allocated / sum capacity, all days */
	double budget_last, drawn_last; /* budget.csv: each program's last day */
};

/* The contract's name of file k ("tenants.csv"). */
const char *report_file_name(int k);
/* A table's cell (row i, column j). */
double report_cell(const struct report_table *t, size_t i, size_t j);

/* Reads the run directory dir into r (which it initialises).  Returns 0;
 * ERR_NOTFOUND when dir is not a directory; ERR_INVALID with e =
 * "DIR/FILE:LINE: field: reason" for a malformed line (or "DIR/summary.
 * json:LINE:COL: reason", "...: key: reason"); ERR_LIMIT for a file over
 * 64 MiB or a chart grid of more than 2^22 cells.  On error r holds
 * nothing (report_free is still allowed). */
int report_read(const char *dir, struct report *r, struct err *e);
/* Writes the HTML page to f.  Returns 0, or ERR_IO if writing failed. */
int report_write_html(FILE *f, const struct report *r, struct err *e);
/* The terminal summary: finalists, GPUs per team per phase, open-call
 * acceptance, utilisation, idle GPUs reclaimed, budget. */
void report_summary(FILE *f, const struct report *r);
/* The same summary as members of the JSON object w is in. */
void report_summary_json(struct jsonw *w, const struct report *r);
void report_free(struct report *r);

#endif
