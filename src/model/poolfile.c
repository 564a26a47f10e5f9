/*
 * poolfile.c — the pool description format (docs/POOL-FORMAT.md): a
 * single-pass reader, a writer that compresses runs, and pool_load.
 *
 * Reader.  Lines are split at blanks after a '#' comment is cut off; the
 * first word says what the line defines.  Entities are defined before they
 * are referred to, so one pass suffices.  Names are unique within a kind
 * (a rack may share its name with a node, not with another rack); each
 * kind keeps a map from the name's id in pool.names to index + 1, and the
 * line that defined it, for "duplicate" messages.  The whole file goes
 * into a private pool that is moved into the caller's only when the last
 * line has been checked: a failed read changes nothing.
 *
 * Every scan is bounded: a line is at most POOLFILE_MAX_LINE bytes and 32
 * words, a range at most POOLFILE_MAX_ITEMS names, each kind at most
 * POOLFILE_MAX_ITEMS entities; numbers have at most 10 digits.
 *
 * Writer.  Models, providers, then each kind in index order.  Consecutive
 * entities whose names count up (prefix, number, suffix with a fixed
 * zero-padded width), whose fields are equal, and whose parents come in
 * equal groups of consecutively numbered parents are written as one range
 * line with per=GROUP; the reader maps item i of a range to parent i / per,
 * which gives back the same indexes.
 */
#include "model/poolfile.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/poolgen.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/vec.h"

enum kind { K_PROVIDER, K_SITE, K_CLUSTER, K_RACK, K_DOMAIN, K_NODE, K_NKINDS };

static const char *const kind_name[K_NKINDS] = {
	"provider", "site", "cluster", "rack", "domain", "node",
};

enum key {
	KEY_PROVIDER, KEY_SITE, KEY_CLUSTER, KEY_RACK, KEY_DOMAIN, /* = kind - 1 */
	KEY_PER, KEY_MODEL, KEY_GPUS, KEY_CPU, KEY_MEM, KEY_STATE, KEY_PRICE,
	KEY_WATTS, KEY_RACK_NODES, KEY_DOMAIN_NODES, KEY_NODES, KEY_NKEYS
};

static const char *const key_name[KEY_NKEYS] = {
	"provider", "site", "cluster", "rack", "domain", "per", "model", "gpus",
	"cpu", "mem", "state", "price", "watts", "rack-nodes", "domain-nodes",
	"nodes",
};

static const char *const state_name[] = {"up", "drain", "down", "absent"};

#define MAX_WORDS 32
#define MAX_DIGITS 9 /* in a range bound: fits uint32 */

struct word {
	const char *s;
	size_t n;
};

/* A name or a numbered range of names: pre[lo-hi]suf, numbers padded with
 * zeros to `width` digits.  A plain name is pre with count 1. */
struct names {
	const char *pre, *suf;
	size_t npre, nsuf;
	uint32_t lo, hi;
	int width;
	int range;
};

struct parser {
	const char *file;
	long line;
	struct err *e;
	struct pool p;
	VEC(uint32_t) map[K_NKINDS];   /* name id -> index + 1, 0 = none */
	VEC(uint32_t) where[K_NKINDS]; /* index -> defining line */
	uint32_t nprov;
	long model_line[POOL_MAX_MODELS];
	VEC(uint32_t) cl_racks;        /* per cluster: racks so far */
	VEC(uint32_t) cl_domains;      /* per cluster: domains so far */
	VEC(uint32_t) parents;         /* scratch: resolved parent indexes */
	struct word val[KEY_NKEYS];    /* values of the current line */
	int has[KEY_NKEYS];
	int ended;
};

/* ---- messages ----------------------------------------------------------- */

/* Writes w quoted into dst for a message: at most ~40 bytes, unprintable
 * bytes and quotes escaped. */
static const char *
quote(char *dst, size_t cap, struct word w)
{
	size_t k = 0;

	dst[k++] = '"';
	for (size_t i = 0; i < w.n && k + 8 < cap; i++) {
		unsigned char c = (unsigned char)w.s[i];
		if (i >= 40) {
			k += (size_t)snprintf(dst + k, cap - k, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			dst[k++] = (char)c;
		else
			k += (size_t)snprintf(dst + k, cap - k, "\\x%02x", c);
	}
	dst[k++] = '"';
	dst[k] = '\0';
	return dst;
}

#define FAIL(ps, code, field, ...) \
	err_at((ps)->e, (code), (ps)->file, (ps)->line, (field), __VA_ARGS__)

/* ---- names -------------------------------------------------------------- */

static int
name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("._-:/@+", c));
}

static int
all_name_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
digits(const char *s, size_t n, uint32_t *out)
{
	uint32_t x = 0;

	if (n == 0 || n > MAX_DIGITS)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint32_t)(s[i] - '0');
	}
	*out = x;
	return 0;
}

static int
ndigits(uint32_t x)
{
	int k = 1;

	while (x >= 10) {
		x /= 10;
		k++;
	}
	return k;
}

