/*
 * place_score.c — the six placement policies of the FGD paper, scored
 * exactly as its simulator (hkust-adsl/kubernetes-scheduler-simulator,
 * pkg/simulator/plugin/, one NAME_score.go per policy) scores them, and
 * the GPU each one picks inside a node (open_gpu_share.go, with the
 * GPU-selection method the paper's run scripts configure per policy).
 *
 * Every score is an integer 0..100, higher is better, computed with the
 * simulator's own integer and floating-point steps (truncation included),
 * because the truncation makes many nodes tie and ties are broken at
 * random: getting the ties right matters as much as the formulas.
 * BestFit's min-max normalisation is left out: it maps the best raw score
 * to 100 and every lower one below 100, so it never changes which nodes
 * tie for best.
 *
 * Pure functions; nothing here allocates.
 */
#include "sched/place_int.h"

#include <string.h>

#include "util/alloc.h"

void
place_score_task(struct place_task *t, const struct job *j)
{
	memset(t, 0, sizeof *t);
	t->cpu = j->cpu_milli;
	t->cpu_score = frag_task_cpu(j);
	t->mem = j->mem_mib;
	t->ngpu = (uint8_t)j->gpus_per_node;
	t->milli = t->ngpu > 0 ? j->gpu_milli : 0;
	t->model_mask = t->ngpu > 0 ? j->model_mask : 0;
	t->spec_cpu = PLACE_MAX_SPEC_CPU;
	t->spec_gpu = PLACE_MAX_SPEC_GPU;
	if (t->ngpu == 0)
		t->tag = PLACE_NO_TAG;
	else if (t->milli < MILLI)
		t->tag = 0;
	else
		t->tag = t->ngpu;
}

void
place_score_view(struct place_view *v, const struct node *n, uint16_t aff)
{
	memset(v, 0, sizeof *v);
	v->cpu_free = n->cpu_free;
	v->mem_free = n->mem_free;
	v->aff = aff;
	v->model = n->model;
	v->ngpu = n->ngpu;
	/* Insertion sort, largest first: at most 8 GPUs. */
	for (int i = 0; i < n->ngpu; i++) {
		uint16_t x = n->gpu_free[i];
		int k = i;

		while (k > 0 && v->gpu[k - 1] < x) {
			v->gpu[k] = v->gpu[k - 1];
			k--;
		}
		v->gpu[k] = x;
	}
}

int
place_score_fits(const struct place_view *v, const struct place_task *t)
{
	if (v->cpu_free < t->cpu || v->mem_free < t->mem)
		return 0;
	if (t->ngpu == 0)
		return 1;
	if (t->ngpu > v->ngpu)
		return 0;
	if (t->model_mask != 0 && !((t->model_mask >> v->model) & 1))
		return 0;
	return v->gpu[t->ngpu - 1] >= t->milli;
}

static int64_t
gpu_left(const struct place_view *v)
{
	int64_t s = 0;

	for (int i = 0; i < v->ngpu; i++)
		s += v->gpu[i];
	return s;
}

static void
frag_node_of(struct frag_node *f, const struct place_view *v)
{
	memset(f, 0, sizeof *f);
	f->cpu_free = v->cpu_free;
	f->model = v->model;
	f->ngpu = v->ngpu;
	memcpy(f->gpu_free, v->gpu, sizeof f->gpu_free);
}

double
place_score_frag(const struct place_view *v, const struct frag_typical *typ)
{
	struct frag_node f;

	frag_node_of(&f, v);
	return frag_node_amount(&f, typ);
}

/* CPU left after t, never below 0 (a negative amount and 0 fail every
 * CPU check of a typical task alike). */
static uint32_t
cpu_after(uint32_t cpu_free, const struct place_task *t)
{
	return cpu_free >= t->cpu_score ? cpu_free - t->cpu_score : 0;
}

/*
 * BestFit: Σ w_i (free_i - request_i) / maxSpec_i over CPU and GPU
 * (weights 1/2 each, GPU as the node's total free milli), lower is
 * better, turned into (1 - that) * 100.
 */
