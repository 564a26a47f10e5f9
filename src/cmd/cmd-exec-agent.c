/*
 * cmd-exec-agent.c — `allot exec-agent`: one cluster's executor in its own
 * process, driven by the daemon over its stdin/stdout (exec/remote.h).
 *
 *	allot exec-agent --slurm-conf PATH --state-dir DIR [--account-prefix P]
 *	allot exec-agent --local --state-dir DIR [--nodes N1,N2,...]
 *
 * libslurm holds one configuration per process, so the daemon runs one
 * agent per Slurm cluster (docs/CLUSTERS.md).  Not a command for people:
 * the daemon spawns it with a socketpair on fds 0 and 1.  The protocol
 * descriptors are moved away from 0 and 1 first (stdin then reads
 * /dev/null, stdout goes to stderr), so that nothing a library prints can
 * corrupt the protocol.  If the executor cannot be created, the first
 * request (the hello) is answered with the error and the agent exits 1,
 * so the daemon's start fails naming the cause.  It exits 0 when its
 * input closes (the daemon exited or died); the jobs keep running.
 *
 * --local --nodes makes a stand-in cluster for tests without Slurm: the
 * local executor runs every job here, but the agent reports a NODE up
 * event for each named node at its first poll and answers the pool op
 * with those nodes (8 GPUs each, model default_model or B200), so a
 * multi executor can route to it by node name.
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "exec/exec.h"
#include "exec/local.h"
#include "exec/remote.h"
#include "exec/sx.h"
#include "util/alloc.h"
#include "util/err.h"

#define MAX_NODES 1024

/* The local executor with named nodes (see the top). */
struct named {
	struct exec base;
	struct exec *in;
	char *list;           /* owned copy of --nodes, cut at the commas */
	const char *node[MAX_NODES];
	size_t n, sent;       /* NODE events sent so far */
};

static int
named_start(struct exec *x, const struct exec_job *j, struct err *e)
{
	return exec_start(((struct named *)x)->in, j, e);
}

static int
named_stop(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e)
{
	return exec_stop(((struct named *)x)->in, id, grace_s, e);
}

static size_t
named_poll(struct exec *x, struct exec_event *ev, size_t cap)
{
	struct named *d = (struct named *)x;
	size_t got = 0;

	for (; d->sent < d->n && got < cap; d->sent++, got++) {
		memset(&ev[got], 0, sizeof ev[got]);
		ev[got].kind = EXEC_NODE;
		ev[got].up = 1;
		ev[got].at = (int64_t)time(NULL);
		snprintf(ev[got].name, sizeof ev[got].name, "%s",
			 d->node[d->sent]);
		snprintf(ev[got].text, sizeof ev[got].text, "IDLE");
	}
	return got + exec_poll(d->in, ev + got, cap - got);
}

static int
named_recover(struct exec *x, const uint64_t *ids, size_t n,
	      struct exec_event *ev, struct err *e)
{
	return exec_recover(((struct named *)x)->in, ids, n, ev, e);
}

static void
named_free(struct exec *x)
{
	struct named *d = (struct named *)x;

	exec_free(d->in);
	free(d->list);
	free(d);
}

static const struct exec_ops named_ops = {
	"local", named_start, named_stop, named_poll, named_recover,
	named_free,
};

static int
pool_named(void *ctx, struct exec *x, const char *cluster,
	   const char *default_model, char **out, struct err *e)
{
	struct named *d = (struct named *)x;
	const char *m = default_model && *default_model ? default_model :
		"B200";
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)ctx;
	if (cluster == NULL || *cluster == '\0')
		return err_set(e, ERR_INVALID, "cluster: empty");
	if ((f = open_memstream(&buf, &len)) == NULL)
		return err_set(e, ERR_IO, "open_memstream failed");
	fprintf(f, "allot-pool 1\n# stand-in cluster %s (exec-agent --local)\n"
		"model %s\nprovider local\nsite %s provider=local\n"
		"cluster %s site=%s\n", cluster, m, cluster, cluster, cluster);
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "nodes %s cluster=%s model=%s gpus=8 cpu=64000 "
			"mem=512000\n", d->node[i], cluster, m);
	fprintf(f, "end nodes=%zu gpus=%zu\n", d->n, 8 * d->n);
	if (fclose(f) != 0) {
		free(buf);
		return err_set(e, ERR_IO, "open_memstream: write failed");
	}
	*out = buf;
	return 0;
}

/* Wraps x (taken) with the nodes of list; NULL and e filled for a bad
 * list (x freed). */
