/*
 * sx.c — the Slurm executor (issue 6): every started job becomes one Slurm
 * batch job, submitted with libslurm to the cluster of one slurm.conf,
 * pinned to the nodes allot chose; its Slurm state is followed back into
 * exec events (docs/SLURM.md).
 *
 * Never twice: exec_start claims the id by creating state_dir/ID (mkdir
 * is the atomic "ever started" test) and makes that durable (fsync of
 * state_dir) BEFORE it submits; after a successful submission it writes
 * state_dir/ID/slurm ("jobid=N") durably.  A crash between the two leaves
 * a claimed id without a Slurm id: exec_recover then looks the job up in
 * slurmctld by its name "allot-ID" and comment "allot id=ID ...", and
 * reports LOST (never_started = 1) if it is not there.  A claimed id is
 * never submitted again.
 * A submission that slurmctld clearly refused (a bad node name, an
 * impossible request) releases the claim; one whose answer was lost
 * (communication error) keeps it, since the job may exist.
 *
 * Following: exec_poll loads every job once (slurm_load_jobs, one RPC of a
 * few ms; at most every POLL_MS) and maps each watched job's state:
 * RUNNING/SUSPENDED -> STARTED once; a final state (COMPLETED, FAILED,
 * CANCELLED, TIMEOUT, NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE, OOM) once
 * its COMPLETING flag is clear (its GPUs are free again in Slurm) ->
 * EXITED, preceded by STARTED if that was never sent; gone from slurmctld
 * (purged after MinJobAge, or lost by a restarted slurmctld) -> LOST.
 * NODE_FAIL sets node_failed; every EXITED built from Slurm's record
 * carries Slurm's accounting (acct_gpu_s = allocated GPUs x (end -
 * start)).  The EXITED event is written to state_dir/ID/exit so that a
 * recovery after the job left slurmctld still gives its status.
 *
 * Nodes: exec_poll loads them at most every NODES_MS and queues a NODE
 * event for each node the first time and at each change between usable
 * and not (node_usable() has the table).  FOREIGN: each job slurmctld
 * lists that is not final and not watched here is reported once per Slurm
 * id (ids slurmctld no longer lists are forgotten).  Events are made into
 * a queue (q) and handed out by exec_poll up to its cap, oldest first, so
 * none is lost to a small cap.
 *
 * Stopping: SIGTERM to every step including the batch shell
 * (slurm_kill_job with KILL_FULL_JOB), then, grace_s later and noticed by
 * exec_poll, SIGKILL, which makes slurmctld cancel the job; a pending job
 * is cancelled at once.  A `stop` marker in state_dir/ID makes EXITED say
 * stopped = 1, also after a restart.
 *
 * slurmctld away: libslurm retries a dead controller for ~MessageTimeout,
 * so each RPC is preceded by a short TCP connect (reachable()); while it
 * fails, polls report no job events and start/stop fail fast with ERR_IO.
 * After UNREACH_MS of failures in a row every known node is reported
 * unusable ("cluster unreachable"), once; when slurmctld answers again
 * the nodes are loaded at once and the real states reported as changes.
 * exec_recover while it is away says STARTED for every claimed id (it
 * may run) and leaves the verdict to later polls.
 *
 * sx_pool_text turns slurm_load_node's answer into a pool file.
 *
 * GPUs: Slurm picks the GPU indices on the node (tres_per_node
 * "gres:gpu:N"; CUDA_VISIBLE_DEVICES is Slurm's), so allot's chosen
 * indices only travel as ALLOT_GPU_IDS.  libslurm is initialised once per
 * process with the first executor's slurm.conf (its configuration is
 * global); every call into it happens under the executor's mutex.
 */
#define _GNU_SOURCE /* the file is Linux-only like local.c */

#include "exec/sx.h"
#include "exec/exec_int.h"
#include "exec/sx_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>

#include "util/alloc.h"
#include "util/file.h"

#define POLL_MS 100     /* at most one slurm_load_jobs per this */
#define CONF_MAX (4 << 20)
#define PROBE_MS 300    /* connect timeout of the reachability probe */
#define DOWN_MS 1000    /* no new probe for this long after a failed one */
#define NODES_MS 1000   /* at most one slurm_load_node per this */
#define UNREACH_MS 3000 /* failed probes this long: "cluster unreachable" */
#define PARTS_MS 10000  /* partitions reloaded at most this often */

struct sxlive {
	uint64_t id;
	uint32_t jid;           /* Slurm job id */
	int started_sent;
	int stopped;            /* exec_stop asked */
	int64_t kill_at;        /* monotonic ms of the SIGKILL, or -1 */
};

/* A partition, for choosing one that holds a job's nodes. */
struct sxpart {
	char *name;
	int up;                 /* state UP: takes and starts jobs */
	int dflt;               /* Default=YES */
	hostlist_t nodes;
};

/* A node as last reported in a NODE event. */
struct sxnode {
	char name[64];
	int up;
	int seen;               /* in the latest slurm_load_node */
};




const char *
sx__slurm_err(void)
{
	return slurm_strerror(slurm_get_errno());
}

/* State files ----------------------------------------------------------- */

static int
fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes state_dir/ID/name durably (util/file.h: temporary file, fsync,
 * rename, fsync of the folder); -1 on failure. */
static int
put_file(const struct sx *s, uint64_t id, const char *name, const char *text)
{
	char *p = exec__job_path(s->dir, id, name);
	int rc = file_write_whole(p, text, strlen(text), NULL) == 0 ? 0 : -1;

	free(p);
	return rc;
}

