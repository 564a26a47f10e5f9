/*
 * test-roundin.c — a round from real input files (sim/roundin.h):
 *
 *  - roundin_basic: the hand-made round in tests/data/round/basic, its
 *    raw scores, composites and decision worked out below by hand;
 *  - roundin_bt: two teams, 3 wins to 1: the Bradley-Terry log-strengths
 *    are +-ln(3)/2 exactly;
 *  - roundin_asdiv: with ../shared/data, the per-item bootstrap through
 *    roundin's item stratum agrees with the harness's own stderr;
 *  - errors leave nothing behind; the payload is byte-identical on a
 *    second run.
 *
 * The basic round (rubric: bench 40 fixed 0..1, experts 35 fixed 0..10,
 * users 25 win rate fixed 0..1; gate scratch; 2 finalists; tie point):
 *
 *	          items        bench  panel (e1,e2,e3)  mean  votes: score/games
 *	alpha  1 1 1 0     0.75   8 7 9             8     6.5/11 = 0.590909
 *	beta   1 1 0 0     0.50   6 5 7             6     4.5/11 = 0.409091
 *	gamma  1 0 1 1     0.75   5 6 4             5     4/10   = 0.4
 *	delta  1 1 1 1     1.00   9 9 9             9     5/8    = 0.625
 *
 * composite = 40 bench + 35 mean/10 + 25 winrate:
 *	alpha 30 + 28 + 14.772727 = 72.772727
 *	beta  20 + 21 + 10.227273 = 51.227273
 *	gamma 30 + 17.5 + 10      = 57.5
 *	delta 40 + 31.5 + 15.625  = 87.125, but its scratch gate says no.
 * Decision: delta out (gate); of alpha, gamma, beta two stay, so beta
 * (lowest) is out — separable or not, the tie rule `point` puts it out.
 * Ranks among gate passers: alpha 1, gamma 2, beta 3.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/roundin.h"
#include "test.h"
#include "util/file.h"

#define BASIC "tests/data/round/basic"

static void
run_dir(const char *dir, const char *rubric, struct roundin_result *r,
	int want)
{
	struct err e;
	int rc;

	memset(&e, 0, sizeof e);
	rc = roundin_run("rubric", rubric, strlen(rubric), dir, r, &e);
	if (rc != want)
		test_fail(__FILE__, __LINE__, "roundin_run: %d (want %d): %s",
		    rc, want, e.msg);
}

static char *
slurp(const char *path)
{
	char *buf;
	size_t len;
	struct err e;

	if (file_read_all(path, 1 << 20, &buf, &len, &e) != 0)
		test_fail(__FILE__, __LINE__, "%s", e.msg);
	return buf;
}

static void
put(const char *dir, const char *rel, const char *text)
{
	char p[1024];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	f = fopen(p, "w");
	CHECK(f != NULL);
	fputs(text, f);
	CHECK(fclose(f) == 0);
}

static void
sub(const char *dir, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	CHECK(mkdir(p, 0777) == 0);
}

/* path made absolute against the working directory (for symlinks) */
static char *
absolute(const char *path)
{
	char cwd[1024], *s;
	size_t n;

	if (path[0] == '/') {
		s = malloc(strlen(path) + 1);
		CHECK(s != NULL);
		strcpy(s, path);
		return s;
	}
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	n = strlen(cwd) + strlen(path) + 2;
	s = malloc(n);
	CHECK(s != NULL);
	snprintf(s, n, "%s/%s", cwd, path);
	return s;
}