/* Parses w as a name or a range for `field`; ranges only if allow_range. */
static int
parse_names(struct parser *ps, const char *field, struct word w,
	    int allow_range, struct names *r)
{
	const char *lb = memchr(w.s, '[', w.n), *dash, *rb;
	char q[128];
	size_t longest;

	memset(r, 0, sizeof *r);
	if (lb == NULL) {
		if (w.n == 0 || w.n > POOLFILE_MAX_NAME || !all_name_chars(w.s, w.n))
			return FAIL(ps, ERR_INVALID, field, "expected a name of "
				    "1..%d letters, digits or ._-:/@+, got %s",
				    POOLFILE_MAX_NAME, quote(q, sizeof q, w));
		r->pre = w.s;
		r->npre = w.n;
		r->suf = w.s + w.n;
		r->hi = 0;
		r->width = 0;
		return 0;
	}
	if (!allow_range)
		return FAIL(ps, ERR_INVALID, field,
			    "a range of names is not allowed here, got %s",
			    quote(q, sizeof q, w));
	rb = memchr(lb, ']', w.n - (size_t)(lb - w.s));
	dash = rb ? memchr(lb, '-', (size_t)(rb - lb)) : NULL;
	r->pre = w.s;
	r->npre = (size_t)(lb - w.s);
	if (rb == NULL || dash == NULL ||
	    digits(lb + 1, (size_t)(dash - lb - 1), &r->lo) != 0 ||
	    digits(dash + 1, (size_t)(rb - dash - 1), &r->hi) != 0)
		return FAIL(ps, ERR_INVALID, field, "expected a range like "
			    "name[000-254], got %s", quote(q, sizeof q, w));
	r->suf = rb + 1;
	r->nsuf = w.n - (size_t)(r->suf - w.s);
	r->width = (int)(dash - lb - 1);
	r->range = 1;
	if (!all_name_chars(r->pre, r->npre) || !all_name_chars(r->suf, r->nsuf))
		return FAIL(ps, ERR_INVALID, field, "expected a range like "
			    "name[000-254] (letters, digits or ._-:/@+ around "
			    "it), got %s", quote(q, sizeof q, w));
	if (r->lo > r->hi)
		return FAIL(ps, ERR_INVALID, field, "range [%u-%u] is reversed",
			    (unsigned)r->lo, (unsigned)r->hi);
	if (r->hi - r->lo >= POOLFILE_MAX_ITEMS)
		return FAIL(ps, ERR_LIMIT, field, "range of %lu names (at most %d)",
			    (unsigned long)(r->hi - r->lo) + 1, POOLFILE_MAX_ITEMS);
	longest = r->npre + r->nsuf +
		  (size_t)(ndigits(r->hi) > r->width ? ndigits(r->hi) : r->width);
	if (longest > POOLFILE_MAX_NAME)
		return FAIL(ps, ERR_INVALID, field, "names of %zu bytes (at most %d)",
			    longest, POOLFILE_MAX_NAME);
	return 0;
}

static uint32_t
names_count(const struct names *r)
{
	return r->hi - r->lo + 1;
}

/* The i-th name of r into buf (POOLFILE_MAX_NAME + 1 bytes at least);
 * returns its length. */
static size_t
names_get(const struct names *r, uint32_t i, char *buf)
{
	size_t k;

	if (!r->range) {
		memcpy(buf, r->pre, r->npre);
		buf[r->npre] = '\0';
		return r->npre;
	}
	memcpy(buf, r->pre, r->npre);
	k = r->npre + (size_t)snprintf(buf + r->npre, 16, "%0*lu", r->width,
				       (unsigned long)r->lo + i);
	memcpy(buf + k, r->suf, r->nsuf);
	k += r->nsuf;
	buf[k] = '\0';
	return k;
}

/* ---- kind maps ---------------------------------------------------------- */

static long
find(const struct parser *ps, enum kind k, const char *s, size_t n)
{
	long id = strtab_find(&ps->p.names, s, n);

	if (id < 0 || (size_t)id >= ps->map[k].n || ps->map[k].v[id] == 0)
		return -1;
	return (long)ps->map[k].v[id] - 1;
}

/* Records that name s (already interned) is entity idx of kind k. */
static void
define(struct parser *ps, enum kind k, const char *s, size_t n, uint32_t idx)
{
	long id = strtab_find(&ps->p.names, s, n);
	size_t need = ps->p.names.n;

	ALLOT_ASSERT(id >= 0);
	if (ps->map[k].n < need) {
		vec_reserve(&ps->map[k], need);
		memset(ps->map[k].v + ps->map[k].n, 0,
		       (need - ps->map[k].n) * sizeof *ps->map[k].v);
		ps->map[k].n = need;
	}
	ps->map[k].v[id] = idx + 1;
	vec_push(&ps->where[k], (uint32_t)ps->line);
}

static int
check_new(struct parser *ps, enum kind k, const char *s, size_t n)
{
	long idx = find(ps, k, s, n);

	if (idx >= 0)
		return FAIL(ps, ERR_INVALID, "name",
			    "duplicate %s \"%s\" (first defined on line %lu)",
			    kind_name[k], s, (unsigned long)ps->where[k].v[idx]);
	return 0;
}

static size_t
kind_count(const struct parser *ps, enum kind k)
{
	switch (k) {
	case K_PROVIDER: return ps->nprov;
	case K_SITE: return ps->p.nsites;
	case K_CLUSTER: return ps->p.nclusters;
	case K_RACK: return ps->p.nracks;
	case K_DOMAIN: return ps->p.ndomains;
	default: return ps->p.nnodes;
	}
}

/* ---- values ------------------------------------------------------------- */

static int
get_u64(struct parser *ps, enum key k, uint64_t lo, uint64_t hi,
	uint64_t *out)
{
	struct word w = ps->val[k];
	uint64_t x = 0;
	char q[128];

	if (w.n == 0 || w.n > 13)
		goto bad;
	for (size_t i = 0; i < w.n; i++) {
		if (w.s[i] < '0' || w.s[i] > '9')
			goto bad;
		x = x * 10 + (uint64_t)(w.s[i] - '0');
	}
	if (x < lo || x > hi)
		goto bad;
	*out = x;
	return 0;
bad:
	return FAIL(ps, ERR_INVALID, key_name[k],
		    "expected an integer %llu..%llu, got %s",
		    (unsigned long long)lo, (unsigned long long)hi,
		    quote(q, sizeof q, w));
}

static int
get_u32(struct parser *ps, enum key k, uint32_t lo, uint32_t hi,
	uint32_t *out)
{
	uint64_t x;
	int rc = get_u64(ps, k, lo, hi, &x);

	if (rc == 0)
		*out = (uint32_t)x;
	return rc;
}

static int
need(struct parser *ps, enum key k, const char *what)
{
	if (!ps->has[k])
		return FAIL(ps, ERR_INVALID, key_name[k], "missing (required for %s)",
			    what);
	return 0;
}

/* Splits the key=value words of a line into ps->val; `allowed` is a mask
 * of enum key bits. */
