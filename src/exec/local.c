/*
 * local.c — the local executor: every started job runs on this machine
 * under its own detached shepherd process (docs/EXECUTOR.md).
 *
 * exec_start claims the id by creating state_dir/ID (mkdir is the atomic
 * "ever started" test: the directory and its `started` marker are never
 * removed once a shepherd may exist), opens the output files, builds the
 * job's argv and environment, and forks.  The child calls setsid and
 * forks the shepherd, then exits at once (exec_start reaps it, so the
 * daemon keeps no zombies and the shepherd belongs to init: it outlives
 * the daemon).  The shepherd re-executes this binary (see shepherd()) so
 * that it does not pin a copy of the daemon's memory, writes
 * state_dir/ID/pid durably, tells
 * exec_start through a pipe that it did, checks for a stop request, forks
 * the job (/bin/sh -c COMMAND in its own process group, in the workdir),
 * then waits with sigtimedwait for SIGCHLD, a stop request (SIGUSR1,
 * SIGTERM, SIGINT) or its next deadline (time limit, then the SIGKILL
 * after the grace period), and finally writes state_dir/ID/exit durably
 * and exits.  No signal handler is installed anywhere: the shepherd
 * blocks the signals it waits for, and the daemon's dispositions are not
 * touched (libmicrohttpd keeps its own).
 *
 * Between the fork and its exec, and for good if the exec fails (no
 * /proc), the shepherd is a forked child of a multi-threaded process, so
 * its code uses only async-signal-safe functions: no malloc, no stdio.
 * Everything it needs (paths as directory-relative names, argv, envp,
 * numbers) is built before the fork, and it formats its few numbers by
 * hand (put_u64).  It closes every inherited file
 * descriptor it does not own (close_range): a shepherd that kept the
 * daemon's listening socket would keep its port busy after a restart.
 *
 * Daemon side: the executor keeps the list of ids it watches (`live`),
 * guarded by `mu`.  exec_start returns once the intermediate child has
 * forked the shepherd (a fork, a mkdir, one small file: about a
 * millisecond; the fsyncs happen in the shepherd, off the caller's
 * thread).  exec_poll reads each starting job's ready pipe without
 * blocking and looks at each live id's files with a few stat calls:
 * STARTED once the shepherd answered (its pid file is durable), EXITED
 * once `exit` exists, LOST if the shepherd is gone (its pid dead, or
 * reused: the pid file holds the process start time from /proc) without
 * an exit file.
 */
#define _GNU_SOURCE /* close_range, pipe2; the file is Linux-only (/proc, prctl) */

#include "exec/local.h"
#include "exec/exec_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"

extern char **environ;

#define LIMIT_MAX_S ((int64_t)100 * 366 * 86400)
#define ALIVE_MS 500 /* how often exec_poll checks that a shepherd lives */
#define ENV_DROP_WORDS { "TOKEN", "SECRET", "PASSWORD", "PASSWD" }

struct live {
	uint64_t id;
	pid_t spid;             /* the shepherd, 0 until its pid file is read */
	uint64_t sstart;        /* its start time (clock ticks since boot) */
	int rfd;                /* ready pipe until the shepherd answers, or -1 */
	int started_sent;
	int64_t next_check;     /* monotonic ms: next look at the shepherd */
};

struct local {
	struct exec base;
	char *dir;
	pthread_mutex_t mu;     /* guards live */
	struct live *live;
	size_t nlive, caplive;
};

/* What the shepherd needs, built before the fork. */
struct spawn {
	int jd, out, err, wfd;  /* job directory, stdout, stderr, ready pipe */
	int sd;                 /* the state directory */
	char *const *argv, *const *envp;
	const char *workdir;
	int64_t limit_s;
	uint32_t grace_s;
	int maxfd;              /* close_range fallback */
	char *const *sh_argv;   /* the shepherd's own exec (SHEPHERD_ARGV0) */
	char *const *sh_envp;   /* envp + SHEPHERD_ENV */
};

#define SHEPHERD_ARGV0 "allot-shepherd"
#define SHEPHERD_ENV "ALLOT_SHEPHERD=1"

/* Numbers and the durable write, async-signal-safe ----------------------- */

static char *
put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *
put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static char *
put_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return put_u64(p, (uint64_t)0 - (uint64_t)v);
	}
	return put_u64(p, (uint64_t)v);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t
