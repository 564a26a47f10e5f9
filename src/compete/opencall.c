/*
 * opencall.c — open-call selection, readmission and prices (rules in
 * opencall.h and docs/OPENCALL.md).
 *
 * Both selection and readmission run one engine over a struct pass: the
 * rank order, the capacity left per model, and the running totals that
 * the share limits look at (per organisation, per category, regional).
 * Selection starts from empty totals and the whole capacity;
 * readmission starts from the totals of the awards in out and the freed
 * capacity only.  Everything is checked before out is touched, so a
 * failed call changes nothing.  The scratch arrays (rank order, dense
 * organisation index, organisation totals) are owned by the pass and
 * freed before returning.
 */
#include "compete/opencall.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define SHARE_EPS 1e-9 /* floor(share * C) of an exact product */

static const char *const status_names[OC_NSTATUS] = {
	"awarded", "partial", "waitlist", "rejected-score", "rejected-rule",
};

static const char *const category_names[OC_NCATEGORIES] = {
	"academia", "institute", "sme", "large",
};

struct pass {
	const struct oc_rules *r;
	const struct oc_proposal *p;
	struct oc_award *out;
	size_t n;
	size_t *order;          /* proposal indexes in rank order */
	uint32_t *orgidx;       /* proposal -> dense organisation index */
	uint64_t *orgsum;       /* servers awarded per organisation */
	size_t norg;
	const uint32_t *capacity; /* the call's capacity per model */
	uint64_t left[POOL_MAX_MODELS]; /* capacity left this pass */
	double base;            /* C: total capacity, servers */
	uint64_t cat[OC_NCATEGORIES]; /* servers awarded per category */
	uint64_t regional;      /* servers awarded to regions != 0 */
	long awarded;           /* servers awarded by this pass */
	const char *award_note; /* reason for awards ("readmitted") */
};

const char *
opencall_status_name(int status)
{
	return status >= 0 && status < OC_NSTATUS ? status_names[status] : "?";
}

const char *
opencall_category_name(int category)
{
	return category >= 0 && category < OC_NCATEGORIES ?
	    category_names[category] : NULL;
}

int
opencall_category_find(const char *s, size_t n)
{
	for (int c = 0; c < OC_NCATEGORIES; c++)
		if (strlen(category_names[c]) == n &&
		    memcmp(category_names[c], s, n) == 0)
			return c;
	return -1;
}

void
opencall_rules_2026(struct oc_rules *r, const struct pool *pool)
{
	int m;

	memset(r, 0, sizeof *r);
	r->ncriteria = 3;
	r->weights[0] = r->weights[1] = r->weights[2] = 1;
	r->max_months = 12;
	if (pool != NULL) {
		if ((m = pool_model_find(pool, "H200")) >= 0)
			r->cap_servers[m] = 32;
		if ((m = pool_model_find(pool, "B200")) >= 0)
			r->cap_servers[m] = 16;
	}
}

static int
share_ok(double v)
{
	return v >= 0 && v <= 1;  /* false for NaN */
}

int
opencall_rules_check(const struct oc_rules *r, struct err *e)
{
	double sum = 0;

	if (r->ncriteria < 1 || r->ncriteria > OC_MAX_CRITERIA)
		return err_set(e, ERR_INVALID, "rules: ncriteria: %zu: expected "
		    "1..%d", r->ncriteria, OC_MAX_CRITERIA);
	for (size_t k = 0; k < r->ncriteria; k++) {
		if (!(r->weights[k] >= 0) || isinf(r->weights[k]))
			return err_set(e, ERR_INVALID, "rules: weights[%zu]: %g: "
			    "expected a finite number >= 0", k, r->weights[k]);
		sum += r->weights[k];
	}
	if (!(sum > 0) || isinf(sum))
		return err_set(e, ERR_INVALID, "rules: weights: expected a "
		    "finite sum > 0");
	if (!share_ok(r->max_org_share))
		return err_set(e, ERR_INVALID, "rules: max_org_share: %g: "
		    "expected 0..1", r->max_org_share);
	if (!share_ok(r->region_share_min))
		return err_set(e, ERR_INVALID, "rules: region_share_min: %g: "
		    "expected 0..1", r->region_share_min);
	for (int c = 0; c < OC_NCATEGORIES; c++) {
		double lo = r->category_share_min[c];
		double hi = r->category_share_max[c];

		if (!share_ok(lo))
			return err_set(e, ERR_INVALID, "rules: "
			    "category_share_min[%s]: %g: expected 0..1",
			    category_names[c], lo);
		if (!share_ok(hi))
			return err_set(e, ERR_INVALID, "rules: "
			    "category_share_max[%s]: %g: expected 0..1",
			    category_names[c], hi);
		if (hi > 0 && lo > hi)
			return err_set(e, ERR_INVALID, "rules: "
			    "category_share_min[%s]: %g above its max %g",
			    category_names[c], lo, hi);
	}
	if (!isfinite(r->min_score))
		return err_set(e, ERR_INVALID, "rules: min_score: expected a "
		    "finite number");
	return 0;
}