static int
take_keys(struct parser *ps, const char *kw, const struct word *w, int nw,
	  unsigned allowed)
{
	char q[128], list[256];
	size_t k = 0;

	memset(ps->has, 0, sizeof ps->has);
	for (int i = 0; i < nw; i++) {
		const char *eq = memchr(w[i].s, '=', w[i].n);
		struct word key;
		int found = -1;
		if (eq == NULL)
			return FAIL(ps, ERR_INVALID, NULL,
				    "expected key=value, got %s",
				    quote(q, sizeof q, w[i]));
		key.s = w[i].s;
		key.n = (size_t)(eq - w[i].s);
		for (int j = 0; j < KEY_NKEYS; j++)
			if ((allowed >> j & 1) && strlen(key_name[j]) == key.n &&
			    memcmp(key_name[j], key.s, key.n) == 0)
				found = j;
		if (found < 0) {
			list[0] = '\0';
			for (int j = 0; j < KEY_NKEYS; j++)
				if (allowed >> j & 1)
					k += (size_t)snprintf(list + k, sizeof list - k,
							      "%s%s", k ? ", " : "",
							      key_name[j]);
			char kq[128];
			quote(kq, sizeof kq, key);
			kq[strlen(kq) - 1] = '\0';
			return FAIL(ps, ERR_INVALID, kq + 1,
				    "unknown key for %s (known: %s)", kw,
				    allowed ? list : "none");
		}
		if (ps->has[found])
			return FAIL(ps, ERR_INVALID, key_name[found], "given twice");
		ps->has[found] = 1;
		ps->val[found].s = eq + 1;
		ps->val[found].n = w[i].n - key.n - 1;
	}
	return 0;
}

#define BIT(k) (1u << (k))

/* ---- line handlers ------------------------------------------------------ */

static int
do_model(struct parser *ps, const struct word *w, int nw)
{
	const struct poolgen_known *kn;
	struct gpu_model g;
	struct names nm;
	char name[POOLFILE_MAX_NAME + 1];
	uint64_t x;
	int rc, id;

	if (nw < 2)
		return FAIL(ps, ERR_INVALID, "name", "missing after \"model\"");
	if ((rc = parse_names(ps, "name", w[1], 0, &nm)) != 0 ||
	    (rc = take_keys(ps, "model", w + 2, nw - 2,
			    BIT(KEY_MEM) | BIT(KEY_PRICE) | BIT(KEY_WATTS))) != 0)
		return rc;
	names_get(&nm, 0, name);
	if ((id = pool_model_find(&ps->p, name)) >= 0)
		return FAIL(ps, ERR_INVALID, "name",
			    "duplicate model \"%s\" (first defined on line %ld)",
			    name, ps->model_line[id]);
	if (ps->p.model_names.n >= POOL_MAX_MODELS)
		return FAIL(ps, ERR_LIMIT, "name", "more than %d GPU models",
			    POOL_MAX_MODELS);
	kn = poolgen_known_model(name);
	memset(&g, 0, sizeof g);
	if (kn != NULL)
		g = kn->props;
	else if (!ps->has[KEY_MEM] || !ps->has[KEY_PRICE] || !ps->has[KEY_WATTS]) {
		enum key k = !ps->has[KEY_MEM] ? KEY_MEM :
			     !ps->has[KEY_PRICE] ? KEY_PRICE : KEY_WATTS;
		return FAIL(ps, ERR_INVALID, key_name[k],
			    "missing (%s is not a built-in model)", name);
	}
	if (ps->has[KEY_MEM]) {
		if ((rc = get_u64(ps, KEY_MEM, 0, 1000000, &x)) != 0)
			return rc;
		g.mem_gib = (uint32_t)x;
	}
	if (ps->has[KEY_WATTS]) {
		if ((rc = get_u64(ps, KEY_WATTS, 0, 1000000, &x)) != 0)
			return rc;
		g.watts = (uint32_t)x;
	}
	if (ps->has[KEY_PRICE] &&
	    (rc = get_u64(ps, KEY_PRICE, 0, 1000000000000ULL,
			  &g.price_won_hour)) != 0)
		return rc;
	id = pool_model(&ps->p, name, &g, ps->e);
	ALLOT_ASSERT(id >= 0);
	ps->model_line[id] = ps->line;
	return 0;
}

static int
do_provider(struct parser *ps, const struct word *w, int nw)
{
	struct names nm;
	char name[POOLFILE_MAX_NAME + 1];
	size_t n;
	int rc;

	if (nw < 2)
		return FAIL(ps, ERR_INVALID, "name", "missing after \"provider\"");
	if ((rc = parse_names(ps, "name", w[1], 0, &nm)) != 0 ||
	    (rc = take_keys(ps, "provider", w + 2, nw - 2, 0)) != 0)
		return rc;
	n = names_get(&nm, 0, name);
	if ((rc = check_new(ps, K_PROVIDER, name, n)) != 0)
		return rc;
	if (ps->nprov >= POOLFILE_MAX_ITEMS)
		return FAIL(ps, ERR_LIMIT, "name", "more than %d providers",
			    POOLFILE_MAX_ITEMS);
	strtab_intern(&ps->p.names, name, n);
	define(ps, K_PROVIDER, name, n, ps->nprov++);
	return 0;
}

/* Resolves the parent names of a line into ps->parents (indexes of kind
 * pk, or provider name ids for sites). */
static int
resolve_parents(struct parser *ps, enum kind pk, const struct names *pr)
{
	char name[POOLFILE_MAX_NAME + 1];
	uint32_t np = names_count(pr);

	ps->parents.n = 0;
	vec_reserve(&ps->parents, np);
	for (uint32_t i = 0; i < np; i++) {
		size_t n = names_get(pr, i, name);
		long idx = find(ps, pk, name, n);
		if (idx < 0)
			return FAIL(ps, ERR_INVALID, kind_name[pk],
				    "undefined %s \"%s\"", kind_name[pk], name);
		if (pk == K_PROVIDER)
			idx = strtab_find(&ps->p.names, name, n);
		ps->parents.v[ps->parents.n++] = (uint32_t)idx;
	}
	return 0;
}