read_all(int fd, char *p, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t r = read(fd, p + got, cap - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Writes dirfd/name durably: a temporary file, fsync, rename, fsync of the
 * directory.  sync = 0 skips both fsyncs. */
static int
put_file(int dirfd, const char *tmp, const char *name, const char *p,
	 size_t n, int sync)
{
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0600);

	if (fd < 0)
		return -1;
	if (write_all(fd, p, n) != 0 || (sync && fsync(fd) != 0)) {
		close(fd);
		return -1;
	}
	if (close(fd) != 0 || renameat(dirfd, tmp, dirfd, name) != 0)
		return -1;
	if (sync && fsync(dirfd) != 0)
		return -1;
	return 0;
}

/* /proc/PID/stat: the state letter and the start time (field 22). */
static int
proc_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[48], buf[1024], *p;
	ssize_t n;
	int fd, field;

	p = put_str(path, "/proc/");
	p = put_u64(p, (uint64_t)pid);
	p = put_str(p, "/stat");
	*p = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read_all(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (p = buf + n; p > buf && p[-1] != ')'; p--)
		;
	if (p == buf || p[0] != ' ')
		return -1;
	p++;
	*state = *p;
	/* field 3 is the state; 19 more separators to the start time */
	for (field = 3; field < 22 && *p; p++)
		if (*p == ' ')
			field++;
	if (field != 22)
		return -1;
	*start = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		*start = *start * 10 + (uint64_t)(*p - '0');
	return 0;
}

/* 1 if pid is the live (not zombie) process that started at start.  A
 * start of 0 means unknown (no /proc when the pid file was written): then
 * the pid alone decides, and a reused pid cannot be told apart. */
static int
proc_alive(pid_t pid, uint64_t start)
{
	char st;
	uint64_t s;

	if (pid <= 0)
		return 0;
	if (proc_stat(pid, &st, &s) != 0)
		return start == 0 && (kill(pid, 0) == 0 || errno == EPERM);
	return (start == 0 || s == start) && st != 'Z' && st != 'X' &&
	       st != 'x';
}



/* The shepherd --------------------------------------------------------- */

/* "pid=N start=N\n" for pid into buf; returns the length. */
static size_t
fmt_pid(char *buf, pid_t pid)
{
	char st = '?';
	uint64_t start = 0;
	char *p;

	proc_stat(pid, &st, &start);
	p = put_str(buf, "pid=");
	p = put_u64(p, (uint64_t)pid);
	p = put_str(p, " start=");
	p = put_u64(p, start);
	p = put_str(p, "\n");
	return (size_t)(p - buf);
}

/* The grace period asked for in the stop file, or def. */
static uint32_t
stop_grace(int jd, uint32_t def)
{
	char buf[64], *p;
	ssize_t n;
	uint32_t g = 0;
	int fd = openat(jd, "stop", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return def;
	n = read_all(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return def;
	buf[n] = '\0';
	if ((p = strstr(buf, "grace=")) == NULL)
		return def;
	for (p += 6; *p >= '0' && *p <= '9' && g < 100000000; p++)
		g = g * 10 + (uint32_t)(*p - '0');
	return g;
}

static _Noreturn void
job_child(const struct spawn *sp)
{
	static const char msg_dir[] = "allot: cannot enter the job's workdir\n";
	static const char msg_sh[] = "allot: cannot run /bin/sh\n";
	struct sigaction sa;
	sigset_t none;

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(4, 1);
	dup2(5, 2);
	if (close_range(3, ~0U, 0) != 0)
		for (int fd = 3; fd <= sp->maxfd; fd++)
			close(fd);
	if (chdir(sp->workdir) != 0) {
		write_all(2, msg_dir, sizeof msg_dir - 1);
		_exit(126);
	}
	execve("/bin/sh", sp->argv, sp->envp);
	write_all(2, msg_sh, sizeof msg_sh - 1);
	_exit(127);
}

/* Arranges fds 0-2 = /dev/null, 3 = job dir, 4 = out, 5 = err, 6 = the
 * ready pipe, 7 = the state directory, and closes every other one. */
static int
shepherd_fds(struct spawn *sp)
{
	int hi[5] = {sp->jd, sp->out, sp->err, sp->wfd, sp->sd}, nul;

	for (int i = 0; i < 5; i++)
		if ((hi[i] = fcntl(hi[i], F_DUPFD, 8)) < 0) /* above 3..7 */
			return -1;
	if ((nul = open("/dev/null", O_RDWR)) < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (nul != fd && dup2(nul, fd) < 0)
			return -1;
	for (int i = 0; i < 5; i++)
		if (dup2(hi[i], 3 + i) < 0)
			return -1;
	if (close_range(8, ~0U, 0) != 0)
		for (int fd = 8; fd <= sp->maxfd; fd++)
			close(fd);
	sp->jd = 3;
	sp->out = 4;
	sp->err = 5;
	sp->wfd = 6;
	sp->sd = 7;
	return 0;
}

/* The shepherd proper, with its descriptors in place (shepherd_fds). */
static _Noreturn void
shepherd_run(const struct spawn *sp)
{
	char buf[160], *p;
	sigset_t set;
	siginfo_t si;
	pid_t job;
	int64_t limit_at = -1, kill_at = -1;
	int wst = 0, done = 0, timed_out = 0, stopped = 0, termed = 0;

	prctl(PR_SET_NAME, SHEPHERD_ARGV0, 0, 0, 0);
	/* Durable before the job runs: the pid file, the job directory's
	 * entries (started, pid) and its entry in the state directory. */
	if (put_file(3, "pid.tmp", "pid", buf, fmt_pid(buf, getpid()), 1) != 0 ||
	    fsync(7) != 0)
		_exit(1);
	close(7);
	write_all(6, "R", 1);
	close(6);
	if (faccessat(3, "stop", F_OK, 0) == 0) {
		/* stopped before it began (see exec_recover): never run it */
		p = put_str(buf, "status=-1 signal=0 timed_out=0 stopped=1 end=");
		p = put_i64(p, exec__now_real());
		p = put_str(p, " ran=0\n");
		put_file(3, "exit.tmp", "exit", buf, (size_t)(p - buf), 1);
		_exit(0);
	}
	if ((job = fork()) < 0) {
		p = put_str(buf, "status=127 signal=0 timed_out=0 stopped=0 end=");
		p = put_i64(p, exec__now_real());
		p = put_str(p, " ran=0\n");
		put_file(3, "exit.tmp", "exit", buf, (size_t)(p - buf), 1);
		_exit(1);
	}
	if (job == 0)
		job_child(sp);
	setpgid(job, job);
	put_file(3, "job.tmp", "job", buf, fmt_pid(buf, job), 0);
	close(4);
	close(5);
	if (sp->limit_s > 0) /* beyond a century is no limit at all */
		limit_at = sp->limit_s > LIMIT_MAX_S ? -1 :
			   exec__now_mono_ms() + sp->limit_s * 1000;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	while (!done) {
		struct timespec ts, *tsp = NULL;
		int64_t now = exec__now_mono_ms(), next = -1;
		int sig;

		if (limit_at >= 0 && !termed && now >= limit_at) {
			timed_out = termed = 1;
			killpg(job, SIGTERM);
			kill_at = now + (int64_t)sp->grace_s * 1000;
		}
		if (kill_at >= 0 && now >= kill_at) {
			killpg(job, SIGKILL);
			kill_at = -1;
		}
		if (limit_at >= 0 && !termed)
			next = limit_at;
		if (kill_at >= 0 && (next < 0 || kill_at < next))
			next = kill_at;
		if (next >= 0) {
			int64_t d = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(d / 1000);
			ts.tv_nsec = (long)(d % 1000) * 1000000L;
			tsp = &ts;
		}
		sig = sigtimedwait(&set, &si, tsp);
		if (sig < 0)
			continue; /* EAGAIN: a deadline; EINTR */
		if (sig != SIGCHLD) {
			uint32_t g = stop_grace(3, sp->grace_s);
			int64_t at = exec__now_mono_ms() + (int64_t)g * 1000;
			stopped = termed = 1;
			killpg(job, SIGTERM);
			if (g == 0)
				killpg(job, SIGKILL);
			else if (kill_at < 0 || at < kill_at)
				kill_at = at;
		}
		for (;;) {
			pid_t r = waitpid(-1, &wst, WNOHANG);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == job)
				done = 1;
			if (r <= 0 || done)
				break;
		}
	}
	/* the leader is gone: take any processes it left behind with it */
	killpg(job, SIGKILL);
	p = put_str(buf, "status=");
	p = put_i64(p, WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
	p = put_str(p, " signal=");
	p = put_i64(p, WIFSIGNALED(wst) ? WTERMSIG(wst) : 0);
	p = put_str(p, " timed_out=");
	p = put_i64(p, timed_out);
	p = put_str(p, " stopped=");
	p = put_i64(p, stopped);
	p = put_str(p, " end=");
	p = put_i64(p, exec__now_real());
	p = put_str(p, " ran=1\n");
	put_file(3, "exit.tmp", "exit", buf, (size_t)(p - buf), 1);
	_exit(0);
}

/*
 * A forked copy of the daemon would pin the daemon's memory as it was at
 * the fork (copy-on-write: every page the daemon writes afterwards is
 * duplicated, once per running job), so the shepherd re-executes its own
 * binary: /proc/self/exe with argv {SHEPHERD_ARGV0, limit, grace, workdir,
 * command} and SHEPHERD_ENV in the environment.  shepherd_entry, run by
 * the C library before main in any program that links this file (allot,
 * allot-test), recognises that and becomes the shepherd, on a fresh small
 * process.  The descriptors (3-7) and the blocked signals survive the
 * exec.  Without /proc the exec fails and the forked copy carries on.
 */
static _Noreturn void
shepherd(struct spawn *sp)
{
	if (shepherd_fds(sp) != 0)
		_exit(1);
	execve("/proc/self/exe", sp->sh_argv, sp->sh_envp);
	shepherd_run(sp);
}

/* glibc calls .init_array functions with (argc, argv, envp). */
__attribute__((constructor)) static void
shepherd_entry(int argc, char **argv, char **envp)
{
	struct spawn sp;
	char *cmd[4] = {"/bin/sh", "-c", NULL, NULL}, *end;
	size_t k, n;

	if (argc != 5 || argv == NULL || argv[0] == NULL || envp == NULL ||
	    strcmp(argv[0], SHEPHERD_ARGV0) != 0)
		return;
	for (k = 0; envp[k] != NULL && strcmp(envp[k], SHEPHERD_ENV) != 0; k++)
		;
	if (envp[k] == NULL)
		return;
	for (n = k; envp[n] != NULL; n++) /* the job must not see it */
		envp[n] = envp[n + 1];
	memset(&sp, 0, sizeof sp);
	sp.jd = 3;
	sp.out = 4;
	sp.err = 5;
	sp.wfd = 6;
	sp.sd = 7;
	sp.limit_s = strtoll(argv[1], &end, 10);
	sp.grace_s = (uint32_t)strtoul(argv[2], &end, 10);
	sp.workdir = argv[3];
	cmd[2] = argv[4];
	sp.argv = cmd;
	sp.envp = envp;
	sp.maxfd = 1024;
	shepherd_run(&sp);
}

/* The forked child of exec_start: detaches and forks the shepherd. */
static _Noreturn void
intermediate(struct spawn *sp)
{
	struct sigaction sa;
	sigset_t set;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_SETMASK, &set, NULL);
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL); /* SIG_IGN would reap the job for us */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	if (setsid() < 0)
		_exit(1);
	if ((pid = fork()) < 0)
		_exit(1);
	if (pid == 0)
		shepherd(sp);
	_exit(0);
}

/* Daemon side ---------------------------------------------------------- */

static int
has_file(const struct local *l, uint64_t id, const char *name,
	 struct stat *st)
{
	struct stat tmp;
	char *p = exec__job_path(l->dir, id, name);
	int r = stat(p, st ? st : &tmp) == 0;

	free(p);
	return r;
}

/* Reads "pid=N start=N" from the job's file name (pid or job). */
static int
read_pidfile(const struct local *l, uint64_t id, const char *name,
	     pid_t *pid, uint64_t *start)
{
	char *p = exec__job_path(l->dir, id, name), buf[128];
	long long pp;
	unsigned long long ss;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	free(p);
	if (fd < 0)
		return -1;
	n = read_all(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "pid=%lld start=%llu", &pp, &ss) != 2 || pp <= 0)
		return -1;
	*pid = (pid_t)pp;
	*start = ss;
	return 0;
}

/* Fills ev from the exit file; 0, or -1 if it is absent or unreadable. */
static int
read_exit(const struct local *l, uint64_t id, struct exec_event *ev)
{
	char *p = exec__job_path(l->dir, id, "exit"), buf[256];
	int st, sig, to, stp, fd = open(p, O_RDONLY | O_CLOEXEC);
	long long end;
	ssize_t n;

	free(p);
	if (fd < 0)
		return -1;
	n = read_all(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "status=%d signal=%d timed_out=%d stopped=%d end=%lld",
		   &st, &sig, &to, &stp, &end) != 5)
		return -1;
	memset(ev, 0, sizeof *ev);
	ev->id = id;
	ev->kind = EXEC_EXITED;
	ev->status = st;
	ev->signal = sig;
	ev->timed_out = to;
	ev->stopped = stp;
	ev->at = end;
	return 0;
}