TEST(roundin_basic)
{
	char *rub = slurp(BASIC "/rubric.txt");
	struct roundin_result r;
	const double want[4] = {72.77272727272727, 51.22727272727273, 57.5,
	    87.125};
	const double raw[3][4] = {
		{0.75, 0.5, 0.75, 1},
		{8, 6, 5, 9},
		{6.5 / 11, 4.5 / 11, 0.4, 0.625},
	};

	run_dir(BASIC, rub, &r, 0);
	CHECK_EQ_INT(r.nteams, 4);
	CHECK_STR(r.teams[0], "alpha");
	CHECK_STR(r.teams[3], "delta");
	for (size_t k = 0; k < 3; k++)
		for (size_t t = 0; t < 4; t++)
			CHECK_NEAR(r.raw[k * 4 + t], raw[k][t], 1e-12);
	for (size_t t = 0; t < 4; t++)
		CHECK_NEAR(r.t[t].score, want[t], 1e-9);
	CHECK(r.t[0].gate_ok && r.t[1].gate_ok && r.t[2].gate_ok);
	CHECK(!r.t[3].gate_ok);
	CHECK_STR(r.gates_failed[3], "scratch");
	CHECK_STR(r.gates_failed[0], "");
	CHECK(!r.t[0].out && r.t[1].out && !r.t[2].out && r.t[3].out);
	CHECK_EQ_INT(r.t[0].rank, 1);
	CHECK_EQ_INT(r.t[2].rank, 2);
	CHECK_EQ_INT(r.t[1].rank, 3);
	CHECK_EQ_INT(r.t[3].rank, 0);
	CHECK(isnan(r.t[3].p_last));
	CHECK_NEAR(r.t[0].p_last + r.t[1].p_last + r.t[2].p_last, 1, 1e-12);
	CHECK(r.t[1].p_last > r.t[2].p_last && r.t[2].p_last > r.t[0].p_last);
	for (size_t t = 0; t < 4; t++)
		CHECK(r.t[t].lo <= r.t[t].score && r.t[t].score <= r.t[t].hi);
	CHECK_CONTAINS(r.why, "delta: out, gate failed; beta: out");
	/* strata: 3 evaluators, 6 voters, 4 items */
	CHECK_EQ_INT(r.nstrata, 3);
	CHECK_STR(r.strata[0], "panel");
	CHECK_STR(r.strata[1], "voters");
	CHECK_STR(r.strata[2], "items:toy");
	CHECK_EQ_INT(r.nunits[0], 3);
	CHECK_EQ_INT(r.nunits[1], 6);
	CHECK_EQ_INT(r.nunits[2], 4);
	/* delta's items and panel are constant: no spread */
	CHECK_NEAR(r.raw_se[0 * 4 + 3], 0, 1e-15);
	CHECK_NEAR(r.raw_se[1 * 4 + 3], 0, 1e-15);
	CHECK(r.raw_se[0] > 0.1 && r.raw_se[0] < 0.35);
	/* inputs: 12 files, sorted, hashed */
	CHECK_EQ_INT(r.nfiles, 12);
	CHECK_STR(r.files[0].name, "gates.csv");
	CHECK_STR(r.files[11].name, "votes.csv");
	for (size_t i = 1; i < r.nfiles; i++)
		CHECK(strcmp(r.files[i - 1].name, r.files[i].name) < 0);
	CHECK_EQ_INT(strlen(r.files[0].sha256), 64);
	/* alpha's and gamma's results files are the same bytes */
	CHECK_STR(r.files[2].name,
	    "results/alpha/results_2026-01-10T00-00-00.json");
	CHECK_STR(r.files[8].name,
	    "results/gamma/results_2026-01-10T00-00-00.json");
	CHECK_STR(r.files[2].sha256, r.files[8].sha256);
	roundin_free(&r);
	free(rub);
}

TEST(roundin_deterministic)
{
	char *rub = slurp(BASIC "/rubric.txt");
	struct roundin_result a, b;
	char *pa, *pb;

	run_dir(BASIC, rub, &a, 0);
	run_dir(BASIC, rub, &b, 0);
	pa = roundin_payload(&a);
	pb = roundin_payload(&b);
	CHECK_STR(pa, pb);
	CHECK_CONTAINS(pa, "\"out\":[\"beta\",\"delta\"]");
	CHECK_CONTAINS(pa, "\"finalists\":[\"alpha\",\"gamma\"]");
	CHECK(strchr(pa, '\n') == NULL);
	free(pa);
	free(pb);
	roundin_free(&a);
	roundin_free(&b);
	free(rub);
}

