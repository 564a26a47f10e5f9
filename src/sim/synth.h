/*
 * synth.h — a seeded synthetic workload for a pool: what `make run` uses
 * until the real Korea scenario exists, and what tests and benchmarks use
 * when they need many plausible jobs.
 *
 * Model (all figures are choices, documented in docs/POOL-FORMAT.md):
 *
 *  - Arrivals: a Poisson process on [0, duration) with rate
 *    rate = load x GPUs / E[GPU-seconds per job], so the offered GPU load
 *    is `load` times the pool's capacity (GPUs on UP nodes).  E[...] is the
 *    mean GPU count of 20,000 pilot shapes (own random stream) weighted by
 *    the exact mean of each class's clamped log-normal duration.
 *  - Tenants: "tenant-000" ... ranked by demand; a job's tenant is drawn
 *    from a Zipf law, P(rank k) ~ 1 / k^zipf.
 *  - Shapes:   CPU-only 8 %, share of one GPU 17 % (100..750 milli),
 *    1 GPU 30 %, 2 GPUs 8 %, 4 GPUs 8 %, one whole node 17 %, and
 *    multi-node gangs 12 % of 16 << k GPUs (k = 0..5, P ~ 2^-k, up to
 *    max_gang_gpus) on whole nodes of one model.
 *  - Models: gangs are pinned to one model (drawn by GPU count); other GPU
 *    jobs to one model half of the time, else any model.
 *  - Every job fits the empty pool within one site: a shape that does not
 *    is shrunk (gang halved, GPUs per node halved, pin dropped) until it
 *    does.  CPU and memory per node are a uniform 25..100 % of the
 *    smallest per-GPU share among the nodes the job may use, so they never
 *    stand in the way.
 *  - Classes by shape; durations log-normal by class (median, sigma),
 *    clamped to 1 min .. 7 days: training 8 h, 1.0; finetune 2 h, 1.0;
 *    inference 1 h, 1.5; eval 20 min, 1.0; simulation 1 h, 1.2.
 *  - Time limit: duration x U(1.2, 3.0), rounded up to 15 minutes, at most
 *    14 days.  Training and fine-tuning jobs are checkpointable and
 *    preemptible 60 % of the time (grace 600 s); eval and simulation jobs
 *    are preemptible half of the time; inference never.
 *
 * Determinism: the same pool, options and seed give the same jobs, byte
 * for byte; nothing depends on the clock or on the workload's contents.
 */
#ifndef ALLOT_SIM_SYNTH_H
#define ALLOT_SIM_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "model/job.h"
#include "model/pool.h"
#include "util/err.h"

enum synth_shape {
	SYNTH_CPU = 0,
	SYNTH_SHARE,
	SYNTH_GPU1,
	SYNTH_GPU2,
	SYNTH_GPU4,
	SYNTH_NODE,
	SYNTH_GANG,
	SYNTH_NSHAPES
};

#define SYNTH_DEFAULT_MAX_JOBS 10000000

struct synth_opts {
	uint64_t seed;
	uint32_t tenants;        /* 1..100000; default 50 */
	int64_t duration_s;      /* arrivals in [0, duration_s); default 7 days */
	double load;             /* offered GPU load / capacity, 0..100; 0.8 */
	double zipf;             /* tenant skew exponent, 0..10; 1.1 */
	uint32_t max_gang_gpus;  /* largest gang, 16..512; default 512 */
	size_t max_jobs;         /* more expected jobs is ERR_LIMIT; 0 = 10 M */
};

struct synth_stats {
	double rate;            /* arrivals per second */
	double mean_gpu_s;      /* expected GPU-seconds per job */
	double offered_load;    /* realised: GPU-seconds / (GPUs x duration) */
	size_t njobs;
	size_t by_shape[SYNTH_NSHAPES];  /* as generated, after shrinking */
	size_t by_class[CLASS_NCLASSES];
	size_t shrunk;          /* jobs whose first shape did not fit */
};

/* The defaults above, seed 1. */
void synth_defaults(struct synth_opts *o);
/* Parses "seed=7,tenants=50,days=30,load=0.8" over o.  Keys: seed,
 * tenants, days, hours, seconds, load, zipf, gang (max_gang_gpus),
 * max-jobs.  Errors name the key ("synth: load: ..."); o is unchanged on
 * error. */
int synth_parse(const char *spec, struct synth_opts *o, struct err *e);
/* Appends the generated jobs (ids = their index in w, submit times
 * non-decreasing from 0) and the tenants to w, and fills st if not NULL.
 * ERR_INVALID if the pool has no UP GPU node or o is out of range;
 * ERR_LIMIT if more than max_jobs jobs are expected (checked before
 * anything is generated).  On error no job is appended (tenant names may
 * have been). */
int synth_generate(const struct pool *p, const struct synth_opts *o,
		   struct workload *w, struct synth_stats *st, struct err *e);
const char *synth_shape_name(enum synth_shape s);

#endif