/* Reads state_dir/ID/name into buf (NUL-terminated); -1 if absent. */
static int
get_file(const struct sx *s, uint64_t id, const char *name, char *buf,
	 size_t cap)
{
	char *p = exec__job_path(s->dir, id, name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	free(p);
	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int
has_path(const struct sx *s, uint64_t id, const char *name)
{
	char *p = exec__job_path(s->dir, id, name);
	struct stat st;
	int r = stat(p, &st) == 0;

	free(p);
	return r;
}

/* The value of "key=N" in text, or def. */
static int64_t
field(const char *text, const char *key, int64_t def)
{
	size_t kl = strlen(key);

	for (const char *p = text; (p = strstr(p, key)) != NULL; p += kl)
		if ((p == text || p[-1] == ' ' || p[-1] == '\n') && p[kl] == '=')
			return strtoll(p + kl + 1, NULL, 10);
	return def;
}

static uint32_t
read_jid(const struct sx *s, uint64_t id)
{
	char buf[64];

	if (get_file(s, id, "slurm", buf, sizeof buf) != 0)
		return 0;
	return (uint32_t)field(buf, "jobid", 0);
}

static int
read_exit(const struct sx *s, uint64_t id, struct exec_event *ev)
{
	char buf[256];

	if (get_file(s, id, "exit", buf, sizeof buf) != 0)
		return -1;
	memset(ev, 0, sizeof *ev);
	ev->id = id;
	ev->kind = EXEC_EXITED;
	ev->status = (int)field(buf, "status", -1);
	ev->signal = (int)field(buf, "signal", 0);
	ev->timed_out = (int)field(buf, "timed_out", 0);
	ev->stopped = (int)field(buf, "stopped", 0);
	ev->node_failed = (int)field(buf, "node_failed", 0);
	ev->acct_known = (int)field(buf, "acct_known", 0);
	ev->acct_gpu_s = field(buf, "acct_gpu_s", 0);
	ev->at = field(buf, "end", exec__now_real());
	return 0;
}

static void
write_exit(const struct sx *s, const struct exec_event *ev)
{
	char buf[256];

	snprintf(buf, sizeof buf, "status=%d signal=%d timed_out=%d stopped=%d "
		 "node_failed=%d acct_known=%d acct_gpu_s=%" PRId64 " end=%"
		 PRId64 "\n", ev->status, ev->signal, ev->timed_out,
		 ev->stopped, ev->node_failed, ev->acct_known, ev->acct_gpu_s,
		 ev->at);
	put_file(s, ev->id, "exit", buf); /* best effort: Slurm still knows */
}

/* Slurm jobs ------------------------------------------------------------ */

static int
is_final(uint32_t base)
{
	return base == JOB_COMPLETE || base == JOB_CANCELLED ||
	       base == JOB_FAILED || base == JOB_TIMEOUT ||
	       base == JOB_NODE_FAIL || base == JOB_PREEMPTED ||
	       base == JOB_BOOT_FAIL || base == JOB_DEADLINE ||
	       base == JOB_OOM;
}

/* 1 if sj is the Slurm job of allot id (name "allot-ID", comment
 * "allot id=ID ..."). */
static int
is_ours(const slurm_job_info_t *sj, uint64_t id)
{
	char name[40], tag[48];
	size_t tl;

	snprintf(name, sizeof name, "allot-%" PRIu64, id);
	tl = (size_t)snprintf(tag, sizeof tag, "allot id=%" PRIu64 " ", id);
	return sj->name != NULL && strcmp(sj->name, name) == 0 &&
	       sj->comment != NULL && strncmp(sj->comment, tag, tl) == 0;
}

/* The job of jid (or, jid 0, the newest one that is ours for id). */
static const slurm_job_info_t *
find_job(const job_info_msg_t *m, uint32_t jid, uint64_t id)
{
	const slurm_job_info_t *best = NULL;

	for (uint32_t i = 0; m != NULL && i < m->record_count; i++) {
		const slurm_job_info_t *sj = &m->job_array[i];
		if (jid != 0 ? sj->job_id == jid :
		    is_ours(sj, id) && (best == NULL || sj->job_id > best->job_id))
			best = sj;
		if (jid != 0 && best != NULL)
			break;
	}
	return best;
}


/* The N of the first "KEY=N" item in a comma-separated TRES string whose
 * key is key (exact), or -1. */
static long
tres_item(const char *tres, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = tres; p != NULL && *p; ) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=')
			return strtol(p + kl + 1, NULL, 10);
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return -1;
}

/* The GPU count in a TRES request list ("gres:gpu:N", "gres/gpu:T:N",
 * "gres/gpu=N", items separated by ',' or ';'), or -1 if none. */
static long
tres_req_gpus(const char *tres)
{
	for (const char *p = tres; p != NULL && *p; ) {
		size_t il = strcspn(p, ",;");
		if ((strncmp(p, "gres:gpu", 8) == 0 ||
		     strncmp(p, "gres/gpu", 8) == 0) &&
		    (p[8] == ':' || p[8] == '=')) {
			/* the count is after the last ':' or '=' of the item */
			const char *q = p + il;
			while (q > p && q[-1] != ':' && q[-1] != '=')
				q--;
			return strtol(q, NULL, 10);
		}
		p += il;
		p += *p != '\0';
	}
	return -1;
}

/* The GPUs a job holds (running or ran) or asks for (pending): from
 * tres_alloc_str ("gres/gpu=N", or the sum of typed "gres/gpu:T=N" when
 * there is no untyped total; present only where AccountingStorageTRES
 * names gres/gpu), else tres_per_node times its node count, else
 * tres_per_job. */
static long
job_gpus(const slurm_job_info_t *sj)
{
	long g = tres_item(sj->tres_alloc_str, "gres/gpu"), sum = 0;
	const char *p;

	if (g >= 0)
		return g;
	for (p = sj->tres_alloc_str; p != NULL && *p; ) {
		if (strncmp(p, "gres/gpu:", 9) == 0) {
			const char *eq = strchr(p, '='), *c = strchr(p, ',');
			if (eq != NULL && (c == NULL || eq < c))
				sum += strtol(eq + 1, NULL, 10);
		}
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	if (sum > 0)
		return sum;
	if ((g = tres_req_gpus(sj->tres_per_node)) >= 0)
		return g * (long)(sj->num_nodes > 0 ? sj->num_nodes : 1);
	if ((g = tres_req_gpus(sj->tres_per_job)) >= 0)
		return g;
	return 0;
}

/* The GPU indices in a GRES detail string ("gpu:h100:2(IDX:0-1)",
 * "gpu(IDX:0,3-4)") as a plain list ("0,1"); "" without one. */
static void
idx_list(const char *gres, char *out, size_t cap)
{
	const char *p = gres ? strstr(gres, "IDX:") : NULL;
	size_t n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	for (p += 4; *p >= '0' && *p <= '9';) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (long g = lo; g <= hi && hi - lo < 64 && n + 8 < cap; g++)
			n += (size_t)snprintf(out + n, cap - n, "%s%ld",
					      n ? "," : "", g);
		p = *end == ',' ? end + 1 : end;
	}
}

/* With mu held: the GPUs Slurm gave job jid on its first node, from one
 * slurm_load_job with SHOW_DETAIL; "" if Slurm does not say. */
static void
slurm_gpus(uint32_t jid, char *out, size_t cap)
{
	job_info_msg_t *m = NULL;

	out[0] = '\0';
	if (jid == 0 || slurm_load_job(&m, jid, SHOW_DETAIL) != SLURM_SUCCESS ||
	    m == NULL)
		return;
	if (m->record_count > 0 && m->job_array[0].gres_detail_cnt > 0)
		idx_list(m->job_array[0].gres_detail_str[0], out, cap);
	slurm_free_job_info_msg(m);
}

static void
ev_started(struct exec_event *ev, uint64_t id, const slurm_job_info_t *sj)
{
	memset(ev, 0, sizeof *ev);
	ev->id = id;
	ev->kind = EXEC_STARTED;
	ev->at = sj != NULL && sj->start_time > 0 ? (int64_t)sj->start_time :
						      exec__now_real();
}

/* The EXITED event of a finished Slurm job. */
static void
ev_exited(const struct sx *s, struct exec_event *ev, uint64_t id,
	  const slurm_job_info_t *sj, int stopped)
{
	uint32_t base = sj->job_state & JOB_STATE_BASE;
	int w = (int)sj->exit_code;

	memset(ev, 0, sizeof *ev);
	ev->id = id;
	ev->kind = EXEC_EXITED;
	if (WIFSIGNALED(w) && WTERMSIG(w) != 0) {
		ev->status = -1;
		ev->signal = WTERMSIG(w);
	} else if (base == JOB_COMPLETE || base == JOB_FAILED) {
		ev->status = WEXITSTATUS(w);
	} else {
		/* cancelled, timed out, node failure ...: killed by Slurm */
		ev->status = -1;
		ev->signal = base == JOB_TIMEOUT || base == JOB_CANCELLED ?
			     SIGKILL : 0;
	}
	ev->timed_out = base == JOB_TIMEOUT || base == JOB_DEADLINE;
	ev->stopped = stopped || has_path(s, id, "stop");
	ev->node_failed = base == JOB_NODE_FAIL;
	ev->at = sj->end_time > 0 ? (int64_t)sj->end_time : exec__now_real();
	/* Slurm's own accounting: allocated GPUs x (end - start); 0 for a
	 * job that never ran */
	ev->acct_known = 1;
	if (sj->start_time > 0 && sj->end_time > sj->start_time)
		ev->acct_gpu_s = (int64_t)job_gpus(sj) *
				 (int64_t)(sj->end_time - sj->start_time);
}

/* The controller did not answer (probe or RPC): no RPC for DOWN_MS, and
 * the start of the failure streak is remembered for UNREACH_MS. */
static void
ctl_failed(struct sx *s)
{
	int64_t now = exec__now_mono_ms();

	s->down_until = now + DOWN_MS;
	if (s->fail_since < 0)
		s->fail_since = now;
}

/* The controller answered: the streak ends; after a reported outage the
 * nodes are loaded again at the next poll. */
static void
ctl_answered(struct sx *s)
{
	s->fail_since = -1;
	if (s->unreach_sent) {
		s->unreach_sent = 0;
		s->next_nodes = 0;
	}
}

/*
 * libslurm blocks for about MessageTimeout (10 s by default) retrying the
 * connection when slurmctld is down, which would stall exec_poll.  So
 * every RPC is preceded by a TCP connect to the controller with a short
 * timeout; after a failure no RPC is tried for DOWN_MS.  Returns 1 if
 * slurmctld accepts connections.  Called with mu held.
 */
int
sx__reachable(struct sx *s)
{
	struct addrinfo hints, *ai = NULL, *a;
	int64_t now = exec__now_mono_ms();
	int ok = 0;

	if (now < s->down_until)
		return 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(s->ctl_host, s->ctl_port, &hints, &ai) != 0)
		ai = NULL;
	for (a = ai; a != NULL && !ok; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
				SOCK_CLOEXEC, a->ai_protocol);
		struct pollfd pf;
		int err = 0;
		socklen_t el = sizeof err;

		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			ok = 1;
		} else if (errno == EINPROGRESS) {
			pf.fd = fd;
			pf.events = POLLOUT;
			if (poll(&pf, 1, PROBE_MS) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
			    err == 0)
				ok = 1;
		}
		close(fd);
	}
	if (ai != NULL)
		freeaddrinfo(ai);
	if (!ok)
		ctl_failed(s);
	else
		ctl_answered(s);
	return ok;
}

