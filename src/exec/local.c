/*
 * local.c — the local executor (skeleton: the interface compiles, nothing
 * runs yet; the shepherd implementation follows).
 */
#include "exec/local.h"

#include <stdlib.h>

#include "util/alloc.h"

struct local {
	struct exec base;
	char *dir;
};

static int
l_start(struct exec *x, const struct exec_job *j, struct err *e)
{
	(void)x;
	(void)j;
	return err_set(e, ERR_INTERNAL, "local executor: not implemented yet");
}

static int
l_stop(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e)
{
	(void)x;
	(void)grace_s;
	return err_set(e, ERR_NOTFOUND, "job %llu: not running here",
		       (unsigned long long)id);
}

static size_t
l_poll(struct exec *x, struct exec_event *ev, size_t cap)
{
	(void)x;
	(void)ev;
	(void)cap;
	return 0;
}

static int
l_recover(struct exec *x, const uint64_t *ids, size_t n,
	  struct exec_event *ev, struct err *e)
{
	(void)x;
	(void)e;
	for (size_t i = 0; i < n; i++) {
		ev[i] = (struct exec_event){0};
		ev[i].id = ids[i];
		ev[i].kind = EXEC_LOST;
	}
	return 0;
}

static void
l_free(struct exec *x)
{
	struct local *l = (struct local *)x;
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

	if (state_dir == NULL || *state_dir == '\0') {
		err_set(e, ERR_INVALID, "state_dir: empty");
		return NULL;
	}
	l = xcalloc(1, sizeof *l);
	l->base.ops = &local_ops;
	l->dir = xstrdup(state_dir);
	return &l->base;
}