/* A changed seed changes the intervals but not the point estimates. */
TEST(roundin_seed)
{
	char *rub = slurp(BASIC "/rubric.txt"), *p;
	struct roundin_result a, b;

	p = strstr(rub, "seed 7");
	CHECK(p != NULL);
	p[5] = '8';
	run_dir(BASIC, rub, &a, 0);
	p[5] = '7';
	run_dir(BASIC, rub, &b, 0);
	for (size_t t = 0; t < 4; t++)
		CHECK_NEAR(a.t[t].score, b.t[t].score, 0);
	CHECK(a.t[0].lo != b.t[0].lo || a.t[0].hi != b.t[0].hi ||
	    a.t[1].p_last != b.t[1].p_last);
	roundin_free(&a);
	roundin_free(&b);
	free(rub);
}

/* Two teams, x beats y 3 times out of 4: with prior 0 the strengths are
 * p_x / p_y = 3 at geometric mean 1, log-strengths +-ln(3)/2. */
TEST(roundin_bt)
{
	const char *d = test_tmpdir();
	const char *rub =
	    "rubric bt\n"
	    "part users 1 source votes rating=bt prior=0 norm minmax\n"
	    "finalists 1\n"
	    "tie point\n"
	    "bootstrap reps 200 seed 3\n";
	struct roundin_result r;

	put(d, "teams.csv", "team\nx\ny\n");
	put(d, "votes.csv", "voter,model_a,model_b,winner\n"
	    "u1,x,y,x\nu2,y,x,x\nu3,x,y,x\nu4,x,y,y\n");
	run_dir(d, rub, &r, 0);
	CHECK_NEAR(r.raw[0], log(3) / 2, 1e-9);
	CHECK_NEAR(r.raw[1], -log(3) / 2, 1e-9);
	CHECK_NEAR(r.t[0].score, 100, 1e-9);
	CHECK_NEAR(r.t[1].score, 0, 1e-9);
	CHECK(r.t[1].out && !r.t[0].out);
	CHECK_EQ_INT(r.nstrata, 1);
	CHECK_STR(r.strata[0], "voters");
	CHECK_EQ_INT(r.nunits[0], 4);
	roundin_free(&r);
}

/* Errors name the place and leave the result zeroed. */
TEST(roundin_errors)
{
	const char *d = test_tmpdir();
	const char *rub =
	    "rubric e\n"
	    "part bench 1 source results task=toy,missing metric=acc,none "
	    "norm fixed 0 1\n"
	    "finalists 1\n";
	struct roundin_result r;
	struct err e;
	char p[1024];

	put(d, "teams.csv", "team\nx\n");
	sub(d, "results");
	sub(d, "results/x");
	put(d, "results/x/r.json",
	    "{\"results\": {\"toy\": {\"acc,none\": 0.5}}}");
	memset(&e, 0, sizeof e);
	CHECK_EQ_INT(roundin_run("rub", rub, strlen(rub), d, &r, &e),
	    ERR_INVALID);
	CHECK_CONTAINS(e.msg, "team x: no task missing with metric acc,none");
	CHECK(r.nteams == 0 && r.t == NULL && r.nfiles == 0);
	/* a samples mean that is not the results value */
	rub = "rubric e\n"
	    "part bench 1 source results task=toy metric=acc norm fixed 0 1\n"
	    "finalists 1\n";
	put(d, "results/x/samples_toy_2026.jsonl",
	    "{\"doc_id\": 0, \"acc\": 1}\n{\"doc_id\": 1, \"acc\": 1}\n");
	CHECK_EQ_INT(roundin_run("rub", rub, strlen(rub), d, &r, &e),
	    ERR_INVALID);
	CHECK_CONTAINS(e.msg, "samples_toy_2026.jsonl: the samples' mean 1 "
	    "is not the results value 0.5");
	/* truncated JSON names line and column */
	put(d, "results/x/samples_toy_2026.jsonl",
	    "{\"doc_id\": 0, \"acc\": 1}\n{\"doc_id\": 1, \"acc\"");
	CHECK_EQ_INT(roundin_run("rub", rub, strlen(rub), d, &r, &e),
	    ERR_INVALID);
	CHECK_CONTAINS(e.msg, "samples_toy_2026.jsonl:2:");
	snprintf(p, sizeof p, "%s/results/x/samples_toy_2026.jsonl", d);
	CHECK(unlink(p) == 0);
	/* a metric the harness says is lower-better */
	put(d, "results/x/r.json",
	    "{\"results\": {\"toy\": {\"acc,none\": 0.5}}, "
	    "\"higher_is_better\": {\"toy\": {\"acc\": false}}}");
	CHECK_EQ_INT(roundin_run("rub", rub, strlen(rub), d, &r, &e),
	    ERR_INVALID);
	CHECK_CONTAINS(e.msg, "team x: task toy metric acc: the results say "
	    "lower is better");
	/* a rubric error comes first */
	rub = "rubric e\npart bench 0 source panel norm minmax\nfinalists 1\n";
	CHECK_EQ_INT(roundin_run("rub", rub, strlen(rub), d, &r, &e),
	    ERR_INVALID);
	CHECK_STR(e.msg, "rub:2: weight: bench: expected a number > 0");
	/* a part's input missing */
	rub = "rubric e\npart p 1 source panel norm minmax\nfinalists 1\n";
	CHECK_EQ_INT(roundin_run("rub", rub, strlen(rub), d, &r, &e),
	    ERR_NOTFOUND);
	CHECK_CONTAINS(e.msg, "a part reads the panel: ");
	CHECK_CONTAINS(e.msg, "panel.csv");
	/* a team without panel scores */
	put(d, "teams.csv", "team\nx\ny\n");
	put(d, "panel.csv", "evaluator,team,criterion,score\ne1,x,q,5\n");
	CHECK_EQ_INT(roundin_run("rub", rub, strlen(rub), d, &r, &e),
	    ERR_INVALID);
	CHECK_CONTAINS(e.msg, "part p: team y has no scores");
	CHECK(r.nteams == 0 && r.files == NULL);
}

