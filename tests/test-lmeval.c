/*
 * test-lmeval.c — the lm-evaluation-harness readers: exact values from
 * small hand-made files in both results layouts and in per-sample JSONL,
 * every error message of broken variants, and (with ../shared/data) the
 * real files: all load, the asdiv samples recompute the harness's
 * aggregate and stderr, and the per-item bootstrap agrees with it.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compete/boot.h"
#include "sim/lmeval.h"
#include "test.h"
#include "util/rng.h"

#define TDIR "tests/data/lmeval/"

static int
parse_r(const char *s, struct lmeval_results *r, struct err *e)
{
	return lmeval_results_parse("t", s, strlen(s), r, e);
}

static int
parse_s(const char *s, const char *metric, const char *filter,
	struct lmeval_samples *o, struct err *e)
{
	return lmeval_samples_parse("t", s, strlen(s), metric, filter, o, e);
}

TEST(lmeval_v04_exact)
{
	struct lmeval_results r;
	struct err e;
	const struct lmeval_metric *m;

	CHECK_EQ_INT(lmeval_results_read(TDIR "v04.json", &r, &e), 0);
	CHECK_EQ_INT(r.layout, 4);
	CHECK_EQ_INT(r.ntasks, 5);
	CHECK_EQ_INT(r.nrows, 7);
	m = &r.rows[0];
	CHECK_STR(m->task, "arc_easy");
	CHECK_STR(m->metric, "acc");
	CHECK_STR(m->filter, "none");
	CHECK(m->value == 0.75 && m->se == 0.0125);
	CHECK_EQ_INT(m->higher, LMEVAL_HIGHER);
	CHECK_EQ_INT(m->n, 2376);
	CHECK_EQ_INT(m->group, 0);
	m = &r.rows[1];
	CHECK_STR(m->metric, "acc_norm");
	CHECK(m->value == 0.5 && isnan(m->se));
	m = lmeval_results_find(&r, "gsm8k", "exact_match", "strict-match");
	CHECK(m != NULL && m->value == 0.25 && m->se == 0.01 && m->n == 100);
	m = lmeval_results_find(&r, "gsm8k", "exact_match", "flexible-extract");
	CHECK(m != NULL && m->value == 0.375 && m->se == 0.02);
	CHECK(m == &r.rows[3]);
	CHECK(lmeval_results_find(&r, "gsm8k", "exact_match", "none") == NULL);
	m = lmeval_results_find(&r, "mini", "acc", NULL);
	CHECK(m != NULL && m->group == 1 && m->n == -1 && m->value == 0.625);
	m = lmeval_results_find(&r, "mini_b", "acc", "none");
	CHECK(m != NULL && m->group == 0 && m->higher == LMEVAL_LOWER &&
	      m->n == 20);
	CHECK_EQ_INT(r.ngrows, 1);
	CHECK_STR(r.grows[0].task, "mini");
	CHECK(r.grows[0].value == 0.625 && r.grows[0].se == 0.03 &&
	      r.grows[0].group == 1);
	CHECK_EQ_INT(r.ngroups, 1);
	CHECK_STR(r.groups[0].name, "mini");
	CHECK_EQ_INT(r.groups[0].nsub, 2);
	CHECK_STR(r.groups[0].subtasks[1], "mini_b");
	lmeval_results_free(&r);
	lmeval_results_free(&r); /* a freed struct is zeroed */
}

TEST(lmeval_v03_exact)
{
	struct lmeval_results r;
	struct err e;
	const struct lmeval_metric *m;

	CHECK_EQ_INT(lmeval_results_read(TDIR "v03.json", &r, &e), 0);
	CHECK_EQ_INT(r.layout, 3);
	CHECK_EQ_INT(r.ntasks, 3);
	CHECK_EQ_INT(r.nrows, 4);
	CHECK_EQ_INT(r.ngrows + r.ngroups, 0);
	lmeval_results_free(&r);
	CHECK_EQ_INT(parse_r("\xef\xbb\xbf{\"results\": {\"t\": {\"acc\": 1,"
			     " \"acc_stderr\": \"N/A\"}}}", &r, &e), 0);
	CHECK(r.layout == 3 && r.nrows == 1 && isnan(r.rows[0].se));
	lmeval_results_free(&r);
	CHECK_EQ_INT(lmeval_results_read(TDIR "v03.json", &r, &e), 0);
	m = &r.rows[1];
	CHECK_STR(m->task, "kobest_copa");
	CHECK_STR(m->metric, "macro_f1");
	CHECK_STR(m->filter, "");
	CHECK(m->value == 0.25 && m->se == 0.125);
	CHECK_EQ_INT(m->higher, LMEVAL_UNKNOWN);
	CHECK_EQ_INT(m->n, -1);
	m = lmeval_results_find(&r, "korunsmile", "f1", "");
	CHECK(m != NULL && m->value == 0.375 && m->se == 0.0625);
	m = lmeval_results_find(&r, "nsmc", "acc", NULL);
	CHECK(m != NULL && m->value == 0.5 && isnan(m->se));
	lmeval_results_free(&r);
}

