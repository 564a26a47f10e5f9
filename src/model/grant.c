/*
 * grant.c — the grant container and interval arithmetic (see grant.h).
 */
#include "model/grant.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void
grants_init(struct grants *g)
{
	memset(g, 0, sizeof *g);
}

void
grants_free(struct grants *g)
{
	if (g == NULL)
		return;
	free(g->v);
	memset(g, 0, sizeof *g);
}

long
grants_add(struct grants *gs, const struct grant *g, int nmodels, struct err *e)
{
	if (g->gpus <= 0)
		return err_at(e, ERR_INVALID, NULL, 0, "gpus",
			      "must be > 0, got %lld", (long long)g->gpus);
	if (g->start >= g->end)
		return err_at(e, ERR_INVALID, NULL, 0, "end",
			      "must be after start (%lld >= %lld)",
			      (long long)g->start, (long long)g->end);
	if (g->model < 0 || g->model >= nmodels)
		return err_at(e, ERR_INVALID, NULL, 0, "model",
			      "unknown model id %d", g->model);
	if (g->borrow_limit < GRANT_NO_LIMIT || g->lend_limit < GRANT_NO_LIMIT)
		return err_at(e, ERR_INVALID, NULL, 0, "limit",
			      "limits are >= 0 or -1 (none)");
	gs->v = xgrow(gs->v, &gs->cap, gs->n + 1, sizeof *gs->v);
	gs->v[gs->n] = *g;
	gs->v[gs->n].id = (uint32_t)gs->n;
	return (long)gs->n++;
}

int
grant_active(const struct grant *g, int64_t t)
{
	return g->start <= t && t < g->end;
}

int64_t
grants_next_change(const struct grants *gs, int64_t t)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < gs->n; i++) {
		if (gs->v[i].start > t && gs->v[i].start < next)
			next = gs->v[i].start;
		if (gs->v[i].end > t && gs->v[i].end < next)
			next = gs->v[i].end;
	}
	return next;
}