int
sx__unreachable(const struct sx *s, struct err *e)
{
	return err_set(e, ERR_IO, "slurmctld at %s:%s does not answer",
		       s->ctl_host, s->ctl_port);
}

/* Loads every job; NULL (and errno in libslurm) on failure. */
static job_info_msg_t *
load_jobs(void)
{
	job_info_msg_t *m = NULL;

	if (slurm_load_jobs((time_t)0, &m, SHOW_ALL) != SLURM_SUCCESS)
		return NULL;
	return m;
}

static struct sxlive *
live_find(struct sx *s, uint64_t id)
{
	for (size_t i = 0; i < s->nlive; i++)
		if (s->live[i].id == id)
			return &s->live[i];
	return NULL;
}

static void
live_add(struct sx *s, uint64_t id, uint32_t jid, int started_sent)
{
	s->live = xgrow(s->live, &s->caplive, s->nlive + 1, sizeof *s->live);
	s->live[s->nlive++] = (struct sxlive){id, jid, started_sent, 0, -1};
}

/* Events, nodes, foreign jobs ------------------------------------------ */

/* A zeroed event at the end of the queue. */
static struct exec_event *
q_push(struct sx *s, int kind)
{
	struct exec_event *ev;

	if (s->q0 > 0 && s->q0 == s->nq)
		s->q0 = s->nq = 0;
	s->q = xgrow(s->q, &s->capq, s->nq + 1, sizeof *s->q);
	ev = &s->q[s->nq++];
	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	ev->at = exec__now_real();
	return ev;
}

/* Hands out at most cap queued events, oldest first. */
static size_t
q_drain(struct sx *s, struct exec_event *ev, size_t cap)
{
	size_t n = 0;

	while (n < cap && s->q0 < s->nq)
		ev[n++] = s->q[s->q0++];
	if (s->q0 == s->nq)
		s->q0 = s->nq = 0;
	return n;
}

/*
 * Usable = Slurm may start new work there.  Base IDLE, ALLOCATED, MIXED
 * are usable; DOWN, FUTURE, UNKNOWN (slurmctld has not heard from it, e.g.
 * just after its own restart) and ERROR are not.  Any of these flags makes
 * a node unusable: DRAIN (draining or drained), FAIL, NOT_RESPONDING,
 * MAINT, POWERED_DOWN, POWERING_DOWN, POWER_DOWN, POWERING_UP,
 * POWER_DRAIN, REBOOT_REQUESTED, REBOOT_ISSUED, INVALID_REG.  Other flags
 * (COMPLETING, CLOUD, RES, PLANNED, ...) leave it usable.
 */
static int
node_usable(uint32_t st)
{
	uint32_t base = st & NODE_STATE_BASE;
	uint32_t bad = NODE_STATE_DRAIN | NODE_STATE_FAIL |
		       NODE_STATE_NO_RESPOND | NODE_STATE_MAINT |
		       NODE_STATE_POWERED_DOWN | NODE_STATE_POWERING_DOWN |
		       NODE_STATE_POWER_DOWN | NODE_STATE_POWERING_UP |
		       NODE_STATE_POWER_DRAIN | NODE_STATE_REBOOT_REQUESTED |
		       NODE_STATE_REBOOT_ISSUED | NODE_STATE_INVALID_REG;

	if (base != NODE_STATE_IDLE && base != NODE_STATE_ALLOCATED &&
	    base != NODE_STATE_MIXED)
		return 0;
	return (st & bad) == 0;
}

/* Slurm's state words ("DOWN+NOT_RESPONDING", "IDLE+DRAIN"), as
 * `scontrol show node` writes them, and the reason if any. */
