/*
 * test-panel.c — panel score CSV: parsing, range and duplicate errors,
 * and the weighted team means a bootstrap over evaluators uses.
 */
#include <math.h>

#include "sim/panel.h"
#include "test.h"

static int
parse(struct panel *p, const char *t, struct err *e)
{
	return panel_parse(p, "p.csv", t, strlen(t), 0, 10, NULL, 0, e);
}

TEST(panel_basic)
{
	const char *t = "evaluator,team,criterion,score\n"
	    "e1,red,novelty,8\ne1,red,rigour,6\ne2,red,novelty,4\n"
	    "e1,blue,novelty,5\ne2,blue,novelty,7.5\n";
	struct panel p = { 0 };
	double m[2];
	uint32_t w[2] = { 2, 0 }; /* e1 drawn twice, e2 never */

	CHECK_EQ_INT(parse(&p, t, NULL), 0);
	CHECK_EQ_INT(p.n, 5);
	CHECK_EQ_INT(p.teams.n, 2);
	CHECK_EQ_INT(p.criteria.n, 2);
	panel_team_means(&p, -1, NULL, m);
	CHECK_NEAR(m[0], 6, 1e-12);      /* (8 + 6 + 4) / 3 */
	CHECK_NEAR(m[1], 6.25, 1e-12);   /* (5 + 7.5) / 2 */
	panel_team_means(&p, 0, NULL, m);
	CHECK_NEAR(m[0], 6, 1e-12);      /* novelty: (8 + 4) / 2 */
	panel_team_means(&p, -1, w, m);
	CHECK_NEAR(m[0], 7, 1e-12);      /* e1 only: (8 + 6) / 2 */
	CHECK_NEAR(m[1], 5, 1e-12);
	panel_team_means(&p, 1, w, m);
	CHECK(isnan(m[1]));              /* blue has no rigour score */
	panel_free(&p);
}

TEST(panel_hostile)
{
	static const char *const teams[] = { "red", "blue" };
	const char *ok = "evaluator,team,criterion,score\ne,red,c,1\n"
	    "e,green,c,2\n";
	struct panel p = { 0 };
	struct err e;

	CHECK_EQ_INT(parse(&p, "evaluator,team,crit,score\n", &e),
	    ERR_INVALID);
	CHECK_CONTAINS(e.msg, "p.csv:1: criterion: expected the header");
	CHECK_EQ_INT(parse(&p, "evaluator,team,criterion,score\n"
	    "e,t,c,nan\n", &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "p.csv:2: score");
	CHECK_EQ_INT(parse(&p, "evaluator,team,criterion,score\n"
	    "e,t,c,10.5\n", &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "p.csv:2: score");
	CHECK_EQ_INT(parse(&p, "evaluator,team,criterion,score\n"
	    "e,t,c,-1\n", &e), ERR_INVALID);
	CHECK_EQ_INT(parse(&p, "evaluator,team,criterion,score\n"
	    "e,t,c,1,2\n", &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "p.csv:2: expected 4 fields");
	CHECK_EQ_INT(parse(&p, "evaluator,team,criterion,score\n"
	    ",t,c,1\n", &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "p.csv:2: evaluator: empty");
	CHECK_EQ_INT(parse(&p, "evaluator,team,criterion,score\n"
	    "e,t,c,1\nf,t,c,2\ne,t,c,3\n", &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "p.csv:4: criterion: duplicate score: "
	    "evaluator \"e\", team \"t\", criterion \"c\" already scored at "
	    "line 2");
	CHECK_EQ_INT(p.n, 0);
	CHECK_EQ_INT(p.teams.n, 0);
	CHECK_EQ_INT(parse(&p, "", &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "empty file");
	CHECK_EQ_INT(panel_parse(&p, "p.csv", ok, strlen(ok), 0, 10, teams, 2,
	    &e), ERR_INVALID);
	CHECK_CONTAINS(e.msg, "p.csv:3: team: unknown team \"green\"");
	CHECK_EQ_INT(p.n, 0);
}
