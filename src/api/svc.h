/*
 * svc.h — the live service behind `allot serve`: the pool, tenants,
 * users, grants and jobs in memory, the scheduler thread that drives the
 * SCHED_PRIORITY pass on the real clock, and the executor that runs what
 * it starts.
 *
 * SQLite (store/db.h) is the durable copy and the truth at start-up; the
 * memory here is rebuilt from it by svc_open, which also reconciles the
 * jobs the store thinks are running with the executor (exec_recover).
 * One mutex guards the memory; it is never held across a commit or an
 * executor call.  Every state change that matters for "never run twice"
 * is committed before it is acted on: a job is written `running` with
 * `starting` set before the executor is asked to start it.
 *
 * Functions taking a struct err return 0 or a negative ERR_* (ERR_NOTFOUND
 * for unknown ids and names, ERR_STATE for a job in the wrong state,
 * ERR_CONFLICT for duplicates).  All are thread-safe once svc_open
 * returned, until svc_close.
 */
#ifndef ALLOT_API_SVC_H
#define ALLOT_API_SVC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "api/auth.h"
#include "api/journal.h"
#include "model/grant.h"
#include "model/pool.h"
#include "store/db.h"
#include "util/err.h"

#define SVC_POOL_DEFAULT "gen:sites=1,nodes=4,gpus=8,models=H100"
#define SVC_PASS_MS_DEFAULT 200
#define SVC_GRACE_DEFAULT 30

struct svc_opts {
	const char *db_path;
	struct exec *exec;            /* taken (freed by svc_close, also on a
				       * failed svc_open); NULL = the local
				       * executor in state_dir */
	/* At first start without `pool`: the pool file text from the
	 * executor (its Slurm clusters' nodes), malloc'ed; NULL = none. */
	int (*pool_import)(void *ctx, char **text, struct err *e);
	void *pool_ctx;
	const char *state_dir;        /* executor state, default job workdir */
	const char *pool;             /* pool file or gen:SPEC, first start only */
	const char *admin_token_file; /* written at first start (0600) */
	int pass_interval_ms;         /* 0 = SVC_PASS_MS_DEFAULT */
	uint32_t grace_s;             /* default grace period of jobs */
	FILE *log;                    /* NULL = stderr */
};

struct svc;

/* Opens the store, loads the live state, creates the admin user and its
 * token on a new database, creates the executor and reconciles running
 * jobs with it.  Does not start the scheduler thread (svc_start). */
int svc_open(const struct svc_opts *o, struct svc **out, struct err *e);
/* Starts the scheduler thread. */
int svc_start(struct svc *s, struct err *e);
/* Stops the scheduler thread (running jobs keep running: their
 * shepherds outlive the daemon), closes the store, frees s.  NULL ok. */
void svc_close(struct svc *s);