static void
node_text(const node_info_t *ni, char *buf, size_t cap)
{
	static const char *const base[] = {"UNKNOWN", "DOWN", "IDLE",
		"ALLOCATED", "ERROR", "MIXED", "FUTURE"};
	static const struct { uint32_t bit; const char *name; } flag[] = {
		{NODE_STATE_CLOUD, "CLOUD"},
		{NODE_STATE_COMPLETING, "COMPLETING"},
		{NODE_STATE_DRAIN, "DRAIN"},
		{NODE_STATE_FAIL, "FAIL"},
		{NODE_STATE_INVALID_REG, "INVALID_REG"},
		{NODE_STATE_MAINT, "MAINTENANCE"},
		{NODE_STATE_NO_RESPOND, "NOT_RESPONDING"},
		{NODE_STATE_PLANNED, "PLANNED"},
		{NODE_STATE_POWER_DOWN, "POWER_DOWN"},
		{NODE_STATE_POWER_DRAIN, "POWER_DRAIN"},
		{NODE_STATE_POWERED_DOWN, "POWERED_DOWN"},
		{NODE_STATE_POWERING_DOWN, "POWERING_DOWN"},
		{NODE_STATE_POWERING_UP, "POWERING_UP"},
		{NODE_STATE_REBOOT_ISSUED, "REBOOT_ISSUED"},
		{NODE_STATE_REBOOT_REQUESTED, "REBOOT_REQUESTED"},
		{NODE_STATE_RES, "RESERVED"},
	};
	uint32_t b = ni->node_state & NODE_STATE_BASE;
	size_t o;

	o = (size_t)snprintf(buf, cap, "%s", b < sizeof base / sizeof base[0] ?
			     base[b] : "?");
	for (size_t i = 0; i < sizeof flag / sizeof flag[0] && o < cap; i++)
		if (ni->node_state & flag[i].bit)
			o += (size_t)snprintf(buf + o, cap - o, "+%s",
					      flag[i].name);
	if (ni->reason != NULL && *ni->reason != '\0' && o < cap)
		snprintf(buf + o, cap - o, ": %s", ni->reason);
}

static struct sxnode *
node_find(struct sx *s, const char *name)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (strcmp(s->nodes[i].name, name) == 0)
			return &s->nodes[i];
	return NULL;
}

static void
q_node(struct sx *s, const char *name, int up, const char *text)
{
	struct exec_event *ev = q_push(s, EXEC_NODE);

	ev->up = up;
	snprintf(ev->name, sizeof ev->name, "%s", name);
	snprintf(ev->text, sizeof ev->text, "%s", text);
}

/* Loads the nodes and queues a NODE event for each one seen the first
 * time and each change between usable and not (a node that left
 * slurmctld's list counts as unusable, "gone").  -1 if the RPC failed.
 * Called with mu held. */
static int
nodes_update(struct sx *s)
{
	node_info_msg_t *m = NULL;
	char text[160];

	if (slurm_load_node((time_t)0, &m, SHOW_ALL) != SLURM_SUCCESS) {
		ctl_failed(s);
		return -1;
	}
	for (size_t i = 0; i < s->nnodes; i++)
		s->nodes[i].seen = 0;
	for (uint32_t i = 0; i < m->record_count; i++) {
		const node_info_t *ni = &m->node_array[i];
		struct sxnode *nd;
		int up;

		if (ni->name == NULL || *ni->name == '\0')
			continue;
		up = node_usable(ni->node_state);
		if ((nd = node_find(s, ni->name)) == NULL) {
			s->nodes = xgrow(s->nodes, &s->capnodes, s->nnodes + 1,
					 sizeof *s->nodes);
			nd = &s->nodes[s->nnodes++];
			snprintf(nd->name, sizeof nd->name, "%s", ni->name);
			nd->up = -1;
		}
		nd->seen = 1;
		if (nd->up != up) {
			node_text(ni, text, sizeof text);
			q_node(s, nd->name, up, text);
			nd->up = up;
		}
	}
	for (size_t i = 0; i < s->nnodes; i++)
		if (!s->nodes[i].seen && s->nodes[i].up != 0) {
			q_node(s, s->nodes[i].name, 0, "gone from slurmctld");
			s->nodes[i].up = 0;
		}
	slurm_free_node_info_msg(m);
	return 0;
}

/* The controller has not answered for UNREACH_MS: every known node
 * unusable, once per outage.  Called with mu held. */
static void
nodes_unreachable(struct sx *s)
{
	if (s->unreach_sent || s->fail_since < 0 ||
	    exec__now_mono_ms() - s->fail_since <= UNREACH_MS)
		return;
	for (size_t i = 0; i < s->nnodes; i++) {
		q_node(s, s->nodes[i].name, 0, "cluster unreachable");
		s->nodes[i].up = 0;
	}
	s->unreach_sent = 1;
}

static const char *
job_state_name(uint32_t base)
{
	static const char *const name[] = {"PENDING", "RUNNING", "SUSPENDED",
		"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL",
		"PREEMPTED", "BOOT_FAIL", "DEADLINE", "OOM"};

	return base < sizeof name / sizeof name[0] ? name[base] : "?";
}

/* 1 if sj is a job this executor watches. */
static int
watched(const struct sx *s, const slurm_job_info_t *sj)
{
	for (size_t i = 0; i < s->nlive; i++)
		if (s->live[i].jid == sj->job_id ||
		    (s->live[i].jid == 0 && is_ours(sj, s->live[i].id)))
			return 1;
	return 0;
}

/* Queues FOREIGN for each job in m that is not final, not watched and
 * not reported before; forgets reported ids slurmctld no longer lists
 * (Slurm ids restart after a clean slurmctld start).  mu held. */
static void
foreign_update(struct sx *s, const job_info_msg_t *m)
{
	size_t keep = 0;

	for (size_t k = 0; k < s->nforeign; k++) {
		int there = 0;
		for (uint32_t i = 0; i < m->record_count && !there; i++)
			there = m->job_array[i].job_id == s->foreign[k];
		if (there)
			s->foreign[keep++] = s->foreign[k];
	}
	s->nforeign = keep;
	for (uint32_t i = 0; i < m->record_count; i++) {
		const slurm_job_info_t *sj = &m->job_array[i];
		uint32_t base = sj->job_state & JOB_STATE_BASE;
		struct exec_event *ev;
		char nm[61];
		size_t k, o;

		if (is_final(base) || watched(s, sj))
			continue;
		for (k = 0; k < s->nforeign && s->foreign[k] != sj->job_id; k++)
			;
		if (k < s->nforeign)
			continue;
		s->foreign = xgrow(s->foreign, &s->capforeign, s->nforeign + 1,
				   sizeof *s->foreign);
		s->foreign[s->nforeign++] = sj->job_id;
		ev = q_push(s, EXEC_FOREIGN);
		ev->id = sj->job_id;
		snprintf(nm, sizeof nm, "%s", sj->name ? sj->name : "");
		for (char *c = nm; *c != '\0'; c++)
			if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '=')
				*c = '_'; /* one word */
		o = (size_t)snprintf(ev->text, sizeof ev->text, "name=%s "
				     "user=%" PRIu32 " state=%s nodes=%.40s "
				     "gpus=%ld", nm, sj->user_id,
				     job_state_name(base),
				     sj->nodes ? sj->nodes : "", job_gpus(sj));
		if (sj->comment != NULL && o < sizeof ev->text &&
		    strncmp(sj->comment, "allot id=", 9) == 0)
			snprintf(ev->text + o, sizeof ev->text - o,
				 " allot_id=%" PRIu64,
				 (uint64_t)strtoull(sj->comment + 9, NULL, 10));
	}
}

