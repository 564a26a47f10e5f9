/*
 * remote.h — an executor in another process: the daemon side drives an
 * agent (`allot exec-agent`, one per Slurm cluster, because libslurm holds
 * one configuration per process) over a socketpair, one JSON object per
 * line; the agent side serves those requests with a real executor.  The
 * protocol and the failure rules are in remote.c and docs/CLUSTERS.md.
 */
#ifndef ALLOT_EXEC_REMOTE_H
#define ALLOT_EXEC_REMOTE_H

#include "exec/exec.h"
#include "util/err.h"

#define REMOTE_MAX_LINE (16u << 20) /* bytes in one protocol line */

/* Spawns argv (argv[0] a path, e.g. "/proc/self/exe"; NULL-terminated;
 * copied) with a socketpair on its stdin and stdout (stderr inherited, no
 * other descriptor), says hello and returns an executor whose five
 * operations are requests to that agent.  NULL and e filled on error:
 * ERR_INVALID for an empty argv, ERR_IO when the agent cannot be spawned
 * or does not answer, or the agent's own error (code and text) when it
 * could not create its executor (a bad slurm.conf).  Beyond exec.h: while
 * the agent is down (it died, or missed a deadline and was killed with
 * SIGKILL — never a job), exec_start and exec_stop return ERR_IO (a start
 * that was never sent leaves the id free; one sent whose answer was lost
 * returns 0: the recover after the respawn reports it STARTED, EXITED
 * or LOST never_started); exec_poll reports EXEC_NODE
 * up = 0 "executor agent died" once for every node it has seen, respawns
 * the agent (one second after the failure; while spawns fail the wait
 * doubles up to 30 s), recovers every id it still watches
 * and reports what changed (a STARTED already reported is not repeated,
 * nor a FOREIGN id).
 * exec_free closes the socket: the agent exits, jobs keep running. */
struct exec *remote_new(const char *const *argv, struct err *e);

/* Asks the agent for its cluster's pool text (sx_pool_text with cluster
 * and default_model there) into *out (malloc'ed, the caller frees) and
 * remembers its nodes (see remote_new).  x must come from remote_new.
 * ERR_IO if the agent is down or misses the deadline (30 s); the agent's
 * error otherwise (ERR_INVALID from an agent without Slurm). */
int remote_pool_text(struct exec *x, const char *cluster,
		     const char *default_model, char **out, struct err *e);

/* The agent side.  A pool op handler: fills *out (malloc'ed) or e. */
typedef int (*remote_pool_fn)(void *ctx, struct exec *x, const char *cluster,
			      const char *default_model, char **out,
			      struct err *e);

/* Serves requests read from fd in with executor x, writing one reply line
 * per request to fd out, until in reaches end of file (the daemon closed
 * the socket or died): returns 0 then.  pool == NULL answers the pool op
 * with ERR_INVALID.  ERR_IO if a read or write fails; ERR_LIMIT (after an
 * error reply) for a request line over REMOTE_MAX_LINE.  x is not freed. */
int remote_serve(struct exec *x, int in, int out, remote_pool_fn pool,
		 void *ctx);
/* For an agent that could not create its executor: answers the first
 * request on in (the hello) with why's code and message, then returns
 * 0 (ERR_IO if reading or writing fails). */
int remote_refuse(int in, int out, const struct err *why);

#endif
