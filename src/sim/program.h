/*
 * program.h — replays a national programme (a program scenario,
 * sim/progfile.h) with the real scheduler: programs own capacity and
 * issue grants over time, the simulator turns the grants into quotas and
 * the tenants' jobs into GPUs, and what the tenants use feeds back into
 * the programs (compute decides competition rounds; idle grants are
 * reclaimed and re-awarded).  docs/PROGRAMS.md has the rules in full.
 *
 * The run, in order:
 *  - the pool (built-in korea at a scale, gen:SPEC or a pool file), each
 *    scenario cluster present only in its [from, to) (capacity events);
 *  - every tenant that could ever hold a grant gets a job stream over the
 *    time it might (the competition teams over the whole run, an open
 *    call's proposals from the award on), at the scenario's load times
 *    its activity times its reference size; a job is admitted at its
 *    submit time only while its tenant holds a grant, with probability
 *    granted / reference (thinning), pinned to one granted model and cut
 *    to the grant's size — so what runs follows the grants of the day;
 *  - program alarms, in date order: calls award (opencall_select), rounds
 *    decide (published scores where the scenario gives them, else the
 *    compute-driven quality model, compete/quality.h) and reallocate the
 *    next phase to the survivors, idle checks warn and reclaim
 *    (compete/idle.h) and re-award to the waiting list;
 *  - every decision that moves GPUs goes into the audit log (hash
 *    chained, ledger/audit.h), every job run into the ledger.
 *
 * Deterministic: the same scenario, options and seed give the same run
 * and the same output files, byte for byte (no wall-clock figure in
 * them).  No clock; I/O only in program_write_dir.
 */
#ifndef ALLOT_SIM_PROGRAM_H
#define ALLOT_SIM_PROGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ledger/audit.h"
#include "model/grant.h"
#include "sim/progfile.h"
#include "util/err.h"

#define PROGRAM_POLICY "allot-program-1" /* the policy version audited */

struct program_opts {
	double scale;          /* the built-in pool's scale, (0, 100]; 1 */
	uint64_t seed;         /* 0: the scenario's seed */
	int64_t pass_interval; /* seconds; -1: the scenario's */
	int reps;              /* bootstrap replicates of model rounds; 0:
				* the scenario's */
};

struct program;

void program_opts_init(struct program_opts *o);
/* Sets up a run of pf (borrowed: it must outlive the run).  Errors name
 * the scenario line ("korea-2026:12: model: no such model in the pool
 * \"B300\""); nothing is left allocated on error. */
int program_new(const struct progfile *pf, const struct program_opts *o,
		struct program **out, struct err *e);
void program_free(struct program *p);
/* Runs the whole scenario.  Once. */
int program_run(struct program *p, struct err *e);
/* The terminal summary: finalists, GPUs per team per phase, open-call
 * acceptance, utilisation, idle GPUs reclaimed, budget. */
void program_summary(const struct program *p, FILE *f);
/* The same as one JSON object (no wall-clock figures). */
void program_json(const struct program *p, FILE *f);
/* Writes the run's files into dir (created if absent): summary.json,
 * tenants.csv, gpus_by_tenant.csv, capacity_by_site.csv, waits.csv,
 * rounds.csv, phases.csv, opencall.csv, reclaim.csv, budget.csv
 * (docs/REPORT.md) and audit.jsonl (the decisions, hash chained). */
int program_write_dir(const struct program *p, const char *dir,
		      struct err *e);
/* Counters for tests and benchmarks. */
struct program_stats {
	size_t jobs_generated, jobs_admitted, jobs_completed;
	size_t grants, audit_entries, rounds, awards, reclaims, readmits;
	uint64_t sim_events, passes;
	double util_pct;       /* GPU-time allocated / capacity, whole run */
};
void program_stats(const struct program *p, struct program_stats *st);
/* For tests and reports: the grants as they stand (ids are indexes; a
 * grant cut short has its earlier end), the audit log, and tenants. */
const struct grants *program_grants(const struct program *p);
const struct audit_log *program_audit(const struct program *p);
/* The workload tenant named "PROGRAM/NAME", or -1. */
long program_tenant(const struct program *p, const char *name);

#endif