static struct exec *
named_new(struct exec *x, const char *list, struct err *e)
{
	struct named *d = xcalloc(1, sizeof *d);

	d->base.ops = &named_ops;
	d->in = x;
	d->list = xstrdup(list);
	for (char *s = d->list, *t; s != NULL; s = t) {
		if ((t = strchr(s, ',')) != NULL)
			*t++ = '\0';
		if (*s == '\0' || strlen(s) > 63 || d->n == MAX_NODES) {
			err_set(e, ERR_INVALID, "--nodes: \"%.80s\": empty or "
				"over-long name, or more than %d nodes", list,
				MAX_NODES);
			named_free(&d->base);
			return NULL;
		}
		d->node[d->n++] = s;
	}
	return &d->base;
}

static int
pool_sx(void *ctx, struct exec *x, const char *cluster,
	const char *default_model, char **out, struct err *e)
{
	(void)ctx;
	return sx_pool_text(x, cluster, default_model, out, e);
}

static int
agent(int argc, char **argv)
{
	const struct cmd_entry *c = &cmd_exec_agent_entry;
	const char *conf = NULL, *dir = NULL, *prefix = NULL, *nodes = NULL, *v;
	struct exec *x;
	struct err e = {0};
	int local = 0, in, out, null, rc;

	if (cmd_wants_help(c, argc, argv))
		return 0;
	for (int i = 1; i < argc; i++) {
		if ((v = cmd_opt_value(argc, argv, &i, "--slurm-conf")) != NULL)
			conf = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--state-dir")) != NULL)
			dir = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--account-prefix")) !=
			 NULL)
			prefix = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--nodes")) != NULL)
			nodes = v;
		else if (strcmp(argv[i], "--local") == 0)
			local = 1;
		else
			return cmd_usage_error(c, "unknown argument \"%s\"",
					       argv[i]);
	}
	if (dir == NULL || *dir == '\0')
		return cmd_usage_error(c, "--state-dir is required");
	if (local == (conf != NULL))
		return cmd_usage_error(c, "give exactly one of --slurm-conf "
				       "and --local");
	if (conf != NULL && *conf == '\0')
		return cmd_usage_error(c, "--slurm-conf: empty");
	if (local && prefix != NULL)
		return cmd_usage_error(c, "--account-prefix needs --slurm-conf");
	if (!local && nodes != NULL)
		return cmd_usage_error(c, "--nodes needs --local");
	/* the protocol on private descriptors; 0 and 1 harmless */
	if ((in = fcntl(0, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    (out = fcntl(1, F_DUPFD_CLOEXEC, 3)) < 0) {
		perror("allot exec-agent: fcntl");
		return 1;
	}
	if ((null = open("/dev/null", O_RDONLY)) >= 0) {
		dup2(null, 0);
		if (null > 2)
			close(null);
	}
	dup2(2, 1);
	/* a terminal's ^C is for the daemon; the agent ends at end of file */
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	x = local ? local_new(dir, &e) : sx_new(conf, dir, prefix, &e);
	if (x != NULL && nodes != NULL)
		x = named_new(x, nodes, &e);
	if (x == NULL) {
		fprintf(stderr, "allot exec-agent: %s\n", e.msg);
		remote_refuse(in, out, &e);
		return 1;
	}
	rc = remote_serve(x, in, out, nodes != NULL ? pool_named :
			  local ? NULL : pool_sx, NULL);
	exec_free(x);
	if (rc != 0) {
		fprintf(stderr, "allot exec-agent: %s\n", err_name(rc));
		return 1;
	}
	return 0;
}

const struct cmd_entry cmd_exec_agent_entry = {
	"exec-agent",
	"(--slurm-conf PATH [--account-prefix P] | --local [--nodes N1,...]) "
	"--state-dir DIR",
	"one cluster's executor, driven by the daemon over stdin/stdout",
	"  --slurm-conf PATH       the cluster's slurm.conf (Slurm executor)\n"
	"  --account-prefix P      charge jobs to Slurm account P + tenant\n"
	"  --local                 the local executor instead (tests)\n"
	"  --nodes N1,N2,...       with --local: pretend to be a cluster of\n"
	"                          these nodes (NODE events, pool text)\n"
	"  --state-dir DIR         the executor's state directory\n"
	"Spawned by `allot serve` (one per cluster); speaks one JSON object\n"
	"per line on stdin/stdout (docs/CLUSTERS.md).\n",
	agent,
};