/* Works out per (items per parent) for n items over np parents. */
static int
get_per(struct parser *ps, uint32_t n, uint32_t np, enum kind k,
	uint32_t *per)
{
	int rc;

	if (ps->has[KEY_PER]) {
		if ((rc = get_u32(ps, KEY_PER, 1, POOLFILE_MAX_ITEMS, per)) != 0)
			return rc;
		if ((n + *per - 1) / *per != np)
			return FAIL(ps, ERR_INVALID, "per",
				    "%lu %ss at %lu per %s need %lu %ss, "
				    "%lu given", (unsigned long)n, kind_name[k],
				    (unsigned long)*per, kind_name[k - 1],
				    (unsigned long)((n + *per - 1) / *per),
				    kind_name[k - 1], (unsigned long)np);
		return 0;
	}
	if (n % np != 0)
		return FAIL(ps, ERR_INVALID, "per", "%lu %ss do not divide evenly "
			    "over %lu %ss; say how many go in each with per=",
			    (unsigned long)n, kind_name[k], (unsigned long)np,
			    kind_name[k - 1]);
	*per = n / np;
	return 0;
}

struct nodefields {
	int model;
	uint32_t gpus, cpu, mem;
	int state;
};

static int
node_fields(struct parser *ps, struct nodefields *f)
{
	char q[128], name[POOLFILE_MAX_NAME + 1];
	int rc;

	memset(f, 0, sizeof *f);
	if ((rc = need(ps, KEY_GPUS, "a node")) != 0 ||
	    (rc = get_u32(ps, KEY_GPUS, 0, POOL_MAX_GPUS_PER_NODE, &f->gpus)) != 0 ||
	    (rc = need(ps, KEY_CPU, "a node")) != 0 ||
	    (rc = get_u32(ps, KEY_CPU, 0, 4000000000u, &f->cpu)) != 0 ||
	    (rc = need(ps, KEY_MEM, "a node")) != 0 ||
	    (rc = get_u32(ps, KEY_MEM, 0, 4000000000u, &f->mem)) != 0)
		return rc;
	if (ps->has[KEY_MODEL]) {
		struct word v = ps->val[KEY_MODEL];
		if (v.n == 0 || v.n > POOLFILE_MAX_NAME)
			return FAIL(ps, ERR_INVALID, "model",
				    "expected a model name, got %s",
				    quote(q, sizeof q, v));
		memcpy(name, v.s, v.n);
		name[v.n] = '\0';
		if ((f->model = pool_model_find(&ps->p, name)) < 0)
			return FAIL(ps, ERR_INVALID, "model",
				    "undefined GPU model %s",
				    quote(q, sizeof q, v));
	} else if (f->gpus > 0)
		return FAIL(ps, ERR_INVALID, "model",
			    "missing (required for a node with GPUs)");
	if (ps->has[KEY_STATE]) {
		struct word v = ps->val[KEY_STATE];
		f->state = -1;
		for (int i = 0; i < 4; i++)
			if (strlen(state_name[i]) == v.n &&
			    memcmp(state_name[i], v.s, v.n) == 0)
				f->state = i;
		if (f->state < 0)
			return FAIL(ps, ERR_INVALID, "state",
				    "expected up, drain, down or absent, got %s",
				    quote(q, sizeof q, v));
	}
	return 0;
}

static void
add_node(struct parser *ps, const char *name, size_t n, uint32_t dom,
	 const struct nodefields *f)
{
	long idx = pool_add_node(&ps->p, name, dom, f->model, (int)f->gpus,
				 f->cpu, f->mem, NULL);

	ALLOT_ASSERT(idx >= 0);
	ps->p.nodes[idx].state = (uint8_t)f->state;
	if (f->state == NODE_ABSENT)
		ps->p.total_gpus -= f->gpus;
	define(ps, K_NODE, name, n, (uint32_t)idx);
}

static uint32_t
add_rack(struct parser *ps, const char *name, size_t n, uint32_t cluster)
{
	uint32_t r = pool_add_rack(&ps->p, name, cluster);

	define(ps, K_RACK, name, n, r);
	ps->cl_racks.v[cluster]++;
	return r;
}

static uint32_t
add_domain(struct parser *ps, const char *name, size_t n, uint32_t rack)
{
	uint32_t d = pool_add_domain(&ps->p, name, rack);

	define(ps, K_DOMAIN, name, n, d);
	ps->cl_domains.v[ps->p.racks[rack].cluster]++;
	return d;
}

/* site, cluster, rack, domain and node lines: NAMES PARENT=NAMES [per=N]
 * and, for nodes, the node fields. */
static int
do_items(struct parser *ps, enum kind k, const struct word *w, int nw)
{
	enum kind pk;
	enum key pkey;
	struct names nm, pr;
	struct nodefields f;
	char name[POOLFILE_MAX_NAME + 1];
	unsigned allowed;
	uint32_t n, per = 1;
	int rc;

	/* Every kind here has a parent kind (kind_name[k - 1]); providers
	 * are do_provider's. */
	ALLOT_ASSERT(k >= K_SITE && k <= K_NODE);
	pk = (enum kind)(k - 1);
	pkey = (enum key)(k - 1);
	allowed = BIT(pkey) | BIT(KEY_PER);
	if (k == K_NODE)
		allowed |= BIT(KEY_MODEL) | BIT(KEY_GPUS) | BIT(KEY_CPU) |
			   BIT(KEY_MEM) | BIT(KEY_STATE);
	if (nw < 2)
		return FAIL(ps, ERR_INVALID, "name", "missing after \"%s\"",
			    kind_name[k]);
	if ((rc = parse_names(ps, "name", w[1], 1, &nm)) != 0 ||
	    (rc = take_keys(ps, kind_name[k], w + 2, nw - 2, allowed)) != 0 ||
	    (rc = need(ps, pkey, kind_name[k])) != 0 ||
	    (rc = parse_names(ps, key_name[pkey], ps->val[pkey], 1, &pr)) != 0)
		return rc;
	n = names_count(&nm);
	if (kind_count(ps, k) + n > POOLFILE_MAX_ITEMS)
		return FAIL(ps, ERR_LIMIT, "name", "more than %d %ss",
			    POOLFILE_MAX_ITEMS, kind_name[k]);
	if (names_count(&pr) > n)
		return FAIL(ps, ERR_INVALID, key_name[pkey],
			    "%lu %ss for %lu %ss", (unsigned long)names_count(&pr),
			    kind_name[pk], (unsigned long)n, kind_name[k]);
	if ((rc = get_per(ps, n, names_count(&pr), k, &per)) != 0 ||
	    (k == K_NODE && (rc = node_fields(ps, &f)) != 0) ||
	    (rc = resolve_parents(ps, pk, &pr)) != 0)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		size_t len = names_get(&nm, i, name);
		uint32_t parent = ps->parents.v[i / per];
		if ((rc = check_new(ps, k, name, len)) != 0)
			return rc;
		switch (k) {
		case K_SITE:
			define(ps, k, name, len,
			       pool_add_site(&ps->p, name,
					     strtab_get(&ps->p.names, parent)));
			break;
		case K_CLUSTER:
			define(ps, k, name, len,
			       pool_add_cluster(&ps->p, name, parent));
			vec_push(&ps->cl_racks, 0);
			vec_push(&ps->cl_domains, 0);
			break;
		case K_RACK:
			add_rack(ps, name, len, parent);
			break;
		case K_DOMAIN:
			add_domain(ps, name, len, parent);
			break;
		default:
			add_node(ps, name, len, parent, &f);
			break;
		}
	}
	return 0;
}

