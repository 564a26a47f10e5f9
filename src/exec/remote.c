/*
 * remote.c — an executor in another process (see remote.h and
 * docs/CLUSTERS.md).
 *
 * Protocol: strictly request, reply; one JSON object per line (at most
 * REMOTE_MAX_LINE bytes), the daemon asks, the agent answers.
 *
 *	{"op":"hello"}                           {"rc":0,"name":"slurm"}
 *	{"op":"start","id":N,"command":..., ...} {"rc":0}
 *	{"op":"stop","id":N,"grace_s":N}         {"rc":-3,"err":"text"}
 *	{"op":"poll","cap":N}                    {"rc":0,"ev":[EVENT...]}
 *	{"op":"recover","ids":[N...]}            {"rc":0,"ev":[EVENT...]}
 *	{"op":"pool","cluster":C,"default_model":M} {"rc":0,"text":"..."}
 *
 * start carries every exec_job field under its own name (env and gpus as
 * arrays, absent pointers as null); an EVENT every exec_event field.
 * 64-bit ids travel as JSON integers holding the same 64 bits as a signed
 * number (jansson's integers are long long).  rc is 0 or a negative
 * ERR_* code with "err" its message.
 *
 * Daemon side (struct remote, one mutex around everything): a request
 * writes its line and reads one reply line, each under one deadline
 * (REQ_MS; poll POLL_MS; pool and recover LONG_MS).  Any transport
 * failure — the agent closed the socket, a deadline passed, a line too
 * long or not a JSON object with an integer rc — kills the agent
 * (SIGKILL to its pid, then waitpid: only the agent, never a job; the
 * jobs live under shepherds or in Slurm) and marks it down.  Down means:
 * every node the remote has seen (NODE events, pool text) gets a NODE
 * up = 0 event in the queue, start/stop/recover answer ERR_IO, and the
 * next call spawns a new agent (one second after the failure; while
 * spawns fail, the wait doubles up to 30 s), says hello and recovers
 * every watched id.
 *
 * Watched ids: every id whose start was accepted, or was sent without a
 * reply (the agent may have claimed it; exec_start returns 0 and the
 * recover after the respawn says what happened), and every id recover
 * said STARTED, until its EXITED or LOST passes.
 * Events for ids not watched are dropped, and a STARTED already passed on
 * is not passed again, so each id's STARTED and EXITED reach the caller
 * once across agent restarts; FOREIGN events pass once per foreign id
 * (the newest 100,000 remembered).  The queue holds events made here (NODE
 * down, answers of the recover after a respawn) and goes out first.
 */
#define _GNU_SOURCE /* close_range */

#include "exec/remote.h"
#include "exec/exec_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "model/pool.h"
#include "model/poolfile.h"
#include "util/alloc.h"
#include "util/strtab.h"

#define REQ_MS 10000
#define POLL_MS 5000
#define LONG_MS 30000
#define RESPAWN_MS 1000   /* the first respawn after a failure */
#define RESPAWN_MAX_MS 30000 /* doubling up to this while spawns fail */
#define POLL_CAP 1024    /* events asked for in one poll */
#define RECOVER_CHUNK 4096 /* ids in one recover request */
#define FOREIGN_MAX 100000 /* foreign ids remembered (the newest) */

struct watch {
	uint64_t id;
	int started_sent;
};

struct remote {
	struct exec base;
	pthread_mutex_t mu;
	char **argv;            /* owned copy, NULL-terminated */
	pid_t pid;              /* the agent, 0 when down */
	int fd;                 /* our end of the socketpair, -1 when down */
	char name[64];          /* the agent's executor name */
	int64_t down_at;        /* monotonic ms the agent went down */
	char *rbuf;             /* bytes read, not yet a whole line */
	size_t rlen, rcap;
	struct watch *w;
	size_t nw, capw;
	struct strtab nodes;    /* every node name seen */
	uint64_t *fid;          /* FOREIGN ids passed on, sorted */
	size_t nf, capf;
	struct exec_event *q;   /* events to pass on first */
	size_t nq, capq;
	char why[512];          /* why the agent went down last */
	int up;                 /* the agent answered its hello */
	int fails;              /* spawns failed in a row */
};

static const struct exec_ops remote_ops;

/* ---- lines over a descriptor ------------------------------------------ */

/* Writes p[0..n) to fd before deadline (monotonic ms; 0 = none).  send
 * with MSG_NOSIGNAL on a socket, so a dead peer is EPIPE, not SIGPIPE. */