/*
 * The harness's stderr through roundin's item stratum: two teams whose
 * results directories hold the real asdiv files (symlinks).  The
 * bootstrap se is the plug-in one, sqrt((n-1)/n) = 0.98995 of the
 * harness's (docs/EVAL-FORMATS.md): within 5 % of 0.0387562 and 2 % of
 * the adjusted value.
 */
TEST(roundin_asdiv)
{
	SKIP_UNLESS_DATA(rp, "eval/lm-eval-0.4/asdiv_llama3-8b-instruct/results_2024-08-21T03-44-09.494230.json");
	SKIP_UNLESS_DATA(sp, "eval/lm-eval-0.4/asdiv_llama3-8b-instruct/samples_asdiv_2024-08-21T03-44-09.494230.jsonl");
	const char *d = test_tmpdir();
	const char *rub =
	    "rubric asdiv\n"
	    "part bench 1 source results task=asdiv metric=acc,none "
	    "norm fixed 0 1\n"
	    "finalists 2\n"
	    "bootstrap reps 10000 seed 42\n";
	const double harness = 0.0387561713321444;
	struct roundin_result r;
	char *ar = absolute(rp), *as = absolute(sp), p[1024];

	put(d, "teams.csv", "team\na\nb\n");
	sub(d, "results");
	sub(d, "results/a");
	sub(d, "results/b");
	for (int t = 0; t < 2; t++) {
		snprintf(p, sizeof p, "%s/results/%c/%s", d, "ab"[t],
		    strrchr(ar, '/') + 1);
		CHECK(symlink(ar, p) == 0);
		snprintf(p, sizeof p, "%s/results/%c/%s", d, "ab"[t],
		    strrchr(as, '/') + 1);
		CHECK(symlink(as, p) == 0);
	}
	run_dir(d, rub, &r, 0);
	CHECK_EQ_INT(r.nstrata, 1);
	CHECK_STR(r.strata[0], "items:asdiv");
	CHECK_EQ_INT(r.nunits[0], 50);
	CHECK_NEAR(r.raw[0], 0.92, 1e-12);
	for (int t = 0; t < 2; t++) {
		double se = r.raw_se[t];

		CHECK(fabs(se / harness - 1) < 0.05);
		CHECK(fabs(se / (harness * sqrt(49.0 / 50.0)) - 1) < 0.02);
	}
	/* the same items for both teams: the joint bootstrap moves them
	 * together, so their composites tie in every replicate */
	CHECK_NEAR(r.raw_se[0], r.raw_se[1], 0);
	CHECK_NEAR(r.t[0].p_last, 0.5, 1e-12);
	CHECK_NEAR(r.t[0].score, 92, 1e-9);
	fprintf(stderr, "asdiv through roundin: se %.6f (harness %.6f, "
	    "ratio %.4f; adjusted ratio %.4f)\n", r.raw_se[0], harness,
	    r.raw_se[0] / harness,
	    r.raw_se[0] / (harness * sqrt(49.0 / 50.0)));
	roundin_free(&r);
	free(ar);
	free(as);
}