/* Submission ------------------------------------------------------------ */




/* The batch job's whole environment (Slurm passes exactly this): PATH,
 * the ALLOT_* variables, then the job's own (a later KEY wins). */
static char **
env_build(const struct exec_job *j, size_t *count)
{
	char **v = NULL, num[32], *ids;
	const char *path = getenv("PATH");
	size_t n = 0, cap = 0, len = 1;

	v = xgrow(v, &cap, 1, sizeof *v);
	v[0] = NULL;
	exec__env_put(&v, &n, &cap, exec__kv_new("PATH", path && *path ? path :
				     "/usr/local/bin:/usr/bin:/bin"));
	snprintf(num, sizeof num, "%" PRIu64, j->id);
	exec__env_put(&v, &n, &cap, exec__kv_new("ALLOT_JOB_ID", num));
	exec__env_put(&v, &n, &cap, exec__kv_new("ALLOT_NODE", j->node ? j->node : ""));
	exec__env_put(&v, &n, &cap, exec__kv_new("ALLOT_NODELIST", j->nodelist ?
				     j->nodelist : j->node ? j->node : ""));
	snprintf(num, sizeof num, "%zu", j->ngpus);
	exec__env_put(&v, &n, &cap, exec__kv_new("ALLOT_GPUS", num));
	len += j->ngpus * 12;
	ids = xmalloc(len);
	ids[0] = '\0';
	for (size_t i = 0, o = 0; i < j->ngpus; i++)
		o += (size_t)snprintf(ids + o, len - o, "%s%d", i ? "," : "",
				      j->gpus[i]);
	exec__env_put(&v, &n, &cap, exec__kv_new("ALLOT_GPU_IDS", ids));
	free(ids);
	for (const char *const *e = j->env; e && *e; e++)
		if (strchr(*e, '=') != NULL && **e != '=')
			exec__env_put(&v, &n, &cap, xstrdup(*e));
	*count = n;
	return v;
}


/* "#!/bin/sh\nexec /bin/sh -c 'COMMAND'\n" with the quotes escaped. */
static char *
script_build(const char *cmd)
{
	static const char head[] = "#!/bin/sh\nexec /bin/sh -c '";
	size_t n = sizeof head + 4 * strlen(cmd) + 4, o;
	char *p = xmalloc(n);

	memcpy(p, head, sizeof head - 1);
	o = sizeof head - 1;
	for (const char *c = cmd; *c; c++) {
		if (*c == '\'') {
			p[o++] = '\'';
			p[o++] = '\\';
			p[o++] = '\'';
			p[o++] = '\'';
		} else {
			p[o++] = *c;
		}
	}
	memcpy(p + o, "'\n", 3);
	return p;
}

/* The tenant from ALLOT_ACCOUNT=NAME in the job's env, or NULL. */
static const char *
job_account(const struct exec_job *j)
{
	const char *a = NULL;

	for (const char *const *e = j->env; e && *e; e++)
		if (strncmp(*e, "ALLOT_ACCOUNT=", 14) == 0 && (*e)[14] != '\0')
			a = *e + 14;
	return a;
}

/* 1 if a failed RPC may still have reached slurmctld. */
static int
maybe_submitted(int serr)
{
	return (serr >= SLURM_COMMUNICATIONS_CONNECTION_ERROR &&
		serr <= SLURM_PROTOCOL_INSANE_MSG_LENGTH) ||
	       (serr >= SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR &&
		serr <= SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR) ||
	       serr == SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT ||
	       serr == ETIMEDOUT || serr == EINTR;
}

/* Claims id: mkdir state_dir/ID, durable.  ERR_CONFLICT if it exists. */
static int
claim(struct sx *s, uint64_t id, struct err *e)
{
	char *d = exec__job_path(s->dir, id, NULL);
	int en;

	if (mkdir(d, 0700) == 0) {
		free(d);
		if (fsync_path(s->dir) != 0)
			return err_set(e, ERR_IO, "%s: fsync: %s", s->dir,
				       strerror(errno));
		return 0;
	}
	en = errno;
	free(d);
	if (en == EEXIST)
		return err_set(e, ERR_CONFLICT, "job %" PRIu64 ": already started "
			       "here (%s/%" PRIu64 ")", id, s->dir, id);
	return err_set(e, ERR_IO, "%s/%" PRIu64 ": %s", s->dir, id,
		       strerror(en));
}

static void
unclaim(struct sx *s, uint64_t id)
{
	char *d = exec__job_path(s->dir, id, NULL);

	rmdir(d);
	free(d);
	fsync_path(s->dir);
}

static int
check_job(const struct exec_job *j, struct err *e)
{
	struct stat st;

	if (j->command == NULL || j->command[0] == '\0')
		return err_set(e, ERR_INVALID, "command: empty");
	if (j->workdir == NULL || j->workdir[0] == '\0')
		return err_set(e, ERR_INVALID, "workdir: empty");
	if (j->time_limit_s < 0)
		return err_set(e, ERR_INVALID, "time_limit_s: %" PRId64
			       " is negative (0 = no limit)", j->time_limit_s);
	if (j->ngpus > 0 && j->gpus == NULL)
		return err_set(e, ERR_INVALID, "gpus: %zu indices, no array",
			       j->ngpus);
	if (j->ngpus > 4096)
		return err_set(e, ERR_INVALID, "gpus: %zu on one node", j->ngpus);
	if (stat(j->workdir, &st) != 0)
		return err_set(e, ERR_INVALID, "workdir: %s: %s", j->workdir,
			       strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_INVALID, "workdir: %s: not a directory",
			       j->workdir);
	return 0;
}

/* Partitions ------------------------------------------------------------ */

static void
parts_free(struct sx *s)
{
	for (size_t i = 0; i < s->nparts; i++) {
		free(s->parts[i].name);
		if (s->parts[i].nodes != NULL)
			slurm_hostlist_destroy(s->parts[i].nodes);
	}
	free(s->parts);
	s->parts = NULL;
	s->nparts = 0;
}

/* With mu held and slurmctld reachable: the partitions, reloaded at most
 * every PARTS_MS; on a failed load the old ones stay. */