static const struct {
	const char *in, *msg;
} rbad[] = {
	{"{\"results\": {\"arc_easy\": {\"acc,none\": \"0.5\"}}}",
	 "t: results.arc_easy[\"acc,none\"]: expected a number, got a string"},
	{"{\"results\": {\"a\": {\"acc,none\": 0.5, \"acc_stderr,none\": \"NaN\"}}}",
	 "t: results.a[\"acc_stderr,none\"]: expected a number or \"N/A\", got a string"},
	{"{\"results\": {\"a\": {\"acc,none\": 0.5, \"acc_stderr,none\": [1]}}}",
	 "t: results.a[\"acc_stderr,none\"]: expected a number or \"N/A\", got an array"},
	{"{\"results\": {\"a\": {\"acc,none\": 0.5, \"acc_stderr,none\": -0.1}}}",
	 "t: results.a[\"acc_stderr,none\"]: a standard error must be >= 0, got -0.1"},
	{"{\"results\": {\"a\": {\"acc_stderr,none\": 0.1}}}",
	 "t: results.a[\"acc_stderr,none\"]: a standard error without its metric"},
	{"{\"results\": {\"a\": {\"acc,none\": 0.5",
	 "t:1:34: '}' expected near end of file"},
	{"{\"results\": {\"a\": {\"acc,none\": NaN}}}",
	 "t:1:34: invalid token near 'NaN'"},
	{"{\"results\": {\"a\": {\"acc,none\": 1e999}}}",
	 "t:1:36: real number overflow near '1e999'"},
	{"", "t:1:0: '[' or '{' expected near end of file"},
	{"{\"results\": {\"a\": {\"acc,none\": \"Infinity\"}}}",
	 "t: results.a[\"acc,none\"]: expected a number, got a string"},
	{"{\"results\": {\"a\": {\"acc,none\": -Infinity}}}",
	 "t:1:32: invalid token near '-'"},
	{"{\"results\": {\"a\": {\"acc\": 1, \"acc_stderr\": \"NaN\"}}}",
	 "t: results.a.acc_stderr: expected a number or \"N/A\", got a string"},
	{"{\"results\": {\"a\": {\"acc,none\": 1, \"acc,none\": 2}}}",
	 "t:1:44: duplicate object key near '\"acc,none\"'"},
	{"[1]", "t: expected an object at the top, got an array"},
	{"{\"versions\": {}}", "t: results: missing"},
	{"{\"results\": []}", "t: results: expected an object, got an array"},
	{"{\"results\": {}}", "t: results: no tasks"},
	{"{\"results\": {\"a b\\\"\": {\"alias\": \"x\", \"acc,none\": null}}}",
	 "t: results[\"a b\\\"\"][\"acc,none\"]: expected a number, got null"},
	{"{\"results\": {\"a\": {\"alias\": 3, \"acc,none\": 1}}}",
	 "t: results.a.alias: expected a string, got a number"},
	{"{\"results\": {\"a\": {\"acc\": 0.5}, \"b\": {\"acc,none\": 0.5}}}",
	 "t: results.a.acc: expected a key \"<metric>,<filter>\""},
	{"{\"results\": {\"a\": {\",none\": 0.5}}}",
	 "t: results.a[\",none\"]: expected a key \"<metric>,<filter>\""},
	{"{\"results\": {\"a\": 0.5}}",
	 "t: results.a: expected an object, got a number"},
	{"{\"results\": {\"a\": {\"acc\": \"0.5\"}}}",
	 "t: results.a.acc: expected a number, got a string"},
	{"{\"results\": {\"a\": {\"acc,none\": 1}},"
	 " \"higher_is_better\": {\"a\": {\"acc\": \"yes\"}}}",
	 "t: higher_is_better.a.acc: expected a boolean, got a string"},
	{"{\"results\": {\"a\": {\"acc,none\": 1}}, \"higher_is_better\": 1}",
	 "t: higher_is_better: expected an object, got a number"},
	{"{\"results\": {\"a\": {\"acc,none\": 1}},"
	 " \"n-samples\": {\"a\": {\"original\": 5, \"effective\": -1}}}",
	 "t: [\"n-samples\"].a.effective: expected an integer >= 0, got -1"},
	{"{\"results\": {\"a\": {\"acc,none\": 1}},"
	 " \"n-samples\": {\"a\": {\"original\": 5}}}",
	 "t: [\"n-samples\"].a.effective: missing"},
	{"{\"results\": {\"a\": {\"acc,none\": 1}},"
	 " \"group_subtasks\": {\"g\": [\"a\", 2]}}",
	 "t: group_subtasks.g[1]: expected a string, got a number"},
	{"{\"results\": {\"a\": {\"acc,none\": 1}}, \"groups\": []}",
	 "t: groups: expected an object, got an array"},
	{"{\"results\": {\"a\": {\"acc,none\": 1}},"
	 " \"groups\": {\"g\": {\"acc,none\": true}}}",
	 "t: groups.g[\"acc,none\"]: expected a number, got a boolean"},
};

