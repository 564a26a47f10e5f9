/*
 * cmd-serve.c — `allot serve`: the daemon (docs/SERVE.md).
 *
 *	allot serve --listen HOST:PORT --db FILE [--state-dir DIR]
 *	            [--pool SPEC|FILE] [--admin-token-file PATH]
 *	            [--pass-interval-ms N] [--grace S] [--threads N]
 *	            [--rate N] [--cluster NAME=SLURM_CONF]...
 *	            [--account-prefix P | --no-account] [--default-model M]
 *
 * Opens the live service (api/svc.h), starts the scheduler thread and
 * the HTTP server (api/http.h, api/routes.h), prints "listening on
 * HOST:PORT" once requests are served, and runs until SIGTERM or SIGINT.
 * Those signals are blocked in every thread and taken by sigwait here, so
 * no handler runs inside libmicrohttpd or SQLite.  Shutdown: stop taking
 * requests (running handlers finish), stop the scheduler, drain the
 * store.  Jobs keep running under their shepherds and are reattached at
 * the next start.
 *
 * With --cluster the jobs run on Slurm clusters instead of this machine:
 * one `allot exec-agent` process per cluster (libslurm holds one
 * configuration per process) behind a remote executor each, joined into
 * one executor by exec/multi.h; the pool at first start is imported from
 * the clusters' nodes (docs/CLUSTERS.md, docs/SLURM.md).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "api/routes.h"
#include "api/svc.h"
#include "cmd/cmd.h"
#include "exec/multi.h"
#include "util/err.h"

#define MAX_CLUSTERS 16

struct args {
	char host[256];
	int port;
	const char *db, *state_dir, *pool, *token_file;
	long pass_ms, grace, threads;
	double rate;
	struct exec *x; /* with --cluster: the executor (svc_open takes it) */
	char name[MAX_CLUSTERS][64];
	const char *cluster[MAX_CLUSTERS], *conf[MAX_CLUSTERS];
	size_t nclusters;
	const char *account_prefix, *default_model;
	int no_account;
};

/* The pool at first start: the clusters' nodes (svc_opts.pool_import). */
static int
import_pool(void *ctx, char **text, struct err *e)
{
	const struct args *a = ctx;

	return multi_pool_text(a->x, a->default_model, text, e);
}

static int
parse_listen(const char *v, struct args *a)
{
	const char *colon = strrchr(v, ':');
	long long port;
	size_t n;

	if (colon == NULL || colon == v)
		return -1;
	n = (size_t)(colon - v);
	if (v[0] == '[' && colon[-1] == ']') { /* [::1]:8080 */
		v++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof a->host)
		return -1;
	memcpy(a->host, v, n);
	a->host[n] = '\0';
	port = cmd_parse_count(colon + 1);
	if (port < 0 || port > 65535)
		return -1;
	a->port = (int)port;
	return 0;
}