static void
parts_load(struct sx *s)
{
	partition_info_msg_t *m = NULL;
	int64_t now = exec__now_mono_ms();

	if (s->parts != NULL && now < s->next_parts)
		return;
	if (slurm_load_partitions((time_t)0, &m, SHOW_ALL) != SLURM_SUCCESS)
		return;
	parts_free(s);
	s->parts = xcalloc(m->record_count + 1, sizeof *s->parts);
	for (uint32_t i = 0; i < m->record_count; i++) {
		const partition_info_t *pi = &m->partition_array[i];
		struct sxpart *p = &s->parts[s->nparts];

		if (pi->name == NULL || pi->nodes == NULL ||
		    (p->nodes = slurm_hostlist_create(pi->nodes)) == NULL)
			continue;
		p->name = xstrdup(pi->name);
		p->up = (pi->state_up & PARTITION_UP) == PARTITION_UP;
		p->dflt = (pi->flags & PART_FLAG_DEFAULT) != 0;
		s->nparts++;
	}
	s->next_parts = now + PARTS_MS;
	slurm_free_partition_info_msg(m);
}

/* 1 if partition p holds every node of the comma list nodes. */
static int
part_holds(const struct sxpart *p, const char *nodes)
{
	char name[256];

	for (const char *c = nodes; *c;) {
		size_t n = strcspn(c, ",");
		if (n == 0 || n >= sizeof name)
			return 0;
		snprintf(name, sizeof name, "%.*s", (int)n, c);
		if (slurm_hostlist_find(p->nodes, name) < 0)
			return 0;
		c += n + (c[n] == ',');
	}
	return 1;
}

/* The partition a job on `nodes` goes to: the default partition if it is
 * up and holds them all, else the first such partition in Slurm's order.
 * NULL with *none = 0 when the partitions are not known (Slurm's default
 * applies); NULL with *none = 1 when no partition holds them. */
static const char *
part_for(struct sx *s, const char *nodes, int *none)
{
	const struct sxpart *first = NULL;

	*none = 0;
	parts_load(s);
	if (s->parts == NULL || nodes == NULL)
		return NULL;
	for (size_t i = 0; i < s->nparts; i++) {
		const struct sxpart *p = &s->parts[i];
		if (!p->up || !part_holds(p, nodes))
			continue;
		if (p->dflt)
			return p->name;
		if (first == NULL)
			first = p;
	}
	*none = first == NULL;
	return first ? first->name : NULL;
}

static int
sx_start(struct exec *x, const struct exec_job *j, struct err *e)
{
	struct sx *s = (struct sx *)x;
	job_desc_msg_t desc;
	submit_response_msg_t *resp = NULL;
	char **env = NULL, *script = NULL, *acct = NULL, name[40], tres[40];
	char comment[256], buf[64];
	const char *tenant = job_account(j), *nodes, *part;
	size_t nenv = 0;
	uint32_t nn = 1;
	int rc, serr, none;

	if ((rc = check_job(j, e)) != 0)
		return rc;
	nodes = j->nodelist && *j->nodelist ? j->nodelist :
		j->node && *j->node ? j->node : NULL;
	for (const char *p = nodes; p && *p; p++)
		nn += *p == ',';
	pthread_mutex_lock(&s->mu);
	if (live_find(s, j->id) != NULL) {
		rc = err_set(e, ERR_CONFLICT, "job %" PRIu64 ": already running "
			     "here", j->id);
		goto out;
	}
	if (!sx__reachable(s)) {
		rc = sx__unreachable(s, e); /* nothing claimed: the id stays free */
		goto out;
	}
	part = part_for(s, nodes, &none);
	if (none) {
		rc = err_set(e, ERR_INVALID, "nodes %s: no partition that is up "
			     "holds them all", nodes);
		goto out;
	}
	if ((rc = claim(s, j->id, e)) != 0)
		goto out;
	env = env_build(j, &nenv);
	script = script_build(j->command);
	snprintf(name, sizeof name, "allot-%" PRIu64, j->id);
	snprintf(tres, sizeof tres, "gres:gpu:%zu", j->ngpus);
	snprintf(comment, sizeof comment, "allot id=%" PRIu64 " account=%.200s",
		 j->id, tenant ? tenant : "-");
	slurm_init_job_desc_msg(&desc);
	desc.name = name;
	desc.comment = comment;
	desc.script = script;
	desc.environment = env;
	desc.env_size = (uint32_t)nenv;
	desc.work_dir = (char *)j->workdir;
	desc.std_out = (char *)(j->out_path ? j->out_path : "/dev/null");
	desc.std_err = (char *)(j->err_path ? j->err_path : "/dev/null");
	desc.open_mode = OPEN_MODE_APPEND;
	desc.user_id = (uint32_t)getuid();
	desc.group_id = (uint32_t)getgid();
	desc.requeue = 0; /* allot decides what runs again */
	desc.partition = (char *)part; /* NULL: Slurm's default */
	if (nodes != NULL) {
		desc.req_nodes = (char *)nodes;
		desc.min_nodes = nn;
		desc.max_nodes = nn;
	}
	if (j->ngpus > 0)
		desc.tres_per_node = tres;
	if (j->time_limit_s > 0)
		desc.time_limit = (uint32_t)(j->time_limit_s >= (int64_t)60 *
					     (INFINITE - 1) ? INFINITE :
					     (j->time_limit_s + 59) / 60);
	if (s->prefix != NULL && tenant != NULL) {
		size_t al = strlen(s->prefix) + strlen(tenant) + 1;
		acct = xmalloc(al);
		snprintf(acct, al, "%s%s", s->prefix, tenant);
		desc.account = acct;
	}
	if (slurm_submit_batch_job(&desc, &resp) != SLURM_SUCCESS) {
		job_info_msg_t *m;
		const slurm_job_info_t *sj;
		serr = slurm_get_errno();
		if (!maybe_submitted(serr)) {
			/* refused: nothing runs, the id stays free */
			unclaim(s, j->id);
			rc = err_set(e, ERR_INVALID, "job %" PRIu64 ": Slurm "
				     "refused it: %s", j->id,
				     slurm_strerror(serr));
			goto out;
		}
		/* the answer was lost: the job may exist */
		if ((m = load_jobs()) != NULL &&
		    (sj = find_job(m, 0, j->id)) != NULL) {
			uint32_t jid = sj->job_id;
			slurm_free_job_info_msg(m);
			snprintf(buf, sizeof buf, "jobid=%" PRIu32 "\n", jid);
			put_file(s, j->id, "slurm", buf);
			live_add(s, j->id, jid, 0);
			rc = 0;
			goto out;
		}
		if (m != NULL)
			slurm_free_job_info_msg(m);
		rc = err_set(e, ERR_IO, "job %" PRIu64 ": submission to Slurm "
			     "failed (%s); the id is used up", j->id,
			     slurm_strerror(serr));
		goto out;
	}
	snprintf(buf, sizeof buf, "jobid=%" PRIu32 "\n", resp->job_id);
	if (put_file(s, j->id, "slurm", buf) != 0) {
		/* recovery finds it by name; go on */
	}
	live_add(s, j->id, resp->job_id, 0);
	slurm_free_submit_response_response_msg(resp);
	rc = 0;
out:
	pthread_mutex_unlock(&s->mu);
	exec__env_free(env);
	free(script);
	free(acct);
	return rc;
}

