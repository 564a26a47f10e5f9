/*
 * opencall.h — an open call for GPUs: proposals scored by a panel are
 * selected under capacity, caps per project and the call's rules, and
 * the winners pay a subsidised price.  Pure: no I/O, no clock, no
 * randomness; the same inputs give the same awards, byte for byte.
 * The rules in full, with worked examples, are in docs/OPENCALL.md.
 *
 * Selection (opencall_select):
 *  1. Every input is checked first (ERR_INVALID naming the proposal index
 *     and the field); nothing is written to out on error.
 *  2. Composite = weighted mean of scores[0..ncriteria) with weights.
 *     Proposals are ranked by composite, highest first; ties go to the
 *     lower id.  rank is 1-based over all proposals.
 *  3. A proposal's want = servers asked, trimmed to cap_servers[model]
 *     when that cap is set.  Its need = want (all or nothing), or with
 *     min_servers > 0 the smaller of min_servers and want (partial awards
 *     down to need).
 *  4. Composite < min_score: REJECTED_SCORE.  A proposal that no state of
 *     the call could admit (its static limit — the smaller of want, the
 *     organisation limit, its category's maximum and its model's whole
 *     capacity — is below need): REJECTED_RULE.  Everyone else starts on
 *     the waiting list.
 *  5. Shares are of the call's capacity C = the sum of capacity_servers
 *     (all models): an organisation gets at most floor(max_org_share * C)
 *     servers, category c at most floor(category_share_max[c] * C).
 *  6. Minimum passes, in this order, each over the waiting list in rank
 *     order and only while its group holds less than its target:
 *     regions other than 0 (target region_share_min * C), then each
 *     category c with category_share_min[c] > 0, in enum order.  Then
 *     the general pass over the whole waiting list in rank order.  In
 *     every pass a proposal gets the largest amount <= want that every
 *     limit leaves (capacity of its model, organisation, category max);
 *     if that is >= need it is awarded (AWARDED when it equals the
 *     servers asked, else PARTIAL), otherwise it stays on the waiting
 *     list with the binding limit as its reason.  A minimum pass may
 *     overshoot its target by the last proposal it awards; when the
 *     group's proposals run out the target is simply not met ("when
 *     demand allows").
 *  7. Awarded months = months asked (never above max_months: a longer
 *     ask is an input error).
 *
 * Every limit is optional: 0 means none.  opencall_rules_2026 gives the
 * rules of the 2026 call.
 */
#ifndef ALLOT_COMPETE_OPENCALL_H
#define ALLOT_COMPETE_OPENCALL_H

#include <stddef.h>
#include <stdint.h>

#include "model/pool.h"
#include "util/err.h"

#define OC_MAX_CRITERIA 8
#define OC_MAX_PROPOSALS 1000000
#define OC_REASON 64

enum oc_category { OC_ACADEMIA = 0, OC_INSTITUTE, OC_SME, OC_LARGE,
		   OC_NCATEGORIES };

enum oc_status {
	OC_AWARDED = 0,     /* every server asked */
	OC_PARTIAL,         /* fewer servers (cap or a limit), >= need */
	OC_WAITLIST,        /* eligible, not (yet) awarded */
	OC_REJECTED_SCORE,  /* composite below min_score */
	OC_REJECTED_RULE,   /* no state of the call could admit it */
	OC_NSTATUS
};

struct oc_proposal {
	uint32_t id;        /* the caller's id; unique */
	uint32_t tenant;    /* the caller's tenant id */
	int model;          /* pool model id asked for */
	uint32_t servers;   /* 8-GPU servers asked, >= 1 */
	uint32_t months;    /* term asked, >= 1 */
	double scores[OC_MAX_CRITERIA]; /* by criterion; finite */
	uint8_t category;   /* enum oc_category */
	uint8_t region;     /* 0 = capital area, others = regions */
	uint32_t org;       /* organisation, for anti-concentration */
};

struct oc_rules {
	double weights[OC_MAX_CRITERIA]; /* >= 0, finite, sum > 0 */
	size_t ncriteria;                /* 1..OC_MAX_CRITERIA */
	uint32_t cap_servers[POOL_MAX_MODELS]; /* per project per model */
	uint32_t max_months;
	uint32_t min_servers;            /* 0 = all or nothing */
	double max_org_share;            /* of C; 0 = none */
	double category_share_min[OC_NCATEGORIES]; /* of C */
	double category_share_max[OC_NCATEGORIES]; /* of C; 0 = none */
	double region_share_min;         /* of C, to regions != 0 */
	double min_score;                /* composite below: rejected */
};