TEST(lmeval_results_errors)
{
	struct lmeval_results r;
	struct err e;

	for (size_t i = 0; i < sizeof rbad / sizeof rbad[0]; i++) {
		err_clear(&e);
		r.nrows = 99;
		CHECK(parse_r(rbad[i].in, &r, &e) < 0);
		if (strcmp(e.msg, rbad[i].msg) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: \"%s\" != \"%s\"",
				  i, e.msg, rbad[i].msg);
		CHECK(r.nrows == 0 && r.rows == NULL && r.groups == NULL);
		CHECK_EQ_INT(e.code, ERR_INVALID);
	}
}

TEST(lmeval_limits)
{
	struct lmeval_results r;
	struct lmeval_samples s;
	struct err e;
	char key[LMEVAL_MAX_NAME + 2], buf[LMEVAL_MAX_NAME + 64];

	/* The size is checked before anything is read: buf is never
	 * touched beyond its first byte. */
	CHECK_EQ_INT(lmeval_results_parse("t", "{", LMEVAL_MAX_FILE + 1, &r,
					  &e), ERR_LIMIT);
	CHECK_STR(e.msg, "t: larger than 268435456 bytes");
	CHECK_EQ_INT(lmeval_samples_parse("t", "{", LMEVAL_MAX_FILE + 1, NULL,
					  NULL, &s, &e), ERR_LIMIT);
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	snprintf(buf, sizeof buf, "{\"results\": {\"%s\": {}}}", key);
	CHECK_EQ_INT(parse_r(buf, &r, &e), ERR_LIMIT);
	CHECK_CONTAINS(e.msg, ": key longer than 256 bytes");
	CHECK_EQ_INT(lmeval_results_read(TDIR "no-such.json", &r, &e),
		     ERR_NOTFOUND);
	CHECK_STR(e.msg, TDIR "no-such.json: No such file or directory");
}

