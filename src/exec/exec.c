/*
 * exec.c — the executor interface's dispatch (see exec.h).
 *
 * The jump through the operations table: the contracts live
 * in exec.h, the behaviour in each implementation (local.c, sx.c), and
 * the few helpers both share (exec_int.h).
 */
#include "exec/exec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/exec_int.h"
#include "util/alloc.h"

int
exec_start(struct exec *x, const struct exec_job *j, struct err *e)
{
	return x->ops->start(x, j, e);
}

int
exec_stop(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e)
{
	return x->ops->stop(x, id, grace_s, e);
}

size_t
exec_poll(struct exec *x, struct exec_event *ev, size_t cap)
{
	return x->ops->poll(x, ev, cap);
}

int
exec_recover(struct exec *x, const uint64_t *ids, size_t n,
	     struct exec_event *ev, struct err *e)
{
	return x->ops->recover(x, ids, n, ev, e);
}

void
exec_free(struct exec *x)
{
	if (x != NULL)
		x->ops->free(x);
}

const char *
exec_name(const struct exec *x)
{
	return x->ops->name;
}

/* ---- shared by the executors (exec_int.h) ---- */

void
exec__env_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void
exec__env_put(char ***v, size_t *n, size_t *cap, char *kv)
{
	for (size_t i = 0; i < *n; i++)
		if (exec__same_key((*v)[i], kv)) {
			free((*v)[i]);
			(*v)[i] = kv;
			return;
		}
	*v = xgrow(*v, cap, *n + 2, sizeof **v);
	(*v)[(*n)++] = kv;
	(*v)[*n] = NULL;
}

void
exec__ev_lost(struct exec_event *ev, uint64_t id, int never_started)
{
	memset(ev, 0, sizeof *ev);
	ev->id = id;
	ev->kind = EXEC_LOST;
	ev->status = -1;
	ev->never_started = never_started;
	ev->at = exec__now_real();
}

char *
exec__job_path(const char *dir, uint64_t id, const char *name)
{
	size_t n = strlen(dir) + 48 + (name ? strlen(name) : 0);
	char *p = xmalloc(n);

	if (name)
		snprintf(p, n, "%s/%" PRIu64 "/%s", dir, id, name);
	else
		snprintf(p, n, "%s/%" PRIu64, dir, id);
	return p;
}

char *
exec__kv_new(const char *k, const char *v)
{
	size_t n = strlen(k) + strlen(v) + 2;
	char *s = xmalloc(n);

	snprintf(s, n, "%s=%s", k, v);
	return s;
}

int64_t
exec__now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
exec__now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int
exec__same_key(const char *a, const char *b)
{
	while (*a && *a == *b && *a != '=') {
		a++;
		b++;
	}
	return *a == *b || ((*a == '=' || !*a) && (*b == '=' || !*b));
}
