/*
 * test-idle.c — idle reclaim (compete/idle.h) with hand-computed
 * figures: ramp-up, warn -> clear, warn -> reclaim after the notice,
 * once per notice, keep_servers, thresholds at the edge, and bad rules.
 *
 * The grant in most tests: 10 servers (80 GPUs) from day 0, rule
 * threshold 0.5, window 14 days, notice 7 days, keep 1, ramp-up 30 days.
 * A full window is 80 x 14 x 86,400 = 96,768,000 GPU-seconds.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "compete/idle.h"
#include "test.h"

#define D IDLE_DAY
#define FULL 96768000ULL /* 10 servers over a 14-day window */

static enum idle_action
check(const struct idle_rule *r, struct idle_state *st, int64_t now,
      uint32_t servers, uint64_t used, uint32_t *got)
{
	return idle_check(r, st, now, 0, servers, used, got);
}

TEST(idle_rampup)
{
	struct idle_rule r;
	struct idle_state st;
	uint32_t got = 99;

	idle_rule_default(&r);
	idle_state_init(&st);
	/* Window [29 d, 43 d) starts inside the 30-day ramp-up. */
	CHECK_EQ_INT(check(&r, &st, 43 * D, 10, 0, &got), IDLE_NONE);
	CHECK_EQ_INT(got, 0);
	CHECK_EQ_INT(st.warned_at, -1);
	/* Window [30 d, 44 d): judged; all idle. */
	CHECK_EQ_INT(check(&r, &st, 44 * D, 10, 0, &got), IDLE_WARN);
	CHECK_EQ_INT(st.warned_at, 44 * D);
	/* No ramp-up: judged as soon as a whole window lies in the grant. */
	r.rampup_s = 0;
	idle_state_init(&st);
	CHECK_EQ_INT(check(&r, &st, 14 * D - 1, 10, 0, &got), IDLE_NONE);
	CHECK_EQ_INT(check(&r, &st, 14 * D, 10, 0, &got), IDLE_WARN);
	/* A grant that starts later: its own start counts. */
	idle_state_init(&st);
	CHECK_EQ_INT(idle_check(&r, &st, 20 * D, 7 * D, 10, 0, &got),
		     IDLE_NONE);
	CHECK_EQ_INT(idle_check(&r, &st, 21 * D, 7 * D, 10, 0, &got),
		     IDLE_WARN);
}

TEST(idle_warn_then_reclaim)
{
	struct idle_rule r;
	struct idle_state st;
	uint64_t used = FULL * 3 / 10;  /* 29,030,400: 70 % idle */
	uint32_t got;

	idle_rule_default(&r);
	idle_state_init(&st);
	CHECK_EQ_INT(check(&r, &st, 44 * D, 10, used, &got), IDLE_WARN);
	/* Inside the notice: nothing. */
	CHECK_EQ_INT(check(&r, &st, 50 * D, 10, used, &got), IDLE_NONE);
	CHECK_EQ_INT(check(&r, &st, 51 * D - 1, 10, used, &got), IDLE_NONE);
	/* Notice over: idle GPU-s 67,737,600 / (8 x 1,209,600) = 7 servers
	 * exactly; keep 1 allows up to 9. */
	CHECK_EQ_INT(check(&r, &st, 51 * D, 10, used, &got), IDLE_RECLAIM);
	CHECK_EQ_INT(got, 7);
	CHECK_EQ_INT(st.reclaimed_servers, 7);
	CHECK_EQ_INT(st.warned_at, -1);
	CHECK_EQ_INT(st.reclaimed_at, 51 * D);
	/* At most once per notice: the grant now holds 3 servers, and is
	 * not judged until a whole window has passed since the reclaim. */
	CHECK_EQ_INT(check(&r, &st, 52 * D, 3, 0, &got), IDLE_NONE);
	CHECK_EQ_INT(check(&r, &st, 65 * D - 1, 3, 0, &got), IDLE_NONE);
	CHECK_EQ_INT(check(&r, &st, 65 * D, 3, 0, &got), IDLE_WARN);
	CHECK_EQ_INT(check(&r, &st, 71 * D, 3, 0, &got), IDLE_NONE);
	/* All idle: 3 servers idle, keep 1: 2 taken. */
	CHECK_EQ_INT(check(&r, &st, 72 * D, 3, 0, &got), IDLE_RECLAIM);
	CHECK_EQ_INT(got, 2);
	CHECK_EQ_INT(st.reclaimed_servers, 9);
	/* Down to keep_servers: never judged again. */
	CHECK_EQ_INT(check(&r, &st, 200 * D, 1, 0, &got), IDLE_NONE);
}

TEST(idle_warn_then_clear)
{
	struct idle_rule r;
	struct idle_state st;
	uint32_t got;

	idle_rule_default(&r);
	idle_state_init(&st);
	CHECK_EQ_INT(check(&r, &st, 44 * D, 10, FULL / 10, &got), IDLE_WARN);
	/* Busy again (60 % used, 40 % idle): cleared. */
	CHECK_EQ_INT(check(&r, &st, 48 * D, 10, FULL * 6 / 10, &got),
		     IDLE_CLEAR);
	CHECK_EQ_INT(st.warned_at, -1);
	CHECK_EQ_INT(check(&r, &st, 49 * D, 10, FULL * 6 / 10, &got),
		     IDLE_NONE);
	/* Idle again: a new warning, a new notice from it. */
	CHECK_EQ_INT(check(&r, &st, 50 * D, 10, 0, &got), IDLE_WARN);
	CHECK_EQ_INT(check(&r, &st, 56 * D, 10, 0, &got), IDLE_NONE);
	CHECK_EQ_INT(check(&r, &st, 57 * D, 10, 0, &got), IDLE_RECLAIM);
	CHECK_EQ_INT(got, 9);  /* all 10 idle, keep 1 */
}