TEST(lmeval_samples_exact)
{
	struct lmeval_samples s;
	struct err e;
	double mean, se;

	CHECK_EQ_INT(lmeval_samples_read(TDIR "samples.jsonl", NULL, NULL, &s,
					 &e), 0);
	CHECK_STR(s.metric, "acc");
	CHECK_STR(s.filter, "");
	CHECK_EQ_INT(s.n, 4);
	CHECK(s.v[1].doc_id == 1 && s.v[1].value == 0);
	CHECK(s.v[3].doc_id == 3 && s.v[3].value == 1);
	lmeval_samples_stats(&s, &mean, &se);
	CHECK_NEAR(mean, 0.75, 1e-15);
	CHECK_NEAR(se, 0.25, 1e-15); /* sd 0.5 (n - 1), over sqrt(4) */
	lmeval_samples_free(&s);

	/* filters: pick one, or all rows must agree */
	CHECK_EQ_INT(parse_s("{\"doc_id\": 0, \"filter\": \"strict-match\","
			     " \"metrics\": [\"exact_match\"], \"exact_match\": 0}\n"
			     "{\"doc_id\": 0, \"filter\": \"flexible-extract\","
			     " \"metrics\": [\"exact_match\"], \"exact_match\": 1.0}\n"
			     "{\"doc_id\": 1, \"filter\": \"flexible-extract\","
			     " \"metrics\": [\"exact_match\"], \"exact_match\": 0.5}\r\n",
			     NULL, "flexible-extract", &s, &e), 0);
	CHECK_STR(s.metric, "exact_match");
	CHECK_STR(s.filter, "flexible-extract");
	CHECK_EQ_INT(s.n, 2);
	CHECK(s.v[0].value == 1 && s.v[1].value == 0.5 && s.v[1].doc_id == 1);
	lmeval_samples_stats(&s, &mean, &se);
	CHECK_NEAR(mean, 0.75, 1e-15);
	lmeval_samples_free(&s);
	/* a byte order mark is skipped */
	CHECK_EQ_INT(parse_s("\xef\xbb\xbf{\"doc_id\": 0, \"acc\": 0.5}", NULL,
			     NULL, &s, &e), 0);
	CHECK(s.n == 1 && s.v[0].value == 0.5);
	lmeval_samples_free(&s);
	/* a named metric among several numeric fields */
	CHECK_EQ_INT(parse_s("{\"doc_id\": 5, \"acc\": 1, \"acc_norm\": 0}\n",
			     "acc_norm", NULL, &s, &e), 0);
	CHECK(s.n == 1 && s.v[0].doc_id == 5 && s.v[0].value == 0);
	lmeval_samples_stats(&s, &mean, &se);
	CHECK(mean == 0 && isnan(se));
	lmeval_samples_free(&s);
}

static const struct {
	const char *in, *metric, *filter, *msg;
} sbad[] = {
	{"{\"doc_id\": 0, \"acc\": 1}\n{\"doc_id\": 1, \"acc\": 1\n", NULL, NULL,
	 "t:2:22: '}' expected near end of file"},
	{"{\"doc_id\": 0, \"acc\": 1}\n[1]\n", NULL, NULL,
	 "t:2: expected an object, got an array"},
	{"{\"doc_id\": \"0\", \"acc\": 1}\n", NULL, NULL,
	 "t:1: doc_id: expected an integer >= 0, got a string"},
	{"{\"doc_id\": -3, \"acc\": 1}\n", NULL, NULL,
	 "t:1: doc_id: expected an integer >= 0, got -3"},
	{"{\"acc\": 1}\n", NULL, NULL, "t:1: doc_id: missing"},
	{"{\"doc_id\": 0, \"acc\": 1}\n{\"doc_id\": 1, \"acc\": 0}\n"
	 "{\"doc_id\": 0, \"acc\": 1}\n", NULL, NULL,
	 "t:3: doc_id: 0 repeats line 1"},
	{"{\"doc_id\": 0, \"acc\": 1}\n{\"doc_id\": 1}\n", NULL, NULL,
	 "t:2: acc: missing"},
	{"{\"doc_id\": 0, \"acc\": \"1\"}\n", "acc", NULL,
	 "t:1: acc: expected a number or a boolean, got a string"},
	{"{\"doc_id\": 0, \"acc\": 1, \"f1\": 0.5}\n", NULL, NULL,
	 "t:1: more than one numeric field in the row; name the metric"},
	{"{\"doc_id\": 0, \"target\": 3}\n", NULL, NULL,
	 "t:1: no numeric field in the row; name the metric"},
	{"{\"doc_id\": 0, \"metrics\": [\"a\", \"b\"], \"a\": 1, \"b\": 1}\n",
	 NULL, NULL, "t:1: metrics: 2 metrics in the rows; name one"},
	{"{\"doc_id\": 0, \"filter\": \"x\", \"acc\": 1}\n"
	 "{\"doc_id\": 1, \"filter\": \"y\", \"acc\": 1}\n", NULL, NULL,
	 "t:2: filter: \"y\" differs from the first row's \"x\"; choose one"},
	{"{\"doc_id\": 0, \"filter\": 1, \"acc\": 1}\n", NULL, NULL,
	 "t:1: filter: expected a string, got a number"},
	{"{\"doc_id\": 0, \"filter\": \"x\", \"acc\": 1}\n", NULL, "y",
	 "t: no samples with filter y"},
	{"\n  \n", NULL, NULL, "t: no samples"},
	{"{\"doc_id\": 0, \"acc\": 1}\n{\"doc_id\": 1, \"acc\": NaN}\n", NULL,
	 NULL, "t:2:24: invalid token near 'NaN'"},
};

