/*
 * place.c — the placer: a free-capacity index over a pool and the
 * placement loop that the six policies (place_score.c) plug into.
 *
 * The index.  Every policy's score depends only on a node's view (GPU
 * model, GPU count, free CPU and memory, the sorted multiset of free milli
 * per GPU, and for GpuClustering the kinds of task resident), so UP nodes
 * with equal views form a class and a class is scored once per task.  On
 * a large regular pool (mostly empty or full nodes) there are few classes,
 * so a placement costs far less than a scan of the nodes.
 *
 * Ties.  The paper's simulator runs a patched Kubernetes 1.20.5
 * (github.com/mental2008/kubernetes v1.20.5-minor, selectHost) that gives
 * a tie to the node with the smallest name, and it names nodes with a
 * random permutation prefix ("%04d-", rand.Perm) when it builds the
 * cluster: ties go to the first node of a random order fixed for the run.
 * PLACE_TIES_RANK (the default) does the same: each node gets a random
 * rank from the placer's seed and each class keeps its members in a
 * min-heap by rank, so the winner is the smallest heap top among the best
 * classes.  PLACE_TIES_UNIFORM is stock Kubernetes (reservoir sampling,
 * uniform among the best nodes): a best class is chosen with probability
 * proportional to its size, then a member uniformly.  Random is uniform
 * over all feasible nodes in both modes (its PreScore draws the node).
 *
 * Invariants:
 *   - a node is in exactly one class iff it is UP (and not taken out for
 *     the gang being placed), and that class's key is its current view;
 *   - cls[c].mem[node_pos[n]] == n for every indexed node n of class c,
 *     and cls[c].mem is a binary min-heap by (rank, node);
 *   - a class with no members is freed (out of the hash map and the live
 *     list, its id on the free list);
 *   - caps[] counts UP nodes by capacity (the view of the empty node), for
 *     placer_could_ever_fit.
 * The pool is borrowed; the placer owns everything else.  Class ids are
 * reused, class serials never are: the FGD score cache is keyed by serial.
 *
 * Cost.  FGD is the one costly score (fragmentation over the typical tasks,
 * for every GPU a share might take); its scores are cached per (class
 * serial, task shape) in a bounded hash table that is cleared when full
 * or when the target workload changes.  The other scores are a few
 * arithmetic operations and are recomputed.
 *
 * Gangs take one node per member, chosen by the policy on the state left
 * by the members before; a member's node leaves the index until the whole
 * gang is placed, so no two members share a node.  If a member finds no
 * node, everything is rolled back.  Topology (fewest NVLink domains, one
 * site) is a later step: it will narrow the candidate classes per member.
 */
#include "sched/place.h"
#include "sched/topo.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sched/place_int.h"
#include "util/alloc.h"
#include "util/rng.h"

#define NONE UINT32_MAX
#define CACHE_MAX_SLOTS (1u << 20) /* FGD score cache: 8 MiB at most */
#define SHAPE_BITS 20

struct pclass {
	struct place_view key;   /* must stay first: the maps read keys here */
	uint32_t *mem;           /* member nodes, a min-heap by rank */
	uint32_t n, cap;
	uint32_t live;           /* position in placer.live */
	uint32_t frag_gen;       /* frag is valid iff == placer.frag_gen */
	uint64_t serial;
	double frag;
};

struct capshape {
	struct place_view key;   /* the view of an empty node; first */
	uint32_t count;          /* UP nodes with this capacity */
};

/* Open addressing (linear probing) from a view to an index into an
 * external array whose elements start with their key. */
struct vmap {
	uint32_t *slot;          /* index + 1; 0 = empty */
	size_t nslot, n;
};

struct shape {
	uint32_t cpu, mask;
	uint16_t milli;
	uint8_t ngpu, pad;
};

struct placer {
	struct pool *pool;
	enum place_policy policy;
	enum place_ties ties;
	struct rng rng;
	struct frag_typical typ;
	uint32_t frag_gen;

	size_t nnodes;           /* nodes the arrays below cover */
	uint32_t *node_class;    /* NONE = not indexed */
	uint32_t *node_pos;
	uint32_t *node_cap;      /* capshape counted under, NONE if not UP */
	uint32_t *rank;          /* tie-break order, random from the seed */
	uint16_t (*aff)[PLACE_NTAGS]; /* GpuClustering only: tasks per kind */

