/*
 * proposals.h — open-call proposals: the proposals CSV, and the
 * synthetic `korea-2026` call whose marginals match the published facts
 * (DESIGN.md §1).  Selection itself is compete/opencall.h's.
 *
 * The CSV has a header naming the columns (any order, all required):
 *
 *	id,tenant,org,category,region,model,servers,months,impact,ecosystem,feasibility
 *
 *  id          the proposal's number, 0..4294967295, unique in the file
 *  tenant      the applying team (a name: letters, digits, ._-:/@+),
 *              interned into proposals.tenants
 *  org         its organisation (a name), interned into proposals.orgs;
 *              anti-concentration limits count servers per org
 *  category    academia | institute | sme | large
 *  region      0 (the capital area) .. 255
 *  model       a GPU model name of the pool ("H200")
 *  servers     8-GPU servers asked, 1..PROPOSALS_MAX_SERVERS
 *  months      term asked, 1..PROPOSALS_MAX_MONTHS (the call's own
 *              maximum is a rule, checked by opencall_select)
 *  impact, ecosystem, feasibility
 *              panel scores 0..100 (scores[0], [1], [2] of the proposal)
 *
 * Blank lines are ignored.  Every error names the place, "FILE:LINE:
 * field: reason"; on error nothing is kept.  Only proposals_read touches
 * the file system.
 */
#ifndef ALLOT_SIM_PROPOSALS_H
#define ALLOT_SIM_PROPOSALS_H

#include <stddef.h>
#include <stdint.h>

#include "compete/opencall.h"
#include "model/pool.h"
#include "util/err.h"
#include "util/strtab.h"

#define PROPOSALS_MAX 1000000
#define PROPOSALS_MAX_SERVERS 100000
#define PROPOSALS_MAX_MONTHS 120
#define PROPOSALS_NCRITERIA 3 /* impact, ecosystem, feasibility */

/* A list of proposals; owns v and both name tables.  p.tenant and p.org
 * are ids in tenants and orgs. */
struct proposals {
	struct oc_proposal *v;
	size_t n, cap;
	struct strtab tenants;
	struct strtab orgs;
};

void proposals_init(struct proposals *ps);
void proposals_free(struct proposals *ps);

/*
 * Parses buf[0..len) (named `name` in messages) and appends its
 * proposals to ps in file order; model names are looked up in pool.
 * Ids must be unique across ps.  Returns 0, or ERR_INVALID / ERR_LIMIT
 * with e set; on failure ps->n is as it was (names interned before the
 * bad line stay in the tables, unused).
 */
int proposals_parse(const char *name, const char *buf, size_t len,
		    const struct pool *pool, struct proposals *ps,
		    struct err *e);

/* Reads the file at path (at most PROPOSALS_MAX_BYTES) and parses it as
 * proposals_parse does, the path naming it in messages.  ERR_NOTFOUND,
 * ERR_IO or ERR_LIMIT for the file itself. */
#define PROPOSALS_MAX_BYTES ((size_t)256 << 20)
int proposals_read(const char *path, const struct pool *pool,
		   struct proposals *ps, struct err *e);

/*
 * Writes ps as a proposals CSV (the header above, scores with one
 * decimal) into a new NUL-terminated buffer the caller frees; *len (if
 * not NULL) gets its length.  Parsing it back gives ps again when its
 * scores have at most one decimal, as the synthetic ones have.
 */
char *proposals_format(const struct proposals *ps, const struct pool *pool,
		       size_t *len);

/*
 * The synthetic call.  Everything below is a documented choice where the
 * published facts say nothing (docs/OPENCALL.md):
 */
struct proposals_synth_opts {
	uint32_t nproposals;     /* proposals (514) */
	uint32_t total_servers;  /* servers asked in total (1,714 = 13,712
				  * GPUs); nproposals..sum of caps */
	int model[2];            /* pool model ids: [0] H200, [1] B200;
				  * -1 = that model not asked */
	uint32_t cap[2];         /* servers per project: 32, 16 */
	double share0;           /* share of proposals asking model[0] */
	uint32_t max_months;     /* 12 */
	double mix[OC_NCATEGORIES]; /* category shares of asked servers,
				     * dealt along the score order */
	uint32_t orgs[OC_NCATEGORIES]; /* organisations per category */
	double capital_share;    /* share of proposals from region 0 */
	uint32_t nregions;       /* other regions: 1..nregions */
	double score_mean;       /* a proposal's quality ~ N(mean, sd) */
	double score_sd;
	double criterion_sd;     /* each criterion = quality + N(0, this) */
};

/* The 2026 call over pool (models "H200" and "B200"; -1 for a model the
 * pool lacks): 514 proposals, 1,714 servers, caps 32 / 16, half asking
 * each model, 12 months, servers asked 62.1 % academia, 7.4 %
 * institutes, 25 % SMEs, 5.5 % large firms (the published award split,
 * with industry split by our choice), 120 universities, 25 institutes,
 * 150 SMEs, 12 large firms, 60 % from the capital area and 14 other
 * regions, quality N(72, 9), criterion noise 5. */
void proposals_synth_2026(struct proposals_synth_opts *o,
			  const struct pool *pool);

/*
 * Generates o->nproposals proposals into ps (which must be empty) with
 * the rng seeded by seed: exactly o->total_servers servers asked in
 * total, ids 1..n in a shuffled order, tenants "p0001".., orgs
 * "univ-001", "inst-001", "sme-001", "corp-001"...  The same options and
 * seed give the same proposals on every machine.  ERR_INVALID (ps
 * untouched) for options that cannot be met.
 */
int proposals_synth(const struct proposals_synth_opts *o, uint64_t seed,
		    struct proposals *ps, struct err *e);

/*
 * Splits total servers of capacity over models in proportion to the
 * servers ps asks of each (largest remainder, ties to the lower model
 * id): cap[0..nmodels) is overwritten.  Models asked by nobody get 0.
 */
void proposals_capacity(const struct proposals *ps, uint32_t total,
			int nmodels, uint32_t *cap);

#endif