TEST(lmeval_samples_errors)
{
	struct lmeval_samples s;
	struct err e;

	for (size_t i = 0; i < sizeof sbad / sizeof sbad[0]; i++) {
		err_clear(&e);
		CHECK(parse_s(sbad[i].in, sbad[i].metric, sbad[i].filter, &s,
			      &e) < 0);
		if (strcmp(e.msg, sbad[i].msg) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: \"%s\" != \"%s\"",
				  i, e.msg, sbad[i].msg);
		CHECK(s.n == 0 && s.v == NULL && s.metric == NULL);
	}
}

/* ---- the real files ------------------------------------------------- */

/* Loads every *.json under dir (and one level down); returns the count. */
static int
load_all(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int count = 0;

	CHECK(d != NULL);
	while ((de = readdir(d)) != NULL) {
		char path[1024];
		size_t n = strlen(de->d_name);
		struct lmeval_results r;
		struct err e;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0) {
			if (lmeval_results_read(path, &r, &e) != 0)
				test_fail(__FILE__, __LINE__, "%s", e.msg);
			CHECK(r.nrows > 0);
			lmeval_results_free(&r);
			count++;
		} else if (depth > 0 && strchr(de->d_name, '.') == NULL) {
			count += load_all(path, depth - 1);
		}
	}
	closedir(d);
	return count;
}

TEST(lmeval_real_all_load)
{
	SKIP_UNLESS_DATA(v4, "eval/lm-eval-0.4");
	SKIP_UNLESS_DATA(v3, "eval/lm-eval-0.3-ko");

	CHECK_EQ_INT(load_all(v4, 1), 3);
	CHECK_EQ_INT(load_all(v3, 1), 2);
}

TEST(lmeval_real_ko)
{
	SKIP_UNLESS_DATA(p, "eval/lm-eval-0.3-ko/llama2-koen-13b_kobest_bench_0_shot.json");
	struct lmeval_results r;
	struct err e;
	const struct lmeval_metric *m;

	CHECK_EQ_INT(lmeval_results_read(p, &r, &e), 0);
	CHECK_EQ_INT(r.layout, 3);
	CHECK_EQ_INT(r.ntasks, 4);
	CHECK_EQ_INT(r.nrows, 9);
	m = lmeval_results_find(&r, "kobest_hellaswag", "acc_norm", "");
	CHECK(m != NULL && m->value == 0.58 && m->se == 0.02209471322976178);
	lmeval_results_free(&r);
}