/* nodes NAMES cluster=C [domain-nodes=D] [rack-nodes=R] node fields:
 * racks and domains are made and named here. */
static int
do_nodes(struct parser *ps, const struct word *w, int nw)
{
	struct names nm;
	struct nodefields f;
	char name[POOLFILE_MAX_NAME + 1], gen[2 * POOLFILE_MAX_NAME + 32];
	const char *cname;
	uint32_t n, dn = 1, rn, cl = 0, rack = 0, dom = 0;
	long c;
	int rc;

	if (nw < 2)
		return FAIL(ps, ERR_INVALID, "name", "missing after \"nodes\"");
	if ((rc = parse_names(ps, "name", w[1], 1, &nm)) != 0 ||
	    (rc = take_keys(ps, "nodes", w + 2, nw - 2,
			    BIT(KEY_CLUSTER) | BIT(KEY_DOMAIN_NODES) |
			    BIT(KEY_RACK_NODES) | BIT(KEY_MODEL) |
			    BIT(KEY_GPUS) | BIT(KEY_CPU) | BIT(KEY_MEM) |
			    BIT(KEY_STATE))) != 0 ||
	    (rc = need(ps, KEY_CLUSTER, "nodes")) != 0)
		return rc;
	n = names_count(&nm);
	if (ps->has[KEY_DOMAIN_NODES] &&
	    (rc = get_u32(ps, KEY_DOMAIN_NODES, 1, POOLFILE_MAX_ITEMS, &dn)) != 0)
		return rc;
	rn = dn;
	if (ps->has[KEY_RACK_NODES] &&
	    (rc = get_u32(ps, KEY_RACK_NODES, 1, POOLFILE_MAX_ITEMS, &rn)) != 0)
		return rc;
	if (rn % dn != 0)
		return FAIL(ps, ERR_INVALID, "rack-nodes", "%lu is not a multiple "
			    "of domain-nodes=%lu (a domain lies in one rack)",
			    (unsigned long)rn, (unsigned long)dn);
	if (ps->p.nnodes + n > POOLFILE_MAX_ITEMS ||
	    ps->p.nracks + n > POOLFILE_MAX_ITEMS ||
	    ps->p.ndomains + n > POOLFILE_MAX_ITEMS)
		return FAIL(ps, ERR_LIMIT, "name", "more than %d nodes, racks or "
			    "domains", POOLFILE_MAX_ITEMS);
	if ((rc = node_fields(ps, &f)) != 0)
		return rc;
	{
		struct word v = ps->val[KEY_CLUSTER];
		struct names cr;
		if ((rc = parse_names(ps, "cluster", v, 0, &cr)) != 0)
			return rc;
		if ((c = find(ps, K_CLUSTER, v.s, v.n)) < 0) {
			char q[128];
			return FAIL(ps, ERR_INVALID, "cluster",
				    "undefined cluster %s", quote(q, sizeof q, v));
		}
		cl = (uint32_t)c;
	}
	cname = strtab_get(&ps->p.names, ps->p.clusters[cl].name);
	if (strlen(cname) + 11 > POOLFILE_MAX_NAME)
		return FAIL(ps, ERR_INVALID, "cluster", "name \"%s\" too long to "
			    "name racks and domains after it (at most %d bytes)",
			    cname, POOLFILE_MAX_NAME - 11);
	for (uint32_t i = 0; i < n; i++) {
		size_t len;
		if (i % rn == 0) {
			len = (size_t)snprintf(gen, sizeof gen, "%s-r%03lu", cname,
					       (unsigned long)ps->cl_racks.v[cl]);
			if ((rc = check_new(ps, K_RACK, gen, len)) != 0)
				return rc;
			rack = add_rack(ps, gen, len, cl);
		}
		if (i % dn == 0) {
			len = (size_t)snprintf(gen, sizeof gen, "%s-d%04lu", cname,
					       (unsigned long)ps->cl_domains.v[cl]);
			if ((rc = check_new(ps, K_DOMAIN, gen, len)) != 0)
				return rc;
			dom = add_domain(ps, gen, len, rack);
		}
		len = names_get(&nm, i, name);
		if ((rc = check_new(ps, K_NODE, name, len)) != 0)
			return rc;
		add_node(ps, name, len, dom, &f);
	}
	return 0;
}