static int
put_all(int fd, const char *p, size_t n, int64_t deadline, const char **why)
{
	while (n > 0) {
		ssize_t w;

		if (deadline > 0) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			int64_t left = deadline - exec__now_mono_ms();
			int r;

			if (left <= 0) {
				*why = "request not taken before the deadline";
				return -1;
			}
			r = poll(&pf, 1, (int)left);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				*why = "request not taken before the deadline";
				return -1;
			}
		}
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			*why = "cannot write to it (it exited?)";
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one line from fd into *line (NUL-terminated in buf, without the
 * newline) before deadline (0 = none).  Returns 1 for a line, 0 at end of
 * file with nothing pending, -1 on error (*why says what). */
static int
get_line(int fd, char **buf, size_t *len, size_t *cap, size_t *used,
	 int64_t deadline, const char **why)
{
	char *nl;
	size_t scanned = 0; /* bytes known to hold no newline */

	/* drop the previous line */
	if (*used > 0) {
		memmove(*buf, *buf + *used, *len - *used);
		*len -= *used;
		*used = 0;
	}
	for (;;) {
		ssize_t r;

		if (*len > scanned && (nl = memchr(*buf + scanned, '\n',
						   *len - scanned)) != NULL) {
			*nl = '\0';
			*used = (size_t)(nl - *buf) + 1;
			return 1;
		}
		scanned = *len;
		if (*len > REMOTE_MAX_LINE) {
			*why = "line longer than the limit (16 MiB)";
			return -1;
		}
		if (deadline > 0) {
			struct pollfd pf = { fd, POLLIN, 0 };
			int64_t left = deadline - exec__now_mono_ms();
			int pr;

			if (left <= 0) {
				*why = "no reply before the deadline";
				return -1;
			}
			pr = poll(&pf, 1, (int)left);
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr <= 0) {
				*why = "no reply before the deadline";
				return -1;
			}
		}
		*buf = xgrow(*buf, cap, *len + 65536 + 1, 1);
		r = read(fd, *buf + *len, *cap - *len - 1);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno != ECONNRESET) {
				*why = "cannot read from it";
				return -1;
			}
			r = 0; /* it exited leaving our request unread */
		}
		if (r == 0) {
			*why = *len > 0 ? "closed in the middle of a line" :
				"closed the connection (it exited?)";
			return *len > 0 ? -1 : 0;
		}
		*len += (size_t)r;
	}
}

/* ---- events as JSON ----------------------------------------------------- */

/* dst = src with bytes outside printable ASCII as '?' (always UTF-8). */
static void
ascii(char *dst, const char *src, size_t cap)
{
	size_t i;

	for (i = 0; i + 1 < cap && src[i] != '\0'; i++)
		dst[i] = (unsigned char)src[i] < 0x20 ||
			(unsigned char)src[i] > 0x7e ? '?' : src[i];
	dst[i] = '\0';
}

static json_t *
ev_json(const struct exec_event *v)
{
	char name[sizeof v->name], text[sizeof v->text];

	ascii(name, v->name, sizeof name);
	ascii(text, v->text, sizeof text);
	return json_pack("{sI si si si si si si si si sI sI si ss ss}",
			 "id", (json_int_t)(int64_t)v->id, "kind", v->kind,
			 "status", v->status, "signal", v->signal,
			 "timed_out", v->timed_out, "stopped", v->stopped,
			 "node_failed", v->node_failed,
			 "never_started", v->never_started,
			 "acct_known", v->acct_known,
			 "acct_gpu_s", (json_int_t)v->acct_gpu_s,
			 "at", (json_int_t)v->at, "up", v->up,
			 "name", name, "text", text);
}