static int
sx_stop(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e)
{
	struct sx *s = (struct sx *)x;
	struct sxlive *lv;
	int rc = 0, serr;
	uint16_t sig = grace_s == 0 ? SIGKILL : SIGTERM;
	uint16_t flags = KILL_FULL_JOB;

	pthread_mutex_lock(&s->mu);
	if ((lv = live_find(s, id)) == NULL) {
		rc = err_set(e, ERR_NOTFOUND, "job %" PRIu64 ": not running here",
			     id);
		goto out;
	}
	if (!sx__reachable(s)) {
		rc = sx__unreachable(s, e);
		goto out;
	}
	if (!has_path(s, id, "stop"))
		put_file(s, id, "stop", "stop\n");
	lv->stopped = 1;
	if (lv->jid == 0) {
		/* recovered while slurmctld was away, its Slurm id unknown:
		 * cancelled as soon as a poll finds it */
		s->next_load = 0;
		goto out;
	}
	if (!lv->started_sent) /* pending in Slurm: cancel it outright */
		sig = SIGKILL;
	if (sig == SIGKILL)
		flags = 0;
	if (slurm_kill_job(lv->jid, sig, flags) != SLURM_SUCCESS) {
		serr = slurm_get_errno();
		if (serr != ESLURM_ALREADY_DONE && serr != ESLURM_INVALID_JOB_ID) {
			rc = err_set(e, ERR_IO, "job %" PRIu64 " (Slurm %" PRIu32
				     "): cannot signal it: %s", id, lv->jid,
				     slurm_strerror(serr));
			goto out;
		}
	}
	if (sig == SIGTERM) {
		int64_t at = exec__now_mono_ms() + (int64_t)grace_s * 1000;
		if (lv->kill_at < 0 || at < lv->kill_at)
			lv->kill_at = at;
	}
	s->next_load = 0; /* look at once on the next poll */
out:
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Follows the watched jobs in m: queues STARTED/EXITED/LOST and drops
 * the ended ones from live.  mu held. */
static void
jobs_update(struct sx *s, const job_info_msg_t *m)
{
	size_t keep = 0;

	for (size_t i = 0; i < s->nlive; i++) {
		struct sxlive *lv = &s->live[i];
		const slurm_job_info_t *sj;
		uint32_t base;

		sj = find_job(m, lv->jid, lv->id);
		if (sj == NULL) {
			/* purged or forgotten by slurmctld */
			struct exec_event xe;
			if (read_exit(s, lv->id, &xe) != 0) {
				/* never_started: claimed, no Slurm id, no
				 * job of its name (recovered while
				 * slurmctld was away) */
				exec__ev_lost(q_push(s, EXEC_LOST), lv->id,
					      lv->jid == 0);
				continue;
			}
			if (!lv->started_sent)
				ev_started(q_push(s, EXEC_STARTED), lv->id,
					   NULL);
			*q_push(s, EXEC_EXITED) = xe;
			continue;
		}
		if (lv->jid == 0) { /* recovered without its Slurm id */
			char buf[64];
			lv->jid = sj->job_id;
			snprintf(buf, sizeof buf, "jobid=%" PRIu32 "\n",
				 lv->jid);
			put_file(s, lv->id, "slurm", buf);
			if (lv->stopped) /* exec_stop came before its id */
				slurm_kill_job(lv->jid, SIGKILL, 0);
		}
		base = sj->job_state & JOB_STATE_BASE;
		if (!lv->started_sent && (base == JOB_RUNNING ||
		    base == JOB_SUSPENDED || (is_final(base) &&
		    !(sj->job_state & JOB_COMPLETING)))) {
			struct exec_event *ev = q_push(s, EXEC_STARTED);
			char g[96];
			ev_started(ev, lv->id, sj);
			if (base == JOB_RUNNING) {
				slurm_gpus(sj->job_id, g, sizeof g);
				if (*g)
					snprintf(ev->text, sizeof ev->text,
						 "slurm_gpus=%s", g);
			}
			lv->started_sent = 1;
		}
		if (is_final(base) && !(sj->job_state & JOB_COMPLETING)) {
			struct exec_event *ev = q_push(s, EXEC_EXITED);
			ev_exited(s, ev, lv->id, sj, lv->stopped);
			write_exit(s, ev);
			continue;
		}
		s->live[keep++] = *lv;
	}
	s->nlive = keep;
}

/* 1 if a watched job ended with NODE_FAIL in m (about to be reported). */
static int
node_failed_job(const struct sx *s, const job_info_msg_t *m)
{
	for (size_t i = 0; i < s->nlive; i++) {
		const slurm_job_info_t *sj = find_job(m, s->live[i].jid,
						      s->live[i].id);
		if (sj != NULL && (sj->job_state & JOB_STATE_BASE) ==
		    JOB_NODE_FAIL && !(sj->job_state & JOB_COMPLETING))
			return 1;
	}
	return 0;
}

static size_t
sx_poll(struct exec *x, struct exec_event *ev, size_t cap)
{
	struct sx *s = (struct sx *)x;
	job_info_msg_t *m;
	size_t n;
	int64_t now = exec__now_mono_ms();
	int nodes_done = 0;

	pthread_mutex_lock(&s->mu);
	n = q_drain(s, ev, cap);
	if (n == cap || now < s->next_load)
		goto out;
	s->next_load = now + POLL_MS;
	if (!sx__reachable(s)) {
		/* slurmctld away: no job is LOST for that; after UNREACH_MS
		 * every node is reported unusable */
		nodes_unreachable(s);
		goto drain;
	}
	for (size_t i = 0; i < s->nlive; i++) {
		struct sxlive *lv = &s->live[i];
		if (lv->kill_at >= 0 && now >= lv->kill_at && lv->jid != 0) {
			slurm_kill_job(lv->jid, SIGKILL, KILL_FULL_JOB);
			lv->kill_at = -1;
		}
	}
	if (now >= s->next_nodes) {
		s->next_nodes = now + NODES_MS;
		if (nodes_update(s) != 0) {
			nodes_unreachable(s);
			goto drain;
		}
		nodes_done = 1;
	}
	if ((m = load_jobs()) == NULL) {
		ctl_failed(s); /* try again later */
		nodes_unreachable(s);
		goto drain;
	}
	/* a node failure: its NODE event before the job's EXITED */
	if (!nodes_done && node_failed_job(s, m) && nodes_update(s) == 0)
		s->next_nodes = now + NODES_MS;
	jobs_update(s, m);
	foreign_update(s, m);
	slurm_free_job_info_msg(m);
drain:
	n += q_drain(s, ev + n, cap - n);
out:
	pthread_mutex_unlock(&s->mu);
	return n;
}

static int
sx_recover(struct exec *x, const uint64_t *ids, size_t n,
	   struct exec_event *ev, struct err *e)
{
	struct sx *s = (struct sx *)x;
	job_info_msg_t *m = NULL;
	int away = 0;

	(void)e;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < n; i++) {
		uint64_t id = ids[i];
		const slurm_job_info_t *sj;
		uint32_t jid, base;

		if (live_find(s, id) != NULL) {
			ev_started(&ev[i], id, NULL);
			continue;
		}
		if (!has_path(s, id, NULL)) {
			exec__ev_lost(&ev[i], id, 1); /* never started here */
			continue;
		}
		if (read_exit(s, id, &ev[i]) == 0)
			continue;
		jid = read_jid(s, id);
		if (m == NULL && !away && (!sx__reachable(s) ||
		    (m = load_jobs()) == NULL)) {
			ctl_failed(s);
			away = 1;
		}
		if (away) {
			/* slurmctld away: claimed, so it may run; watched,
			 * and the polls decide once slurmctld answers */
			live_add(s, id, jid, 1);
			ev_started(&ev[i], id, NULL);
			continue;
		}
		if ((sj = find_job(m, jid, id)) == NULL) {
			/* Claimed, no Slurm id written and no job of that name:
			 * the submission never happened (or was refused), and
			 * a claimed id is never submitted again.  (Not provable
			 * if a lost-answer submission ran and was purged after
			 * MinJobAge while the daemon was down: accepted.)  With
			 * a Slurm id it ran or may have: not never_started. */
			exec__ev_lost(&ev[i], id, jid == 0);
			continue;
		}
		if (jid == 0) { /* crashed before writing it down */
			char buf[64];
			snprintf(buf, sizeof buf, "jobid=%" PRIu32 "\n",
				 sj->job_id);
			put_file(s, id, "slurm", buf);
		}
		base = sj->job_state & JOB_STATE_BASE;
		if (is_final(base) && !(sj->job_state & JOB_COMPLETING)) {
			ev_exited(s, &ev[i], id, sj, 0);
			write_exit(s, &ev[i]);
			continue;
		}
		/* pending, running or completing: watched again */
		live_add(s, id, sj->job_id, 1);
		ev_started(&ev[i], id, sj);
	}
	if (m != NULL)
		slurm_free_job_info_msg(m);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static void
sx_free(struct exec *x)
{
	struct sx *s = (struct sx *)x;

	pthread_mutex_destroy(&s->mu);
	free(s->live);
	free(s->nodes);
	free(s->foreign);
	free(s->q);
	parts_free(s);
	free(s->conf);
	free(s->dir);
	free(s->prefix);
	free(s);
}

static const struct exec_ops sx_ops = {
	"slurm", sx_start, sx_stop, sx_poll, sx_recover, sx_free,
};

int
sx__is(const struct exec *x)
{
	return x != NULL && x->ops == &sx_ops;
}

/* The value of "Key=value" in line (key case-insensitive) into v, or 0. */
static int
conf_value(const char *line, const char *key, char *v, size_t cap)
{
	size_t kl = strlen(key), n;
	const char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, key, kl) != 0 || p[kl] != '=')
		return 0;
	p += kl + 1;
	n = strcspn(p, " \t\r\n#");
	if (n == 0 || n >= cap)
		return 0;
	memcpy(v, p, n);
	v[n] = '\0';
	return 1;
}

