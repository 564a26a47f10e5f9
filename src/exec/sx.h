/*
 * sx.h — the Slurm executor: each started job a Slurm batch job, submitted
 * through libslurm, pinned to the node allot chose (see sx.c and
 * docs/SLURM.md).  Prefix sx_ because libslurm owns slurm_.
 */
#ifndef ALLOT_EXEC_SX_H
#define ALLOT_EXEC_SX_H

#include "exec/exec.h"
#include "util/err.h"

/* Returns a Slurm executor for the cluster described by slurm_conf (the
 * path of its slurm.conf, as SLURM_CONF would name it) that remembers
 * every id it submitted in state_dir (created, mode 0700, if absent); NULL
 * and e filled on error: ERR_INVALID for a NULL/empty argument, ERR_IO for
 * a slurm_conf that is missing, unreadable or names no controller
 * (checked before libslurm sees it: libslurm exits the whole process after
 * a minute of retries on a bad configuration) or a state_dir that cannot
 * be made.  account_prefix: NULL = never set a Slurm account (the tenant,
 * taken from ALLOT_ACCOUNT=NAME in the job's env, is only recorded in the
 * job's comment; right for clusters without slurmdbd); otherwise each job
 * with a tenant is charged to the Slurm account account_prefix + NAME.
 * libslurm holds one configuration per process: the first sx_new's
 * slurm_conf applies to every later one (one cluster per process for
 * now).  Free with exec_free; submitted jobs keep running in Slurm and a
 * new executor on the same state_dir reattaches them (exec_recover).
 * Beyond exec.h's contracts: exec_start and exec_stop return ERR_IO at
 * once when slurmctld does not accept connections (the id stays free);
 * exec_start returns ERR_INVALID with Slurm's reason when slurmctld
 * refuses the job (unknown node, too many GPUs; the id stays free);
 * exec_poll reports no job events while slurmctld is away, and after 3 s
 * of failed attempts one NODE up = 0 "cluster unreachable" per known node
 * (then the real states again, as changes, when it answers); NODE names
 * are Slurm's node names (as sx_pool_text writes them); FOREIGN events
 * have the Slurm job id, name "" and text "name=N user=UID state=S
 * nodes=L gpus=G" plus " allot_id=ID" for a job whose comment says it is
 * allot's; EXITED has acct_known = 1 when built from Slurm's record or
 * from an exit file that recorded it (acct_gpu_s = allocated GPUs x (end - start), 0 if it
 * never ran), node_failed = 1 for Slurm's NODE_FAIL.  STARTED means
 * running in Slurm (exec_recover also says STARTED for a job still
 * pending there, and for every claimed id while slurmctld does not
 * answer: the polls decide later, LOST with never_started = 1 if it
 * claimed the id but never got a Slurm id and no job of its name turns
 * up).  exec_recover then returns 0; it no longer fails with ERR_IO. */
struct exec *sx_new(const char *slurm_conf, const char *state_dir,
		    const char *account_prefix, struct err *e);

/* The cluster's nodes as a pool file (docs/POOL-FORMAT.md) in *out
 * (malloc'ed, the caller frees): provider "slurm", one site and one
 * cluster named cluster, one `nodes` line per Slurm node with its CPUs
 * (cpu = 1000 per CPU), RealMemory (mem, MiB), GPU count from its gpu GRES
 * and state (drain/fail flags -> drain, DOWN -> down, FUTURE -> absent,
 * else up).  The GPU model is the GRES type matched case-insensitively
 * against the built-in models (model/poolgen.h), or default_model for an
 * untyped "gpu:N".  x must come from sx_new.  ERR_IO if slurmctld does not
 * answer; ERR_INVALID naming the node for an unknown or mixed GPU type,
 * more than 8 GPUs, or an untyped GRES without default_model. */
int sx_pool_text(struct exec *x, const char *cluster,
		 const char *default_model, char **out, struct err *e);

#endif