TEST(lmeval_real_asdiv)
{
	SKIP_UNLESS_DATA(rp, "eval/lm-eval-0.4/asdiv_llama3-8b-instruct/results_2024-08-21T03-44-09.494230.json");
	SKIP_UNLESS_DATA(sp, "eval/lm-eval-0.4/asdiv_llama3-8b-instruct/samples_asdiv_2024-08-21T03-44-09.494230.jsonl");
	struct lmeval_results r;
	struct lmeval_samples s;
	struct boot_ci ci;
	struct rng g;
	struct err e;
	const struct lmeval_metric *m;
	double mean, se, *x;

	CHECK_EQ_INT(lmeval_results_read(rp, &r, &e), 0);
	m = lmeval_results_find(&r, "asdiv", "acc", "none");
	CHECK(m != NULL && m->n == 50 && m->higher == LMEVAL_HIGHER);
	CHECK_EQ_INT(lmeval_samples_read(sp, NULL, NULL, &s, &e), 0);
	CHECK_STR(s.metric, "acc");
	CHECK_EQ_INT(s.n, 50);
	CHECK(s.v[0].doc_id == 0 && s.v[49].doc_id == 49);
	lmeval_samples_stats(&s, &mean, &se);
	CHECK_NEAR(mean, m->value, 1e-15);
	CHECK_NEAR(mean, 0.92, 1e-15);
	CHECK_NEAR(se, m->se, 1e-15);
	CHECK_NEAR(se, 0.038756, 5e-7);

	/* The bootstrap se of a mean is the plug-in sd (divisor n) over
	 * sqrt(n), i.e. sqrt((n-1)/n) = 0.98995 times the harness's. */
	x = malloc(s.n * sizeof *x);
	CHECK(x != NULL);
	for (size_t i = 0; i < s.n; i++)
		x[i] = s.v[i].value;
	rng_seed(&g, 42);
	boot_mean(x, s.n, 20000, 0.95, &g, &ci);
	CHECK_NEAR(ci.est, 0.92, 1e-12);
	CHECK(fabs(ci.se / m->se - 1) < 0.05);
	CHECK(fabs(ci.se / (m->se * sqrt(49.0 / 50.0)) - 1) < 0.02);
	free(x);
	lmeval_samples_free(&s);
	lmeval_results_free(&r);
}

TEST(lmeval_real_gsm8k_filters)
{
	SKIP_UNLESS_DATA(p, "eval/lm-eval-0.4/gsm8k_cot_llama3-8b-instruct_results_2024-08-25T21-59-12.123082.json");
	struct lmeval_results r;
	struct err e;
	const struct lmeval_metric *a, *b;

	CHECK_EQ_INT(lmeval_results_read(p, &r, &e), 0);
	CHECK_EQ_INT(r.nrows, 2);
	a = lmeval_results_find(&r, "gsm8k_cot_llama", "exact_match",
				"strict-match");
	b = lmeval_results_find(&r, "gsm8k_cot_llama", "exact_match",
				"flexible-extract");
	CHECK(a != NULL && a->value == 0.7725549658832449 &&
	      a->se == 0.01154636331254809 && a->n == 1319);
	CHECK(b != NULL && b->value == 0.7778620166793025 &&
	      b->se == 0.011449986902435323);
	lmeval_results_free(&r);
}

TEST(lmeval_real_rwkv_groups)
{
	SKIP_UNLESS_DATA(p, "eval/lm-eval-0.4/rwkv7-1.5B-world_results_2025-02-24T02-24-22.707691.json");
	struct lmeval_results r;
	struct err e;
	const struct lmeval_metric *m;
	size_t ngroup_rows = 0;

	CHECK_EQ_INT(lmeval_results_read(p, &r, &e), 0);
	CHECK_EQ_INT(r.layout, 4);
	CHECK_EQ_INT(r.ntasks, 78);
	for (size_t i = 0; i < r.nrows; i++)
		ngroup_rows += (size_t)r.rows[i].group;
	CHECK_EQ_INT(ngroup_rows, 5);
	CHECK_EQ_INT(r.ngrows, 5);
	CHECK_STR(r.grows[0].task, "mmlu");
	CHECK(r.grows[0].value == 0.4334852585101837 &&
	      r.grows[0].se == 0.004080565469222911);
	CHECK_STR(r.grows[4].task, "mmlu_stem");
	CHECK(r.grows[4].value == 0.36346336822074216);
	m = lmeval_results_find(&r, "mmlu", "acc", "none");
	CHECK(m != NULL && m->group == 1 && m->value == r.grows[0].value);
	m = lmeval_results_find(&r, "lambada_openai", "perplexity", "none");
	CHECK(m != NULL && m->higher == LMEVAL_LOWER &&
	      m->value == 4.26312127985887);
	m = lmeval_results_find(&r, "cola", "mcc", "none");
	CHECK(m != NULL && m->value == -0.02102973320950886 && m->group == 0);
	CHECK_EQ_INT(r.ngroups, 5);
	for (size_t i = 0; i < r.ngroups; i++)
		if (strcmp(r.groups[i].name, "mmlu") == 0)
			CHECK_EQ_INT(r.groups[i].nsub, 4);
		else if (strcmp(r.groups[i].name, "mmlu_humanities") == 0)
			CHECK_EQ_INT(r.groups[i].nsub, 13);
	lmeval_results_free(&r);
}