static int
do_end(struct parser *ps, const struct word *w, int nw)
{
	uint64_t x = 0;
	int rc;

	if ((rc = take_keys(ps, "end", w + 1, nw - 1,
			    BIT(KEY_NODES) | BIT(KEY_GPUS))) != 0)
		return rc;
	if (ps->has[KEY_NODES]) {
		if ((rc = get_u64(ps, KEY_NODES, 0, POOLFILE_MAX_ITEMS, &x)) != 0)
			return rc;
		if (x != ps->p.nnodes)
			return FAIL(ps, ERR_INVALID, "nodes", "%llu nodes promised, "
				    "%zu defined (truncated or edited file?)",
				    (unsigned long long)x, ps->p.nnodes);
	}
	if (ps->has[KEY_GPUS]) {
		if ((rc = get_u64(ps, KEY_GPUS, 0, 1000000000ULL, &x)) != 0)
			return rc;
		if (x != ps->p.total_gpus)
			return FAIL(ps, ERR_INVALID, "gpus", "%llu GPUs promised, "
				    "%llu defined (truncated or edited file?)",
				    (unsigned long long)x,
				    (unsigned long long)ps->p.total_gpus);
	}
	ps->ended = 1;
	return 0;
}

/* ---- the reader --------------------------------------------------------- */

static int
split(struct parser *ps, const char *s, size_t n, struct word *w, int *nw)
{
	size_t i = 0;

	*nw = 0;
	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			return 0;
		if (*nw == MAX_WORDS)
			return FAIL(ps, ERR_INVALID, "line", "more than %d words",
				    MAX_WORDS);
		size_t start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		w[*nw].s = s + start;
		w[*nw].n = i - start;
		(*nw)++;
	}
}

static int
is_word(struct word w, const char *lit)
{
	return strlen(lit) == w.n && memcmp(lit, w.s, w.n) == 0;
}

static int
do_line(struct parser *ps, int *versioned, const char *s, size_t n)
{
	struct word w[MAX_WORDS];
	const char *hash = memchr(s, '#', n);
	char q[128];
	int nw, rc;

	if (hash != NULL)
		n = (size_t)(hash - s);
	if ((rc = split(ps, s, n, w, &nw)) != 0 || nw == 0)
		return rc;
	if (!*versioned) {
		if (!is_word(w[0], "allot-pool"))
			return FAIL(ps, ERR_INVALID, "version",
				    "expected \"allot-pool %d\" first, got %s",
				    POOLFILE_VERSION, quote(q, sizeof q, w[0]));
		if (nw != 2 || !is_word(w[1], "1"))
			return FAIL(ps, ERR_INVALID, "version", "unsupported "
				    "version %s (this reader knows %d)",
				    nw > 1 ? quote(q, sizeof q, w[1]) : "(none)",
				    POOLFILE_VERSION);
		*versioned = 1;
		return 0;
	}
	if (ps->ended)
		return FAIL(ps, ERR_INVALID, NULL, "%s after \"end\"",
			    quote(q, sizeof q, w[0]));
	if (is_word(w[0], "model"))
		return do_model(ps, w, nw);
	if (is_word(w[0], "provider"))
		return do_provider(ps, w, nw);
	for (int k = K_SITE; k <= K_NODE; k++)
		if (is_word(w[0], kind_name[k]))
			return do_items(ps, (enum kind)k, w, nw);
	if (is_word(w[0], "nodes"))
		return do_nodes(ps, w, nw);
	if (is_word(w[0], "end"))
		return do_end(ps, w, nw);
	if (is_word(w[0], "allot-pool"))
		return FAIL(ps, ERR_INVALID, "version", "given twice");
	return FAIL(ps, ERR_INVALID, NULL, "unknown line %s (expected model, "
		    "provider, site, cluster, rack, domain, node, nodes or end)",
		    quote(q, sizeof q, w[0]));
}

static int
parse(struct parser *ps, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int versioned = 0, rc;

	while (p < end) {
		size_t avail = (size_t)(end - p), window, n;
		const char *nl, *nul;
		ps->line++;
		window = avail < POOLFILE_MAX_LINE + 2 ? avail : POOLFILE_MAX_LINE + 2;
		nl = memchr(p, '\n', window);
		n = nl != NULL ? (size_t)(nl - p) : window;
		if (n > 0 && p[n - 1] == '\r' && nl != NULL)
			n--;
		if (n > POOLFILE_MAX_LINE)
			return FAIL(ps, ERR_LIMIT, "line", "longer than %d bytes",
				    POOLFILE_MAX_LINE);
		if ((nul = memchr(p, '\0', n)) != NULL)
			return FAIL(ps, ERR_INVALID, "line", "NUL byte at column %zu",
				    (size_t)(nul - p) + 1);
		if (nl == NULL)
			return FAIL(ps, ERR_INVALID, "line", "no newline at the end "
				    "of the file (truncated?)");
		if ((rc = do_line(ps, &versioned, p, n)) != 0)
			return rc;
		p = nl + 1;
	}
	if (!versioned)
		return err_at(ps->e, ERR_INVALID, ps->file, ps->line, "version",
			      "missing \"allot-pool %d\" line (empty file?)",
			      POOLFILE_VERSION);
	if (!ps->ended)
		return FAIL(ps, ERR_INVALID, "end", "missing \"end\" line "
			    "(truncated file?)");
	return 0;
}

static int
pool_is_empty(const struct pool *p)
{
	return p->nnodes == 0 && p->nsites == 0 && p->nclusters == 0 &&
	       p->nracks == 0 && p->ndomains == 0 && p->model_names.n == 0 &&
	       p->names.n == 0;
}

int
poolfile_parse(const char *name, const char *buf, size_t len,
	       struct pool *pool, struct err *e)
{
	struct parser ps;
	int rc;

	if (!pool_is_empty(pool))
		return err_at(e, ERR_STATE, name, 0, NULL,
			      "reading into a pool that is not empty");
	memset(&ps, 0, sizeof ps);
	ps.file = name;
	ps.e = e;
	pool_init(&ps.p);
	rc = parse(&ps, buf, len);
	for (int k = 0; k < K_NKINDS; k++) {
		vec_free(&ps.map[k]);
		vec_free(&ps.where[k]);
	}
	vec_free(&ps.cl_racks);
	vec_free(&ps.cl_domains);
	vec_free(&ps.parents);
	if (rc != 0) {
		pool_free(&ps.p);
		return rc;
	}
	pool_free(pool);
	*pool = ps.p;
	return 0;
}

