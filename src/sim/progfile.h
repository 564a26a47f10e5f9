/*
 * progfile.h — program scenario files: a national programme over months
 * or years (docs/PROGRAM-FORMAT.md): the pool and when each cluster is
 * there, the programs (competition, open call, reserved), their tenants
 * and explicit grants, the competition's rounds, the open calls, the
 * idle-reclaim rule and the workload.  `allot run korea-2026` replays the
 * built-in one (sim/korea.h); `allot run FILE` any other.
 *
 * One directive per line, words separated by blanks, `#` to the end of
 * the line is a comment.  Dates are YYYY-MM-DD (UTC midnight); durations
 * are N followed by d, h, m or s.  An error stops the parse with
 * "FILE:LINE: field: reason" and leaves nothing behind.
 *
 * Times in the parsed scenario are seconds since its start date, which
 * is virtual time 0 of the run.  The parser checks names (every tenant's
 * program, every grant's tenant exist; no duplicates), numbers and
 * dates (inside [start, end]); the pool and model names are checked by
 * the driver (sim/program.h), which has the pool.  Pure apart from
 * progfile_read, which reads the file.
 */
#ifndef ALLOT_SIM_PROGFILE_H
#define ALLOT_SIM_PROGFILE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define PF_NAME 64        /* bytes in a name, with its NUL */
#define PF_MAX_MODELS 8   /* models in one capacity list */
#define PF_MAX_TEAMS 32   /* scores or gate failures in one round */
#define PF_MAX_ITEMS 4096 /* directives of one kind */

enum pf_kind { PF_COMPETITION = 0, PF_OPENCALL, PF_RESERVED, PF_NKINDS };
enum pf_tenant_kind { PF_TEAM = 0, PF_PROJECT, PF_MINISTRY, PF_NTKINDS };
enum pf_realloc { PF_EQUAL = 0, PF_BY_SCORE, PF_BY_RANK };
enum pf_tie { PF_TIE_POINT = 0, PF_TIE_KEEP };

struct pf_amount {            /* MODEL:N */
	char model[PF_NAME];
	int64_t n;
};

struct pf_program {
	char name[PF_NAME];
	int kind;                 /* enum pf_kind */
	int64_t budget_won;       /* 0 = none */
	int line;
};

struct pf_cluster {           /* a cluster present in [from, to) */
	char name[PF_NAME];
	int64_t from, to;         /* to = INT64_MAX: to the end */
	int line;
};

struct pf_tenant {
	char name[PF_NAME];
	uint32_t program;         /* index in programs */
	int kind;                 /* enum pf_tenant_kind */
	double activity;          /* demand / granted GPUs; default 0.9 */
	double efficiency;        /* competition: model-quality efficiency */
	double prior_gpu_h;       /* competition: compute before the run */
	int64_t supplier_from, supplier_to; /* supplies capacity then: gets
					     * none from its program; from =
					     * to = 0 for none */
	int64_t enters;           /* competition: joins then (a wildcard);
				   * 0 = from the start */
	int line;
};

struct pf_grant {
	uint32_t tenant;
	char model[PF_NAME];
	int64_t gpus;
	int64_t from, to;
	uint64_t price_won_hour;  /* 0 = the program's price for the model */
	int line;
};

struct pf_score {
	char team[PF_NAME];
	double score;             /* NAN for a gate failure without score */
};

struct pf_round {
	char name[PF_NAME];
	uint32_t program;
	int64_t at;
	uint32_t keep;            /* teams kept (finalists of this round) */
	int64_t notice_s;         /* eliminated teams' grants end at + this */
	int realloc;              /* enum pf_realloc */
	struct pf_amount next[PF_MAX_MODELS]; /* the next phase's capacity */
	size_t nnext;
	int64_t until;            /* the next phase ends; 0 = next round */
	struct pf_score scores[PF_MAX_TEAMS]; /* given scores (published) */
	size_t nscores;
	char gate_fail[PF_MAX_TEAMS][PF_NAME];
	size_t ngate_fail;
	int reps;                 /* bootstrap replicates (model scores) */
	double confidence;
	int tie;                  /* enum pf_tie */
	int line;
};

struct pf_call {
	char name[PF_NAME];
	uint32_t program;
	int64_t award;            /* grants start then */
	struct pf_amount capacity[PF_MAX_MODELS]; /* servers by model */
	size_t ncapacity;
	uint32_t proposals;       /* synthetic proposals */
	int64_t asked_gpus;       /* their total ask; 0 = 3 x capacity */
	uint32_t months;          /* longest term; default 12 */
	double region_min;        /* share for regions outside the capital */
	double org_max;           /* largest share of one organisation */
	double mix[4];            /* servers asked by academia, institutes,
				   * SMEs, large firms; all 0 = the 2026 mix */
	int line;
};

struct pf_idle {
	double threshold;         /* idle share that warns; 0 = rule off */
	int64_t window_s, notice_s, rampup_s;
	uint32_t keep_servers;
	int64_t every_s;          /* how often grants are checked */
};

struct pf_workload {
	double load;              /* offered load on granted GPUs (activity
				   * multiplies it per tenant); default 1 */
	int64_t pass_interval;    /* seconds; default 300 */
	uint32_t backfill;        /* reservations per pass; default 8 */
	uint32_t max_gang;        /* largest gang in GPUs; default 512 */
};

struct progfile {
	char name[PF_NAME];
	char source[256];         /* the file it came from, for messages */
	char sha256[65];          /* of its text: the audit log's input */
	int64_t start_unix;       /* the start date, seconds since 1970 */
	int64_t end;              /* seconds after the start */
	uint64_t seed;
	char pool[256];           /* "korea", "gen:SPEC" or "file:PATH" */
	struct pf_program *programs; size_t nprograms;
	struct pf_cluster *clusters; size_t nclusters;
	struct pf_tenant *tenants;   size_t ntenants;
	struct pf_grant *grants;     size_t ngrants;
	struct pf_round *rounds;     size_t nrounds;   /* by date */
	struct pf_call *calls;       size_t ncalls;    /* by award date */
	struct pf_idle idle;
	struct pf_workload work;
};

/* Parses buf[0..len) named name into pf (all zero on error). */
int progfile_parse(const char *name, const char *buf, size_t len,
		   struct progfile *pf, struct err *e);
int progfile_read(const char *path, struct progfile *pf, struct err *e);
void progfile_free(struct progfile *pf);
/* Index of the tenant or program named s, or -1. */
long progfile_tenant(const struct progfile *pf, const char *s);
long progfile_program(const struct progfile *pf, const char *s);
const char *progfile_kind_name(int kind);
/* "2026-01-15" for t seconds after the start. */
void progfile_date(const struct progfile *pf, int64_t t, char out[16]);

#endif