/* Writes the stop request (grace) into the job's directory. */
static int
write_stop(const struct local *l, uint64_t id, uint32_t grace)
{
	char *d = exec__job_path(l->dir, id, NULL), buf[48], *p;
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	free(d);
	if (fd < 0)
		return -1;
	p = put_str(buf, "grace=");
	p = put_u64(p, grace);
	p = put_str(p, "\n");
	rc = put_file(fd, "stop.tmp", "stop", buf, (size_t)(p - buf), 0);
	close(fd);
	return rc;
}

static void
unlink_in(const struct local *l, uint64_t id, const char *name)
{
	char *p = exec__job_path(l->dir, id, name);

	unlink(p);
	free(p);
}

/* The shepherd is gone without an exit file: kill whatever is left of the
 * job (it has no supervisor and would otherwise run on unaccounted). */
static void
kill_orphan(const struct local *l, uint64_t id)
{
	pid_t pid;
	uint64_t start;

	if (read_pidfile(l, id, "job", &pid, &start) == 0 &&
	    proc_alive(pid, start))
		killpg(pid, SIGKILL);
}

static struct live *
live_find(struct local *l, uint64_t id)
{
	for (size_t i = 0; i < l->nlive; i++)
		if (l->live[i].id == id)
			return &l->live[i];
	return NULL;
}