	struct pclass *cls;
	size_t ncls, cap_cls;
	uint32_t *freecls;
	size_t nfree, cap_free;
	uint32_t *live;
	size_t nlive, cap_live;
	struct vmap clsmap;
	uint64_t serial;

	struct capshape *caps;
	size_t ncaps, cap_caps;
	struct vmap capmap;

	/* FGD score cache: (serial << SHAPE_BITS | shape) << 8 | score. */
	uint64_t *cache;
	size_t ncache_slot, ncache;
	struct shape *shapes;
	size_t nshapes, cap_shapes;
	uint32_t *shapemap;      /* shape id + 1 */
	size_t nshapemap;

	uint32_t *cand;          /* scratch: best classes */
	size_t cap_cand;

	uint32_t spec_cpu, spec_gpu; /* the largest node, for the scores */
	struct topo *topo;           /* NULL until placer_topo */
};

static void cache_clear(struct placer *pl);

/* Tells the topology index, if any, that node's free state changed. */
static void
touched(struct placer *pl, uint32_t node)
{
	if (pl->topo != NULL)
		topo_node_changed(pl->topo, node);
}

/* One member of j as the scores see it, normalised by this pool. */
static void
task_of(const struct placer *pl, struct place_task *t, const struct job *j)
{
	place_score_task(t, j);
	t->spec_cpu = pl->spec_cpu;
	t->spec_gpu = pl->spec_gpu;
}

static const char *const policy_names[PLACE_NPOLICIES] = {
	"Random", "DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD",
};

const char *
place_policy_name(enum place_policy p)
{
	return (unsigned)p < PLACE_NPOLICIES ? policy_names[p] : "?";
}

int
place_policy_parse(const char *s)
{
	for (int i = 0; i < PLACE_NPOLICIES; i++)
		if (strcasecmp(s, policy_names[i]) == 0)
			return i;
	if (strcasecmp(s, "clustering") == 0)
		return PLACE_CLUSTERING;
	if (strcasecmp(s, "packing") == 0)
		return PLACE_PACKING;
	return -1;
}

/* ---- view hash map ----------------------------------------------------- */

