/*
 * prio.c — the multifactor priority formula (see prio.h).  Pure arithmetic:
 * the same inputs give bit-identical priorities on every run.
 */
#include "sched/prio.h"

#include "model/pool.h"

void
prio_defaults(struct prio_weights *w)
{
	*w = (struct prio_weights){
		.fairshare = 10000,
		.age = 1000,
		.size = 1000,
		.class_w = 1000,
		.max_age_s = 7 * 24 * 3600,
	};
	w->class_factor[CLASS_INFERENCE] = 1.0;
	w->class_factor[CLASS_EVAL] = 0.8;
	w->class_factor[CLASS_FINETUNE] = 0.6;
	w->class_factor[CLASS_TRAINING] = 0.5;
	w->class_factor[CLASS_SIMULATION] = 0.4;
}

void
prio_compute(const struct prio_weights *w, const struct job *j,
	     double fs_factor, int64_t now, uint64_t pool_gpus,
	     struct prio_parts *out)
{
	int64_t wait = now - j->submit;
	double age = 0, size = 0;

	if (wait > 0 && w->max_age_s > 0)
		age = wait >= w->max_age_s ? 1.0
					   : (double)wait / (double)w->max_age_s;
	if (pool_gpus > 0) {
		size = (double)job_gpu_milli(j) / ((double)pool_gpus * MILLI);
		if (size > 1)
			size = 1;
	}
	out->fairshare = w->fairshare * fs_factor;
	out->age = w->age * age;
	out->size = w->size * size;
	out->class_p = j->class < CLASS_NCLASSES
			       ? w->class_w * w->class_factor[j->class]
			       : 0;
	out->total = out->fairshare + out->age + out->size + out->class_p;
}

int
prio_cmp(double pa, const struct job *a, double pb, const struct job *b)
{
	if (pa != pb)
		return pa > pb ? -1 : 1;
	if (a->submit != b->submit)
		return a->submit < b->submit ? -1 : 1;
	return a->id < b->id ? -1 : (a->id > b->id);
}
