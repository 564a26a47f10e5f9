/*
 * multi.h — several executors (one per cluster, each usually a remote
 * agent) behind one: jobs are routed by the nodes they run on, events
 * merged, recovery asked of every cluster (see multi.c and
 * docs/CLUSTERS.md).
 */
#ifndef ALLOT_EXEC_MULTI_H
#define ALLOT_EXEC_MULTI_H

#include <stddef.h>

#include "exec/exec.h"
#include "util/err.h"

#define MULTI_MAX 64 /* members */

/* Returns one executor over members[0..n) (1 <= n <= MULTI_MAX), member
 * i being cluster names[i] (unique; 1..53 bytes of letters, digits and
 * ._-:/@+, as pool names).  Takes ownership of the members (on error
 * too: they are freed); names are copied.  NULL and e filled
 * (ERR_INVALID naming the field) on error.  Beyond exec.h:
 * - exec_start: every node of j->nodelist (comma-separated; j->node when
 *   it is empty) must belong to one cluster: ERR_INVALID "nodelist: spans
 *   clusters A and B" or "node X: in no cluster", nothing started.  Nodes
 *   are learnt from multi_pool_text and from NODE events (an unknown node
 *   makes start poll the members once, keeping their events for the next
 *   exec_poll).
 * - exec_stop: ERR_NOTFOUND for an id no cluster runs; ERR_IO for an id
 *   pending after a recover (below) while its clusters do not answer.
 * - exec_poll: the members' events, a fair share of cap for each (the
 *   first member asked rotates), FOREIGN events named after their
 *   cluster.
 * - exec_recover: each id answered by the cluster that knows it; LOST
 *   never_started = 1 only when every cluster said so.  An id that no
 *   answering cluster knows while some cluster failed (ERR_IO) is
 *   reported STARTED and asked of the failed clusters again (at most once
 *   a second, from exec_poll) until one knows it — its EXITED or LOST then
 *   comes through exec_poll — or all of them say never started (then a
 *   LOST with never_started = 1).  ERR_IO only when every cluster
 *   failed. */
struct exec *multi_new(struct exec **members, const char *const *names,
		       size_t n, struct err *e);

/* The Slurm clusters names[i] (slurm.conf paths confs[i]) as one
 * executor: one `allot exec-agent` process each (this program, spawned
 * through /proc/self/exe), its state in state_dir/clusters/NAME (made
 * 0700 as needed), charging jobs to account_prefix + tenant (NULL: no
 * account), joined by multi_new.  NULL and e filled, naming the cluster
 * ("--cluster NAME=CONF: why") when an agent cannot start its executor;
 * the agents started so far are stopped. */
struct exec *multi_slurm_open(const char *const *names,
			      const char *const *confs, size_t n,
			      const char *state_dir,
			      const char *account_prefix, struct err *e);

/* Merges the members' pool texts (remote_pool_text or sx_pool_text with
 * cluster = the member's name) into one pool file in *out (malloc'ed; the
 * caller frees; docs/POOL-FORMAT.md): the union of the models, each
 * provider once, every member's sites, clusters, racks, domains and
 * nodes, and `end` with the totals.  Remembers which cluster each node is
 * in.  ERR_INVALID naming both clusters for a node (or a model defined
 * differently) found in two; ERR_INVALID for a member that cannot
 * describe its nodes (the local executor); the member's error prefixed
 * with "cluster NAME: " otherwise.  x must come from multi_new. */
int multi_pool_text(struct exec *x, const char *default_model, char **out,
		    struct err *e);

#endif