static uint64_t
hash_view(const struct place_view *v)
{
	uint64_t w[4], h = 0x9e3779b97f4a7c15ULL;

	_Static_assert(sizeof(struct place_view) == 32, "view is 32 bytes");
	memcpy(w, v, sizeof w);
	for (int i = 0; i < 4; i++) {
		h ^= w[i];
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	return h;
}

static const struct place_view *
key_at(const void *base, size_t stride, uint32_t i)
{
	return (const struct place_view *)((const char *)base + (size_t)i * stride);
}

static long
vmap_find(const struct vmap *m, const struct place_view *k, const void *base,
	  size_t stride)
{
	if (m->nslot == 0)
		return -1;
	for (size_t i = hash_view(k) & (m->nslot - 1);; i = (i + 1) & (m->nslot - 1)) {
		uint32_t s = m->slot[i];

		if (s == 0)
			return -1;
		if (memcmp(key_at(base, stride, s - 1), k, sizeof *k) == 0)
			return (long)(s - 1);
	}
}

static void
vmap_put_slot(struct vmap *m, uint32_t id, const void *base, size_t stride)
{
	size_t i = hash_view(key_at(base, stride, id)) & (m->nslot - 1);

	while (m->slot[i] != 0)
		i = (i + 1) & (m->nslot - 1);
	m->slot[i] = id + 1;
}

static void
vmap_add(struct vmap *m, uint32_t id, const void *base, size_t stride)
{
	if (2 * (m->n + 1) > m->nslot) {
		uint32_t *old = m->slot;
		size_t nold = m->nslot;

		m->nslot = m->nslot ? 2 * m->nslot : 64;
		m->slot = xcalloc(m->nslot, sizeof *m->slot);
		for (size_t i = 0; i < nold; i++)
			if (old[i] != 0)
				vmap_put_slot(m, old[i] - 1, base, stride);
		free(old);
	}
	vmap_put_slot(m, id, base, stride);
	m->n++;
}

/* Removes id (present) with backward-shift deletion. */
static void
vmap_del(struct vmap *m, uint32_t id, const void *base, size_t stride)
{
	size_t mask = m->nslot - 1;
	size_t i = hash_view(key_at(base, stride, id)) & mask, j;

	while (m->slot[i] != id + 1)
		i = (i + 1) & mask;
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (m->slot[j] == 0)
			break;
		home = hash_view(key_at(base, stride, m->slot[j] - 1)) & mask;
		/* Move slot j back to i unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	m->slot[i] = 0;
	m->n--;
}

/* ---- classes ----------------------------------------------------------- */

static uint16_t
aff_bits(const struct placer *pl, uint32_t node)
{
	uint16_t b = 0;

	if (pl->aff == NULL)
		return 0;
	for (int k = 0; k < PLACE_NTAGS; k++)
		if (pl->aff[node][k] > 0)
			b |= (uint16_t)(1u << k);
	return b;
}

static void
node_view(const struct placer *pl, uint32_t node, struct place_view *v)
{
	place_score_view(v, &pl->pool->nodes[node], aff_bits(pl, node));
}

static uint32_t
class_get(struct placer *pl, const struct place_view *v)
{
	long f = vmap_find(&pl->clsmap, v, pl->cls, sizeof *pl->cls);
	uint32_t c;
	struct pclass *k;

	if (f >= 0)
		return (uint32_t)f;
	if (pl->nfree > 0) {
		c = pl->freecls[--pl->nfree];
	} else {
		pl->cls = xgrow(pl->cls, &pl->cap_cls, pl->ncls + 1, sizeof *pl->cls);
		c = (uint32_t)pl->ncls++;
		memset(&pl->cls[c], 0, sizeof pl->cls[c]);
	}
	k = &pl->cls[c];
	k->key = *v;
	k->n = 0;
	k->serial = ++pl->serial;
	k->frag_gen = 0;
	pl->live = xgrow(pl->live, &pl->cap_live, pl->nlive + 1, sizeof *pl->live);
	k->live = (uint32_t)pl->nlive;
	pl->live[pl->nlive++] = c;
	vmap_add(&pl->clsmap, c, pl->cls, sizeof *pl->cls);
	return c;
}

static void
class_drop(struct placer *pl, uint32_t c)
{
	struct pclass *k = &pl->cls[c];
	uint32_t last = pl->live[--pl->nlive];

	vmap_del(&pl->clsmap, c, pl->cls, sizeof *pl->cls);
	pl->live[k->live] = last;
	pl->cls[last].live = k->live;
	if (k->cap > 64) { /* keep small member arrays for reuse */
		free(k->mem);
		k->mem = NULL;
		k->cap = 0;
	}
	pl->freecls = xgrow(pl->freecls, &pl->cap_free, pl->nfree + 1,
			    sizeof *pl->freecls);
	pl->freecls[pl->nfree++] = c;
}

static int
before(const struct placer *pl, uint32_t a, uint32_t b)
{
	return pl->rank[a] != pl->rank[b] ? pl->rank[a] < pl->rank[b] : a < b;
}

static void
heap_set(struct placer *pl, struct pclass *k, uint32_t pos, uint32_t node)
{
	k->mem[pos] = node;
	pl->node_pos[node] = pos;
}

static void
sift_up(struct placer *pl, struct pclass *k, uint32_t pos)
{
	uint32_t node = k->mem[pos];

	while (pos > 0) {
		uint32_t up = (pos - 1) / 2;

		if (!before(pl, node, k->mem[up]))
			break;
		heap_set(pl, k, pos, k->mem[up]);
		pos = up;
	}
	heap_set(pl, k, pos, node);
}

static void
sift_down(struct placer *pl, struct pclass *k, uint32_t pos)
{
	uint32_t node = k->mem[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= k->n)
			break;
		if (c + 1 < k->n && before(pl, k->mem[c + 1], k->mem[c]))
			c++;
		if (!before(pl, k->mem[c], node))
			break;
		heap_set(pl, k, pos, k->mem[c]);
		pos = c;
	}
	heap_set(pl, k, pos, node);
}

static void
index_insert(struct placer *pl, uint32_t node)
{
	struct place_view v;
	uint32_t c;
	struct pclass *k;

	ALLOT_ASSERT(pl->node_class[node] == NONE);
	if (pl->pool->nodes[node].state != NODE_UP)
		return;
	node_view(pl, node, &v);
	c = class_get(pl, &v);
	k = &pl->cls[c];
	if (k->n == k->cap) {
		size_t cap = k->cap;

		k->mem = xgrow(k->mem, &cap, (size_t)k->n + 1, sizeof *k->mem);
		k->cap = (uint32_t)cap;
	}
	pl->node_class[node] = c;
	k->mem[k->n++] = node;
	sift_up(pl, k, k->n - 1);
}

static void
index_remove(struct placer *pl, uint32_t node)
{
	uint32_t c = pl->node_class[node], pos, moved;
	struct pclass *k;

	if (c == NONE)
		return;
	k = &pl->cls[c];
	pos = pl->node_pos[node];
	pl->node_class[node] = NONE;
	if (--k->n == 0) {
		class_drop(pl, c);
		return;
	}
	if (pos == k->n)
		return;
	moved = k->mem[k->n];
	heap_set(pl, k, pos, moved);
	sift_down(pl, k, pos);
	if (k->mem[pos] == moved)
		sift_up(pl, k, pos);
}

static void
index_update(struct placer *pl, uint32_t node)
{
	uint32_t c = pl->node_class[node];
	struct place_view v;

	if (c != NONE && pl->pool->nodes[node].state == NODE_UP) {
		node_view(pl, node, &v);
		if (memcmp(&v, &pl->cls[c].key, sizeof v) == 0)
			return;
	}
	index_remove(pl, node);
	index_insert(pl, node);
}

/* ---- capacity shapes --------------------------------------------------- */

static void
empty_view(const struct node *n, struct place_view *v)
{
	memset(v, 0, sizeof *v);
	v->cpu_free = n->cpu_milli;
	v->mem_free = n->mem_mib;
	v->model = n->model;
	v->ngpu = n->ngpu;
	for (int i = 0; i < n->ngpu; i++)
		v->gpu[i] = MILLI;
}

static void
cap_count(struct placer *pl, uint32_t node)
{
	const struct node *n = &pl->pool->nodes[node];
	struct place_view v;
	long f;

	if (pl->node_cap[node] != NONE)
		pl->caps[pl->node_cap[node]].count--;
	pl->node_cap[node] = NONE;
	if (n->state != NODE_UP)
		return;
	empty_view(n, &v);
	f = vmap_find(&pl->capmap, &v, pl->caps, sizeof *pl->caps);
	if (f < 0) {
		pl->caps = xgrow(pl->caps, &pl->cap_caps, pl->ncaps + 1,
				 sizeof *pl->caps);
		pl->caps[pl->ncaps].key = v;
		pl->caps[pl->ncaps].count = 0;
		f = (long)pl->ncaps++;
		vmap_add(&pl->capmap, (uint32_t)f, pl->caps, sizeof *pl->caps);
	}
	pl->caps[f].count++;
	pl->node_cap[node] = (uint32_t)f;
}

/* Makes the per-node arrays cover every node of the pool. */
static void
grow_nodes(struct placer *pl)
{
	size_t n = pl->pool->nnodes, old = pl->nnodes;

	if (n <= old)
		return;
	pl->node_class = xrealloc(pl->node_class, n * sizeof *pl->node_class);
	pl->node_pos = xrealloc(pl->node_pos, n * sizeof *pl->node_pos);
	pl->node_cap = xrealloc(pl->node_cap, n * sizeof *pl->node_cap);
	pl->rank = xrealloc(pl->rank, n * sizeof *pl->rank);
	if (pl->aff != NULL) {
		pl->aff = xrealloc(pl->aff, n * sizeof *pl->aff);
		memset(pl->aff + old, 0, (n - old) * sizeof *pl->aff);
	}
	for (size_t i = old; i < n; i++) {
		pl->node_class[i] = NONE;
		pl->node_pos[i] = 0;
		pl->node_cap[i] = NONE;
		pl->rank[i] = (uint32_t)rng_next(&pl->rng);
	}
	pl->nnodes = n;
	{
		uint32_t cpu = pl->spec_cpu, gpu = pl->spec_gpu;
		for (size_t i = old; i < n; i++) {
			const struct node *nd = &pl->pool->nodes[i];
			if (nd->cpu_milli > cpu)
				cpu = nd->cpu_milli;
			if ((uint32_t)nd->ngpu * MILLI > gpu)
				gpu = (uint32_t)nd->ngpu * MILLI;
		}
		if (cpu != pl->spec_cpu || gpu != pl->spec_gpu) {
			pl->spec_cpu = cpu;
			pl->spec_gpu = gpu;
			cache_clear(pl); /* cached scores used the old spec */
		}
	}
	for (size_t i = old; i < n; i++) {
		cap_count(pl, (uint32_t)i);
		index_insert(pl, (uint32_t)i);
	}
}

/* ---- FGD score cache --------------------------------------------------- */

static void
cache_clear(struct placer *pl)
{
	if (pl->cache != NULL)
		memset(pl->cache, 0, pl->ncache_slot * sizeof *pl->cache);
	pl->ncache = 0;
	pl->nshapes = 0;
	if (pl->shapemap != NULL)
		memset(pl->shapemap, 0, pl->nshapemap * sizeof *pl->shapemap);
}

static uint64_t
hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static uint64_t
shape_hash(const struct shape *s)
{
	return hash64((uint64_t)s->cpu << 32 ^ s->mask ^ (uint64_t)s->milli << 20 ^
		      (uint64_t)s->ngpu << 16);
}

/* The id of t's scored shape, or NONE when the ids are used up. */
static uint32_t
shape_id(struct placer *pl, const struct place_task *t)
{
	struct shape s = {t->cpu_score, t->model_mask, t->milli, t->ngpu, 0};
	size_t i;

	if (2 * (pl->nshapes + 1) > pl->nshapemap) {
		size_t n = pl->nshapemap ? 2 * pl->nshapemap : 256;

		free(pl->shapemap);
		pl->shapemap = xcalloc(n, sizeof *pl->shapemap);
		pl->nshapemap = n;
		for (uint32_t k = 0; k < pl->nshapes; k++) {
			i = shape_hash(&pl->shapes[k]) & (n - 1);
			while (pl->shapemap[i] != 0)
				i = (i + 1) & (n - 1);
			pl->shapemap[i] = k + 1;
		}
	}
	for (i = shape_hash(&s) & (pl->nshapemap - 1);;
	     i = (i + 1) & (pl->nshapemap - 1)) {
		uint32_t k = pl->shapemap[i];

		if (k == 0)
			break;
		if (memcmp(&pl->shapes[k - 1], &s, sizeof s) == 0)
			return k - 1;
	}
	if (pl->nshapes + 1 >= (1u << SHAPE_BITS))
		return NONE;
	pl->shapes = xgrow(pl->shapes, &pl->cap_shapes, pl->nshapes + 1,
			   sizeof *pl->shapes);
	pl->shapes[pl->nshapes] = s;
	pl->shapemap[i] = (uint32_t)++pl->nshapes;
	return (uint32_t)(pl->nshapes - 1);
}

static int
cache_get(const struct placer *pl, uint64_t key)
{
	if (pl->ncache_slot == 0)
		return -1;
	for (size_t i = hash64(key) & (pl->ncache_slot - 1);;
	     i = (i + 1) & (pl->ncache_slot - 1)) {
		uint64_t e = pl->cache[i];

		if (e == 0)
			return -1;
		if (e >> 8 == key)
			return (int)(e & 0xff);
	}
}

static void
cache_put_raw(struct placer *pl, uint64_t e)
{
	size_t i = hash64(e >> 8) & (pl->ncache_slot - 1);

	while (pl->cache[i] != 0)
		i = (i + 1) & (pl->ncache_slot - 1);
	pl->cache[i] = e;
	pl->ncache++;
}

static void
cache_put(struct placer *pl, uint64_t key, int score)
{
	if (2 * (pl->ncache + 1) > pl->ncache_slot) {
		if (pl->ncache_slot >= CACHE_MAX_SLOTS) {
			memset(pl->cache, 0, pl->ncache_slot * sizeof *pl->cache);
			pl->ncache = 0;
		} else {
			uint64_t *old = pl->cache;
			size_t nold = pl->ncache_slot;

			pl->ncache_slot = nold ? 2 * nold : 1024;
			pl->cache = xcalloc(pl->ncache_slot, sizeof *pl->cache);
			pl->ncache = 0;
			for (size_t i = 0; i < nold; i++)
				if (old[i] != 0)
					cache_put_raw(pl, old[i]);
			free(old);
		}
	}
	cache_put_raw(pl, key << 8 | (uint64_t)score);
}

/* ---- scoring and choosing ---------------------------------------------- */

static double
class_frag(struct placer *pl, struct pclass *k)
{
	if (k->frag_gen != pl->frag_gen) {
		k->frag = place_score_frag(&k->key, &pl->typ);
		k->frag_gen = pl->frag_gen;
	}
	return k->frag;
}

static int
class_score(struct placer *pl, struct pclass *k, const struct place_task *t,
	    uint32_t shape)
{
	uint64_t key;
	int s;

	if (pl->policy != PLACE_FGD)
		return place_score(pl->policy, &k->key, t, NULL, 0);
	if (shape == NONE || k->serial >= (1ULL << (56 - SHAPE_BITS)))
		return place_score(PLACE_FGD, &k->key, t, &pl->typ,
				   class_frag(pl, k));
	key = k->serial << SHAPE_BITS | shape;
	if ((s = cache_get(pl, key)) >= 0)
		return s;
	s = place_score(PLACE_FGD, &k->key, t, &pl->typ, class_frag(pl, k));
	cache_put(pl, key, s);
	return s;
}

/* The node for one member of t among the indexed nodes that fit and tie
 * for the best score: the lowest-ranked (PLACE_TIES_RANK) or a uniform
 * one (PLACE_TIES_UNIFORM, and always for Random); -1 if none fits. */
static long
choose(struct placer *pl, const struct place_task *t)
{
	uint32_t shape = pl->policy == PLACE_FGD ? shape_id(pl, t) : NONE;
	int uniform = pl->ties == PLACE_TIES_UNIFORM || pl->policy == PLACE_RANDOM;
	uint64_t total = 0, r;
	size_t nc = 0;
	long top = -1;
	int best = -1;

	for (size_t i = 0; i < pl->nlive; i++) {
		uint32_t c = pl->live[i];
		struct pclass *k = &pl->cls[c];
		int s;

		if (!place_score_fits(&k->key, t))
			continue;
		s = class_score(pl, k, t, shape);
		if (s < best)
			continue;
		if (s > best) {
			best = s;
			nc = 0;
			total = 0;
			top = -1;
		}
		if (!uniform) {
			if (top < 0 || before(pl, k->mem[0], (uint32_t)top))
				top = k->mem[0];
			continue;
		}
		pl->cand = xgrow(pl->cand, &pl->cap_cand, nc + 1, sizeof *pl->cand);
		pl->cand[nc++] = c;
		total += k->n;
	}
	if (best < 0 || !uniform)
		return top;
	r = rng_below(&pl->rng, total);
	for (size_t i = 0; i < nc; i++) {
		const struct pclass *k = &pl->cls[pl->cand[i]];

		if (r < k->n)
			return (long)k->mem[r];
		r -= k->n;
	}
	ALLOT_ASSERT(!"choice out of range");
	return -1;
}

static void
aff_add(struct placer *pl, uint32_t node, const struct place_task *t, int d)
{
	uint16_t *c;

	if (pl->aff == NULL || t->tag == PLACE_NO_TAG)
		return;
	c = &pl->aff[node][t->tag];
	ALLOT_ASSERT(d > 0 ? *c < UINT16_MAX : *c > 0);
	*c = (uint16_t)(*c + d);
}

/* ---- the interface ----------------------------------------------------- */

struct placer *
placer_new(struct pool *pool, enum place_policy policy, uint64_t seed)
{
	struct placer *pl = xcalloc(1, sizeof *pl);

	ALLOT_ASSERT((unsigned)policy < PLACE_NPOLICIES);
	pl->pool = pool;
	pl->policy = policy;
	rng_seed(&pl->rng, seed);
	pl->frag_gen = 1;
	pl->spec_cpu = pl->spec_gpu = 1; /* raised to the largest node */
	if (policy == PLACE_CLUSTERING)
		pl->aff = xcalloc(1, sizeof *pl->aff); /* grown below */
	grow_nodes(pl);
	return pl;
}

void
placer_free(struct placer *pl)
{
	if (pl == NULL)
		return;
	for (size_t i = 0; i < pl->ncls; i++)
		free(pl->cls[i].mem);
	free(pl->cls);
	free(pl->freecls);
	free(pl->live);
	free(pl->clsmap.slot);
	free(pl->caps);
	free(pl->capmap.slot);
	free(pl->node_class);
	free(pl->node_pos);
	free(pl->node_cap);
	free(pl->rank);
	free(pl->aff);
	free(pl->cache);
	free(pl->shapes);
	free(pl->shapemap);
	free(pl->cand);
	frag_typical_free(&pl->typ);
	topo_free(pl->topo);
	free(pl);
}

void
placer_set_ties(struct placer *pl, enum place_ties t)
{
	ALLOT_ASSERT(t == PLACE_TIES_RANK || t == PLACE_TIES_UNIFORM);
	pl->ties = t;
}

void
placer_set_workload(struct placer *pl, const struct job *jobs, size_t n)
{
	frag_typical_build(&pl->typ, jobs, n, FRAG_POPULARITY_PCT);
	pl->frag_gen++;
	cache_clear(pl);
}

int
placer_place(struct placer *pl, const struct job *j, struct alloc *a)
{
	struct place_task t;
	struct alloc_slot *slots;
	unsigned nodes = j->nodes > 0 ? j->nodes : 1;
	unsigned done = 0;
	int rc = 0;

	grow_nodes(pl);
	task_of(pl, &t, j);
	slots = xcalloc(nodes, sizeof *slots);
	for (; done < nodes; done++) {
		long node = choose(pl, &t);
		const struct node *n;
		double frag = 0;
		uint8_t mask;

		if (node < 0) {
			rc = ERR_NOSPACE;
			break;
		}
		n = &pl->pool->nodes[node];
		if (pl->policy == PLACE_FGD && t.ngpu == 1 && t.milli < MILLI)
			frag = class_frag(pl, &pl->cls[pl->node_class[node]]);
		mask = place_score_gpus(pl->policy, n, &t, &pl->typ, frag, &pl->rng);
		rc = pool_alloc(pl->pool, (uint32_t)node, t.cpu, t.mem, mask,
				t.milli);
		ALLOT_ASSERT(rc == 0);
		touched(pl, (uint32_t)node);
		aff_add(pl, (uint32_t)node, &t, 1);
		index_remove(pl, (uint32_t)node);
		slots[done].node = (uint32_t)node;
		slots[done].gpu_mask = mask;
	}
	if (rc != 0) {
		for (unsigned i = 0; i < done; i++) {
			pool_release(pl->pool, slots[i].node, t.cpu, t.mem,
				     slots[i].gpu_mask, t.milli);
			aff_add(pl, slots[i].node, &t, -1);
			touched(pl, slots[i].node);
		}
	}
	for (unsigned i = 0; i < done; i++)
		index_insert(pl, slots[i].node);
	if (rc != 0) {
		free(slots);
		return ERR_NOSPACE;
	}
	a->nslots = (uint16_t)nodes;
	a->milli = t.milli;
	a->slots = slots;
	return 0;
}

void
placer_release(struct placer *pl, const struct job *j, const struct alloc *a)
{
	struct place_task t;

	task_of(pl, &t, j);
	for (unsigned i = 0; i < a->nslots; i++) {
		uint32_t node = a->slots[i].node;

		pool_release(pl->pool, node, t.cpu, t.mem, a->slots[i].gpu_mask,
			     a->milli);
		aff_add(pl, node, &t, -1);
		index_update(pl, node);
		touched(pl, node);
	}
}

void
placer_node_changed(struct placer *pl, uint32_t node)
{
	grow_nodes(pl);
	ALLOT_ASSERT(node < pl->nnodes);
	cap_count(pl, node);
	index_update(pl, node);
	touched(pl, node);
}

int
placer_could_ever_fit(const struct placer *pl, const struct job *j)
{
	struct place_task t;
	uint64_t fit = 0;

	task_of(pl, &t, j);
	for (size_t i = 0; i < pl->ncaps; i++)
		if (pl->caps[i].count > 0 && place_score_fits(&pl->caps[i].key, &t))
			fit += pl->caps[i].count;
	return fit >= (j->nodes > 0 ? j->nodes : 1);
}

int
placer_score(const struct placer *pl, const struct job *j, uint32_t node)
{
	struct place_task t;
	struct place_view v;
	double frag = 0;

	if (node >= pl->pool->nnodes || pl->pool->nodes[node].state != NODE_UP)
		return -1;
	task_of(pl, &t, j);
	place_score_view(&v, &pl->pool->nodes[node],
			 node < pl->nnodes ? aff_bits(pl, node) : 0);
	if (!place_score_fits(&v, &t))
		return -1;
	if (pl->policy == PLACE_FGD)
		frag = place_score_frag(&v, &pl->typ);
	return place_score(pl->policy, &v, &t, &pl->typ, frag);
}

size_t
placer_nclasses(const struct placer *pl)
{
	return pl->nlive;
}

size_t
placer_bytes(const struct placer *pl)
{
	size_t b = sizeof *pl;

	b += pl->nnodes * (sizeof *pl->node_class + sizeof *pl->node_pos +
			   sizeof *pl->node_cap + sizeof *pl->rank);
	if (pl->aff != NULL)
		b += pl->nnodes * sizeof *pl->aff;
	b += pl->cap_cls * sizeof *pl->cls;
	for (size_t i = 0; i < pl->ncls; i++)
		b += (size_t)pl->cls[i].cap * sizeof *pl->cls[i].mem;
	b += pl->cap_free * sizeof *pl->freecls;
	b += pl->cap_live * sizeof *pl->live;
	b += pl->clsmap.nslot * sizeof *pl->clsmap.slot;
	b += pl->cap_caps * sizeof *pl->caps;
	b += pl->capmap.nslot * sizeof *pl->capmap.slot;
	b += pl->ncache_slot * sizeof *pl->cache;
	b += pl->cap_shapes * sizeof *pl->shapes;
	if (pl->topo != NULL)
		b += topo_bytes(pl->topo);
	b += pl->nshapemap * sizeof *pl->shapemap;
	b += pl->cap_cand * sizeof *pl->cand;
	b += pl->typ.cap * sizeof *pl->typ.v;
	return b;
}

struct topo *
placer_topo(struct placer *pl)
{
	grow_nodes(pl);
	if (pl->topo == NULL)
		pl->topo = topo_new(pl->pool);
	return pl->topo;
}

int
placer_place_on(struct placer *pl, const struct job *j, const uint32_t *nodes,
		struct alloc *a)
{
	struct place_task t;
	struct alloc_slot *slots;
	unsigned k = j->nodes > 0 ? j->nodes : 1, done = 0;

	grow_nodes(pl);
	task_of(pl, &t, j);
	if (t.ngpu == 0 || t.milli != MILLI)
		return ERR_NOSPACE;
	slots = xcalloc(k, sizeof *slots);
	for (; done < k; done++) {
		uint32_t node = nodes[done];
		const struct node *n = &pl->pool->nodes[node];
		uint8_t mask = 0;
		int need = t.ngpu;

		for (int g = 0; g < n->ngpu && need > 0; g++)
			if (n->gpu_free[g] == MILLI) {
				mask |= (uint8_t)(1u << g);
				need--;
			}
		if (need > 0 || !job_allows_model(j, n->model) ||
		    pool_alloc(pl->pool, node, t.cpu, t.mem, mask, t.milli) != 0)
			break;
		aff_add(pl, node, &t, 1);
		index_update(pl, node);
		touched(pl, node);
		slots[done] = (struct alloc_slot){node, mask};
	}
	if (done < k) {
		for (unsigned i = 0; i < done; i++) {
			pool_release(pl->pool, slots[i].node, t.cpu, t.mem,
				     slots[i].gpu_mask, t.milli);
			aff_add(pl, slots[i].node, &t, -1);
			index_update(pl, slots[i].node);
			touched(pl, slots[i].node);
		}
		free(slots);
		return ERR_NOSPACE;
	}
	a->nslots = (uint16_t)k;
	a->milli = MILLI;
	a->slots = slots;
	return 0;
}

void
placer_hold(struct placer *pl, uint32_t node, int held)
{
	struct node *n = &pl->pool->nodes[node];

	grow_nodes(pl);
	ALLOT_ASSERT(n->state == (held ? NODE_UP : NODE_HELD));
	n->state = (uint8_t)(held ? NODE_HELD : NODE_UP);
	/* Capacity shapes stay as they are: a hold ends with the pass. */
	index_update(pl, node);
	touched(pl, node);
}

struct pool *
placer_pool(struct placer *pl)
{
	return pl->pool;
}