struct oc_award {
	uint32_t proposal;  /* index into the proposals */
	uint32_t servers;   /* awarded; 0 unless AWARDED or PARTIAL */
	uint32_t months;    /* awarded; 0 unless AWARDED or PARTIAL */
	int model;
	int status;         /* enum oc_status */
	uint32_t rank;      /* 1-based position in composite order */
	double composite;
	char reason[OC_REASON]; /* why this status; "" for a plain award */
};

/* Price shares after subsidy, by category (0 = free, 1 = market). */
struct oc_prices {
	double pay_share[OC_NCATEGORIES];
};

/*
 * The 2026 call's rules (DESIGN.md §1): three criteria (impact,
 * ecosystem, feasibility) weighted equally; caps of 32 servers (256 GPUs)
 * for the model named "H200" and 16 servers (128 GPUs) for "B200" in
 * pool (other models: no cap); at most 12 months; all or nothing; no
 * minimum score, no share limits (the 2026 call published none; later
 * calls add a regional preference and concentration limits).
 */
void opencall_rules_2026(struct oc_rules *r, const struct pool *pool);

/* Checks r (weights, shares in [0, 1], min <= max, finite numbers):
 * 0 or ERR_INVALID naming the field. */
int opencall_rules_check(const struct oc_rules *r, struct err *e);

/*
 * Selects among p[0..n) under capacity_servers[0..nmodels) (servers per
 * pool model) by the rules above and writes out[i] for p[i] (same order).
 * Returns the servers awarded (>= 0), or ERR_INVALID / ERR_LIMIT with e
 * set ("proposal 3: scores[1]: not a finite number") and out untouched.
 */
long opencall_select(const struct oc_rules *r, const struct oc_proposal *p,
		     size_t n, const uint32_t *capacity_servers, int nmodels,
		     struct oc_award *out, struct err *e);

/*
 * Re-awards freed capacity (idle reclaim, drop-outs): freed_servers
 * [0..nmodels) go to the WAITLIST proposals of out, under the same rules
 * and passes as opencall_select (minimum passes first, then rank order),
 * the capacity being the freed servers only.  capacity_servers is the
 * call's original capacity (the base C of the shares and the static
 * limits).  Organisation, category and regional totals are recomputed
 * from out, so a caller that takes servers back from award k must lower
 * out[k].servers first.  Awards already made are not topped up.  out is
 * updated in place (a readmitted proposal's reason says "readmitted").
 * The servers held in out plus those freed may not exceed the capacity
 * of any model (ERR_INVALID: the caller's accounting is off).  Returns
 * the servers awarded, or an error with out untouched.
 */
long opencall_readmit(const struct oc_rules *r, const struct oc_proposal *p,
		      size_t n, const uint32_t *capacity_servers,
		      const uint32_t *freed_servers, int nmodels,
		      struct oc_award *out, struct err *e);

/* The composite score of p under r (weighted mean). */
double opencall_composite(const struct oc_rules *r,
			  const struct oc_proposal *p);

/*
 * The 2026 price shares: academia 0 (free), institutes 0 (public
 * research institutes, treated as academia: our choice), SMEs 0.075 (the
 * middle of the published 5-10 %), large firms 1 (no subsidy published:
 * our choice).
 */
void opencall_prices_2026(struct oc_prices *pr);
/* Checks every share is in [0, 1]: 0 or ERR_INVALID naming it. */
int opencall_prices_check(const struct oc_prices *pr, struct err *e);
/*
 * Price per GPU-hour after subsidy: market_won_hour * pay_share[category]
 * rounded half up to whole won.  pr must pass opencall_prices_check and
 * category be < OC_NCATEGORIES (asserted).
 */
uint64_t opencall_price(const struct oc_prices *pr, int category,
			uint64_t market_won_hour);

/* "awarded", "partial", "waitlist", "rejected-score", "rejected-rule". */
const char *opencall_status_name(int status);
/* "academia", "institute", "sme", "large"; NULL out of range. */
const char *opencall_category_name(int category);
/* The category named s[0..n), or -1. */
int opencall_category_find(const char *s, size_t n);

#endif