double
opencall_composite(const struct oc_rules *r, const struct oc_proposal *p)
{
	double num = 0, den = 0;

	for (size_t k = 0; k < r->ncriteria; k++) {
		num += r->weights[k] * p->scores[k];
		den += r->weights[k];
	}
	return num / den;
}

static int
check_proposal(const struct oc_rules *r, const struct oc_proposal *p,
	       size_t i, int nmodels, struct err *e)
{
	if (p->model < 0 || p->model >= nmodels)
		return err_set(e, ERR_INVALID, "proposal %zu: model: %d: "
		    "expected a model id 0..%d", i, p->model, nmodels - 1);
	if (p->servers == 0)
		return err_set(e, ERR_INVALID, "proposal %zu: servers: 0: "
		    "expected at least 1", i);
	if (p->months == 0)
		return err_set(e, ERR_INVALID, "proposal %zu: months: 0: "
		    "expected at least 1", i);
	if (r->max_months > 0 && p->months > r->max_months)
		return err_set(e, ERR_INVALID, "proposal %zu: months: %u: "
		    "above the call's maximum of %u", i, p->months,
		    r->max_months);
	if (p->category >= OC_NCATEGORIES)
		return err_set(e, ERR_INVALID, "proposal %zu: category: %u: "
		    "expected 0..%d", i, p->category, OC_NCATEGORIES - 1);
	for (size_t k = 0; k < r->ncriteria; k++)
		if (!isfinite(p->scores[k]))
			return err_set(e, ERR_INVALID, "proposal %zu: "
			    "scores[%zu]: not a finite number", i, k);
	return 0;
}

struct key {
	double comp;
	uint32_t id;
	size_t idx;
};

