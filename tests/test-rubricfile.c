/*
 * test-rubricfile.c — the rubric file parser (compete/rubricfile.h):
 * the example of docs/ROUNDS.md read field by field, defaults, and one
 * broken variant per message.
 */
#include <string.h>

#include "compete/rubricfile.h"
#include "test.h"

static const char example[] =
    "# Korea 2026, round 1 (DESIGN.md section 5)\n"
    "rubric korea-2026-r1 version 2026.1\n"
    "part bench.national 10 group benchmarks source results task=kmmlu metric=acc,none norm fixed 0.25 1\n"
    "part bench.common   20 group benchmarks source results task=mmlu,arc_challenge,hellaswag metric=acc_norm norm fixed 0.25 1\n"
    "part bench.own      10 group benchmarks source results task=own metric=acc,none norm minmax\n"
    "part experts        35 group experts source panel criterion=all norm fixed 0 10\n"
    "part users          25 group users source votes rating=bt prior=0.1 norm minmax  # BT\n"
    "\n"
    "gate from-scratch source file\n"
    "gate licence\n"
    "finalists 3\n"
    "tie part users\n"
    "panel range 0 10\n"
    "bootstrap reps 2000 level 0.9 confidence 0.975 seed 11\n";

static int
parse(const char *text, struct rubricfile *rf, struct err *e)
{
	memset(e, 0, sizeof *e);
	return rubricfile_parse("r.txt", text, strlen(text), rf, e);
}

TEST(rubricfile_example)
{
	struct rubricfile rf;
	struct err e;
	const struct rubricfile_part *p;
	char pol[64];

	CHECK_EQ_INT(parse(example, &rf, &e), 0);
	CHECK_STR(rf.name, "korea-2026-r1");
	CHECK_STR(rf.version, "2026.1");
	rubricfile_policy(&rf, pol, sizeof pol);
	CHECK_STR(pol, "round:korea-2026-r1@2026.1");
	CHECK_EQ_INT(rf.nparts, 5);
	p = &rf.parts[0];
	CHECK_STR(p->name, "bench.national");
	CHECK_STR(p->group, "benchmarks");
	CHECK(p->weight == 10 && p->norm == RUBRIC_FIXED && p->lo == 0.25 &&
	    p->hi == 1 && p->source == RUBRICFILE_RESULTS);
	CHECK_EQ_INT(p->ntasks, 1);
	CHECK_STR(p->tasks[0], "kmmlu");
	CHECK_STR(p->metric, "acc");
	CHECK_STR(p->filter, "none");
	p = &rf.parts[1];
	CHECK_EQ_INT(p->ntasks, 3);
	CHECK_STR(p->tasks[2], "hellaswag");
	CHECK_STR(p->metric, "acc_norm");
	CHECK(p->filter == NULL);
	CHECK(rf.parts[2].norm == RUBRIC_MINMAX);
	p = &rf.parts[3];
	CHECK(p->source == RUBRICFILE_PANEL && p->criterion == NULL);
	p = &rf.parts[4];
	CHECK(p->source == RUBRICFILE_VOTES && p->rating == RUBRICFILE_BT &&
	    p->prior == 0.1);
	CHECK_EQ_INT(rf.ngates, 2);
	CHECK_STR(rf.gates[0], "from-scratch");
	CHECK_STR(rf.gates[1], "licence");
	CHECK_EQ_INT(rf.cfg.finalists, 3);
	CHECK(rf.cfg.tie == ROUND_TIE_PART);
	CHECK_EQ_INT(rf.cfg.tie_part, 4);
	CHECK_EQ_INT(rf.cfg.reps, 2000);
	CHECK(rf.cfg.level == 0.9 && rf.cfg.confidence == 0.975);
	CHECK_EQ_INT(rf.cfg.seed, 11);
	CHECK_EQ_INT(rf.rubric.nparts, 5);
	CHECK(rf.rubric.parts[3].weight == 35);
	CHECK_STR(rf.rubric.parts[3].name, "experts");
	CHECK_EQ_INT(rubricfile_find_part(&rf, "bench.own"), 2);
	CHECK_EQ_INT(rubricfile_find_part(&rf, "nope"), -1);
	rubricfile_free(&rf);
	rubricfile_free(&rf); /* a freed struct is zeroed */
}

TEST(rubricfile_defaults)
{
	struct rubricfile rf;
	struct err e;

	CHECK_EQ_INT(parse("rubric r\npart a 1 source panel norm minmax\n"
	    "finalists 1", &rf, &e), 0);
	CHECK_STR(rf.version, "1");
	CHECK_STR(rf.parts[0].group, "");
	CHECK(rf.parts[0].criterion == NULL);
	CHECK(rf.cfg.tie == ROUND_TIE_KEEP);
	CHECK(rf.cfg.reps == 2000 && rf.cfg.level == 0.95 &&
	    rf.cfg.confidence == 0.95 && rf.cfg.seed == 1);
	CHECK(rf.panel_lo == 0 && rf.panel_hi == 10);
	CHECK_EQ_INT(rf.ngates, 0);
	rubricfile_free(&rf);
}