/* 0 if path is a readable slurm.conf that names a controller (libslurm
 * exits the process after a minute of retries on a bad one); fills host
 * (its address) and port (SlurmctldPort, default 6817) for the probe. */
static int
check_conf(const char *path, char *host, size_t hcap, char *port,
	   size_t pcap, struct err *e)
{
	struct stat st;
	FILE *f;
	char line[4096], v[256], addr[256] = "";
	int ctl = 0;

	snprintf(port, pcap, "6817");
	if (stat(path, &st) != 0)
		return err_set(e, ERR_IO, "slurm_conf: %s: %s", path,
			       strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX)
		return err_set(e, ERR_IO, "slurm_conf: %s: not a regular file "
			       "of at most 4 MiB", path);
	if ((f = fopen(path, "r")) == NULL)
		return err_set(e, ERR_IO, "slurm_conf: %s: %s", path,
			       strerror(errno));
	while (fgets(line, sizeof line, f) != NULL) {
		if (!ctl && (conf_value(line, "SlurmctldHost", v, sizeof v) ||
			     conf_value(line, "ControlMachine", v, sizeof v))) {
			/* name(addr): the address if given */
			char *o = strchr(v, '(');
			ctl = 1;
			if (o != NULL && strchr(o, ')') != NULL) {
				*strchr(o, ')') = '\0';
				snprintf(host, hcap, "%s", o + 1);
			} else {
				snprintf(host, hcap, "%s", v);
			}
		} else if (conf_value(line, "ControlAddr", v, sizeof v)) {
			snprintf(addr, sizeof addr, "%s", v);
		} else if (conf_value(line, "SlurmctldPort", v, sizeof v)) {
			long pn = strtol(v, NULL, 10); /* "6817-6820": the first */
			if (pn > 0 && pn < 65536)
				snprintf(port, pcap, "%ld", pn);
		}
	}
	fclose(f);
	if (!ctl)
		return err_set(e, ERR_IO, "slurm_conf: %s: no SlurmctldHost= "
			       "line", path);
	if (addr[0] != '\0')
		snprintf(host, hcap, "%s", addr);
	return 0;
}

struct exec *
sx_new(const char *slurm_conf, const char *state_dir,
       const char *account_prefix, struct err *e)
{
	struct sx *s;
	struct stat st;
	char host[256], port[16];

	if (slurm_conf == NULL || *slurm_conf == '\0') {
		err_set(e, ERR_INVALID, "slurm_conf: empty");
		return NULL;
	}
	if (state_dir == NULL || *state_dir == '\0') {
		err_set(e, ERR_INVALID, "state_dir: empty");
		return NULL;
	}
	if (check_conf(slurm_conf, host, sizeof host, port, sizeof port, e) !=
	    0)
		return NULL;
	if (mkdir(state_dir, 0700) != 0 && errno != EEXIST) {
		err_set(e, ERR_IO, "state_dir: %s: %s", state_dir,
			strerror(errno));
		return NULL;
	}
	if (stat(state_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		err_set(e, ERR_IO, "state_dir: %s: not a directory", state_dir);
		return NULL;
	}
	/* A no-op after the first call in a process (one configuration). */
	slurm_init(slurm_conf);
	s = xcalloc(1, sizeof *s);
	s->base.ops = &sx_ops;
	s->conf = xstrdup(slurm_conf);
	s->dir = xstrdup(state_dir);
	s->prefix = account_prefix ? xstrdup(account_prefix) : NULL;
	snprintf(s->ctl_host, sizeof s->ctl_host, "%s", host);
	snprintf(s->ctl_port, sizeof s->ctl_port, "%s", port);
	s->fail_since = -1;
	pthread_mutex_init(&s->mu, NULL);
	return &s->base;
}