static int
cmp_rank(const void *va, const void *vb)
{
	const struct key *a = va, *b = vb;

	if (a->comp != b->comp)
		return a->comp > b->comp ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

struct orgkey {
	uint32_t org;
	size_t idx;
};

static int
cmp_org(const void *va, const void *vb)
{
	const struct orgkey *a = va, *b = vb;

	if (a->org != b->org)
		return a->org < b->org ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int
cmp_u32(const void *va, const void *vb)
{
	uint32_t a = *(const uint32_t *)va, b = *(const uint32_t *)vb;

	return a < b ? -1 : a > b;
}

/* Checks everything selection and readmission share. */
static int
check_all(const struct oc_rules *r, const struct oc_proposal *p, size_t n,
	  const uint32_t *capacity, int nmodels, struct err *e)
{
	uint32_t *ids;
	int rc;

	if ((rc = opencall_rules_check(r, e)) != 0)
		return rc;
	if (nmodels < 1 || nmodels > POOL_MAX_MODELS || capacity == NULL)
		return err_set(e, ERR_INVALID, "capacity: expected servers for "
		    "1..%d models", POOL_MAX_MODELS);
	if (n > OC_MAX_PROPOSALS)
		return err_set(e, ERR_LIMIT, "proposals: %zu: more than %d", n,
		    OC_MAX_PROPOSALS);
	if (n > 0 && p == NULL)
		return err_set(e, ERR_INVALID, "proposals: NULL");
	for (size_t i = 0; i < n; i++)
		if ((rc = check_proposal(r, &p[i], i, nmodels, e)) != 0)
			return rc;
	/* Ties are broken by id, so ids must be unique. */
	ids = xmalloc((n + 1) * sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = p[i].id;
	qsort(ids, n, sizeof *ids, cmp_u32);
	for (size_t i = 1; i < n; i++) {
		if (ids[i] != ids[i - 1])
			continue;
		for (size_t j = 0, seen = 0; j < n; j++) {
			if (p[j].id != ids[i])
				continue;
			if (seen++ == 0)
				continue;
			rc = err_set(e, ERR_INVALID, "proposal %zu: id: %u: "
			    "used twice", j, ids[i]);
			break;
		}
		break;
	}
	free(ids);
	return rc;
}

/* Rank order and the dense organisation index. */
static void
pass_init(struct pass *ps, const struct oc_rules *r,
	  const struct oc_proposal *p, size_t n, const uint32_t *capacity,
	  int nmodels, struct oc_award *out)
{
	struct key *k = xmalloc((n + 1) * sizeof *k);
	struct orgkey *o = xmalloc((n + 1) * sizeof *o);

	memset(ps, 0, sizeof *ps);
	ps->r = r;
	ps->p = p;
	ps->out = out;
	ps->n = n;
	ps->capacity = capacity;
	for (int m = 0; m < nmodels; m++)
		ps->base += capacity[m];
	for (size_t i = 0; i < n; i++) {
		k[i].comp = opencall_composite(r, &p[i]);
		k[i].id = p[i].id;
		k[i].idx = i;
		o[i].org = p[i].org;
		o[i].idx = i;
	}
	qsort(k, n, sizeof *k, cmp_rank);
	qsort(o, n, sizeof *o, cmp_org);
	ps->order = xmalloc((n + 1) * sizeof *ps->order);
	ps->orgidx = xmalloc((n + 1) * sizeof *ps->orgidx);
	for (size_t i = 0; i < n; i++) {
		ps->order[i] = k[i].idx;
		if (i > 0 && o[i].org != o[i - 1].org)
			ps->norg++;
		ps->orgidx[o[i].idx] = (uint32_t)ps->norg;
	}
	if (n > 0)
		ps->norg++;
	ps->orgsum = xcalloc(ps->norg + 1, sizeof *ps->orgsum);
	free(k);
	free(o);
}

static void
pass_free(struct pass *ps)
{
	free(ps->order);
	free(ps->orgidx);
	free(ps->orgsum);
}

static uint64_t
share_limit(double share, double base)
{
	return (uint64_t)floor(share * base + SHARE_EPS);
}

static uint32_t
want_of(const struct oc_rules *r, const struct oc_proposal *p)
{
	uint32_t cap = r->cap_servers[p->model];

	return cap > 0 && cap < p->servers ? cap : p->servers;
}

static uint32_t
need_of(const struct oc_rules *r, uint32_t want)
{
	if (r->min_servers == 0 || r->min_servers > want)
		return want;
	return r->min_servers;
}

/* The limit an organisation's or category's total leaves, or UINT64_MAX. */
static uint64_t
room(double share, double base, uint64_t used)
{
	uint64_t lim;

	if (share <= 0)
		return UINT64_MAX;
	lim = share_limit(share, base);
	return lim > used ? lim - used : 0;
}

/* Tries to award proposal i now; note explains an award ("" if none). */
static void
try_award(struct pass *ps, size_t i, const char *note)
{
	const struct oc_rules *r = ps->r;
	const struct oc_proposal *p = &ps->p[i];
	struct oc_award *a = &ps->out[i];
	uint32_t want = want_of(r, p), need = need_of(r, want);
	uint64_t lim = want, v;
	const char *binding = NULL;

	if (ps->left[p->model] < lim) {
		lim = ps->left[p->model];
		binding = "capacity";
	}
	v = room(r->max_org_share, ps->base, ps->orgsum[ps->orgidx[i]]);
	if (v < lim) {
		lim = v;
		binding = "organisation share";
	}
	v = room(r->category_share_max[p->category], ps->base,
		 ps->cat[p->category]);
	if (v < lim) {
		lim = v;
		binding = "category share";
	}
	if (lim == 0 || lim < need) {
		snprintf(a->reason, sizeof a->reason, "%s: %llu left, needs %u",
		    binding != NULL ? binding : "?", (unsigned long long)lim,
		    need);
		return;
	}
	a->servers = (uint32_t)lim;
	a->months = p->months;
	a->status = lim == p->servers ? OC_AWARDED : OC_PARTIAL;
	if (lim < want)
		snprintf(a->reason, sizeof a->reason, "%s%s%s: %llu of %u "
		    "servers", note, *note ? ", " : "",
		    binding != NULL ? binding : "?",
		    (unsigned long long)lim, want);
	else if (want < p->servers)
		snprintf(a->reason, sizeof a->reason, "%s%strimmed to the cap "
		    "of %u servers", note, *note ? ", " : "", want);
	else
		snprintf(a->reason, sizeof a->reason, "%s", note);
	ps->left[p->model] -= lim;
	ps->orgsum[ps->orgidx[i]] += lim;
	ps->cat[p->category] += lim;
	if (p->region != 0)
		ps->regional += lim;
	ps->awarded += (long)lim;
}

/* A minimum pass over group (region != 0 when cat < 0, else category
 * cat) while its total is below share * C. */
static void
min_pass(struct pass *ps, int cat, double share, char *note, size_t cap)
{
	double target = share * ps->base;
	const uint64_t *total = cat < 0 ? &ps->regional : &ps->cat[cat];

	if (share <= 0)
		return;
	snprintf(note, cap, "%s%s%s minimum", ps->award_note,
		 *ps->award_note ? ", " : "",
		 cat < 0 ? "regional" : category_names[cat]);
	for (size_t k = 0; k < ps->n && (double)*total < target - SHARE_EPS;
	     k++) {
		size_t i = ps->order[k];
		const struct oc_proposal *p = &ps->p[i];

		if (ps->out[i].status != OC_WAITLIST)
			continue;
		if (cat < 0 ? p->region == 0 : p->category != cat)
			continue;
		try_award(ps, i, note);
	}
}

static void
run_passes(struct pass *ps)
{
	char note[OC_REASON];

	min_pass(ps, -1, ps->r->region_share_min, note, sizeof note);
	for (int c = 0; c < OC_NCATEGORIES; c++)
		min_pass(ps, c, ps->r->category_share_min[c], note,
			 sizeof note);
	for (size_t k = 0; k < ps->n; k++) {
		size_t i = ps->order[k];

		if (ps->out[i].status == OC_WAITLIST)
			try_award(ps, i, ps->award_note);
	}
}

/* The static check of step 4: 1 if no state of the call admits p[i]. */
static int
statically_excluded(const struct pass *ps, size_t i, char *reason,
		    size_t cap)
{
	const struct oc_rules *r = ps->r;
	const struct oc_proposal *p = &ps->p[i];
	uint32_t want = want_of(r, p), need = need_of(r, want);
	uint64_t v;

	if (ps->capacity[p->model] < need) {
		snprintf(reason, cap, "model capacity %u below %u servers",
		    ps->capacity[p->model], need);
		return 1;
	}
	if (r->max_org_share > 0 &&
	    (v = share_limit(r->max_org_share, ps->base)) < need) {
		snprintf(reason, cap, "organisation limit %llu below %u "
		    "servers", (unsigned long long)v, need);
		return 1;
	}
	if (r->category_share_max[p->category] > 0 &&
	    (v = share_limit(r->category_share_max[p->category], ps->base)) <
	    need) {
		snprintf(reason, cap, "category limit %llu below %u servers",
		    (unsigned long long)v, need);
		return 1;
	}
	return 0;
}

long
opencall_select(const struct oc_rules *r, const struct oc_proposal *p,
		size_t n, const uint32_t *capacity_servers, int nmodels,
		struct oc_award *out, struct err *e)
{
	struct pass ps;
	int rc;

	if ((rc = check_all(r, p, n, capacity_servers, nmodels, e)) != 0)
		return rc;
	if (n > 0 && out == NULL)
		return err_set(e, ERR_INVALID, "out: NULL");
	pass_init(&ps, r, p, n, capacity_servers, nmodels, out);
	ps.award_note = "";
	for (int m = 0; m < nmodels; m++)
		ps.left[m] = capacity_servers[m];
	for (size_t k = 0; k < n; k++) {
		size_t i = ps.order[k];
		struct oc_award *a = &out[i];

		memset(a, 0, sizeof *a);
		a->proposal = (uint32_t)i;
		a->model = p[i].model;
		a->rank = (uint32_t)(k + 1);
		a->composite = opencall_composite(r, &p[i]);
		a->status = OC_WAITLIST;
		if (a->composite < r->min_score) {
			a->status = OC_REJECTED_SCORE;
			snprintf(a->reason, sizeof a->reason, "score %.2f below "
			    "%.2f", a->composite, r->min_score);
		} else if (statically_excluded(&ps, i, a->reason,
					       sizeof a->reason)) {
			a->status = OC_REJECTED_RULE;
		}
	}
	run_passes(&ps);
	pass_free(&ps);
	return ps.awarded;
}

long
opencall_readmit(const struct oc_rules *r, const struct oc_proposal *p,
		 size_t n, const uint32_t *capacity_servers,
		 const uint32_t *freed_servers, int nmodels,
		 struct oc_award *out, struct err *e)
{
	struct pass ps;
	int rc;

	if ((rc = check_all(r, p, n, capacity_servers, nmodels, e)) != 0)
		return rc;
	if (freed_servers == NULL || (n > 0 && out == NULL))
		return err_set(e, ERR_INVALID, "readmit: NULL freed servers "
		    "or awards");
	for (size_t i = 0; i < n; i++) {
		const struct oc_award *a = &out[i];

		if (a->status < 0 || a->status >= OC_NSTATUS ||
		    a->proposal != i || a->model != p[i].model ||
		    a->rank < 1 || a->rank > n ||
		    (a->status != OC_AWARDED && a->status != OC_PARTIAL &&
		     a->servers != 0))
			return err_set(e, ERR_INVALID, "award %zu: not an award "
			    "of opencall_select for proposal %zu", i, i);
	}
	{
		uint64_t held[POOL_MAX_MODELS] = {0};

		for (size_t i = 0; i < n; i++)
			held[p[i].model] += out[i].servers;
		for (int m = 0; m < nmodels; m++)
			if (held[m] + freed_servers[m] > capacity_servers[m])
				return err_set(e, ERR_INVALID, "freed_servers[%d]: "
				    "%u freed + %llu held exceed the capacity "
				    "of %u", m, freed_servers[m],
				    (unsigned long long)held[m],
				    capacity_servers[m]);
	}
	pass_init(&ps, r, p, n, capacity_servers, nmodels, out);
	ps.award_note = "readmitted";
	for (int m = 0; m < nmodels; m++)
		ps.left[m] = freed_servers[m];
	for (size_t i = 0; i < n; i++) {
		uint32_t s = out[i].servers;

		ps.orgsum[ps.orgidx[i]] += s;
		ps.cat[p[i].category] += s;
		if (p[i].region != 0)
			ps.regional += s;
	}
	/* The order is recomputed; out's ranks must be the same, or the
	 * rules or proposals changed since the selection. */
	for (size_t k = 0; k < n; k++) {
		if (out[ps.order[k]].rank == k + 1)
			continue;
		rc = err_set(e, ERR_INVALID, "award %zu: rank %u, but the "
		    "rules give %zu (rules or proposals changed?)", ps.order[k],
		    out[ps.order[k]].rank, k + 1);
		pass_free(&ps);
		return rc;
	}
	run_passes(&ps);
	pass_free(&ps);
	return ps.awarded;
}

void
opencall_prices_2026(struct oc_prices *pr)
{
	pr->pay_share[OC_ACADEMIA] = 0;
	pr->pay_share[OC_INSTITUTE] = 0;
	pr->pay_share[OC_SME] = 0.075;
	pr->pay_share[OC_LARGE] = 1;
}

int
opencall_prices_check(const struct oc_prices *pr, struct err *e)
{
	for (int c = 0; c < OC_NCATEGORIES; c++)
		if (!share_ok(pr->pay_share[c]))
			return err_set(e, ERR_INVALID, "prices: pay_share[%s]: "
			    "%g: expected 0..1", category_names[c],
			    pr->pay_share[c]);
	return 0;
}

uint64_t
opencall_price(const struct oc_prices *pr, int category,
	       uint64_t market_won_hour)
{
	double v;

	ALLOT_ASSERT(category >= 0 && category < OC_NCATEGORIES);
	ALLOT_ASSERT(share_ok(pr->pay_share[category]));
	v = (double)market_won_hour * pr->pay_share[category];
	return (uint64_t)floor(v + 0.5);
}