int
poolfile_read(const char *path, struct pool *pool, struct err *e)
{
	char *buf;
	size_t n;
	int rc;

	if ((rc = file_read_all(path, POOLFILE_MAX_BYTES, &buf, &n, e)) != 0)
		return rc;
	rc = poolfile_parse(path, buf, n, pool, e);
	free(buf);
	return rc;
}

int
pool_load(const char *arg, struct pool *pool, struct err *e)
{
	struct poolgen_spec s;
	int rc;

	if (strncmp(arg, "gen:", 4) != 0)
		return poolfile_read(arg, pool, e);
	poolgen_defaults(&s);
	if ((rc = poolgen_parse(arg + 4, &s, e)) != 0)
		return rc;
	return poolgen_build(&s, pool, e);
}

/* ---- the writer --------------------------------------------------------- */

/* One kind's entities seen by the run finder. */
struct seq {
	enum kind kind;
	size_t n;
	const struct pool *p;
	const char *(*name)(const struct pool *p, size_t i);
	uint32_t (*parent)(const struct pool *p, size_t i);
	const char *(*pname)(const struct pool *p, uint32_t parent);
	int (*same)(const struct pool *p, size_t a, size_t b);
	void (*fields)(FILE *f, const struct pool *p, size_t i);
};

static const char *
nm(const struct pool *p, uint32_t id)
{
	return strtab_get(&p->names, id);
}

static const char *site_name(const struct pool *p, size_t i) { return nm(p, p->sites[i].name); }
static const char *cl_name(const struct pool *p, size_t i) { return nm(p, p->clusters[i].name); }
static const char *rack_name(const struct pool *p, size_t i) { return nm(p, p->racks[i].name); }
static const char *dom_name(const struct pool *p, size_t i) { return nm(p, p->domains[i].name); }
static const char *node_name(const struct pool *p, size_t i) { return nm(p, p->nodes[i].name); }
static uint32_t site_parent(const struct pool *p, size_t i) { return p->sites[i].provider; }
static uint32_t cl_parent(const struct pool *p, size_t i) { return p->clusters[i].site; }
static uint32_t rack_parent(const struct pool *p, size_t i) { return p->racks[i].cluster; }
static uint32_t dom_parent(const struct pool *p, size_t i) { return p->domains[i].rack; }
static uint32_t node_parent(const struct pool *p, size_t i) { return p->nodes[i].domain; }
static const char *prov_pname(const struct pool *p, uint32_t x) { return nm(p, x); }
static const char *site_pname(const struct pool *p, uint32_t x) { return site_name(p, x); }
static const char *cl_pname(const struct pool *p, uint32_t x) { return cl_name(p, x); }
static const char *rack_pname(const struct pool *p, uint32_t x) { return rack_name(p, x); }
static const char *dom_pname(const struct pool *p, uint32_t x) { return dom_name(p, x); }

static int
always_same(const struct pool *p, size_t a, size_t b)
{
	(void)p;
	(void)a;
	(void)b;
	return 1;
}

static int
node_same(const struct pool *p, size_t a, size_t b)
{
	const struct node *x = &p->nodes[a], *y = &p->nodes[b];

	return x->model == y->model && x->ngpu == y->ngpu &&
	       x->cpu_milli == y->cpu_milli && x->mem_mib == y->mem_mib &&
	       x->state == y->state;
}

static void
node_fields_out(FILE *f, const struct pool *p, size_t i)
{
	const struct node *x = &p->nodes[i];

	if (x->ngpu > 0 || x->model != 0)
		fprintf(f, " model=%s", strtab_get(&p->model_names, x->model));
	fprintf(f, " gpus=%u cpu=%lu mem=%lu", (unsigned)x->ngpu,
		(unsigned long)x->cpu_milli, (unsigned long)x->mem_mib);
	if (x->state != NODE_UP)
		fprintf(f, " state=%s", state_name[x->state]);
}

/* Splits s at its last run of 1..9 digits: s = pre digits suf.  Returns 0
 * if s has no such run. */
static int
split_num(const char *s, size_t *npre, uint32_t *num, int *width)
{
	size_t n = strlen(s), b, a;

	for (b = n; b > 0 && (s[b - 1] < '0' || s[b - 1] > '9'); b--)
		;
	if (b == 0)
		return 0;
	for (a = b; a > 0 && s[a - 1] >= '0' && s[a - 1] <= '9'; a--)
		;
	if (b - a > MAX_DIGITS)
		return 0;
	*npre = a;
	*width = (int)(b - a);
	*num = 0;
	for (size_t i = a; i < b; i++)
		*num = *num * 10 + (uint32_t)(s[i] - '0');
	return 1;
}

/* Whether s is exactly base's pre, num (width-padded) and suf. */
static int
is_next(const char *s, const char *base, size_t npre, int width, uint32_t num)
{
	size_t b = npre + (size_t)width; /* end of base's digits */
	char d[16];
	int k;

	if (strncmp(s, base, npre) != 0)
		return 0;
	k = snprintf(d, sizeof d, "%0*lu", width, (unsigned long)num);
	if (strncmp(s + npre, d, (size_t)k) != 0)
		return 0;
	return strcmp(s + npre + (size_t)k, base + b) == 0;
}

static void
put_range(FILE *f, const char *base, size_t npre, int width, uint32_t lo,
	  uint32_t hi)
{
	fprintf(f, "%.*s[%0*lu-%0*lu]%s", (int)npre, base, width,
		(unsigned long)lo, width, (unsigned long)hi,
		base + npre + (size_t)width);
}

