/*
 * idle.h — idle reclaim: a grant whose GPUs sit idle is warned, and if it
 * stays idle through a notice period its idle servers go back to the
 * program, which re-awards them (opencall_readmit).  Pure: the caller
 * measures usage and calls idle_check at times of its choosing (e.g.
 * daily); no clock, no I/O.
 *
 * One check at time now, for a grant of granted_servers 8-GPU servers
 * (what it holds now, after earlier reclaims) that started at
 * grant_start, with used_gpu_s GPU-seconds used against it in the window
 * [now - window_s, now):
 *
 *  - Not judged (IDLE_NONE, state unchanged) while the window reaches
 *    back before grant_start + rampup_s (a young grant: new clusters ran
 *    slow for a month in 2025, so the ramp-up is configurable), or
 *    before the last reclaim (a full window at the new size is needed),
 *    or when the grant holds no more than keep_servers (nothing could be
 *    taken; a standing warning is cleared: IDLE_CLEAR).
 *  - idle = 1 - used_gpu_s / (granted_servers * 8 * window_s), at least
 *    0 (usage above the grant, borrowed, counts as busy).
 *  - idle <= threshold: a standing warning is cleared (IDLE_CLEAR), else
 *    IDLE_NONE.
 *  - idle > threshold and no warning: IDLE_WARN, warned_at = now.
 *  - idle > threshold, warned, now - warned_at < notice_s: IDLE_NONE
 *    (the notice runs).
 *  - idle > threshold, warned, notice over: IDLE_RECLAIM of the idle
 *    servers, floor(granted_servers * 8 * idle / 8) — the idle GPUs in
 *    whole servers — but never leaving fewer than keep_servers.  The
 *    warning is spent (warned_at = -1): a further reclaim needs a new
 *    full window, a new warning and a new notice, so a grant loses
 *    servers at most once per notice.  If that count is 0 the grant
 *    stays warned and IDLE_NONE is returned.
 */
#ifndef ALLOT_COMPETE_IDLE_H
#define ALLOT_COMPETE_IDLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define IDLE_GPUS_PER_SERVER 8
#define IDLE_DAY 86400

struct idle_rule {
	double threshold;       /* idle fraction that warns, [0, 1) */
	int64_t window_s;       /* measured window, > 0 */
	int64_t notice_s;       /* warning -> reclaim, >= 0 */
	uint32_t keep_servers;  /* never reclaim below this */
	int64_t rampup_s;       /* a new grant's grace before its first
				 * window, >= 0 */
};

struct idle_state {
	int64_t warned_at;          /* -1: not warned */
	int64_t reclaimed_at;       /* -1: never reclaimed */
	uint32_t reclaimed_servers; /* total taken back so far */
};

enum idle_action { IDLE_NONE = 0, IDLE_WARN, IDLE_RECLAIM, IDLE_CLEAR };

/* The defaults: threshold 0.5, window 14 days, notice 7 days, keep 1
 * server, ramp-up 30 days (our choices; the program published none). */
void idle_rule_default(struct idle_rule *r);
/* 0, or ERR_INVALID naming the field. */
int idle_rule_check(const struct idle_rule *r, struct err *e);
/* A grant never warned nor reclaimed. */
void idle_state_init(struct idle_state *st);

/*
 * One check as above.  r must pass idle_rule_check (asserted).  For
 * IDLE_RECLAIM *reclaim_servers gets the servers to take back (> 0) and
 * st->reclaimed_servers grows by it; otherwise *reclaim_servers = 0.
 * The caller lowers the grant by that many servers (and the award, for
 * opencall_readmit).
 */
enum idle_action idle_check(const struct idle_rule *r, struct idle_state *st,
			    int64_t now, int64_t grant_start,
			    uint32_t granted_servers, uint64_t used_gpu_s,
			    uint32_t *reclaim_servers);

/* "none", "warn", "reclaim", "clear". */
const char *idle_action_name(enum idle_action a);

#endif