static void
live_add(struct local *l, uint64_t id, pid_t spid, uint64_t sstart, int rfd,
	 int started_sent)
{
	l->live = xgrow(l->live, &l->caplive, l->nlive + 1, sizeof *l->live);
	l->live[l->nlive++] = (struct live){id, spid, sstart, rfd, started_sent,
					    0};
}

/* NAME=VALUE strings: the daemon's environment minus secrets and the
 * variables the executor sets, then the executor's, then the job's (a
 * later KEY replaces an earlier one). */
static int
env_secret(const char *kv)
{
	static const char *const words[] = ENV_DROP_WORDS;
	static const char *const own[] = {
		"ALLOT_TOKEN=", "CUDA_VISIBLE_DEVICES=", "ALLOT_JOB_ID=",
		"ALLOT_NODE=", "ALLOT_NODELIST=", "ALLOT_GPUS=",
	};
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (strncmp(kv, own[i], strlen(own[i])) == 0)
			return 1;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t wl = strlen(words[i]);
		for (size_t k = 0; k + wl <= klen; k++)
			if (memcmp(kv + k, words[i], wl) == 0)
				return 1;
	}
	return 0;
}




static char **
env_build(const struct exec_job *j)
{
	char **v = NULL, *cuda, num[32];
	size_t n = 0, cap = 0, len = 1;

	v = xgrow(v, &cap, 1, sizeof *v);
	v[0] = NULL;
	for (char **e = environ; e && *e; e++)
		if (!env_secret(*e))
			exec__env_put(&v, &n, &cap, xstrdup(*e));
	for (size_t i = 0; i < j->ngpus; i++)
		len += 12;
	cuda = xmalloc(len);
	cuda[0] = '\0';
	for (size_t i = 0, o = 0; i < j->ngpus; i++)
		o += (size_t)snprintf(cuda + o, len - o, "%s%d", i ? "," : "",
				      j->gpus[i]);
	exec__env_put(&v, &n, &cap, exec__kv_new("CUDA_VISIBLE_DEVICES", cuda));
	free(cuda);
	snprintf(num, sizeof num, "%" PRIu64, j->id);
	exec__env_put(&v, &n, &cap, exec__kv_new("ALLOT_JOB_ID", num));
	exec__env_put(&v, &n, &cap, exec__kv_new("ALLOT_NODE", j->node ? j->node : "localhost"));
	exec__env_put(&v, &n, &cap, exec__kv_new("ALLOT_NODELIST", j->nodelist ? j->nodelist :
				     j->node ? j->node : "localhost"));
	snprintf(num, sizeof num, "%zu", j->ngpus);
	exec__env_put(&v, &n, &cap, exec__kv_new("ALLOT_GPUS", num));
	for (const char *const *e = j->env; e && *e; e++)
		if (strchr(*e, '=') != NULL && **e != '=')
			exec__env_put(&v, &n, &cap, xstrdup(*e));
	return v;
}