static void
write_seq(FILE *f, const struct seq *q)
{
	size_t i = 0;

	while (i < q->n) {
		const char *base = q->name(q->p, i);
		const char *pbase = q->pname(q->p, q->parent(q->p, i));
		size_t npre = 0, ppre = 0, j = i + 1;
		uint32_t num = 0, pnum = 0, t = 0, per = 0, g = 1;
		int width = 0, pwidth = 0, pnumbered;

		if (split_num(base, &npre, &num, &width)) {
			pnumbered = split_num(pbase, &ppre, &pnum, &pwidth);
			for (; j < q->n; j++) {
				uint32_t pj = q->parent(q->p, j);
				if (num + (j - i) > 999999999u ||
				    !q->same(q->p, i, j) ||
				    !is_next(q->name(q->p, j), base, npre, width,
					     num + (uint32_t)(j - i)))
					break;
				if (pj == q->parent(q->p, j - 1)) {
					if (per != 0 && g + 1 > per)
						break;
					g++;
					continue;
				}
				if (!pnumbered || (per != 0 && g != per) ||
				    pnum + t + 1 > 999999999u ||
				    !is_next(q->pname(q->p, pj), pbase, ppre,
					     pwidth, pnum + t + 1))
					break;
				if (per == 0)
					per = g;
				t++;
				g = 1;
			}
		}
		fprintf(f, "%s ", kind_name[q->kind]);
		if (j - i > 1)
			put_range(f, base, npre, width, num,
				  num + (uint32_t)(j - i - 1));
		else
			fputs(base, f);
		fprintf(f, " %s=", kind_name[q->kind - 1]);
		if (t > 0) {
			put_range(f, pbase, ppre, pwidth, pnum, pnum + t);
			fprintf(f, " per=%lu", (unsigned long)per);
		} else
			fputs(pbase, f);
		if (q->fields != NULL)
			q->fields(f, q->p, i);
		fputc('\n', f);
		i = j;
	}
}

static int
name_writable(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= POOLFILE_MAX_NAME && all_name_chars(s, n);
}

/* Checks that every name of one kind is writable and unique. */
static int
check_kind(const struct seq *q, uint8_t *seen, struct err *e)
{
	const struct strtab *t = &q->p->names;
	int rc = 0;

	memset(seen, 0, t->n);
	for (size_t i = 0; i < q->n && rc == 0; i++) {
		const char *s = q->name(q->p, i);
		long id = strtab_find(t, s, strlen(s));
		if (!name_writable(s))
			rc = err_set(e, ERR_INVALID, "pool: %s %zu: name \"%.80s\" "
				     "cannot be written (1..%d letters, digits "
				     "or ._-:/@+)", kind_name[q->kind], i, s,
				     POOLFILE_MAX_NAME);
		else if (seen[id])
			rc = err_set(e, ERR_INVALID, "pool: two %ss named \"%s\"",
				     kind_name[q->kind], s);
		else
			seen[id] = 1;
	}
	return rc;
}

int
poolfile_write(FILE *f, const struct pool *p, struct err *e)
{
	const struct strtab *mn = &p->model_names;
	struct seq seqs[] = {
		{K_SITE, p->nsites, p, site_name, site_parent, prov_pname,
		 always_same, NULL},
		{K_CLUSTER, p->nclusters, p, cl_name, cl_parent, site_pname,
		 always_same, NULL},
		{K_RACK, p->nracks, p, rack_name, rack_parent, cl_pname,
		 always_same, NULL},
		{K_DOMAIN, p->ndomains, p, dom_name, dom_parent, rack_pname,
		 always_same, NULL},
		{K_NODE, p->nnodes, p, node_name, node_parent, dom_pname,
		 node_same, node_fields_out},
	};
	uint8_t *seen;
	int rc = 0;

	for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++)
		if (seqs[k].n > POOLFILE_MAX_ITEMS)
			return err_set(e, ERR_LIMIT, "pool: more than %d %ss",
				       POOLFILE_MAX_ITEMS, kind_name[seqs[k].kind]);
	for (size_t i = 0; i < mn->n; i++)
		if (!name_writable(mn->str[i]))
			return err_set(e, ERR_INVALID, "pool: GPU model name "
				       "\"%.80s\" cannot be written", mn->str[i]);
	for (size_t i = 0; i < p->nsites; i++)
		if (!name_writable(nm(p, p->sites[i].provider)))
			return err_set(e, ERR_INVALID, "pool: provider name "
				       "\"%.80s\" cannot be written",
				       nm(p, p->sites[i].provider));
	for (size_t i = 0; i < p->nnodes; i++) {
		const struct node *x = &p->nodes[i];
		if (x->domain >= p->ndomains || x->state > NODE_ABSENT ||
		    ((x->ngpu > 0 || x->model != 0) && x->model >= mn->n))
			return err_set(e, ERR_INVALID, "pool: node \"%.80s\" has "
				       "no domain, model or state that can be "
				       "written", node_name(p, i));
	}
	seen = xcalloc(p->names.n + 1, 1);
	for (size_t k = 0; k < sizeof seqs / sizeof seqs[0] && rc == 0; k++)
		rc = check_kind(&seqs[k], seen, e);
	if (rc != 0) {
		free(seen);
		return rc;
	}

	fprintf(f, "allot-pool %d\n", POOLFILE_VERSION);
	fprintf(f, "# %zu nodes, %llu GPUs, %zu NVLink domains, %zu racks, "
		"%zu clusters, %zu sites\n", p->nnodes,
		(unsigned long long)p->total_gpus, p->ndomains, p->nracks,
		p->nclusters, p->nsites);
	for (size_t i = 0; i < mn->n; i++)
		fprintf(f, "model %s mem=%lu price=%llu watts=%lu\n", mn->str[i],
			(unsigned long)p->models[i].mem_gib,
			(unsigned long long)p->models[i].price_won_hour,
			(unsigned long)p->models[i].watts);
	/* Providers in order of first use. */
	memset(seen, 0, p->names.n);
	for (size_t i = 0; i < p->nsites; i++)
		if (!seen[p->sites[i].provider]) {
			seen[p->sites[i].provider] = 1;
			fprintf(f, "provider %s\n", nm(p, p->sites[i].provider));
		}
	free(seen);
	for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++)
		write_seq(f, &seqs[k]);
	fprintf(f, "end nodes=%zu gpus=%llu\n", p->nnodes,
		(unsigned long long)p->total_gpus);
	if (fflush(f) != 0 || ferror(f))
		return err_set(e, ERR_IO, "pool: write: %s", strerror(errno));
	return 0;
}