/*
 * The PRD human votes as a votes/ directory: 1,760 anonymous votes, each
 * its own resampling unit.  Win rates over single votes (not the
 * per-question games of the published figures) and Bradley-Terry
 * log-strengths both order the five models as the published win rates
 * do: gpt4 > claude > vicuna-13b > gpt35 > bard.
 */
TEST(roundin_prd_votes)
{
	SKIP_UNLESS_DATA(vd, "eval/votes/ratings-human");
	const char *d = test_tmpdir();
	const char *rub =
	    "rubric prd\n"
	    "part rate 1 source votes rating=winrate norm fixed 0 1\n"
	    "part bt 1 source votes rating=bt norm minmax\n"
	    "finalists 4\n"
	    "tie point\n"
	    "bootstrap reps 100 seed 5\n";
	/* teams.csv order, and the published order as indices into it */
	static const int order[5] = {1, 2, 4, 3, 0};
	struct roundin_result r;
	char *av = absolute(vd), p[1024];

	put(d, "teams.csv", "team\nbard\ngpt4\nclaude\ngpt35\nvicuna-13b\n");
	snprintf(p, sizeof p, "%s/votes", d);
	CHECK(symlink(av, p) == 0);
	run_dir(d, rub, &r, 0);
	CHECK_EQ_INT(r.nstrata, 1);
	CHECK_STR(r.strata[0], "voters");
	CHECK_EQ_INT(r.nunits[0], 1760);
	for (int i = 0; i + 1 < 5; i++) {
		CHECK(r.raw[order[i]] > r.raw[order[i + 1]]);
		CHECK(r.raw[5 + order[i]] > r.raw[5 + order[i + 1]]);
		CHECK(r.t[order[i]].rank == i + 1);
	}
	CHECK(r.t[0].out && !r.t[1].out && !r.t[4].out);
	/* every votes file is an input, none other */
	CHECK(r.nfiles > 10);
	CHECK_STR(r.files[r.nfiles - 1].name, "votes/answer_vicuna-13b-vs-"
	    "answer_gpt4-human-reviewer_threeclass.jsonl");
	fprintf(stderr, "PRD win rates over votes: gpt4 %.4f claude %.4f "
	    "vicuna-13b %.4f gpt35 %.4f bard %.4f\n", r.raw[1], r.raw[2],
	    r.raw[4], r.raw[3], r.raw[0]);
	roundin_free(&r);
	free(av);
}

/*
 * Results across files and layouts: x has task t1 in a 0.4 file and t2
 * in a 0.3 file, y both in one 0.4 file; `metric=acc` (no filter)
 * matches both layouts.  Raw = mean over the tasks: x (0.6 + 0.8) / 2 =
 * 0.7, y (0.4 + 0.6) / 2 = 0.5.  A task in two of a team's files is an
 * error naming both.
 */
