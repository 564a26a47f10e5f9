/*
 * svc_int.h — what the live service's files share (svc.c: state, the
 * scheduler thread, the executor; svc_nodes.c: node states, executor
 * node and foreign-job events; svc_acct.c: principals, tenants, users;
 * svc_view.c: the JSON views, usage and metrics; svc_ledger.c: the
 * ledger view).  Not for other callers: svc.h is the interface.  Functions
 * here carry the svc__ prefix.
 */
#ifndef ALLOT_API_SVC_INT_H
#define ALLOT_API_SVC_INT_H

#include <pthread.h>
/* <pthread.h> brings <sched.h>, whose SCHED_FIFO macro would clobber the
 * enum constant of sched/sched.h; the service never sets thread policies. */
#undef SCHED_FIFO
#include <stdatomic.h>

#include "api/svc.h"
#include "exec/exec.h"
#include "model/job.h"
#include "model/tenant.h"
#include "sched/place.h"
#include "sched/quota.h"
#include "sched/sched.h"
#include "util/vec.h"

#define NONE UINT32_MAX
#define RUN_SHIFT 24
#define RUN_MASK 0xffu
#define EXEC_ID_SHIFT 40
#define NHIST 12

static const double svc__hist_ms[NHIST] = {0.25, 0.5, 1, 2, 5, 10, 20, 50, 100,
				      250, 1000, 1e300};

struct sjob {
	struct alloc alloc;   /* running: where */
	char *command, *workdir;
	uint32_t user;
	int model;            /* running: the model its quota is charged to */
	double prio;          /* the last pass's priority */
	int64_t at;           /* RESERVED: planned start */
	uint32_t blocker;
	uint8_t reason;       /* the last pass's enum sched_reason */
	uint8_t seen;         /* a pass has looked at it */
	uint8_t busy;         /* a route's commit for it is in flight */
	uint8_t cancel_req, stop_sent, preempting;
	uint8_t starting;     /* marked running; the executor not yet done */
};

/* A job the executor found that allot did not start. */
struct svc_foreign {
	uint64_t id;          /* the executor's (Slurm's) job id */
	int64_t at;           /* when it was reported */
	char cluster[64];
	char text[160];
};
#define SVC_FOREIGN_MAX 1024

struct svc {
	struct svc_opts o;
	char *state_dir;
	FILE *log;
	struct db *db;
	struct auth *auth;
	struct journal *journal;
	struct exec *x;
	pthread_mutex_t mu;
	pthread_mutex_t umu;  /* the users table only; taken after mu if both */
	pthread_cond_t cv;
	pthread_t thr;
	int thr_on, stop, woken;
	int dirty;            /* something a pass could act on changed */
	double last_full;     /* monotonic ms of the last pass */
	/* Pool. */
	struct pool pool;
	struct placer *pl;
	/* Per node: the state its pool file gave, an admin's drain, the
	 * executor's word (seen, unusable, why); node_apply derives the
	 * state the placer sees from them. */
	uint8_t *nbase, *ndrain, *nxseen, *nxdown;
	char (*nxwhy)[64];
	VEC(struct svc_foreign) foreign; /* the first SVC_FOREIGN_MAX */
	uint64_t nforeign;
	uint64_t gpu_mismatch; /* STARTED on other GPUs than allot chose */
	/* Tenants, users, grants; index = store id, [0] unused. */
	VEC(struct db_tenant) tenants;
	VEC(struct db_user) users;
	struct grants grants;
	struct tenant_tree tt;
	uint32_t *tnode;      /* per tenant id: its tree node */
	double *tusage;       /* per tenant id: decayed GPU-seconds */
	double *fs_t;         /* per tenant id: Fair Tree factor */
	uint64_t *tmilli;     /* per tenant id: GPU milli running now */
	size_t ntcap;         /* size of those arrays */
	int64_t usage_t;
	struct quota quota;
	int quota_init, quota_dirty;
	int64_t grants_next;
	/* Jobs. */
	struct job *jobs;
	struct sjob *sj;
	uint32_t *ppos, *rpos;
	size_t jcap;
	uint32_t *pend;
	size_t npend, cap_pend;
	struct sched_running *run;
	size_t nrun, cap_run;
	VEC(uint32_t) qorder;  /* pending ids in the last pass's order */
	VEC(uint32_t) cancels; /* running jobs to stop */
	struct sched_result res;
	struct sched_policy pol;
	struct exec_event *recovered;
	size_t nrecovered;
	/* Metrics. */
	_Atomic uint64_t submitted;
	uint64_t passes, hist[NHIST], started, finished;
	double pass_ms_sum, last_pass_ms;
	_Atomic uint64_t req_by_class[6];
};

/* Node index of name[0..n) in p, or -1. */
long svc__node_by_name(const struct pool *p, const char *name, size_t n);
/* With mu held: something changed for a pass; wake the scheduler. */
void svc__wake(struct svc *s);
/* With mu held: rebuild the tenant tree, shares and arrays after a tenant
 * was added or changed. */
void svc__tenants_changed(struct svc *s);
/* svc_nodes.c, with mu held: the per-node arrays from the pool; a NODE
 * event; a FOREIGN event; the GPUs of a STARTED event against allot's
 * choice; the drains stored before a restart. */
void svc__nodes_init(struct svc *s);
void svc__node_event(struct svc *s, const struct exec_event *ev);
void svc__foreign_event(struct svc *s, const struct exec_event *ev);
void svc__gpus_check(struct svc *s, uint32_t id, const struct exec_event *ev);
void svc__load_drained(struct svc *s);

/* Seconds on the real clock (job times). */
int64_t svc__now(void);
/* How many times job j was requeued (kept in its flags). */
unsigned svc__run_of(const struct job *j);
/* Tenant t's name (lent; call with mu held). */
const char *svc__tenant_name(struct svc *s, uint32_t t);
/* User u's name into buf (takes umu: callable with or without mu). */
const char *svc__user_name(struct svc *s, uint32_t u, char buf[DB_NAME_MAX]);

#endif