TEST(idle_threshold_edges)
{
	struct idle_rule r;
	struct idle_state st;
	uint32_t got;

	idle_rule_default(&r);
	idle_state_init(&st);
	/* Exactly 50 % idle is not beyond the threshold. */
	CHECK_EQ_INT(check(&r, &st, 44 * D, 10, FULL / 2, &got), IDLE_NONE);
	/* One GPU-second less used is. */
	CHECK_EQ_INT(check(&r, &st, 44 * D, 10, FULL / 2 - 1, &got),
		     IDLE_WARN);
	/* Usage above the grant (borrowed) is busy, not negative idle. */
	CHECK_EQ_INT(check(&r, &st, 45 * D, 10, FULL * 2, &got), IDLE_CLEAR);
	/* Idle beyond the threshold but under one whole server: stays
	 * warned, takes nothing.  threshold 0.1, 5 servers, 15 % idle =
	 * 0.75 servers. */
	r.threshold = 0.1;
	idle_state_init(&st);
	CHECK_EQ_INT(check(&r, &st, 44 * D, 5, FULL / 2 * 85 / 100, &got),
		     IDLE_WARN);
	CHECK_EQ_INT(check(&r, &st, 60 * D, 5, FULL / 2 * 85 / 100, &got),
		     IDLE_NONE);
	CHECK_EQ_INT(got, 0);
	CHECK_EQ_INT(st.warned_at, 44 * D);
	CHECK_EQ_INT(st.reclaimed_servers, 0);
	/* Rounded down: 55 % idle of 10 servers = 5.5 -> 5. */
	r.threshold = 0.5;
	idle_state_init(&st);
	CHECK_EQ_INT(check(&r, &st, 44 * D, 10, FULL * 45 / 100, &got),
		     IDLE_WARN);
	CHECK_EQ_INT(check(&r, &st, 51 * D, 10, FULL * 45 / 100, &got),
		     IDLE_RECLAIM);
	CHECK_EQ_INT(got, 5);
}

TEST(idle_keep_servers)
{
	struct idle_rule r;
	struct idle_state st;
	uint32_t got;

	idle_rule_default(&r);
	r.keep_servers = 3;
	idle_state_init(&st);
	/* 4 servers, all idle: only 1 may go. */
	CHECK_EQ_INT(check(&r, &st, 44 * D, 4, 0, &got), IDLE_WARN);
	CHECK_EQ_INT(check(&r, &st, 51 * D, 4, 0, &got), IDLE_RECLAIM);
	CHECK_EQ_INT(got, 1);
	/* A warned grant that shrinks to keep_servers (the caller cut it)
	 * has its warning cleared. */
	idle_state_init(&st);
	CHECK_EQ_INT(check(&r, &st, 44 * D, 4, 0, &got), IDLE_WARN);
	CHECK_EQ_INT(check(&r, &st, 45 * D, 3, 0, &got), IDLE_CLEAR);
	CHECK_EQ_INT(check(&r, &st, 46 * D, 3, 0, &got), IDLE_NONE);
	CHECK_EQ_INT(check(&r, &st, 46 * D, 0, 0, &got), IDLE_NONE);
	/* keep 0: a fully idle grant goes entirely. */
	r.keep_servers = 0;
	idle_state_init(&st);
	CHECK_EQ_INT(check(&r, &st, 44 * D, 2, 0, &got), IDLE_WARN);
	CHECK_EQ_INT(check(&r, &st, 51 * D, 2, 0, &got), IDLE_RECLAIM);
	CHECK_EQ_INT(got, 2);
	/* Zero notice: reclaimed at the first check after the warning. */
	r.notice_s = 0;
	idle_state_init(&st);
	CHECK_EQ_INT(check(&r, &st, 44 * D, 2, 0, &got), IDLE_WARN);
	CHECK_EQ_INT(check(&r, &st, 44 * D, 2, 0, &got), IDLE_RECLAIM);
}

TEST(idle_bad_rule)
{
	struct idle_rule r;
	struct err e;

	idle_rule_default(&r);
	CHECK_EQ_INT(idle_rule_check(&r, &e), 0);
	r.threshold = 1;
	CHECK(idle_rule_check(&r, &e) == ERR_INVALID);
	CHECK_STR(e.msg, "idle: threshold: 1: expected 0 <= t < 1");
	r.threshold = NAN;
	CHECK(idle_rule_check(&r, &e) == ERR_INVALID);
	idle_rule_default(&r);
	r.window_s = 0;
	CHECK(idle_rule_check(&r, &e) == ERR_INVALID);
	CHECK_STR(e.msg, "idle: window_s: 0: expected 1 s .. 10 years");
	idle_rule_default(&r);
	r.notice_s = -1;
	CHECK(idle_rule_check(&r, &e) == ERR_INVALID);
	idle_rule_default(&r);
	r.rampup_s = -5;
	CHECK(idle_rule_check(&r, &e) == ERR_INVALID);
	CHECK_STR(e.msg, "idle: rampup_s: -5: expected 0 .. 10 years");
	CHECK_STR(idle_action_name(IDLE_RECLAIM), "reclaim");
}