TEST(rubricfile_errors)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"", "r.txt: rubric: missing (the file must start with rubric NAME)"},
		{"finalists 2\n", "r.txt:1: rubric: the file must start with rubric NAME"},
		{"rubric r\nfinalists 1\n", "r.txt: part: no parts"},
		{"rubric r\npart a 1 source panel norm minmax\n", "r.txt: finalists: missing"},
		{"rubric r\nrubric s\n", "r.txt:2: rubric: given twice"},
		{"rubric r x\n", "r.txt:1: rubric: expected rubric NAME [version V]"},
		{"rubric r\npart a 0 source panel norm minmax\n", "r.txt:2: weight: a: expected a number > 0"},
		{"rubric r\npart a -3 source panel norm minmax\n", "r.txt:2: weight: a: expected a number > 0"},
		{"rubric r\npart a nan source panel norm minmax\n", "r.txt:2: weight: expected a finite number, got \"nan\""},
		{"rubric r\npart a 1e999 source panel norm minmax\n", "r.txt:2: weight: expected a finite number, got \"1e999\""},
		{"rubric r\npart a 1 source panel\n", "r.txt:2: norm: a: missing"},
		{"rubric r\npart a 1 norm minmax\n", "r.txt:2: source: a: missing"},
		{"rubric r\npart a 1 source web norm minmax\n", "r.txt:2: source: expected results, panel or votes"},
		{"rubric r\npart a 1 source panel norm fixed 1 1\n", "r.txt:2: norm: fixed LO HI: expected LO < HI"},
		{"rubric r\npart a 1 source panel norm fixed 0\n", "r.txt:2: norm: expected fixed LO HI or minmax"},
		{"rubric r\npart a 1 source panel norm minmax colour=red\n", "r.txt:2: part: unknown word \"colour=red\""},
		{"rubric r\npart a 1 source results norm minmax\n", "r.txt:2: source: a: results needs task=T[,T] and metric=M[,FILTER]"},
		{"rubric r\npart a 1 source panel task=x metric=acc norm minmax\n", "r.txt:2: task: a: task= and metric= are for source results"},
		{"rubric r\npart a 1 source votes criterion=q norm minmax\n", "r.txt:2: criterion: a: criterion= is for source panel"},
		{"rubric r\npart a 1 source results task=x,,y metric=acc norm minmax\n", "r.txt:2: task: empty"},
		{"rubric r\npart a 1 source results task=x,x metric=acc norm minmax\n", "r.txt:2: task: a task listed twice"},
		{"rubric r\npart a 1 source votes rating=elo norm minmax\n", "r.txt:2: rating: expected bt or winrate"},
		{"rubric r\npart a 1 source votes prior=-1 norm minmax\n", "r.txt:2: prior: expected a number >= 0"},
		{"rubric r\npart a 1 source panel norm minmax\npart a 2 source panel norm minmax\n", "r.txt:3: part: a: defined twice"},
		{"rubric r\npart a 1 source panel norm minmax\nfinalists 0\n", "r.txt:3: finalists: expected an integer 1..1000000, got \"0\""},
		{"rubric r\npart a 1 source panel norm minmax\nfinalists 1\nfinalists 2\n", "r.txt:4: finalists: expected finalists N, once"},
		{"rubric r\npart a 1 source panel norm minmax\nfinalists 1\ntie part b\n", "r.txt:4: tie: no part called b"},
		{"rubric r\ntie coin\n", "r.txt:2: tie: expected keep, point or part NAME"},
		{"rubric r\nbootstrap reps 0\n", "r.txt:2: reps: expected an integer 1..1000000, got \"0\""},
		{"rubric r\nbootstrap level 1\n", "r.txt:2: level: expected 0 < level < 1"},
		{"rubric r\nbootstrap confidence 0\n", "r.txt:2: confidence: expected 0 < confidence <= 1"},
		{"rubric r\nbootstrap seed\n", "r.txt:2: bootstrap: expected KEY VALUE pairs"},
		{"rubric r\nbootstrap speed 3\n", "r.txt:2: bootstrap: unknown key \"speed\""},
		{"rubric r\ngate g\ngate g\n", "r.txt:3: gate: g: given twice"},
		{"rubric r\ngate g source web\n", "r.txt:2: gate: expected gate NAME [source file]"},
		{"rubric r\npanel range 10 0\n", "r.txt:2: panel: range LO HI: expected LO < HI"},
		{"rubric r\nweights 1\n", "r.txt:2: directive: unknown directive \"weights\""},
		{"rubric r!\n", "r.txt:1: rubric: byte 2 of \"r!\" is not a letter, digit or one of ._-:/@+"},
		{"rubric r\npart a 1 source panel norm minmax\n\001\n", "r.txt:3: directive: unknown directive \"\\x01\""},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct rubricfile rf;
		struct err e;

		if (parse(bad[i].text, &rf, &e) == 0)
			test_fail(__FILE__, __LINE__, "case %zu parsed", i);
		if (strcmp(e.msg, bad[i].msg) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: \"%s\" != "
			    "\"%s\"", i, e.msg, bad[i].msg);
		CHECK(rf.name == NULL && rf.nparts == 0 && rf.parts == NULL);
	}
}

/* \r\n line ends, tabs, comments after directives and a byte order mark
 * change nothing. */
TEST(rubricfile_crlf_tabs)
{
	struct rubricfile rf;
	struct err e;

	CHECK_EQ_INT(parse("\xef\xbb\xbfrubric r version 2\r\n"
	    "  # a comment line\r\n"
	    "part\ta\t2\tsource votes rating=winrate norm fixed 0 1 # users\r\n"
	    "\r\n"
	    "finalists\t1\r\n"
	    "tie point\r\n", &rf, &e), 0);
	CHECK_STR(rf.name, "r");
	CHECK_STR(rf.version, "2");
	CHECK_EQ_INT(rf.nparts, 1);
	CHECK(rf.parts[0].rating == RUBRICFILE_WINRATE);
	CHECK(rf.parts[0].weight == 2 && rf.parts[0].hi == 1);
	CHECK(rf.cfg.tie == ROUND_TIE_POINT && rf.cfg.finalists == 1);
	rubricfile_free(&rf);
}
