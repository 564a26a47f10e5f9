/*
 * idle.c — the idle-reclaim rule (idle.h).  The state of one grant is two
 * times and a counter, owned by the caller; idle_check is its only
 * writer.  The idle share is computed in exact integers where it decides
 * (GPU-seconds against capacity), and as a double only for the
 * threshold comparison.
 */
#include "compete/idle.h"

#include "util/alloc.h"

void
idle_rule_default(struct idle_rule *r)
{
	r->threshold = 0.5;
	r->window_s = 14 * (int64_t)IDLE_DAY;
	r->notice_s = 7 * (int64_t)IDLE_DAY;
	r->keep_servers = 1;
	r->rampup_s = 30 * (int64_t)IDLE_DAY;
}

int
idle_rule_check(const struct idle_rule *r, struct err *e)
{
	if (!(r->threshold >= 0 && r->threshold < 1))
		return err_set(e, ERR_INVALID, "idle: threshold: %g: expected "
		    "0 <= t < 1", r->threshold);
	if (r->window_s <= 0 || r->window_s > 10 * 366 * (int64_t)IDLE_DAY)
		return err_set(e, ERR_INVALID, "idle: window_s: %lld: expected "
		    "1 s .. 10 years", (long long)r->window_s);
	if (r->notice_s < 0 || r->notice_s > 10 * 366 * (int64_t)IDLE_DAY)
		return err_set(e, ERR_INVALID, "idle: notice_s: %lld: expected "
		    "0 .. 10 years", (long long)r->notice_s);
	if (r->rampup_s < 0 || r->rampup_s > 10 * 366 * (int64_t)IDLE_DAY)
		return err_set(e, ERR_INVALID, "idle: rampup_s: %lld: expected "
		    "0 .. 10 years", (long long)r->rampup_s);
	return 0;
}

void
idle_state_init(struct idle_state *st)
{
	st->warned_at = -1;
	st->reclaimed_at = -1;
	st->reclaimed_servers = 0;
}

const char *
idle_action_name(enum idle_action a)
{
	switch (a) {
	case IDLE_NONE: return "none";
	case IDLE_WARN: return "warn";
	case IDLE_RECLAIM: return "reclaim";
	case IDLE_CLEAR: return "clear";
	}
	return "?";
}

static enum idle_action
clear(struct idle_state *st)
{
	if (st->warned_at < 0)
		return IDLE_NONE;
	st->warned_at = -1;
	return IDLE_CLEAR;
}

enum idle_action
idle_check(const struct idle_rule *r, struct idle_state *st, int64_t now,
	   int64_t grant_start, uint32_t granted_servers, uint64_t used_gpu_s,
	   uint32_t *reclaim_servers)
{
	int64_t from = now - r->window_s;
	uint64_t cap_gpu_s, idle_gpu_s, idle_servers;
	double idle;

	ALLOT_ASSERT(idle_rule_check(r, NULL) == 0);
	*reclaim_servers = 0;
	if (granted_servers <= r->keep_servers)
		return clear(st);
	if (from < grant_start || from - grant_start < r->rampup_s ||
	    (st->reclaimed_at >= 0 && from < st->reclaimed_at))
		return IDLE_NONE;
	cap_gpu_s = (uint64_t)granted_servers * IDLE_GPUS_PER_SERVER *
	    (uint64_t)r->window_s;
	idle_gpu_s = used_gpu_s < cap_gpu_s ? cap_gpu_s - used_gpu_s : 0;
	idle = (double)idle_gpu_s / (double)cap_gpu_s;
	if (!(idle > r->threshold))
		return clear(st);
	if (st->warned_at < 0) {
		st->warned_at = now;
		return IDLE_WARN;
	}
	if (now - st->warned_at < r->notice_s)
		return IDLE_NONE;
	/* Whole idle servers: idle GPU-seconds over one server's window. */
	idle_servers = idle_gpu_s /
	    ((uint64_t)IDLE_GPUS_PER_SERVER * (uint64_t)r->window_s);
	if (idle_servers > granted_servers - r->keep_servers)
		idle_servers = granted_servers - r->keep_servers;
	if (idle_servers == 0)
		return IDLE_NONE;
	*reclaim_servers = (uint32_t)idle_servers;
	st->reclaimed_servers += (uint32_t)idle_servers;
	st->reclaimed_at = now;
	st->warned_at = -1;
	return IDLE_RECLAIM;
}