static int
serve(int argc, char **argv)
{
	const struct cmd_entry *c = &cmd_serve_entry;
	struct args a;
	struct svc_opts so;
	struct http_opts ho;
	struct svc *s = NULL;
	struct routes *r = NULL;
	struct http *h = NULL;
	struct err e;
	sigset_t set;
	char sd[4096];
	int bound = 0, sig = 0, listen_given = 0;

	memset(&a, 0, sizeof a);
	a.threads = 16;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = cmd_opt_value(argc, argv, &i, "--listen")) != NULL) {
			if (parse_listen(v, &a) != 0)
				return cmd_usage_error(c, "--listen: expected HOST:PORT, "
						       "got \"%s\"", v);
			listen_given = 1;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--db")) != NULL)
			a.db = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--state-dir")) != NULL)
			a.state_dir = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--pool")) != NULL)
			a.pool = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--admin-token-file")) != NULL)
			a.token_file = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--pass-interval-ms")) != NULL) {
			long long n = cmd_parse_count(v);
			if (n < 1 || n > 600000)
				return cmd_usage_error(c, "--pass-interval-ms: expected "
						       "1..600000, got \"%s\"", v);
			a.pass_ms = (long)n;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--grace")) != NULL) {
			long long n = cmd_parse_count(v);
			if (n < 0 || n > 86400)
				return cmd_usage_error(c, "--grace: expected 0..86400, "
						       "got \"%s\"", v);
			a.grace = (long)n;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--threads")) != NULL) {
			long long n = cmd_parse_count(v);
			if (n < 1 || n > 1024)
				return cmd_usage_error(c, "--threads: expected 1..1024, "
						       "got \"%s\"", v);
			a.threads = (long)n;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--rate")) != NULL) {
			long long n = cmd_parse_count(v);
			if (n < 1 || n > 100000000)
				return cmd_usage_error(c, "--rate: expected 1..100000000, "
						       "got \"%s\"", v);
			a.rate = (double)n;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--cluster")) != NULL) {
			const char *eq = strchr(v, '=');
			if (eq == NULL || eq == v || eq[1] == '\0' ||
			    (size_t)(eq - v) > 53)
				return cmd_usage_error(c, "--cluster: expected "
						       "NAME=SLURM_CONF, got \"%s\"", v);
			if (a.nclusters == MAX_CLUSTERS)
				return cmd_usage_error(c, "--cluster: at most %d",
						       MAX_CLUSTERS);
			snprintf(a.name[a.nclusters], sizeof a.name[0], "%.*s",
				 (int)(eq - v), v);
			a.cluster[a.nclusters] = a.name[a.nclusters];
			a.conf[a.nclusters++] = eq + 1;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--account-prefix")) != NULL)
			a.account_prefix = v;
		else if (strcmp(argv[i], "--no-account") == 0)
			a.no_account = 1;
		else if ((v = cmd_opt_value(argc, argv, &i, "--default-model")) != NULL)
			a.default_model = v;
		else
			return cmd_usage_error(c, "unknown argument \"%s\"", argv[i]);
	}
	if (!listen_given || a.db == NULL || *a.db == '\0')
		return cmd_usage_error(c, "--listen and --db are required");
	if (a.nclusters > 0 && a.pool != NULL)
		return cmd_usage_error(c, "--pool and --cluster: the pool of "
				       "Slurm clusters is imported from them");
	if (a.account_prefix != NULL && a.no_account)
		return cmd_usage_error(c, "--account-prefix or --no-account, "
				       "not both");
	if (a.nclusters > 0 && a.account_prefix == NULL && !a.no_account)
		a.account_prefix = ""; /* the Slurm account is the tenant's name */
	if (a.nclusters == 0 && (a.account_prefix || a.default_model ||
				 a.no_account))
		return cmd_usage_error(c, "--account-prefix, --no-account and --default-model "
				       "need --cluster");
	if (a.default_model == NULL)
		a.default_model = "H100";
	if (a.state_dir == NULL) {
		snprintf(sd, sizeof sd, "%s.state", a.db);
		a.state_dir = sd;
	}
	/* Before any thread exists: every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&so, 0, sizeof so);
	so.db_path = a.db;
	so.state_dir = a.state_dir;
	so.pool = a.pool;
	so.admin_token_file = a.token_file;
	so.pass_interval_ms = (int)a.pass_ms;
	so.grace_s = (uint32_t)(a.grace ? a.grace : SVC_GRACE_DEFAULT);
	if (a.nclusters > 0) {
		if ((a.x = multi_slurm_open(a.cluster, a.conf, a.nclusters,
					     a.state_dir, a.account_prefix,
					     &e)) == NULL)
			goto fail;
		so.exec = a.x;
		so.pool_import = import_pool;
		so.pool_ctx = &a;
	}
	if (svc_open(&so, &s, &e) != 0 || svc_start(s, &e) != 0)
		goto fail;
	r = routes_new(s, a.rate);
	memset(&ho, 0, sizeof ho);
	ho.host = a.host;
	ho.port = a.port;
	ho.threads = (unsigned)a.threads;
	ho.conn_limit = 4096;
	if (http_start(&ho, routes_handle, r, &h, &bound, &e) != 0)
		goto fail;
	printf("listening on %s:%d\n", a.host, bound);
	fflush(stdout);
	while (sigwait(&set, &sig) != 0 && errno == EINTR)
		;
	svc_log(s, "signal %d: shutting down", sig);
	http_stop(h);
	routes_free(r);
	svc_close(s);
	return 0;
fail:
	fprintf(stderr, "allot serve: %s\n", e.msg);
	http_stop(h);
	routes_free(r);
	svc_close(s);
	return err_exit_status(e.code);
}

const struct cmd_entry cmd_serve_entry = {
	"serve",
	"--listen HOST:PORT --db FILE [--state-dir DIR] [--pool SPEC|FILE] "
	"[--admin-token-file PATH] [--pass-interval-ms N] [--grace S] "
	"[--threads N] [--rate N] [--cluster NAME=SLURM_CONF]... "
	"[--account-prefix P | --no-account] [--default-model M]",
	"run the daemon: HTTP/JSON API, scheduler, local or Slurm executor",
	"  --listen HOST:PORT      address to serve (port 0: any free port; the\n"
	"                          bound one is printed as \"listening on HOST:PORT\")\n"
	"  --db FILE               the SQLite database (created if absent)\n"
	"  --state-dir DIR         executor state and default job workdir\n"
	"                          (default FILE.state)\n"
	"  --pool SPEC|FILE        pool at first start (default " SVC_POOL_DEFAULT ")\n"
	"  --admin-token-file PATH where a new database's admin token goes\n"
	"                          (mode 0600; default DIR/admin.token)\n"
	"  --pass-interval-ms N    scheduling pass interval (default 200)\n"
	"  --grace S               default preemption/cancel grace (default 30)\n"
	"  --threads N             HTTP worker threads (default 16)\n"
	"  --rate N                requests per second per token (default 100000)\n"
	"  --cluster NAME=CONF     run jobs on the Slurm cluster whose slurm.conf\n"
	"                          is CONF (repeat for several clusters: one pool;\n"
	"                          the pool is imported from their nodes at first\n"
	"                          start; without it jobs run on this machine)\n"
	"  --account-prefix P      charge each job to the Slurm account P+TENANT\n"
	"                          (default: the Slurm account is the tenant's\n"
	"                          name)\n"
	"  --no-account            set no Slurm account (the cluster's default\n"
	"                          applies; the tenant is in the job's comment)\n"
	"  --default-model M       GPU model of untyped gpu GRES (default H100)\n",
	serve,
};