static int
score_bestfit(const struct place_view *v, const struct place_task *t)
{
	double freev[2] = {(double)v->cpu_free, (double)gpu_left(v)};
	double req[2] = {(double)t->cpu_score, (double)t->milli * t->ngpu};
	double spec[2] = {t->spec_cpu, t->spec_gpu};
	double s = 0;

	for (int i = 0; i < 2; i++) {
		if (freev[i] < req[i])
			return 0;
		s += (freev[i] - req[i]) / spec[i] * 0.5;
	}
	s = (1.0 - s) * PLACE_MAX_SCORE;
	return s < 0 ? 0 : (int)s;
}

/*
 * DotProd (Tetris): the dot product of the node's free (CPU, total GPU)
 * and the task's request, both divided by the largest node's capacity,
 * halved; the smaller, the better: (1 - dot / 2) * 100.
 */
static int
score_dotprod(const struct place_view *v, const struct place_task *t)
{
	double nv[2], pv[2], dot = 0, s;

	if (v->cpu_free < t->cpu_score)
		return 0;
	nv[0] = (double)v->cpu_free / t->spec_cpu;
	nv[1] = (double)gpu_left(v) / t->spec_gpu;
	pv[0] = (double)t->cpu_score / t->spec_cpu;
	pv[1] = (double)t->milli * t->ngpu / t->spec_gpu;
	for (int i = 0; i < 2; i++)
		dot += nv[i] * pv[i];
	s = dot / 2;
	s = 1 - s;
	return s < 0 ? 0 : (int)(PLACE_MAX_SCORE * s);
}

/*
 * GpuClustering: put a task with tasks of its own kind.  Bands: (75, 100]
 * for a node holding only its kind, (50, 75] for a node holding its kind
 * among others, (25, 50] for an idle node, (0, 25] for a node holding
 * other kinds only; within a band, fuller nodes first.  CPU-only tasks
 * score 0 everywhere.
 */
static int
score_clustering(const struct place_view *v, const struct place_task *t)
{
	int64_t base;
	unsigned aff = v->aff;

	if (t->tag == PLACE_NO_TAG)
		return 0;
	base = PLACE_MAX_SCORE / 4 * ((int64_t)t->spec_gpu - gpu_left(v)) /
	       (int64_t)t->spec_gpu;
	if (aff >> t->tag & 1) {
		if ((aff & (aff - 1)) == 0)
			return (int)(base + PLACE_MAX_SCORE * 3 / 4);
		return (int)(base + PLACE_MAX_SCORE * 2 / 4);
	}
	if (aff == 0)
		return (int)(base + PLACE_MAX_SCORE / 4);
	return (int)base;
}

/*
 * GpuPacking: from best to worst, (1) a task that fits on partly used GPUs
 * (fuller GPUs better), (2) one that needs idle GPUs of a used node
 * (fewer better), (3) an idle node (the simulator's 33 - GPUs, floored at
 * the GPU count).  GPUs are taken tightest first.  CPU-only tasks score 0.
 */
static int
score_packing(const struct place_view *v, const struct place_task *t)
{
	int full = 0, need = t->ngpu, fresh = 0;
	int64_t ratio = 0, s;

	if (t->ngpu == 0 || t->milli == 0)
		return 0;
	for (int i = 0; i < v->ngpu; i++)
		full += v->gpu[i] == MILLI;
	if (full == v->ngpu) {
		s = PLACE_MAX_SCORE / 3 - full;
		return (int)(s > full ? s : full);
	}
	/* Tightest first: the view is sorted largest first. */
	for (int i = v->ngpu - 1; i >= 0 && need > 0; i--) {
		if (t->milli <= v->gpu[i]) {
			need--;
			fresh += v->gpu[i] == MILLI;
			ratio += (int64_t)v->gpu[i] * 100 / MILLI;
		}
	}
	if (need > 0)
		return 0;
	if (fresh > 0) {
		s = PLACE_MAX_SCORE / 2 - fresh;
		return (int)(s > PLACE_MAX_SCORE / 3 ? s : PLACE_MAX_SCORE / 3);
	}
	s = PLACE_MAX_SCORE - ratio / 10;
	return (int)(s > PLACE_MAX_SCORE / 2 ? s : PLACE_MAX_SCORE / 2);
}

