/*
 * bench-pass.c — how a national scheduling pass grows with the pool and
 * the queue: GPUs and pending jobs doubled in turn from 32,500 GPUs and
 * 12,500 jobs up to 260,000 and 100,000 (DESIGN.md §6: <= 50 ms at the
 * top), median of 5 passes each, side by side in one run; plus the state
 * per GPU and per job.  Prints a Markdown table for docs/BENCHMARKS.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/benchpass.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median_pass(uint64_t gpus, size_t pending, double *per_gpu, double *per_job)
{
	struct benchpass_opts o;
	struct benchpass b;
	struct err e = {0};
	double ms[5];

	benchpass_defaults(&o);
	o.gpus = gpus;
	o.pending = pending;
	if (benchpass_build(&o, &b, &e) != 0) {
		fprintf(stderr, "bench-pass: %s\n", e.msg);
		exit(1);
	}
	for (int r = 0; r < 5; r++) {
		double t0 = now_ms();
		benchpass_pass(&b);
		ms[r] = now_ms() - t0;
		benchpass_undo(&b);
	}
	benchpass_bytes(&b, per_gpu, per_job);
	benchpass_free(&b);
	qsort(ms, 5, sizeof ms[0], cmp_double);
	return ms[2];
}

int
main(void)
{
	static const uint64_t gpus[] = {32500, 65000, 130000, 260000};
	static const size_t jobs[] = {12500, 25000, 50000, 100000};
	double pg = 0, pj = 0;

	printf("national pass, ms (median of 5); rows: GPUs, columns: pending jobs\n\n");
	printf("| GPUs \\ pending |");
	for (size_t c = 0; c < 4; c++)
		printf(" %zu |", jobs[c]);
	printf("\n|---|---|---|---|---|\n");
	for (size_t r = 0; r < 4; r++) {
		printf("| %llu |", (unsigned long long)gpus[r]);
		for (size_t c = 0; c < 4; c++) {
			printf(" %.1f |", median_pass(gpus[r], jobs[c], &pg, &pj));
			fflush(stdout);
		}
		printf("\n");
	}
	printf("\nstate at 260,000 GPUs: %.1f bytes per GPU, %.1f bytes per job\n",
	       pg, pj);
	return 0;
}