static int
open_out(const char *path, const char *field, int *fd, struct err *e)
{
	*fd = open(path ? path : "/dev/null",
		   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (*fd < 0)
		return err_set(e, ERR_INVALID, "%s: %s: %s", field,
			       path ? path : "/dev/null", strerror(errno));
	return 0;
}

/* Creates the job's directory and its `started` marker (made durable by
 * the shepherd).  ERR_CONFLICT if the directory exists. */
static int
claim(struct local *l, const struct exec_job *j, int *jd, struct err *e)
{
	char *d = exec__job_path(l->dir, j->id, NULL), buf[96];
	int n;

	if (mkdir(d, 0700) != 0) {
		int en = errno;
		free(d);
		if (en == EEXIST)
			return err_set(e, ERR_CONFLICT,
				       "job %" PRIu64 ": already started here "
				       "(%s/%" PRIu64 ")", j->id, l->dir, j->id);
		return err_set(e, ERR_IO, "%s/%" PRIu64 ": %s", l->dir, j->id,
			       strerror(en));
	}
	*jd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(d);
	n = snprintf(buf, sizeof buf, "id=%" PRIu64 " at=%" PRId64 "\n", j->id,
		     exec__now_real());
	/* no fsync here: the shepherd syncs both directories before it
	 * runs the job, off the caller's thread */
	if (*jd < 0 || put_file(*jd, "started.tmp", "started", buf, (size_t)n,
				0) != 0)
		goto fail;
	return 0;
fail:
	return err_set(e, ERR_IO, "%s/%" PRIu64 ": cannot record the start: %s",
		       l->dir, j->id, strerror(errno));
}

/* Undoes a claim that failed before its `started` marker was written. */
static void
unclaim(struct local *l, uint64_t id, int jd)
{
	char *d = exec__job_path(l->dir, id, NULL);

	if (jd >= 0) {
		unlinkat(jd, "started", 0);
		unlinkat(jd, "started.tmp", 0);
		close(jd);
	}
	rmdir(d);
	free(d);
}

static int
max_fd(void)
{
	long m = sysconf(_SC_OPEN_MAX);

	return m <= 0 || m > 65536 ? 65536 : (int)m;
}

static int
l_start(struct exec *x, const struct exec_job *j, struct err *e)
{
	struct local *l = (struct local *)x;
	struct spawn sp;
	struct stat st;
	char *argv[4] = {"/bin/sh", "-c", NULL, NULL}, **envp = NULL;
	char *sh_argv[6], **sh_envp = NULL, limit[24], grace[16];
	size_t n;
	int out = -1, errfd = -1, jd = -1, sd = -1, pfd[2] = {-1, -1}, rc, wst;
	pid_t pid, r;

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
	if (stat(j->workdir, &st) != 0)
		return err_set(e, ERR_INVALID, "workdir: %s: %s", j->workdir,
			       strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(e, ERR_INVALID, "workdir: %s: not a directory",
			       j->workdir);
	pthread_mutex_lock(&l->mu);
	if (live_find(l, j->id) != NULL) {
		rc = err_set(e, ERR_CONFLICT, "job %" PRIu64 ": already running "
			     "here", j->id);
		goto out;
	}
	if ((rc = open_out(j->out_path, "out_path", &out, e)) != 0)
		goto out;
	if (j->err_path != NULL && j->out_path != NULL &&
	    strcmp(j->err_path, j->out_path) == 0)
		errfd = fcntl(out, F_DUPFD_CLOEXEC, 0);
	else if ((rc = open_out(j->err_path, "err_path", &errfd, e)) != 0)
		goto out;
	if ((sd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    pipe2(pfd, O_CLOEXEC) != 0) {
		rc = err_set(e, ERR_IO, "%s: %s", l->dir, strerror(errno));
		goto out;
	}
	if ((rc = claim(l, j, &jd, e)) != 0) {
		if (rc != ERR_CONFLICT) {
			unclaim(l, j->id, jd);
			jd = -1;
		}
		goto out;
	}
	/* From here on the `started` marker stays, whatever happens: a
	 * failed fork burns the id (recovery would call it LOST). */
	argv[2] = (char *)j->command;
	envp = env_build(j);
	for (n = 0; envp[n] != NULL; n++)
		;
	sh_envp = xmalloc((n + 2) * sizeof *sh_envp);
	memcpy(sh_envp, envp, n * sizeof *sh_envp);
	sh_envp[n] = SHEPHERD_ENV;
	sh_envp[n + 1] = NULL;
	snprintf(limit, sizeof limit, "%" PRId64, j->time_limit_s);
	snprintf(grace, sizeof grace, "%" PRIu32, j->grace_s);
	sh_argv[0] = SHEPHERD_ARGV0;
	sh_argv[1] = limit;
	sh_argv[2] = grace;
	sh_argv[3] = (char *)j->workdir;
	sh_argv[4] = (char *)j->command;
	sh_argv[5] = NULL;
	sp = (struct spawn){jd, out, errfd, pfd[1], sd, argv, envp, j->workdir,
			    j->time_limit_s, j->grace_s, max_fd(), sh_argv,
			    sh_envp};
	if ((pid = fork()) < 0) {
		rc = err_set(e, ERR_IO, "job %" PRIu64 ": fork: %s", j->id,
			     strerror(errno));
		goto out;
	}
	if (pid == 0)
		intermediate(&sp);
	close(pfd[1]);
	pfd[1] = -1;
	while ((r = waitpid(pid, &wst, 0)) < 0 && errno == EINTR)
		;
	if (r == pid && !(WIFEXITED(wst) && WEXITSTATUS(wst) == 0)) {
		/* the shepherd was never forked */
		rc = err_set(e, ERR_IO, "job %" PRIu64 ": cannot fork the "
			     "shepherd", j->id);
		goto out;
	}
	/* The shepherd answers through the pipe once its pid file is
	 * durable; exec_poll reads the answer without blocking. */
	fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
	live_add(l, j->id, 0, 0, pfd[0], 0);
	pfd[0] = -1;
	rc = 0;
out:
	pthread_mutex_unlock(&l->mu);
	if (out >= 0)
		close(out);
	if (errfd >= 0)
		close(errfd);
	if (jd >= 0)
		close(jd);
	if (sd >= 0)
		close(sd);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	free(sh_envp);
	exec__env_free(envp);
	return rc;
}

static int
l_stop(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e)
{
	struct local *l = (struct local *)x;
	struct live *lv;
	int rc = 0;

	pthread_mutex_lock(&l->mu);
	if ((lv = live_find(l, id)) == NULL) {
		rc = err_set(e, ERR_NOTFOUND, "job %" PRIu64 ": not running here",
			     id);
		goto out;
	}
	if (has_file(l, id, "exit", NULL))
		goto out;
	if (write_stop(l, id, grace_s) != 0) {
		rc = err_set(e, ERR_IO, "job %" PRIu64 ": cannot write the stop "
			     "request: %s", id, strerror(errno));
		goto out;
	}
	if (lv->spid == 0)
		read_pidfile(l, id, "pid", &lv->spid, &lv->sstart);
	/* No pid file yet: the shepherd reads `stop` after writing it. */
	if (lv->spid > 0 && proc_alive(lv->spid, lv->sstart))
		kill(lv->spid, SIGUSR1);
out:
	pthread_mutex_unlock(&l->mu);
	return rc;
}


static void
ev_started(const struct local *l, struct exec_event *ev, uint64_t id)
{
	struct stat st;

	memset(ev, 0, sizeof *ev);
	ev->id = id;
	ev->kind = EXEC_STARTED;
	ev->at = has_file(l, id, "pid", &st) ? (int64_t)st.st_mtime : exec__now_real();
}

/* The end of a shepherd whose pid file exists: EXITED if it wrote its
 * exit file, else (dead) LOST, else (alive) -1 = still running. */
static int
settle(struct local *l, struct live *lv, struct exec_event *ev)
{
	if (read_exit(l, lv->id, ev) == 0)
		return 0;
	if (lv->spid == 0 &&
	    read_pidfile(l, lv->id, "pid", &lv->spid, &lv->sstart) != 0)
		return -1; /* not written yet: exec_start timed out on it */
	if (exec__now_mono_ms() < lv->next_check)
		return -1;
	if (proc_alive(lv->spid, lv->sstart)) {
		lv->next_check = exec__now_mono_ms() + ALIVE_MS;
		return -1;
	}
	if (read_exit(l, lv->id, ev) == 0) /* it wrote it as it died */
		return 0;
	kill_orphan(l, lv->id);
	exec__ev_lost(ev, lv->id, 0); /* it had a pid file: the job may have run */
	return 0;
}

/* Reads the shepherd's answer: 1 its pid file is written, 0 not yet, -1
 * it closed the pipe without answering.  Closes the pipe unless 0. */
static int
ready(struct live *lv)
{
	char c;
	ssize_t n;

	while ((n = read(lv->rfd, &c, 1)) < 0 && errno == EINTR)
		;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	close(lv->rfd);
	lv->rfd = -1;
	return n == 1 ? 1 : -1;
}

static size_t
l_poll(struct exec *x, struct exec_event *ev, size_t cap)
{
	struct local *l = (struct local *)x;
	size_t n = 0, keep = 0, i;

	pthread_mutex_lock(&l->mu);
	for (i = 0; i < l->nlive; i++) {
		struct live *lv = &l->live[i];
		int gone = 0;
		if (n >= cap)
			break;
		if (lv->rfd >= 0) {
			int r = ready(lv);
			if (r == 0) {
				l->live[keep++] = *lv;
				continue;
			}
			if (r < 0 && !has_file(l, lv->id, "pid", NULL)) {
				/* the shepherd died before its pid file,
				 * so before it forked the job */
				exec__ev_lost(&ev[n++], lv->id, 1);
				continue;
			}
		}
		if (!lv->started_sent && has_file(l, lv->id, "pid", NULL)) {
			ev_started(l, &ev[n++], lv->id);
			lv->started_sent = 1;
		}
		if (lv->started_sent && n < cap && settle(l, lv, &ev[n]) == 0) {
			n++;
			gone = 1;
		}
		if (!gone)
			l->live[keep++] = *lv;
	}
	for (; i < l->nlive; i++)
		l->live[keep++] = l->live[i];
	l->nlive = keep;
	pthread_mutex_unlock(&l->mu);
	return n;
}

static int
l_recover(struct exec *x, const uint64_t *ids, size_t n,
	  struct exec_event *ev, struct err *e)
{
	struct local *l = (struct local *)x;

	(void)e;
	pthread_mutex_lock(&l->mu);
	for (size_t i = 0; i < n; i++) {
		uint64_t id = ids[i];
		struct live tmp = {id, 0, 0, -1, 1, 0};

		if (live_find(l, id) != NULL) {
			ev_started(l, &ev[i], id); /* already watched */
			continue;
		}
		if (!has_file(l, id, NULL, NULL)) {
			exec__ev_lost(&ev[i], id, 1); /* never started here */
			continue;
		}
		if (read_exit(l, id, &ev[i]) == 0)
			continue;
		if (!has_file(l, id, "pid", NULL)) {
			/* Forbid it, then look again: a shepherd that writes its
			 * pid file after this sees `stop` and never runs it. */
			write_stop(l, id, 0);
			if (!has_file(l, id, "pid", NULL)) {
				/* a late shepherd sees `stop` and never
				 * runs the job */
				exec__ev_lost(&ev[i], id, 1);
				continue;
			}
			/* It got there first: STARTED either way (if it still
			 * saw `stop`, its EXITED says stopped).  Take the
			 * request back so a later stop signal gets the grace. */
			unlink_in(l, id, "stop");
		}
		if (settle(l, &tmp, &ev[i]) == 0)
			continue;
		live_add(l, id, tmp.spid, tmp.sstart, -1, 1);
		ev_started(l, &ev[i], id);
	}
	pthread_mutex_unlock(&l->mu);
	return 0;
}

static void
l_free(struct exec *x)
{
	struct local *l = (struct local *)x;

	pthread_mutex_destroy(&l->mu);
	for (size_t i = 0; i < l->nlive; i++)
		if (l->live[i].rfd >= 0)
			close(l->live[i].rfd);
	free(l->live);
	free(l->dir);
	free(l);
}

static const struct exec_ops local_ops = {
	"local", l_start, l_stop, l_poll, l_recover, l_free,
};

struct exec *
local_new(const char *state_dir, struct err *e)
{
	struct local *l;
	struct stat st;

	if (state_dir == NULL || *state_dir == '\0') {
		err_set(e, ERR_INVALID, "state_dir: empty");
		return NULL;
	}
	if (mkdir(state_dir, 0700) != 0 && errno != EEXIST) {
		err_set(e, ERR_IO, "state_dir: %s: %s", state_dir,
			strerror(errno));
		return NULL;
	}
	if (stat(state_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		err_set(e, ERR_IO, "state_dir: %s: not a directory", state_dir);
		return NULL;
	}
	l = xcalloc(1, sizeof *l);
	l->base.ops = &local_ops;
	l->dir = xstrdup(state_dir);
	pthread_mutex_init(&l->mu, NULL);
	return &l->base;
}