TEST(roundin_results_files)
{
	const char *d = test_tmpdir();
	const char *rub =
	    "rubric files\n"
	    "part bench 1 source results task=t1,t2 metric=acc norm fixed 0 1\n"
	    "finalists 2\n";
	struct roundin_result r;
	struct err e;

	put(d, "teams.csv", "team\nx\ny\n");
	sub(d, "results");
	sub(d, "results/x");
	sub(d, "results/y");
	put(d, "results/x/a.json", "{\"results\": {\"t1\": {\"acc,none\": 0.6, "
	    "\"acc_stderr,none\": 0.1}}}");
	put(d, "results/x/b.json", "{\"results\": {\"t2\": {\"acc\": 0.8, "
	    "\"acc_stderr\": 0.05}}}");
	put(d, "results/x/notes.txt", "not read");
	put(d, "results/y/r.json", "{\"results\": {\"t1\": {\"acc,none\": 0.4}, "
	    "\"t2\": {\"acc,none\": 0.6}}}");
	run_dir(d, rub, &r, 0);
	CHECK_NEAR(r.raw[0], 0.7, 1e-12);
	CHECK_NEAR(r.raw[1], 0.5, 1e-12);
	CHECK_NEAR(r.t[0].score, 70, 1e-9);
	CHECK_NEAR(r.t[1].score, 50, 1e-9);
	/* no samples: no strata, a degenerate interval */
	CHECK_EQ_INT(r.nstrata, 0);
	CHECK(r.t[1].lo == 50 && r.t[1].hi == 50);
	CHECK_EQ_INT(r.nfiles, 4);
	CHECK_STR(r.files[0].name, "results/x/a.json");
	CHECK_STR(r.files[2].name, "results/y/r.json");
	roundin_free(&r);
	put(d, "results/y/s.json", "{\"results\": {\"t1\": {\"acc,none\": 0.5}}}");
	memset(&e, 0, sizeof e);
	CHECK_EQ_INT(roundin_run("rub", rub, strlen(rub), d, &r, &e),
	    ERR_INVALID);
	CHECK_CONTAINS(e.msg, "/results/y: task t1 is in both r.json and "
	    "s.json");
}

/*
 * The tie rule `part` through a rubric file: with confidence 1 no two
 * teams whose replicates overlap are separable, so the lower of the last
 * two on part `users` goes out.  Panel: a 4,6 (5), b 5,5 (5.5), c 9,9;
 * votes: b beats a twice, c beats a once and b twice.  Composites
 * (experts / 10 + win rate) / 2 x 100: a (0.5 + 0/3) = 25, b (0.55 +
 * 2/4) = 52.5, c (0.9 + 3/3) = 95.  a is lowest, b next; with
 * confidence 1 they are not separable (a replicate drawing only e2 and
 * u3 ties them), and on users a (0) is below b (0.5): a is out.
 */
TEST(roundin_tie_part)
{
	const char *d = test_tmpdir();
	const char *rub =
	    "rubric tie\n"
	    "part experts 1 source panel norm fixed 0 10\n"
	    "part users 1 source votes rating=winrate norm fixed 0 1\n"
	    "finalists 2\n"
	    "tie part users\n"
	    "bootstrap reps 300 confidence 1 seed 2\n";
	struct roundin_result r;

	put(d, "teams.csv", "team\na\nb\nc\n");
	put(d, "panel.csv", "evaluator,team,criterion,score\n"
	    "e1,a,q,4\ne2,a,q,6\ne1,b,q,5\ne2,b,q,6\ne1,c,q,9\ne2,c,q,9\n");
	put(d, "votes.csv", "voter,model_a,model_b,winner\n"
	    "u1,a,b,b\nu2,b,a,b\nu1,c,a,c\nu2,c,b,c\nu3,b,c,c\n");
	run_dir(d, rub, &r, 0);
	CHECK_NEAR(r.raw[0], 5, 1e-12);
	CHECK_NEAR(r.raw[1], 5.5, 1e-12);
	CHECK_NEAR(r.raw[3 + 0], 0, 1e-12);
	CHECK_NEAR(r.raw[3 + 1], 0.5, 1e-12);
	CHECK_NEAR(r.raw[3 + 2], 1, 1e-12);
	CHECK_NEAR(r.t[0].score, 25, 1e-9);
	CHECK_NEAR(r.t[1].score, 52.5, 1e-9);
	CHECK_NEAR(r.t[2].score, 95, 1e-9);
	CHECK(r.t[0].out && !r.t[1].out && !r.t[2].out);
	CHECK_CONTAINS(r.why, "tie rule part users");
	roundin_free(&r);
}
