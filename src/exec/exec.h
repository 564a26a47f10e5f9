/*
 * exec.h — the executor interface: how the daemon starts, stops and
 * watches the commands of started jobs.
 *
 * An executor is an opaque handle with a table of operations inside, so
 * that the local executor (local.h: every job a child process tree on
 * this machine), the Slurm executor (sx.h), an executor in an agent
 * process (remote.h) and several as one (multi.h) sit behind the same
 * five calls.  The daemon drives it from one thread at a time in practice;
 * every implementation must still be safe to call from several threads.
 *
 * Ids are the caller's: the daemon passes a 64-bit run id (job id plus run
 * number), and an executor refuses to start an id it has ever started
 * before (ERR_CONFLICT), across its own restarts — that is the "never run
 * twice" guarantee.  Events report what happened to started ids:
 * STARTED once the job is under the executor's control, EXITED with its
 * status exactly once, LOST when the executor can prove neither.
 */
#ifndef ALLOT_EXEC_EXEC_H
#define ALLOT_EXEC_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* What to run.  Every pointer is borrowed for the duration of exec_start. */
struct exec_job {
	uint64_t id;
	const char *command;             /* run with /bin/sh -c */
	const char *workdir;             /* must exist */
	const char *out_path, *err_path; /* stdout/stderr files (created, appended) */
	const char *const *env;          /* extra KEY=VALUE, NULL-terminated; may be NULL */
	const char *nodelist;            /* e.g. "node0,node1" -> ALLOT_NODELIST */
	const char *node;                /* first node; the batch script runs there -> ALLOT_NODE */
	const int *gpus;                 /* GPU indices on `node` -> CUDA_VISIBLE_DEVICES "0,1" */
	size_t ngpus;
	int64_t time_limit_s;            /* 0 = none; enforced by the executor (TERM, then KILL after grace) */
	uint32_t grace_s;
};

enum exec_ev_kind {
	EXEC_STARTED = 0, EXEC_EXITED, EXEC_LOST,
	EXEC_NODE,    /* a node became usable (up = 1) or not (up = 0) */
	EXEC_FOREIGN  /* a job the executor found but was not asked to run */
};

/* Events are zero-initialised except for what their kind sets. */
struct exec_event {
	uint64_t id;     /* STARTED, EXITED, LOST: the run id; FOREIGN: the
			  * foreign system's job id (e.g. Slurm's) */
	int kind;        /* enum exec_ev_kind */
	int status;      /* EXITED: exit code, or -1 if killed by a signal */
	int signal;      /* EXITED: the signal, or 0 */
	int timed_out;   /* EXITED: the time limit ended it */
	int stopped;     /* EXITED: exec_stop ended it (cancel/preempt) */
	int node_failed; /* EXITED: the failure of a node it ran on ended it
			  * (Slurm NODE_FAIL), not its own command */
	int never_started; /* LOST: 1 = the executor is certain the command
			    * never ran (and never will under this id) */
	int acct_known;  /* EXITED: acct_gpu_s is the executor's own
			  * accounting of the run (Slurm: allocated GPUs x
			  * (end - start)); 0 = it has none */
	int64_t acct_gpu_s;
	int64_t at;      /* unix seconds */
	int up;          /* NODE: 1 usable again, 0 not usable */
	/* NODE: the node's name as the pool knows it.  FOREIGN: the
	 * cluster (or "" for a single-cluster executor). */
	char name[64];
	/* NODE: why (e.g. "DOWN+NOT_RESPONDING", "cluster unreachable").
	 * FOREIGN: what it is, one line ("name=x user=y state=RUNNING
	 * nodes=node2 gpus=2").  STARTED: "slurm_gpus=0,1" when the
	 * executor chose the GPUs itself (Slurm: its indices on the first
	 * node), else "". */
	char text[160];
};

/* The operations an executor implements (see the wrappers below for the
 * contracts).  An implementation embeds struct exec as its first member. */
struct exec;
struct exec_ops {
	const char *name;
	int (*start)(struct exec *x, const struct exec_job *j, struct err *e);
	int (*stop)(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e);
	size_t (*poll)(struct exec *x, struct exec_event *ev, size_t cap);
	int (*recover)(struct exec *x, const uint64_t *ids, size_t n,
		       struct exec_event *ev, struct err *e);
	void (*free)(struct exec *x);
};
struct exec {
	const struct exec_ops *ops;
};

/* Starts j without waiting for it to begin.  Returns 0 once the job is
 * handed to the executor: exec_poll then reports STARTED and later EXITED
 * (or LOST if it could not begin).  ERR_CONFLICT if j->id was ever
 * started by this executor's state (nothing runs); ERR_INVALID naming
 * "command" (NULL or empty), "workdir" (missing, not a directory),
 * "time_limit_s" (negative), "out_path"/"err_path" (cannot be opened) with
 * nothing started and the id still free; ERR_IO when the system refused
 * (fork, disk) — after a failed fork the id is used up. */
int exec_start(struct exec *x, const struct exec_job *j, struct err *e);
/* Asks the job to stop: SIGTERM to its process group, SIGKILL grace_s
 * seconds later if it is still there.  Its EXITED event then has
 * stopped = 1.  ERR_NOTFOUND if id is not a job this executor watches
 * (never started, or its EXITED was already reported); 0 if it has already
 * ended but not yet been reported (nothing to do). */
int exec_stop(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e);
/* Non-blocking: fills at most cap events that happened since the last
 * call and returns their number.  Each started id yields STARTED then
 * EXITED (or LOST), in that order, each exactly once.  An executor that
 * watches nodes (Slurm) also reports NODE events: for every node once
 * after it is created (its state then), then at each change between
 * usable and not (a node down, drained or not responding in Slurm; every
 * node of a cluster that stopped answering); and a FOREIGN event once
 * for each job it finds running or pending that it was not asked to run
 * and did not recover (reported, never touched).  The local executor
 * reports neither. */
size_t exec_poll(struct exec *x, struct exec_event *ev, size_t cap);
/* After a daemon restart: for each of the n ids the store thinks starting
 * or running, one event in ev[i] (the caller gives n slots): STARTED
 * (reattached, still running; its EXITED comes later through exec_poll),
 * EXITED (finished meanwhile, with its status) or LOST (no trace it ever
 * ran, or it vanished without a status).  A LOST event has never_started
 * = 1 only when the executor knows the command did not run and cannot
 * run later under this id (the caller may then run the job again under a
 * new id).  Returns 0 or ERR_IO. */
int exec_recover(struct exec *x, const uint64_t *ids, size_t n,
		 struct exec_event *ev, struct err *e);
/* Forgets the executor; running jobs keep running (they are detached) and
 * a new executor on the same state can reattach them.  NULL is a no-op. */
void exec_free(struct exec *x);
/* The implementation's name: "local", "slurm", "remote", "multi". */
const char *exec_name(const struct exec *x);

#endif