struct db *svc_db(struct svc *s);
struct journal *svc_journal(struct svc *s);
struct auth *svc_auth(struct svc *s);
/* The pool's model names (immutable after svc_open), for validation. */
const struct pool *svc_models(struct svc *s);
/* A line on the log with the time in front. */
void svc_log(struct svc *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- Principals, tenants, users ---------------------------------------- */

/* The principal of user id (tenant, role, name); ERR_NOTFOUND. */
int svc_principal(struct svc *s, uint32_t user, struct auth_principal *p);
/* Tenant id by name; ERR_NOTFOUND. */
int svc_tenant_find(struct svc *s, const char *name, uint32_t *id);
/* User by id: its tenant and role; ERR_NOTFOUND. */
int svc_user_get(struct svc *s, uint32_t id, uint32_t *tenant, int *role);
/* User id by name; ERR_NOTFOUND. */
int svc_user_find(struct svc *s, const char *name, uint32_t *id);
/* Creates or updates a tenant / user durably, then in memory.  0 created,
 * 1 updated. */
int svc_tenant_put(struct svc *s, const char *name, const char *parent,
		   uint32_t shares, uint32_t *id, struct err *e);
int svc_user_put(struct svc *s, const char *name, uint32_t tenant, int role,
		 uint32_t *id, struct err *e);
/* JSON arrays of tenants / users; only tenant `only` (UINT32_MAX = all),
 * and for users only user `user_only` (0 = any). */
json_t *svc_tenants_json(struct svc *s, uint32_t only);
json_t *svc_users_json(struct svc *s, uint32_t only, uint32_t user_only);

/* ---- Jobs ---------------------------------------------------------------- */

/* Durable submission of j (tenant, user, shape, strings set by the
 * caller; submit time set here), then queued and the scheduler woken.
 * 0 = new (j->id set), 1 = the idempotency key was seen (j->id the
 * existing job). */
int svc_submit(struct svc *s, struct db_job *j, struct err *e);
/* The two halves of svc_submit, for a caller that commits with
 * db_job_submit_async: prepare sets the submit time and initial state;
 * committed (after the commit, rc 0) queues the job and wakes the
 * scheduler. */
void svc_submit_prepare(struct db_job *j);
void svc_submit_committed(struct svc *s, const struct db_job *j);
/* Cancels job id: a pending job is cancelled durably at once; a running
 * one is stopped (SIGTERM, SIGKILL after its grace) and recorded when it
 * exits.  *state gets the state name after the call ("cancelled",
 * "cancelling").  ERR_STATE for a finished job. */
int svc_cancel(struct svc *s, uint64_t id, const char **state,
	       struct err *e);
/* Holds (hold = 1) or releases a pending job, durably.  ERR_STATE if the
 * job is not pending. */
int svc_hold(struct svc *s, uint64_t id, int hold, struct err *e);
/* A job row as JSON (names resolved, the live pending reason added). */
json_t *svc_job_json(struct svc *s, const struct db_job *j);
/* The first `limit` pending jobs in priority order as the last pass saw
 * them (then those it has not seen yet), with reasons and priority
 * parts; tenant UINT32_MAX = all. */
json_t *svc_queue_json(struct svc *s, uint32_t tenant, size_t limit);

/* ---- Pool, grants ------------------------------------------------------ */

json_t *svc_pool_json(struct svc *s);
json_t *svc_nodes_json(struct svc *s);
/* Drains (drain = 1) or resumes node `name`, durably.  A drained node
 * stays drained whatever the executor says; a resumed one is usable when
 * the executor (if it watches nodes) says so too. */
int svc_node_set(struct svc *s, const char *name, int drain, struct err *e);
/* 1 if jobs may take a share of a GPU (gpu_milli < 1000): only the
 * local executor runs them; Slurm allocates whole GPUs. */
int svc_shares_ok(struct svc *s);
/* Model id by name or -1. */
int svc_model_find(struct svc *s, const char *name);
/* Adds a grant durably and to the quotas. */
int svc_grant_add(struct svc *s, const struct grant *g, uint32_t *id,
		  struct err *e);
/* Grants as JSON; tenant UINT32_MAX = all. */
json_t *svc_grants_json(struct svc *s, uint32_t tenant);

/* GPU-seconds per account and model over [from, to): finished runs from
 * the store's usage rows plus the running jobs up to now; tenant
 * UINT32_MAX = all.  NULL + e on a store error. */
json_t *svc_usage_json(struct svc *s, uint32_t tenant, int64_t from,
		       int64_t to, struct err *e);

/* The ledger over [from, to) (docs/LEDGER.md's rules, the simulator's
 * ledger): each finished run's usage booked against its account's grants
 * of the model (beyond them: borrowed, at the market price): GPU-hours
 * and won per account, grant and model, per account, and — for tenant
 * UINT32_MAX only — the programs' budgets drawn.  NULL + e on a store
 * error or a price the ledger refuses. */
json_t *svc_ledger_json(struct svc *s, uint32_t tenant, int64_t from,
			int64_t to, struct err *e);

/* The executor's side: its name, the nodes it says are unusable (with
 * why), and the foreign jobs it found (jobs on its clusters allot did not
 * start: reported, never touched), the latest first. */
json_t *svc_executor_json(struct svc *s);

/* The accounting cross-check over usage rows overlapping [from, to):
 * allot's GPU-seconds for each finished run beside the executor's own
 * (Slurm: allocated GPUs x its run time), the totals, and the runs whose
 * figures differ by more than 2 s per GPU plus 1 %.  tenant UINT32_MAX =
 * all.  NULL + e on a store error. */
json_t *svc_usage_check_json(struct svc *s, uint32_t tenant, int64_t from,
			     int64_t to, struct err *e);

/* ---- Metrics ------------------------------------------------------------- */

/* The Prometheus text exposition (caller frees).  Per-account series only
 * for account `tenant` (UINT32_MAX = every account): competing teams do
 * not see each other's queues. */
char *svc_metrics_text(struct svc *s, uint32_t tenant, size_t *len);
/* Counts a finished request for the metrics. */
void svc_count_request(struct svc *s, int status);

#endif