static long long
jint(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static int
jflag(const json_t *o, const char *k)
{
	long long v = jint(o, k);

	return v < -1000000 || v > 1000000 ? 0 : (int)v;
}

/* 0, or -1 if o is not an event. */
static int
ev_parse(const json_t *o, struct exec_event *v)
{
	const char *s;

	memset(v, 0, sizeof *v);
	if (!json_is_object(o) || !json_is_integer(json_object_get(o, "id")) ||
	    !json_is_integer(json_object_get(o, "kind")))
		return -1;
	v->id = (uint64_t)(int64_t)jint(o, "id");
	v->kind = jflag(o, "kind");
	if (v->kind < EXEC_STARTED || v->kind > EXEC_FOREIGN)
		return -1;
	v->status = jflag(o, "status");
	v->signal = jflag(o, "signal");
	v->timed_out = jflag(o, "timed_out");
	v->stopped = jflag(o, "stopped");
	v->node_failed = jflag(o, "node_failed");
	v->never_started = jflag(o, "never_started");
	v->acct_known = jflag(o, "acct_known");
	v->acct_gpu_s = (int64_t)jint(o, "acct_gpu_s");
	v->at = (int64_t)jint(o, "at");
	v->up = jflag(o, "up");
	if ((s = json_string_value(json_object_get(o, "name"))) != NULL)
		snprintf(v->name, sizeof v->name, "%s", s);
	if ((s = json_string_value(json_object_get(o, "text"))) != NULL)
		snprintf(v->text, sizeof v->text, "%s", s);
	return 0;
}

/* ---- the daemon side -------------------------------------------------- */

/* The watch list is sorted by id: binary search; run ids mostly grow,
 * so an insertion is mostly an append. */
static size_t
watch_pos(const struct remote *r, uint64_t id)
{
	size_t lo = 0, hi = r->nw;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->w[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct watch *
watch_find(struct remote *r, uint64_t id)
{
	size_t i = watch_pos(r, id);

	return i < r->nw && r->w[i].id == id ? &r->w[i] : NULL;
}

static struct watch *
watch_add(struct remote *r, uint64_t id, int started_sent)
{
	size_t i = watch_pos(r, id);

	if (i == r->nw || r->w[i].id != id) {
		r->w = xgrow(r->w, &r->capw, r->nw + 1, sizeof *r->w);
		memmove(r->w + i + 1, r->w + i, (r->nw - i) * sizeof *r->w);
		r->nw++;
		r->w[i].id = id;
		r->w[i].started_sent = 0;
	}
	if (started_sent)
		r->w[i].started_sent = 1;
	return &r->w[i];
}

static void
watch_drop(struct remote *r, uint64_t id)
{
	size_t i = watch_pos(r, id);

	if (i < r->nw && r->w[i].id == id) {
		memmove(r->w + i, r->w + i + 1, (r->nw - i - 1) * sizeof *r->w);
		r->nw--;
	}
}

static void
queue(struct remote *r, const struct exec_event *v)
{
	r->q = xgrow(r->q, &r->capq, r->nq + 1, sizeof *r->q);
	r->q[r->nq++] = *v;
}

/* 1 if the foreign id was not passed on before (it is remembered now): a
 * respawned agent reports the foreign jobs it finds again.  Past
 * FOREIGN_MAX the lower (older, as Slurm counts up) half is forgotten. */
static int
foreign_new(struct remote *r, uint64_t id)
{
	size_t lo = 0, hi = r->nf;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->fid[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->nf && r->fid[lo] == id)
		return 0;
	r->fid = xgrow(r->fid, &r->capf, r->nf + 1, sizeof *r->fid);
	memmove(r->fid + lo + 1, r->fid + lo, (r->nf - lo) * sizeof *r->fid);
	r->fid[lo] = id;
	if (++r->nf > FOREIGN_MAX) {
		size_t half = r->nf / 2;

		memmove(r->fid, r->fid + half, (r->nf - half) * sizeof *r->fid);
		r->nf -= half;
	}
	return 1;
}

/* Decides whether an event about a run id from the agent reaches the
 * caller, updating the watch list: 1 pass it on, 0 drop it. */
static int
ev_filter(struct remote *r, const struct exec_event *v)
{
	struct watch *w;

	if (v->kind == EXEC_NODE) {
		strtab_intern(&r->nodes, v->name, strlen(v->name));
		return 1;
	}
	if (v->kind == EXEC_FOREIGN)
		return foreign_new(r, v->id);
	if ((w = watch_find(r, v->id)) == NULL)
		return 0;
	if (v->kind == EXEC_STARTED) {
		if (w->started_sent)
			return 0;
		w->started_sent = 1;
		return 1;
	}
	watch_drop(r, v->id);
	return 1;
}

/* Kills and reaps the agent (if any), queues NODE down events. */
static void
agent_down(struct remote *r, const char *why)
{
	int was_up = r->up;

	if (r->fd < 0)
		return;
	r->up = 0;
	r->down_at = exec__now_mono_ms();
	snprintf(r->why, sizeof r->why, "%s", why);
	close(r->fd);
	r->fd = -1;
	if (r->pid > 0) {
		int st = 0, tries = 0;
		pid_t got;

		/* one that closed the socket is exiting: its status names
		 * the cause; give it 50 ms before the SIGKILL */
		while ((got = waitpid(r->pid, &st, WNOHANG)) == 0 &&
		       tries++ < 10)
			nanosleep(&(struct timespec){ 0, 5000000 }, NULL);

		if (got == r->pid && WIFEXITED(st))
			snprintf(r->why + strlen(r->why), sizeof r->why -
				 strlen(r->why), " (it exited with status %d)",
				 WEXITSTATUS(st));
		else if (got == r->pid && WIFSIGNALED(st))
			snprintf(r->why + strlen(r->why), sizeof r->why -
				 strlen(r->why), " (it died of signal %d)",
				 WTERMSIG(st));
		if (got != r->pid) { /* alive (or SIGCHLD ignored: ECHILD) */
			kill(r->pid, SIGKILL);
			while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	r->pid = 0;
	r->rlen = 0;
	/* once per outage, not at every failed respawn */
	for (size_t i = 0; was_up && i < r->nodes.n; i++) {
		struct exec_event v;

		memset(&v, 0, sizeof v);
		v.kind = EXEC_NODE;
		v.up = 0;
		v.at = exec__now_real();
		snprintf(v.name, sizeof v.name, "%s", r->nodes.str[i]);
		snprintf(v.text, sizeof v.text, "executor agent died");
		queue(r, &v);
	}
}

/* One request (req is consumed): 0 with *reply (the caller decrefs), the
 * agent's own error code, or ERR_IO after a transport failure (the agent
 * is then down).  *sent = 1 once the request may have reached it. */
static int
call(struct remote *r, json_t *req, int64_t ms, json_t **reply, int *sent,
     struct err *e)
{
	int64_t deadline = exec__now_mono_ms() + ms;
	const char *why = NULL;
	char *line, *msg;
	size_t used = 0;
	json_t *o;
	json_error_t je;
	int rc, g;
	long long code;

	*reply = NULL;
	if (sent)
		*sent = 0;
	if (r->fd < 0) {
		json_decref(req);
		return err_set(e, ERR_IO, "executor agent down: %s", r->why);
	}
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line == NULL)
		return err_set(e, ERR_INTERNAL, "executor agent: cannot encode "
			       "the request");
	msg = xmalloc(strlen(line) + 2);
	sprintf(msg, "%s\n", line);
	free(line);
	if (strlen(msg) > REMOTE_MAX_LINE) {
		free(msg);
		return err_set(e, ERR_LIMIT, "executor agent: request longer "
			       "than 16 MiB");
	}
	if (sent)
		*sent = 1;
	rc = put_all(r->fd, msg, strlen(msg), deadline, &why);
	free(msg);
	if (rc != 0)
		goto down;
	g = get_line(r->fd, &r->rbuf, &r->rlen, &r->rcap, &used, deadline,
		     &why);
	if (g <= 0)
		goto down;
	o = json_loads(r->rbuf, 0, &je);
	/* the line is consumed either way */
	memmove(r->rbuf, r->rbuf + used, r->rlen - used);
	r->rlen -= used;
	if (o == NULL || !json_is_object(o) ||
	    !json_is_integer(json_object_get(o, "rc"))) {
		json_decref(o);
		why = "malformed reply (not a JSON object with an integer rc)";
		goto down;
	}
	code = json_integer_value(json_object_get(o, "rc"));
	if (code != 0) {
		const char *t = json_string_value(json_object_get(o, "err"));

		rc = code < 0 && code > -ERR_NCODES ? (int)code : ERR_INTERNAL;
		err_set(e, rc, "%s", t ? t : "(no message)");
		json_decref(o);
		return rc;
	}
	*reply = o;
	return 0;
down:
	{
		char w[200];
		pid_t pid = r->pid;

		snprintf(w, sizeof w, "agent %ld: %s", (long)pid, why);
		agent_down(r, w);
		return err_set(e, ERR_IO, "executor agent: %s", r->why);
	}
}

static json_t *
op(const char *name)
{
	return json_pack("{ss}", "op", name);
}

/* Recovers ids[0..n) on the agent into ev (n slots). */
static int
recover_ids(struct remote *r, const uint64_t *ids, size_t n,
	    struct exec_event *ev, struct err *e)
{
	for (size_t at = 0; at < n; at += RECOVER_CHUNK) {
		size_t k = n - at < RECOVER_CHUNK ? n - at : RECOVER_CHUNK;
		json_t *req = op("recover"), *a = json_array(), *rep, *evs;
		int rc;

		for (size_t i = 0; i < k; i++)
			json_array_append_new(a, json_integer(
				(json_int_t)(int64_t)ids[at + i]));
		json_object_set_new(req, "ids", a);
		if ((rc = call(r, req, LONG_MS, &rep, NULL, e)) != 0)
			return rc;
		evs = json_object_get(rep, "ev");
		if (!json_is_array(evs) || json_array_size(evs) != k) {
			json_decref(rep);
			agent_down(r, "recover: wrong number of events");
			return err_set(e, ERR_IO, "executor agent: recover: "
				       "wrong number of events");
		}
		for (size_t i = 0; i < k; i++)
			if (ev_parse(json_array_get(evs, i), &ev[at + i]) != 0 ||
			    ev[at + i].id != ids[at + i]) {
				json_decref(rep);
				agent_down(r, "recover: malformed event");
				return err_set(e, ERR_IO, "executor agent: "
					       "recover: malformed event");
			}
		json_decref(rep);
	}
	return 0;
}

/* Forks and execs the agent, says hello.  0, or an error (agent down). */
static int
spawn(struct remote *r, struct err *e)
{
	int sv[2];
	pid_t pid;
	sigset_t none;
	json_t *rep;
	const char *nm;
	struct err le = {0};
	int rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return err_set(e, ERR_IO, "executor agent: socketpair: %s",
			       strerror(errno));
	sigemptyset(&none);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return err_set(e, ERR_IO, "executor agent: fork: %s",
			       strerror(errno));
	}
	if (pid == 0) {
		/* async-signal-safe only: the daemon has threads */
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0)
			_exit(127);
		close_range(3, ~0U, 0);
		execv(r->argv[0], r->argv);
		_exit(127);
	}
	close(sv[1]);
	r->fd = sv[0];
	r->pid = pid;
	r->rlen = 0;
	if ((rc = call(r, op("hello"), REQ_MS, &rep, NULL, &le)) != 0) {
		agent_down(r, le.msg); /* a refusal: the agent is still up */
		snprintf(r->why, sizeof r->why, "%s", le.msg);
		return err_set(e, rc, "%s", le.msg);
	}
	r->up = 1;
	nm = json_string_value(json_object_get(rep, "name"));
	snprintf(r->name, sizeof r->name, "%s", nm ? nm : "?");
	json_decref(rep);
	return 0;
}

/* Makes sure an agent runs: respawns a dead one (at most once a second)
 * and recovers the watched ids into the queue. */
static int
ensure(struct remote *r, struct err *e)
{
	uint64_t *ids;
	struct exec_event *ev;
	size_t n = r->nw;
	int rc;

	if (r->fd >= 0)
		return 0;
	if (exec__now_mono_ms() - r->down_at <
	    (r->fails >= 5 ? RESPAWN_MAX_MS : RESPAWN_MS << r->fails))
		return err_set(e, ERR_IO, "executor agent down: %s", r->why);
	if ((rc = spawn(r, e)) != 0) {
		r->down_at = exec__now_mono_ms();
		r->fails++;
		return rc;
	}
	r->fails = 0;
	if (n == 0)
		return 0;
	ids = xcalloc(n, sizeof *ids);
	ev = xcalloc(n, sizeof *ev);
	for (size_t i = 0; i < n; i++)
		ids[i] = r->w[i].id;
	rc = recover_ids(r, ids, n, ev, e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (ev_filter(r, &ev[i]))
			queue(r, &ev[i]);
	free(ids);
	free(ev);
	return rc;
}

static json_t *
jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int
remote_start(struct exec *x, const struct exec_job *j, struct err *e)
{
	struct remote *r = (struct remote *)x;
	json_t *req, *env = json_null(), *gpus = json_array(), *rep;
	struct err le = {0};
	int rc, sent = 0;

	if (j->env != NULL) {
		env = json_array();
		for (size_t i = 0; j->env[i] != NULL; i++)
			json_array_append_new(env, json_string(j->env[i]));
	}
	for (size_t i = 0; i < j->ngpus; i++)
		json_array_append_new(gpus, json_integer(j->gpus[i]));
	req = json_pack("{ss sI so so so so so so so so sI sI}",
			"op", "start", "id", (json_int_t)(int64_t)j->id,
			"command", jstr_or_null(j->command),
			"workdir", jstr_or_null(j->workdir),
			"out_path", jstr_or_null(j->out_path),
			"err_path", jstr_or_null(j->err_path),
			"env", env, "nodelist", jstr_or_null(j->nodelist),
			"node", jstr_or_null(j->node), "gpus", gpus,
			"time_limit_s", (json_int_t)j->time_limit_s,
			"grace_s", (json_int_t)j->grace_s);
	if (req == NULL)
		return err_set(e, ERR_INVALID, "job: a string is not UTF-8");
	pthread_mutex_lock(&r->mu);
	if (ensure(r, &le) != 0) {
		json_decref(req);
		pthread_mutex_unlock(&r->mu);
		return err_set(e, ERR_IO, "%s", le.msg);
	}
	rc = call(r, req, REQ_MS, &rep, &sent, e);
	if (rc == 0)
		json_decref(rep);
	/* Sent and unanswered (the agent died or hung and was killed): it
	 * may have claimed the id, and the job may run.  Handed over, then:
	 * the recover after the respawn decides — STARTED/EXITED if it
	 * ran, LOST never_started if it did not (the daemon requeues). */
	if (rc == ERR_IO && sent && r->fd < 0)
		rc = 0;
	if (rc == 0)
		watch_add(r, j->id, 0);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int
remote_stop(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e)
{
	struct remote *r = (struct remote *)x;
	json_t *rep;
	struct err le = {0};
	int rc;

	pthread_mutex_lock(&r->mu);
	if (ensure(r, &le) == 0) {
		rc = call(r, json_pack("{ss sI sI}", "op", "stop", "id",
				       (json_int_t)(int64_t)id, "grace_s",
				       (json_int_t)grace_s), REQ_MS, &rep,
			  NULL, e);
		if (rc == 0)
			json_decref(rep);
	} else {
		rc = err_set(e, ERR_IO, "%s", le.msg);
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static size_t
remote_poll(struct exec *x, struct exec_event *ev, size_t cap)
{
	struct remote *r = (struct remote *)x;
	size_t got = 0;
	json_t *rep, *evs;

	pthread_mutex_lock(&r->mu);
	(void)ensure(r, NULL);
	if (r->nq > 0) {
		got = r->nq < cap ? r->nq : cap;
		memcpy(ev, r->q, got * sizeof *ev);
		memmove(r->q, r->q + got, (r->nq - got) * sizeof *r->q);
		r->nq -= got;
	}
	if (got < cap && r->fd >= 0) {
		size_t want = cap - got < POLL_CAP ? cap - got : POLL_CAP;

		if (call(r, json_pack("{ss sI}", "op", "poll", "cap",
				      (json_int_t)want), POLL_MS, &rep, NULL,
			 NULL) == 0) {
			evs = json_object_get(rep, "ev");
			for (size_t i = 0; json_is_array(evs) &&
			     i < json_array_size(evs) && got < cap; i++) {
				struct exec_event v;

				if (ev_parse(json_array_get(evs, i), &v) == 0 &&
				    ev_filter(r, &v))
					ev[got++] = v;
			}
			json_decref(rep);
		}
		/* a failed poll queued NODE down events: pass them now */
		while (got < cap && r->nq > 0) {
			ev[got++] = r->q[0];
			memmove(r->q, r->q + 1, (r->nq - 1) * sizeof *r->q);
			r->nq--;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return got;
}

static int
remote_recover(struct exec *x, const uint64_t *ids, size_t n,
	       struct exec_event *ev, struct err *e)
{
	struct remote *r = (struct remote *)x;
	struct err le = {0};
	int rc;

	pthread_mutex_lock(&r->mu);
	if ((rc = ensure(r, &le)) == 0)
		rc = recover_ids(r, ids, n, ev, &le);
	if (rc != 0) {
		pthread_mutex_unlock(&r->mu);
		return err_set(e, ERR_IO, "%s", le.msg);
	}
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind == EXEC_STARTED)
			watch_add(r, ids[i], 1);
		else
			watch_drop(r, ids[i]);
	}
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static void
remote_free(struct exec *x)
{
	struct remote *r = (struct remote *)x;

	if (r->fd >= 0) {
		int64_t until = exec__now_mono_ms() + 2000;

		close(r->fd);
		/* the agent exits at end of file; wait a little, then kill */
		while (r->pid > 0 && waitpid(r->pid, NULL, WNOHANG) == 0) {
			if (exec__now_mono_ms() > until) {
				kill(r->pid, SIGKILL);
				waitpid(r->pid, NULL, 0);
				break;
			}
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		}
	}
	for (size_t i = 0; r->argv[i] != NULL; i++)
		free(r->argv[i]);
	free(r->argv);
	free(r->rbuf);
	free(r->w);
	free(r->q);
	free(r->fid);
	strtab_free(&r->nodes);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static const struct exec_ops remote_ops = {
	"remote", remote_start, remote_stop, remote_poll, remote_recover,
	remote_free,
};

struct exec *
remote_new(const char *const *argv, struct err *e)
{
	struct remote *r;
	size_t n;

	if (argv == NULL || argv[0] == NULL || *argv[0] == '\0') {
		err_set(e, ERR_INVALID, "argv: empty");
		return NULL;
	}
	for (n = 0; argv[n] != NULL; n++)
		;
	r = xcalloc(1, sizeof *r);
	r->base.ops = &remote_ops;
	r->argv = xcalloc(n + 1, sizeof *r->argv);
	for (size_t i = 0; i < n; i++)
		r->argv[i] = xstrdup(argv[i]);
	r->fd = -1;
	snprintf(r->why, sizeof r->why, "not started");
	pthread_mutex_init(&r->mu, NULL);
	if (spawn(r, e) != 0) {
		remote_free(&r->base);
		return NULL;
	}
	return &r->base;
}

int
remote_pool_text(struct exec *x, const char *cluster,
		 const char *default_model, char **out, struct err *e)
{
	struct remote *r = (struct remote *)x;
	json_t *rep;
	const char *t;
	struct pool p;
	int rc;

	*out = NULL;
	if (x == NULL || x->ops != &remote_ops)
		return err_set(e, ERR_INVALID, "executor: not a remote executor");
	pthread_mutex_lock(&r->mu);
	if ((rc = ensure(r, e)) == 0)
		rc = call(r, json_pack("{ss so so}", "op", "pool", "cluster",
				       jstr_or_null(cluster), "default_model",
				       jstr_or_null(default_model)),
			  LONG_MS, &rep, NULL, e);
	if (rc != 0) {
		pthread_mutex_unlock(&r->mu);
		return rc;
	}
	if ((t = json_string_value(json_object_get(rep, "text"))) == NULL) {
		json_decref(rep);
		pthread_mutex_unlock(&r->mu);
		return err_set(e, ERR_IO, "executor agent: pool: no text");
	}
	pool_init(&p);
	if ((rc = poolfile_parse(cluster ? cluster : "pool", t, strlen(t), &p,
				 e)) == 0) {
		for (size_t i = 0; i < p.nnodes; i++) {
			const char *nm = pool_node_name(&p, (uint32_t)i);

			strtab_intern(&r->nodes, nm, strlen(nm));
		}
		*out = xstrdup(t);
	}
	pool_free(&p);
	json_decref(rep);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* ---- the agent side --------------------------------------------------- */

static int
reply(int out, json_t *o)
{
	char *s;

	if (o == NULL) /* json_pack refused a string that is not UTF-8 */
		o = json_pack("{si ss}", "rc", ERR_INTERNAL, "err",
			      "reply: a string is not UTF-8");
	s = json_dumps(o, JSON_COMPACT);
	const char *why;
	int rc;

	json_decref(o);
	if (s == NULL)
		return ERR_INTERNAL;
	rc = put_all(out, s, strlen(s), 0, &why) == 0 &&
		put_all(out, "\n", 1, 0, &why) == 0 ? 0 : ERR_IO;
	free(s);
	return rc;
}

static json_t *
fail(int rc, const struct err *e)
{
	return json_pack("{si ss}", "rc", rc, "err",
			 e && e->msg[0] ? e->msg : err_name(rc));
}

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *
serve_start(struct exec *x, const json_t *q)
{
	struct exec_job j;
	const json_t *env = json_object_get(q, "env"),
		*gpus = json_object_get(q, "gpus");
	const char **ev = NULL;
	int *g = NULL;
	struct err e = {0};
	int rc;

	memset(&j, 0, sizeof j);
	j.id = (uint64_t)(int64_t)jint(q, "id");
	j.command = jstr(q, "command");
	j.workdir = jstr(q, "workdir");
	j.out_path = jstr(q, "out_path");
	j.err_path = jstr(q, "err_path");
	j.nodelist = jstr(q, "nodelist");
	j.node = jstr(q, "node");
	j.time_limit_s = (int64_t)jint(q, "time_limit_s");
	j.grace_s = (uint32_t)jint(q, "grace_s");
	if (json_is_array(env)) {
		size_t n = json_array_size(env), k = 0;

		ev = xcalloc(n + 1, sizeof *ev);
		for (size_t i = 0; i < n; i++)
			if (json_is_string(json_array_get(env, i)))
				ev[k++] = json_string_value(
					json_array_get(env, i));
		j.env = ev;
	}
	if (json_is_array(gpus) && json_array_size(gpus) > 0) {
		j.ngpus = json_array_size(gpus);
		if (j.ngpus > 64)
			j.ngpus = 64;
		g = xcalloc(j.ngpus, sizeof *g);
		for (size_t i = 0; i < j.ngpus; i++)
			g[i] = (int)json_integer_value(json_array_get(gpus, i));
		j.gpus = g;
	}
	rc = exec_start(x, &j, &e);
	free(ev);
	free(g);
	return rc == 0 ? json_pack("{si}", "rc", 0) : fail(rc, &e);
}

static json_t *
ev_array(const struct exec_event *ev, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, ev_json(&ev[i]));
	return json_pack("{si so}", "rc", 0, "ev", a);
}

static json_t *
serve_one(struct exec *x, const json_t *q, remote_pool_fn pool, void *ctx)
{
	const char *o = jstr(q, "op");
	struct err e = {0};
	int rc;

	if (o == NULL)
		return json_pack("{si ss}", "rc", ERR_INVALID, "err",
				 "op: missing");
	if (strcmp(o, "hello") == 0)
		return json_pack("{si ss}", "rc", 0, "name", exec_name(x));
	if (strcmp(o, "start") == 0)
		return serve_start(x, q);
	if (strcmp(o, "stop") == 0) {
		rc = exec_stop(x, (uint64_t)(int64_t)jint(q, "id"),
			       (uint32_t)jint(q, "grace_s"), &e);
		return rc == 0 ? json_pack("{si}", "rc", 0) : fail(rc, &e);
	}
	if (strcmp(o, "poll") == 0) {
		long long cap = jint(q, "cap");
		struct exec_event *ev;
		size_t n;
		json_t *a;

		if (cap < 1 || cap > POLL_CAP)
			cap = POLL_CAP;
		ev = xcalloc((size_t)cap, sizeof *ev);
		n = exec_poll(x, ev, (size_t)cap);
		a = ev_array(ev, n);
		free(ev);
		return a;
	}
	if (strcmp(o, "recover") == 0) {
		const json_t *ids = json_object_get(q, "ids");
		size_t n = json_array_size(ids);
		uint64_t *id;
		struct exec_event *ev;
		json_t *a;

		if (!json_is_array(ids) || n > RECOVER_CHUNK * 16)
			return json_pack("{si ss}", "rc", ERR_INVALID, "err",
					 "ids: not an array of ids");
		id = xcalloc(n + 1, sizeof *id);
		ev = xcalloc(n + 1, sizeof *ev);
		for (size_t i = 0; i < n; i++)
			id[i] = (uint64_t)(int64_t)json_integer_value(
				json_array_get(ids, i));
		rc = exec_recover(x, id, n, ev, &e);
		a = rc == 0 ? ev_array(ev, n) : fail(rc, &e);
		free(id);
		free(ev);
		return a;
	}
	if (strcmp(o, "pool") == 0) {
		char *text = NULL;
		json_t *a;

		if (pool == NULL)
			return json_pack("{si ss}", "rc", ERR_INVALID, "err",
					 "pool: this agent's executor cannot "
					 "describe its nodes (not Slurm)");
		rc = pool(ctx, x, jstr(q, "cluster"), jstr(q, "default_model"),
			  &text, &e);
		if (rc != 0)
			return fail(rc, &e);
		a = json_pack("{si ss}", "rc", 0, "text", text);
		free(text);
		return a ? a : json_pack("{si ss}", "rc", ERR_INVALID, "err",
					 "pool: text is not UTF-8");
	}
	snprintf(e.msg, sizeof e.msg, "op: unknown \"%.64s\"", o);
	return fail(ERR_INVALID, &e);
}

int
remote_serve(struct exec *x, int in, int out, remote_pool_fn pool,
	     void *ctx)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, used = 0;
	const char *why;
	int rc = 0;

	for (;;) {
		json_t *q, *a;
		int g = get_line(in, &buf, &len, &cap, &used, 0, &why);

		if (g == 0)
			break;
		if (g < 0) {
			if (len > REMOTE_MAX_LINE) {
				struct err e;

				err_set(&e, ERR_LIMIT, "request line longer "
					"than 16 MiB");
				reply(out, fail(ERR_LIMIT, &e));
				rc = ERR_LIMIT;
			} else {
				rc = ERR_IO;
			}
			break;
		}
		q = json_loads(buf, 0, NULL);
		a = json_is_object(q) ? serve_one(x, q, pool, ctx) :
			json_pack("{si ss}", "rc", ERR_INVALID, "err",
				  "request: not a JSON object");
		json_decref(q);
		if ((rc = reply(out, a)) != 0)
			break;
	}
	free(buf);
	return rc;
}

int
remote_refuse(int in, int out, const struct err *why)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, used = 0;
	const char *w;
	int g = get_line(in, &buf, &len, &cap, &used, 0, &w);

	free(buf);
	if (g <= 0)
		return ERR_IO;
	return reply(out, fail(why->code < 0 ? why->code : ERR_INTERNAL, why));
}