/* The view after t takes its CPU and, for whole GPUs, the tightest GPUs
 * that fit (the simulator's NodeResource.Sub). */
static void
view_sub(struct place_view *w, const struct place_view *v,
	 const struct place_task *t)
{
	int need = t->ngpu;

	*w = *v;
	w->cpu_free = cpu_after(v->cpu_free, t);
	for (int i = v->ngpu - 1; i >= 0 && need > 0; i--)
		if (t->milli <= w->gpu[i]) {
			w->gpu[i] = (uint16_t)(w->gpu[i] - t->milli);
			need--;
		}
}

/*
 * FGD: how much the node's fragmentation grows, squashed by a sigmoid.
 * A GPU share is tried on every GPU it fits and scores its best GPU.
 * The order of GPUs in w does not matter to fragmentation, so the view
 * need not be re-sorted after a change.
 */
static int
score_fgd(const struct place_view *v, const struct place_task *t,
	  const struct frag_typical *typ, double frag)
{
	struct place_view w;
	int best = -1;

	if (t->ngpu == 1 && t->milli < MILLI) {
		for (int i = 0; i < v->ngpu; i++) {
			int s;

			if (v->gpu[i] < t->milli)
				break; /* sorted: no later GPU fits either */
			if (i > 0 && v->gpu[i] == v->gpu[i - 1])
				continue; /* same state as the previous GPU */
			w = *v;
			w.cpu_free = cpu_after(v->cpu_free, t);
			w.gpu[i] = (uint16_t)(w.gpu[i] - t->milli);
			s = frag_score(frag, place_score_frag(&w, typ));
			if (s > best)
				best = s;
		}
		return best < 0 ? 0 : best;
	}
	view_sub(&w, v, t);
	return frag_score(frag, place_score_frag(&w, typ));
}

int
place_score(enum place_policy p, const struct place_view *v,
	    const struct place_task *t, const struct frag_typical *typ,
	    double frag)
{
	switch (p) {
	case PLACE_RANDOM:
		return 0;
	case PLACE_DOTPROD:
		return score_dotprod(v, t);
	case PLACE_CLUSTERING:
		return score_clustering(v, t);
	case PLACE_PACKING:
		return score_packing(v, t);
	case PLACE_BESTFIT:
		return score_bestfit(v, t);
	case PLACE_FGD:
		return score_fgd(v, t, typ, frag);
	default:
		ALLOT_ASSERT(!"unknown policy");
		return 0;
	}
}

uint8_t
place_score_gpus(enum place_policy p, const struct node *n,
		 const struct place_task *t, const struct frag_typical *typ,
		 double frag, struct rng *r)
{
	int pick = -1, cnt = 0, best = -1;
	unsigned mask = 0;

	if (t->ngpu == 0)
		return 0;
	if (t->milli == MILLI || t->ngpu > 1) {
		for (int i = 0, need = t->ngpu; i < n->ngpu && need > 0; i++)
			if (n->gpu_free[i] >= MILLI) {
				mask |= 1u << i;
				need--;
			}
		return (uint8_t)mask;
	}
	for (int i = 0; i < n->ngpu; i++) {
		if (n->gpu_free[i] < t->milli)
			continue;
		if (p == PLACE_RANDOM) {
			/* Reservoir sampling over the fitting GPUs. */
			if (rng_below(r, (uint64_t)++cnt) == 0)
				pick = i;
		} else if (p == PLACE_FGD) {
			struct node m = *n;
			struct place_view w;
			int s;

			m.cpu_free = cpu_after(n->cpu_free, t);
			m.gpu_free[i] = (uint16_t)(m.gpu_free[i] - t->milli);
			place_score_view(&w, &m, 0);
			s = frag_score(frag, place_score_frag(&w, typ));
			if (pick < 0 || s > best) {
				best = s;
				pick = i;
			}
		} else if (pick < 0 || n->gpu_free[i] < n->gpu_free[pick]) {
			pick = i;
		}
	}
	ALLOT_ASSERT(pick >= 0);
	return (uint8_t)(1u << pick);
}
