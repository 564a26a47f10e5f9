/*
 * exec.c — the executor interface's dispatch (see exec.h).
 *
 * Nothing but the jump through the operations table: the contracts live
 * in exec.h, the behaviour in each implementation (local.c, ...).
 */
#include "exec/exec.h"

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
