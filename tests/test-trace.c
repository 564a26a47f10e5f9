/*
 * test-trace.c — the trace readers (sim/trace.h) and the line and field
 * splitter under them (util/csv.h): exact values from good input, the
 * exact place of every kind of bad input, skipping, limits, and the real
 * traces in ../shared/data when present.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/job.h"
#include "model/pool.h"
#include "sim/trace.h"
#include "test.h"
#include "util/csv.h"

#define POD_HDR "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos," \
		"pod_phase,creation_time,deletion_time,scheduled_time\n"
#define NODE_HDR "sn,cpu_milli,memory_mib,gpu,model\n"
#define PHILLY_HDR "timestamp,duration,num_gpus,gpu_time,cluster\n"

static struct csv_field
fld(const char *s)
{
	struct csv_field f = {s, strlen(s)};

	return f;
}

static int
parse(enum trace_format fmt, const char *text, const struct trace_opts *o,
      struct pool *pool, struct workload *w, struct err *e)
{
	return trace_parse("t.csv", text, strlen(text), fmt, o, pool, w, e);
}

/* Parsing text must fail with code and a message starting with want, and
 * leave the workload empty. */
static void
expect_fail(int line, enum trace_format fmt, const char *text, int code,
	    const char *want)
{
	struct workload w;
	struct pool p;
	struct err e;
	int rc;

	workload_init(&w);
	pool_init(&p);
	rc = parse(fmt, text, NULL, &p, &w, &e);
	if (rc != code || strncmp(e.msg, want, strlen(want)) != 0)
		test_fail(__FILE__, line, "rc %d (want %d), message\n  \"%s\"\n"
			  "does not start with\n  \"%s\"", rc, code, e.msg, want);
	if (w.njobs != 0)
		test_fail(__FILE__, line, "%zu jobs left after an error", w.njobs);
	workload_free(&w);
	pool_free(&p);
}

#define FAIL(fmt, text, want) expect_fail(__LINE__, fmt, text, ERR_INVALID, want)

TEST(csv_lines)
{
	static const char text[] = "\xef\xbb\xbf" "a,b\r\n\nc\"d\nlast";
	struct csv_lines r;
	struct err e;
	const char *s;
	size_t n;

	csv_lines_init(&r, "x", text, sizeof text - 1);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 1);
	CHECK_EQ_INT(n, 3);
	CHECK(memcmp(s, "a,b", 3) == 0);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 1);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 1);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 1);
	CHECK_EQ_INT(r.line, 4);
	CHECK(n == 4 && memcmp(s, "last", 4) == 0);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 0);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 0);

	/* A NUL byte, then a line of exactly the limit, then one too long:
	 * each bad line is consumed and reading goes on. */
	static char big[3 * CSV_MAX_LINE];
	size_t k = 0;
	memcpy(big, "ab\0c\n", 5);
	k = 5;
	memset(big + k, 'x', CSV_MAX_LINE);
	k += CSV_MAX_LINE;
	big[k++] = '\r';
	big[k++] = '\n';
	memset(big + k, 'y', CSV_MAX_LINE + 1);
	k += CSV_MAX_LINE + 1;
	big[k++] = '\n';
	memcpy(big + k, "z", 1);
	k++;
	csv_lines_init(&r, "x", big, k);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), ERR_INVALID);
	CHECK_STR(e.msg, "x:1: line: NUL byte at column 3");
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 1);
	CHECK_EQ_INT(n, CSV_MAX_LINE);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), ERR_INVALID);
	CHECK_STR(e.msg, "x:3: line: longer than 65536 bytes");
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 1);
	CHECK(n == 1 && s[0] == 'z');
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 0);
	/* Too long and never ended. */
	csv_lines_init(&r, "x", big + 5 + CSV_MAX_LINE + 2, CSV_MAX_LINE + 1);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), ERR_INVALID);
	CHECK_EQ_INT(csv_lines_next(&r, &s, &n, &e), 0);
}

TEST(csv_split_fields)
{
	struct csv_field f[4];
	char scratch[64];
	const char *s;

	s = "a,,\"b,c\",\"say \"\"hi\"\"\"";
	CHECK_EQ_INT(csv_split(s, strlen(s), ',', f, 4, scratch), 4);
	CHECK(csv_eq(f[0], "a") && csv_eq(f[1], "") && csv_eq(f[2], "b,c"));
	CHECK(csv_eq(f[3], "say \"hi\""));
	CHECK_EQ_INT(csv_split("", 0, ',', f, 4, scratch), 1);
	CHECK_EQ_INT(csv_split("a,", 2, ',', f, 4, scratch), 2);
	CHECK(csv_eq(f[1], ""));
	CHECK_EQ_INT(csv_split("a,b,c,d,e", 9, ',', f, 4, scratch), -1);
	CHECK_EQ_INT(csv_split("\"ab", 3, ',', f, 4, scratch), -2);
	CHECK_EQ_INT(csv_split("\"a\"b", 4, ',', f, 4, scratch), -2);
	CHECK_EQ_INT(csv_split("\"a\"\"\"", 5, ',', f, 4, NULL), -2);
	s = "  1\t 22  333 ";
	CHECK_EQ_INT(csv_split_ws(s, strlen(s), f, 4), 3);
	CHECK(csv_eq(f[0], "1") && csv_eq(f[1], "22") && csv_eq(f[2], "333"));
	CHECK_EQ_INT(csv_split_ws(" \t ", 3, f, 4), 0);
	CHECK_EQ_INT(csv_split_ws("1 2 3 4 5", 9, f, 4), -1);
}

TEST(csv_numbers)
{
	struct csv_lines r = {"f", NULL, NULL, 7};
	struct err e;
	int64_t v;
	double d;
	char show[64];

	CHECK_EQ_INT(csv_get_int(&r, "n", fld("-12"), -100, 100, &v, &e), 0);
	CHECK_EQ_INT(v, -12);
	CHECK_EQ_INT(csv_get_int(&r, "n", fld("9223372036854775807"), 0,
				 INT64_MAX, &v, &e), 0);
	CHECK(v == INT64_MAX);
	CHECK_EQ_INT(csv_get_int(&r, "n", fld("-9223372036854775808"),
				 INT64_MIN, 0, &v, &e), 0);
	CHECK(v == INT64_MIN);
	CHECK_EQ_INT(csv_get_int(&r, "n", fld("9223372036854775808"), 0,
				 INT64_MAX, &v, &e), ERR_INVALID);
	CHECK_EQ_INT(csv_get_int(&r, "n", fld("101"), 0, 100, &v, &e),
		     ERR_INVALID);
	CHECK_STR(e.msg, "f:7: n: expected an integer 0..100, got \"101\"");
	static const char *const bad_int[] = {"", "-", " 1", "1 ", "+1", "1.0",
					      "0x10", "1e3"};
	for (size_t i = 0; i < sizeof bad_int / sizeof bad_int[0]; i++)
		CHECK_EQ_INT(csv_get_int(&r, "n", fld(bad_int[i]), -9, 9, &v, &e),
			     ERR_INVALID);

	CHECK_EQ_INT(csv_get_double(&r, "d", fld("66.0"), 0, 1e9, &d, &e), 0);
	CHECK(d == 66.0);
	CHECK_EQ_INT(csv_get_double(&r, "d", fld("2951.5"), 0, 1e9, &d, &e), 0);
	CHECK(d == 2951.5);
	CHECK_EQ_INT(csv_get_double(&r, "d", fld("0.001"), 0, 1e9, &d, &e), 0);
	CHECK(d == 0.001);
	CHECK_EQ_INT(csv_get_double(&r, "d", fld("1.5e3"), 0, 1e9, &d, &e), 0);
	CHECK(d == 1500.0);
	CHECK_EQ_INT(csv_get_double(&r, "d", fld(".5"), 0, 1e9, &d, &e), 0);
	CHECK(d == 0.5);
	CHECK_EQ_INT(csv_get_double(&r, "d", fld("7."), 0, 1e9, &d, &e), 0);
	CHECK(d == 7.0);
	CHECK_EQ_INT(csv_get_double(&r, "d", fld("-1"), -1, 1e9, &d, &e), 0);
	CHECK(d == -1.0);
	CHECK_EQ_INT(csv_get_double(&r, "d", fld("123456789012345678901234"), 0,
				    1e30, &d, &e), 0);
	CHECK_NEAR(d, 1.23456789012345678e23, 1e9);
	static const char *const bad_num[] = {"", ".", "-", "e5", "1e", "1e+",
					      "nan", "inf", "1,5", "1.2.3", " 1"};
	for (size_t i = 0; i < sizeof bad_num / sizeof bad_num[0]; i++)
		CHECK_EQ_INT(csv_get_double(&r, "d", fld(bad_num[i]), 0, 1e9, &d,
					    &e), ERR_INVALID);
	CHECK_EQ_INT(csv_get_double(&r, "d", fld("1e400"), 0, 1e9, &d, &e),
		     ERR_INVALID);
	CHECK_STR(e.msg, "f:7: d: expected a number 0..1e+09, got \"1e400\"");
	CHECK_EQ_INT(csv_get_double(&r, "d", fld("abc"), 0, 1e9, &d, &e),
		     ERR_INVALID);
	CHECK_STR(e.msg, "f:7: d: expected a number, got \"abc\"");

	struct csv_field raw = {"a\"\\\x01\xff", 5};
	CHECK_STR(csv_show(show, sizeof show, raw), "\"a\\\"\\\\\\x01\\xff\"");
}

TEST(csv_times)
{
	struct csv_lines r = {"f", NULL, NULL, 3};
	struct err e;
	int64_t t;

	CHECK_EQ_INT(csv_days_from_civil(1970, 1, 1), 0);
	CHECK_EQ_INT(csv_days_from_civil(1969, 12, 31), -1);
	CHECK_EQ_INT(csv_days_from_civil(2000, 3, 1), 11017);
	CHECK_EQ_INT(csv_get_time(&r, "ts", fld("2017-10-09 07:01:55"), &t, &e), 0);
	CHECK_EQ_INT(t, 1507532515);
	CHECK_EQ_INT(csv_get_time(&r, "ts", fld("2017-12-22T08:02:11"), &t, &e), 0);
	CHECK_EQ_INT(t, 1513929731);
	CHECK_EQ_INT(csv_get_time(&r, "ts", fld("1969-12-31 23:59:59"), &t, &e), 0);
	CHECK_EQ_INT(t, -1);
	CHECK_EQ_INT(csv_get_time(&r, "ts", fld("2000-02-29 12:00:00"), &t, &e), 0);
	CHECK_EQ_INT(t, 951825600);
	CHECK_EQ_INT(csv_get_time(&r, "ts", fld("1900-01-01 00:00:00"), &t, &e), 0);
	CHECK_EQ_INT(t, -2208988800LL);
	CHECK_EQ_INT(csv_get_time(&r, "ts", fld("9999-12-31 23:59:59"), &t, &e), 0);
	CHECK_EQ_INT(t, 253402300799LL);
	static const char *const bad[] = {
		"2017-02-29 00:00:00", "1900-02-29 00:00:00", "2017-13-01 00:00:00",
		"2017-00-01 00:00:00", "2017-04-31 00:00:00", "2017-01-01 24:00:00",
		"2017-01-01 00:60:00", "2017-01-01 00:00:60", "1899-12-31 23:59:59",
		"2017-1-01 00:00:00", "2017-01-01", "2017-01-01 00:00:00Z",
		"2017/01/01 00:00:00", "2017-01-01 0a:00:00", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (csv_get_time(&r, "ts", fld(bad[i]), &t, &e) != ERR_INVALID)
			test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
	CHECK_STR(e.msg, "f:3: ts: expected a time YYYY-MM-DD HH:MM:SS, got \"\"");
}

TEST(trace_formats_and_shapes)
{
	struct job j;

	CHECK_EQ_INT(trace_format_parse("openb"), TRACE_OPENB);
	CHECK_EQ_INT(trace_format_parse("philly"), TRACE_PHILLY);
	CHECK_EQ_INT(trace_format_parse("swf"), TRACE_SWF);
	CHECK_EQ_INT(trace_format_parse("csv"), -1);
	CHECK_STR(trace_format_name(TRACE_SWF), "swf");
	static const struct {
		long gpus;
		int nodes, per;
	} shapes[] = {{1, 1, 1}, {3, 1, 3}, {8, 1, 8}, {9, 2, 5}, {12, 2, 6},
		      {13, 2, 7}, {16, 2, 8}, {24, 3, 8}, {100, 13, 8},
		      {127, 16, 8}, {128, 16, 8}, {TRACE_MAX_GPUS, 65535, 8}};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		memset(&j, 0, sizeof j);
		trace_shape_gpus(&j, shapes[i].gpus);
		CHECK_EQ_INT(j.nodes, shapes[i].nodes);
		CHECK_EQ_INT(j.gpus_per_node, shapes[i].per);
		CHECK_EQ_INT(j.gpu_milli, 1000);
		CHECK((long)j.nodes * j.gpus_per_node >= shapes[i].gpus);
		CHECK((long)j.nodes * j.gpus_per_node < shapes[i].gpus + j.nodes);
		CHECK_EQ_INT(job_validate(&j, NULL), 0);
	}
}

TEST(openb_pods_good)
{
	static const char text[] = POD_HDR
		"p0,12000,16384,1,1000,,LS,Running,0,12537496,0\n"
		"p1,6000,12288,1,460,,BE,Running,427061,12902960,427061\n"
		"p2,88000,327680,8,1000,V100M16|V100M32|V100M16,Burstable,"
		"Succeeded,9437497,10769854,9437497\n"
		"p3,4000,8192,0,0,,BE,Pending,10001278,10001403,\n"
		"p4,1000,512,2,1000,T4,,,,,\n";
	struct workload w;
	struct pool p;
	struct err e;

	workload_init(&w);
	pool_init(&p);
	CHECK_EQ_INT(pool_model(&p, "V100M32", NULL, NULL), 0);
	CHECK_EQ_INT(parse(TRACE_OPENB, text, NULL, &p, &w, &e), 0);
	CHECK_EQ_INT(e.code, 0);
	CHECK_STR(e.msg, "");
	CHECK_EQ_INT(w.njobs, 5);
	CHECK_EQ_INT(w.tenants.n, 1);
	CHECK_STR(strtab_get(&w.tenants, 0), "openb");

	const struct job *j = w.jobs;
	CHECK_EQ_INT(j[0].id, 0);
	CHECK_EQ_INT(j[0].cpu_milli, 12000);
	CHECK_EQ_INT(j[0].mem_mib, 16384);
	CHECK_EQ_INT(j[0].nodes, 1);
	CHECK_EQ_INT(j[0].gpus_per_node, 1);
	CHECK_EQ_INT(j[0].gpu_milli, 1000);
	CHECK_EQ_INT(j[0].class, CLASS_INFERENCE);
	CHECK_EQ_INT(j[0].flags, 0);
	CHECK_EQ_INT(j[0].submit, 0);
	CHECK_EQ_INT(j[0].duration, 12537496);
	CHECK_EQ_INT(j[0].state, JOB_PENDING);
	CHECK_EQ_INT(j[0].start, -1);
	CHECK_EQ_INT(j[0].end, -1);
	CHECK_EQ_INT(j[0].model_mask, 0);

	CHECK_EQ_INT(j[1].gpus_per_node, 1);
	CHECK_EQ_INT(j[1].gpu_milli, 460);
	CHECK_EQ_INT(j[1].class, CLASS_TRAINING);
	CHECK_EQ_INT(j[1].flags, JOB_PREEMPTIBLE);
	CHECK_EQ_INT(j[1].submit, 427061);
	CHECK_EQ_INT(j[1].duration, 12902960 - 427061);
	CHECK_EQ_INT(job_gpu_milli(&j[1]), 460);

	CHECK_EQ_INT(j[2].gpus_per_node, 8);
	CHECK_EQ_INT(j[2].gpu_milli, 1000);
	CHECK_EQ_INT(j[2].cpu_milli, 88000);
	CHECK_EQ_INT(pool_model_find(&p, "V100M16"), 1);
	CHECK_EQ_INT(j[2].model_mask, 0x3);
	CHECK_EQ_INT(j[2].duration, 10769854 - 9437497);

	CHECK_EQ_INT(j[3].gpus_per_node, 0);
	CHECK_EQ_INT(j[3].gpu_milli, 0);
	CHECK_EQ_INT(j[3].nodes, 1);
	CHECK_EQ_INT(j[3].submit, 10001278);
	CHECK_EQ_INT(j[3].duration, 0); /* never scheduled: unknown */
	CHECK_EQ_INT(job_gpu_milli(&j[3]), 0);

	CHECK_EQ_INT(j[4].gpus_per_node, 2);
	CHECK_EQ_INT(j[4].model_mask, 1u << 2);
	CHECK_EQ_INT(pool_model_find(&p, "T4"), 2);
	CHECK_EQ_INT(j[4].submit, 0);
	CHECK_EQ_INT(j[4].duration, 0);
	for (size_t i = 0; i < w.njobs; i++)
		CHECK_EQ_INT(job_validate(&w.jobs[i], NULL), 0);

	/* Without a pool the spec is checked but ignored. */
	workload_free(&w);
	workload_init(&w);
	CHECK_EQ_INT(parse(TRACE_OPENB, text, NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.jobs[2].model_mask, 0);
	workload_free(&w);
	pool_free(&p);
}

TEST(openb_pods_layouts)
{
	/* The 5-column multigpu20 layout, and columns in another order with
	 * an extra one and CRLF line ends. */
	static const char five[] = "name,cpu_milli,memory_mib,num_gpu,gpu_milli\n"
				   "a,12000,16384,1,1000\n"
				   "b,6000,12288,1,460\n"
				   "c,88000,327680,4,1000";
	static const char moved[] =
		"gpu_milli,extra,num_gpu,memory_mib,cpu_milli,name,"
		"creation_time\r\n500,zzz,1,100,200,x,77\r\n\r\n";
	struct workload w;
	struct err e;

	workload_init(&w);
	CHECK_EQ_INT(parse(TRACE_OPENB, five, NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 3);
	CHECK_EQ_INT(w.jobs[1].gpu_milli, 460);
	CHECK_EQ_INT(w.jobs[2].gpus_per_node, 4);
	CHECK_EQ_INT(w.jobs[2].submit, 0);
	CHECK_EQ_INT(w.jobs[2].duration, 0);
	CHECK_EQ_INT(w.jobs[2].class, CLASS_TRAINING);
	CHECK_EQ_INT(parse(TRACE_OPENB, moved, NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 4);
	CHECK_EQ_INT(w.jobs[3].id, 3);
	CHECK_EQ_INT(w.jobs[3].gpu_milli, 500);
	CHECK_EQ_INT(w.jobs[3].mem_mib, 100);
	CHECK_EQ_INT(w.jobs[3].cpu_milli, 200);
	CHECK_EQ_INT(w.jobs[3].submit, 77);
	workload_free(&w);

	/* Empty input and a lone header are no jobs, not errors. */
	static const char *const empty[] = {"", "\n", "\n\n", POD_HDR,
					    ("name,cpu_milli,memory_mib,num_gpu,"
					     "gpu_milli")};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		workload_init(&w);
		CHECK_EQ_INT(parse(TRACE_OPENB, empty[i], NULL, NULL, &w, &e), 0);
		CHECK_EQ_INT(w.njobs, 0);
		workload_free(&w);
	}
	workload_init(&w);
	for (int f = 0; f < TRACE_NFORMATS; f++)
		CHECK_EQ_INT(trace_parse("t", NULL, 0, (enum trace_format)f, NULL,
					 NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 0);
	workload_free(&w);
}

TEST(openb_pods_bad)
{
#define P(line) POD_HDR line
	FAIL(TRACE_OPENB, P("p,abc,1,1,1000,,LS,Running,0,1,0\n"),
	     "t.csv:2: cpu_milli: expected an integer 0..100000000, got \"abc\"");
	FAIL(TRACE_OPENB, P("p,100000001,1,1,1000,,LS,Running,0,1,0\n"),
	     "t.csv:2: cpu_milli: expected an integer 0..100000000, got \"100000001\"");
	FAIL(TRACE_OPENB, P("p,1,-1,1,1000,,LS,Running,0,1,0\n"),
	     "t.csv:2: memory_mib: expected an integer 0..1073741824, got \"-1\"");
	FAIL(TRACE_OPENB, P("p,1,1,9,1000,,LS,Running,0,1,0\n"),
	     "t.csv:2: num_gpu: expected an integer 0..8, got \"9\"");
	FAIL(TRACE_OPENB, P("p,1,1,1.5,1000,,LS,Running,0,1,0\n"),
	     "t.csv:2: num_gpu: expected an integer 0..8, got \"1.5\"");
	FAIL(TRACE_OPENB, P("p,1,1,1,1001,,LS,Running,0,1,0\n"),
	     "t.csv:2: gpu_milli: expected an integer 0..1000, got \"1001\"");
	FAIL(TRACE_OPENB, P("p,1,1,2,500,,LS,Running,0,1,0\n"),
	     "t.csv:2: gpu_milli: must be 1000 for a task with 2 GPUs");
	FAIL(TRACE_OPENB, P("p,1,1,0,5,,LS,Running,0,1,0\n"),
	     "t.csv:2: gpu_milli: must be 0 for a task without GPUs, got 5");
	FAIL(TRACE_OPENB, P("p,1,1,1,0,,LS,Running,0,1,0\n"),
	     "t.csv:2: gpu_milli: must be 1..1000 for a task with a GPU");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,A||B,LS,Running,0,1,0\n"),
	     "t.csv:2: gpu_spec: empty");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,A|,LS,Running,0,1,0\n"),
	     "t.csv:2: gpu_spec: empty");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,A B,LS,Running,0,1,0\n"),
	     "t.csv:2: gpu_spec: byte 2 of \"A B\" is not a letter");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,,L S,Running,0,1,0\n"),
	     "t.csv:2: qos: byte 2 of \"L S\"");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,,LS,Run\x01,0,1,0\n"),
	     "t.csv:2: pod_phase: byte 4 of \"Run\\x01\"");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,,LS,Running,x,1,0\n"),
	     "t.csv:2: creation_time: expected an integer 0..100000000000, got \"x\"");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,,LS,Running,0,-5,0\n"),
	     "t.csv:2: deletion_time: expected an integer");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,,LS,Running,0,1,1e3\n"),
	     "t.csv:2: scheduled_time: expected an integer");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,,LS,Running,0,5,9\n"),
	     "t.csv:2: deletion_time: 5 is before scheduled_time 9");
	FAIL(TRACE_OPENB, P(",1,1,1,1000,,LS,Running,0,1,0\n"),
	     "t.csv:2: name: empty");
	FAIL(TRACE_OPENB, P("p\xff\xfe,1,1,1,1000,,LS,Running,0,1,0\n"),
	     "t.csv:2: name: byte 2 of \"p\\xff\\xfe\" is not a letter");
	/* Line-level faults. */
	FAIL(TRACE_OPENB, P("p,1,1,1,1000\n"),
	     "t.csv:2: line: 5 columns, the header has 11");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,,LS,Running,0,1,0,extra\n"),
	     "t.csv:2: line: 12 columns, the header has 11");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,,LS,Running,0,1,0\np,1,1,1,10"),
	     "t.csv:3: line: 5 columns, the header has 11");
	FAIL(TRACE_OPENB, P("p,1,1,1,1000,,LS,Running,0,1,0\np,1,1,1,1000,,LS,Running,0,1"),
	     "t.csv:3: line: 10 columns, the header has 11");
	FAIL(TRACE_OPENB, P("\"p,1,1,1,1000,,LS,Running,0,1,0\n"),
	     "t.csv:2: line: malformed quoted field");
	{
		static const char nul[] = POD_HDR "p\0,1,1,1,1000,,LS,Running,0,1,0\n";
		struct workload w;
		struct err e;
		workload_init(&w);
		CHECK_EQ_INT(trace_parse("t.csv", nul, sizeof nul - 1, TRACE_OPENB,
					 NULL, NULL, &w, &e), ERR_INVALID);
		CHECK_STR(e.msg, "t.csv:2: line: NUL byte at column 2");
		workload_free(&w);
	}
	{
		static char big[CSV_MAX_LINE + 256];
		size_t n = strlen(POD_HDR);
		memcpy(big, POD_HDR, n);
		memset(big + n, 'p', CSV_MAX_LINE);
		memcpy(big + n + CSV_MAX_LINE, ",1,1,1,1000,,,,,,\n", 19);
		FAIL(TRACE_OPENB, big, "t.csv:2: line: longer than 65536 bytes");
		/* A long but legal line: the name is too long. */
		memset(big + n, 'p', 1000);
		memcpy(big + n + 1000, ",1,1,1,1000,,,,,,\n", 19);
		FAIL(TRACE_OPENB, big, "t.csv:2: name: longer than 256 bytes");
	}
	/* Header faults. */
	FAIL(TRACE_OPENB, "name,cpu_milli,memory_mib,num_gpu\np,1,1,1\n",
	     "t.csv:1: header: no column \"gpu_milli\"");
	FAIL(TRACE_OPENB, "openb-pod-0000,12000,16384,1,1000\n",
	     "t.csv:1: header: no column \"name\" (the first line must name "
	     "the columns)");
	FAIL(TRACE_OPENB, "\nname,cpu_milli,memory_mib,num_gpu,gpu_milli,num_gpu\n",
	     "t.csv:2: header: column \"num_gpu\" twice");
#undef P
}

TEST(openb_pods_skip_and_limit)
{
	static const char text[] = POD_HDR
		"a,1,1,1,1000,,,,,,\n"
		"b,1,1,1,x,,,,,,\n"
		"c,1,1,1,1000,,,,,,\n"
		"d,1,1,1,1000\n"
		"e,1,1,1,1000,,,,,,\n";
	struct trace_opts o = {.skip_bad = 1};
	struct workload w;
	struct err e;
	size_t counted = 0;

	workload_init(&w);
	o.skipped = &counted;
	CHECK_EQ_INT(parse(TRACE_OPENB, text, &o, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 3);
	CHECK_EQ_INT(w.skipped, 2);
	CHECK_EQ_INT(counted, 2);
	CHECK_EQ_INT(e.code, 0);
	CHECK_STR(e.msg, "t.csv:3: gpu_milli: expected an integer 0..1000, got \"x\"");
	CHECK_EQ_INT(w.jobs[2].id, 2);

	/* The limit counts records of this read; on failure everything this
	 * read added goes again, including the skipped count. */
	o.max_jobs = 2;
	CHECK_EQ_INT(parse(TRACE_OPENB, text, &o, NULL, &w, &e), ERR_LIMIT);
	CHECK_STR(e.msg, "t.csv:6: line: more than 2 records");
	CHECK_EQ_INT(w.njobs, 3);
	CHECK_EQ_INT(w.skipped, 2);
	o.max_jobs = 3;
	CHECK_EQ_INT(parse(TRACE_OPENB, text, &o, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 6);
	CHECK_EQ_INT(w.skipped, 4);
	/* Without skip_bad the first bad line fails the read. */
	o.skip_bad = 0;
	CHECK_EQ_INT(parse(TRACE_OPENB, text, &o, NULL, &w, &e), ERR_INVALID);
	CHECK_EQ_INT(w.njobs, 6);
	/* A bad header is never skipped. */
	o.skip_bad = 1;
	CHECK_EQ_INT(parse(TRACE_OPENB, "x,y\n1,2\n", &o, NULL, &w, &e),
		     ERR_INVALID);
	CHECK_STR(e.msg, "t.csv:1: header: no column \"name\" (the first line "
			 "must name the columns)");
	workload_free(&w);
}

TEST(openb_pods_model_limit)
{
	struct workload w;
	struct pool p;
	struct err e;
	char text[4096];
	int n;

	pool_init(&p);
	workload_init(&w);
	for (int i = 0; i < POOL_MAX_MODELS - 1; i++) {
		char name[16];
		snprintf(name, sizeof name, "M%d", i);
		pool_model(&p, name, NULL, NULL);
	}
	/* One new model fits; two new ones on one line do not, and that
	 * line adds neither. */
	n = snprintf(text, sizeof text, "%sa,1,1,1,1000,X|M3|Y,,,,,\n", POD_HDR);
	CHECK(n > 0);
	CHECK_EQ_INT(parse(TRACE_OPENB, text, NULL, &p, &w, &e), ERR_LIMIT);
	CHECK_STR(e.msg, "t.csv:2: gpu_spec: more than 32 GPU models in all");
	CHECK_EQ_INT(p.model_names.n, POOL_MAX_MODELS - 1);
	snprintf(text, sizeof text, "%sa,1,1,1,1000,X|M3|X,,,,,\n", POD_HDR);
	CHECK_EQ_INT(parse(TRACE_OPENB, text, NULL, &p, &w, &e), 0);
	CHECK_EQ_INT(p.model_names.n, POOL_MAX_MODELS);
	CHECK_EQ_INT(w.jobs[0].model_mask, 1u << 31 | 1u << 3);
	workload_free(&w);
	pool_free(&p);
}

TEST(openb_nodes_good)
{
	static const char text[] = NODE_HDR
		"n0,64000,262144,2,P100\n"
		"n1,96000,786432,8,G2\r\n"
		"n2,32000,262144,0,\n"
		"n3,64000,262144,4,P100";
	struct pool p;
	struct err e;

	pool_init(&p);
	CHECK_EQ_INT(trace_parse_openb_nodes("n.csv", text, sizeof text - 1, NULL,
					     &p, &e), 0);
	CHECK_EQ_INT(p.nnodes, 4);
	CHECK_EQ_INT(p.total_gpus, 14);
	CHECK_EQ_INT(p.model_names.n, 2);
	CHECK_EQ_INT(pool_model_find(&p, "P100"), 0);
	CHECK_EQ_INT(pool_model_find(&p, "G2"), 1);
	CHECK_STR(pool_node_name(&p, 1), "n1");
	CHECK_EQ_INT(p.nodes[1].model, 1);
	CHECK_EQ_INT(p.nodes[1].ngpu, 8);
	CHECK_EQ_INT(p.nodes[1].cpu_milli, 96000);
	CHECK_EQ_INT(p.nodes[1].mem_mib, 786432);
	CHECK_EQ_INT(p.nodes[1].gpu_free[7], 1000);
	CHECK_EQ_INT(p.nodes[2].ngpu, 0);
	CHECK_EQ_INT(p.nodes[3].model, 0);
	CHECK_EQ_INT(p.nodes[3].ngpu, 4);
	CHECK_EQ_INT(pool_gpu_milli_total(&p), 14000);
	/* Each node gets a default domain of its own. */
	CHECK(p.nodes[0].domain != p.nodes[1].domain);
	pool_free(&p);

	/* A CPU-only node list into an empty pool: no model needed. */
	pool_init(&p);
	CHECK_EQ_INT(trace_parse_openb_nodes("n.csv", NODE_HDR "c0,1000,1024,0,\n",
					     strlen(NODE_HDR "c0,1000,1024,0,\n"),
					     NULL, &p, &e), 0);
	CHECK_EQ_INT(p.nnodes, 1);
	CHECK_EQ_INT(p.model_names.n, 0);
	pool_free(&p);
}

/* Parsing a node list must fail with want, leaving the pool untouched. */
static void
expect_nodes_fail(int line, const char *text, int code, const char *want)
{
	struct pool p;
	struct err e;
	int rc;

	pool_init(&p);
	pool_model(&p, "T4", NULL, NULL);
	rc = trace_parse_openb_nodes("n.csv", text, strlen(text), NULL, &p, &e);
	if (rc != code || strncmp(e.msg, want, strlen(want)) != 0)
		test_fail(__FILE__, line, "rc %d (want %d), message\n  \"%s\"\n"
			  "does not start with\n  \"%s\"", rc, code, e.msg, want);
	if (p.nnodes != 0 || p.model_names.n != 1)
		test_fail(__FILE__, line, "pool changed by a failed read");
	pool_free(&p);
}

#define NFAIL(text, want) expect_nodes_fail(__LINE__, text, ERR_INVALID, want)

TEST(openb_nodes_bad)
{
	NFAIL(NODE_HDR "n0,1,1,2,A100\nn1,1,1,9,T4\n",
	      "n.csv:3: gpu: expected an integer 0..8, got \"9\"");
	NFAIL(NODE_HDR "n0,1,1,2,\n", "n.csv:2: model: empty for a node with 2 GPUs");
	NFAIL(NODE_HDR "n0,x,1,2,T4\n", "n.csv:2: cpu_milli: expected an integer");
	NFAIL(NODE_HDR "n0,1,1.0,2,T4\n", "n.csv:2: memory_mib: expected an integer");
	NFAIL(NODE_HDR "n0,1,1,2,T 4\n", "n.csv:2: model: byte 2 of \"T 4\"");
	NFAIL(NODE_HDR "n0,1,1,2,T4\nn1,1,1,2,T4\nn0,1,1,2,T4\n",
	      "n.csv:4: sn: node n0 already on line 2");
	NFAIL(NODE_HDR "n0,1,1,2\n", "n.csv:2: line: 4 columns, the header has 5");
	NFAIL("sn,cpu_milli,memory_mib,gpu\nn0,1,1,2\n",
	      "n.csv:1: header: no column \"model\"");
	NFAIL("n0,1,1,2,T4\n", "n.csv:1: header: no column \"sn\"");
	NFAIL(NODE_HDR "\xc3\xa9,1,1,2,T4\n", "n.csv:2: sn: byte 1 of \"\\xc3\\xa9\"");

	/* More than POOL_MAX_MODELS models in all. */
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof text, "%s", NODE_HDR);
	for (int i = 0; i < POOL_MAX_MODELS; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "n%d,1,1,1,M%d\n",
				      i, i);
	expect_nodes_fail(__LINE__, text, ERR_LIMIT,
			  "n.csv:33: model: more than 32 GPU models in all");

	/* With skip_bad the good lines go in and the bad ones are counted. */
	struct trace_opts o = {.skip_bad = 1};
	struct pool p;
	struct err e;
	size_t skipped = 0;
	static const char mixed[] = NODE_HDR "n0,1,1,2,T4\nn1,1,1,9,T4\n"
					     "n2,1,1,1,A10\nn0,1,1,1,A10\n";
	o.skipped = &skipped;
	pool_init(&p);
	CHECK_EQ_INT(trace_parse_openb_nodes("n.csv", mixed, sizeof mixed - 1, &o,
					     &p, &e), 0);
	CHECK_EQ_INT(p.nnodes, 2);
	CHECK_EQ_INT(skipped, 2);
	CHECK_STR(e.msg, "n.csv:3: gpu: expected an integer 0..8, got \"9\"");
	/* The record limit applies to nodes too. */
	o.max_jobs = 1;
	CHECK_EQ_INT(trace_parse_openb_nodes("n.csv", mixed, sizeof mixed - 1, &o,
					     &p, &e), ERR_LIMIT);
	CHECK_EQ_INT(p.nnodes, 2);
	pool_free(&p);
}

TEST(philly_good)
{
	static const char text[] = PHILLY_HDR
		"2017-10-09 07:01:55,66.0,1,66.0,11cb48\n"
		"2017-10-09 06:13:03,2951.4,16,47222.4,6214e9\n"
		"2017-11-08 07:33:10,1896.5,12,22758.0,11cb48\n"
		"\n";
	struct workload w;
	struct err e;

	workload_init(&w);
	CHECK_EQ_INT(parse(TRACE_PHILLY, text, NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 3);
	CHECK_EQ_INT(w.tenants.n, 2);
	CHECK_STR(strtab_get(&w.tenants, 0), "11cb48");
	CHECK_STR(strtab_get(&w.tenants, 1), "6214e9");
	const struct job *j = w.jobs;
	CHECK_EQ_INT(j[0].submit, 1507532515);
	CHECK_EQ_INT(j[0].duration, 66);
	CHECK_EQ_INT(j[0].nodes, 1);
	CHECK_EQ_INT(j[0].gpus_per_node, 1);
	CHECK_EQ_INT(j[0].gpu_milli, 1000);
	CHECK_EQ_INT(j[0].tenant, 0);
	CHECK_EQ_INT(j[0].class, CLASS_TRAINING);
	CHECK_EQ_INT(j[0].time_limit, 0);
	CHECK_EQ_INT(j[1].submit, 1507529583); /* file order kept */
	CHECK_EQ_INT(j[1].duration, 2951);
	CHECK_EQ_INT(j[1].nodes, 2);
	CHECK_EQ_INT(j[1].gpus_per_node, 8);
	CHECK_EQ_INT(j[1].tenant, 1);
	CHECK_EQ_INT(j[2].submit, 1510126390);
	CHECK_EQ_INT(j[2].duration, 1897); /* 1896.5 rounds half up */
	CHECK_EQ_INT(j[2].nodes, 2);
	CHECK_EQ_INT(j[2].gpus_per_node, 6);
	CHECK_EQ_INT(j[2].tenant, 0);
	workload_free(&w);

	/* gpu_time is optional. */
	workload_init(&w);
	CHECK_EQ_INT(parse(TRACE_PHILLY, "cluster,num_gpus,duration,timestamp\n"
			   "vc1,4,0,2017-01-01 00:00:00\n", NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 1);
	CHECK_EQ_INT(w.jobs[0].gpus_per_node, 4);
	CHECK_EQ_INT(w.jobs[0].submit, 1483228800);
	workload_free(&w);
}

TEST(philly_bad)
{
#define H(line) PHILLY_HDR line
	FAIL(TRACE_PHILLY, H("2017-13-01 00:00:00,1,1,1,a\n"),
	     "t.csv:2: timestamp: expected a time YYYY-MM-DD HH:MM:SS, got "
	     "\"2017-13-01 00:00:00\"");
	FAIL(TRACE_PHILLY, H("2017-02-29 00:00:00,1,1,1,a\n"),
	     "t.csv:2: timestamp: expected a time");
	FAIL(TRACE_PHILLY, H("1507532515,1,1,1,a\n"), "t.csv:2: timestamp: expected a time");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,-1,1,1,a\n"),
	     "t.csv:2: duration: expected a number 0..1e+11, got \"-1\"");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,nan,1,1,a\n"),
	     "t.csv:2: duration: expected a number, got \"nan\"");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,inf,1,1,a\n"),
	     "t.csv:2: duration: expected a number, got \"inf\"");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,1e999,1,1,a\n"),
	     "t.csv:2: duration: expected a number 0..1e+11, got \"1e999\"");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,1,0,1,a\n"),
	     "t.csv:2: num_gpus: expected an integer 1..524280, got \"0\"");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,1,524281,1,a\n"),
	     "t.csv:2: num_gpus: expected an integer 1..524280, got \"524281\"");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,1,2.0,1,a\n"),
	     "t.csv:2: num_gpus: expected an integer");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,1,1,-3,a\n"),
	     "t.csv:2: gpu_time: expected a number");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,1,1,1,\n"), "t.csv:2: cluster: empty");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,1,1,1\n"),
	     "t.csv:2: line: 4 columns, the header has 5");
	FAIL(TRACE_PHILLY, H("2017-01-01 00:00:00,1,1,1,a\n2017-01-01 00:0"),
	     "t.csv:3: line: 1 columns, the header has 5");
	FAIL(TRACE_PHILLY, "timestamp,duration,gpu_time,cluster\n",
	     "t.csv:1: header: no column \"num_gpus\"");
	FAIL(TRACE_PHILLY, "2017-10-09 07:01:55,66.0,1,66.0,11cb48\n",
	     "t.csv:1: header: no column \"timestamp\"");
#undef H
}

TEST(swf_good)
{
	static const char text[] =
		"; Version: 2\n"
		";MaxJobs: 3\n"
		"\n"
		"1    5094 -1   12072  16 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1\n"
		"  2\t5170\t10\t2\t1\t-1\t-1\t32\t3600\t-1\t0\t7\t1\t-1\t0\t-1\t-1\t-1\r\n"
		"3 6742 -1 24089 13 12.5 1024.0 -1 -1 2e3 5 -1 -1 -1 0 -1 -1 -1\n"
		"   ; a comment after the jobs\n"
		"4 6800 -1 0 3 -1 -1 0 -1 -1 1 0 -1 -1 0 -1 -1 -1";
	struct workload w;
	struct err e;

	workload_init(&w);
	CHECK_EQ_INT(parse(TRACE_SWF, text, NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 4);
	const struct job *j = w.jobs;
	CHECK_EQ_INT(j[0].submit, 5094);
	CHECK_EQ_INT(j[0].duration, 12072);
	CHECK_EQ_INT(j[0].nodes, 2);
	CHECK_EQ_INT(j[0].gpus_per_node, 8);
	CHECK_EQ_INT(j[0].time_limit, 0);
	CHECK_STR(strtab_get(&w.tenants, j[0].tenant), "user-unknown");
	CHECK_EQ_INT(j[1].submit, 5170);
	CHECK_EQ_INT(j[1].duration, 2);
	CHECK_EQ_INT(j[1].nodes, 4); /* requested 32 wins over allocated 1 */
	CHECK_EQ_INT(j[1].gpus_per_node, 8);
	CHECK_EQ_INT(j[1].time_limit, 3600);
	CHECK_STR(strtab_get(&w.tenants, j[1].tenant), "user-7");
	CHECK_EQ_INT(j[2].nodes, 2); /* 13 -> 2 x 7; status 5 still replays */
	CHECK_EQ_INT(j[2].gpus_per_node, 7);
	CHECK_EQ_INT(j[2].tenant, j[0].tenant);
	CHECK_EQ_INT(j[3].nodes, 1); /* requested 0: allocated 3 */
	CHECK_EQ_INT(j[3].gpus_per_node, 3);
	CHECK_EQ_INT(j[3].duration, 0);
	CHECK_STR(strtab_get(&w.tenants, j[3].tenant), "user-0");
	CHECK_EQ_INT(w.tenants.n, 3);
	workload_free(&w);

	static const char *const empty[] = {"", ";only\n; comments\n", " \n\t\n"};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		workload_init(&w);
		CHECK_EQ_INT(parse(TRACE_SWF, empty[i], NULL, NULL, &w, &e), 0);
		CHECK_EQ_INT(w.njobs, 0);
		workload_free(&w);
	}
}

TEST(swf_bad)
{
#define J(a) a "\n"
	FAIL(TRACE_SWF, J("1 5094 -1 12072 16 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1"),
	     "t.csv:1: line: 17 fields, expected 18");
	FAIL(TRACE_SWF, J("; c\n1 5094 -1 12072 16 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1 9"),
	     "t.csv:2: line: 19 fields, expected 18");
	FAIL(TRACE_SWF, J("x 5094 -1 12072 16 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1"),
	     "t.csv:1: job_id: expected an integer -1..1000000000000000, got \"x\"");
	FAIL(TRACE_SWF, J("1 -1 -1 12072 16 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1"),
	     "t.csv:1: submit_time: expected an integer 0..100000000000, got \"-1\"");
	FAIL(TRACE_SWF, J("1 5094 -1 -1 16 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1"),
	     "t.csv:1: run_time: expected an integer 0..100000000000, got \"-1\"");
	FAIL(TRACE_SWF, J("1 5094 -1 12072 -1 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1"),
	     "t.csv:1: requested_procs: no processor count (requested_procs -1, "
	     "allocated_procs -1)");
	FAIL(TRACE_SWF, J("1 5094 -1 12072 16 -1 -1 524281 -1 -1 1 -1 -1 -1 0 -1 -1 -1"),
	     "t.csv:1: requested_procs: expected an integer -1..524280");
	FAIL(TRACE_SWF, J("1 5094 -1 12072 16 nan -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1"),
	     "t.csv:1: avg_cpu_time: expected a number, got \"nan\"");
	FAIL(TRACE_SWF, J("1 5094 -1 12072 16 -1 -1 -1 -1 -1 9 -1 -1 -1 0 -1 -1 -1"),
	     "t.csv:1: status: expected an integer -1..5, got \"9\"");
	FAIL(TRACE_SWF, J("1 5094 -1 12072 16 -1 -1 -1 -1.5 -1 1 -1 -1 -1 0 -1 -1 -1"),
	     "t.csv:1: requested_time: expected an integer");
	FAIL(TRACE_SWF, J("1 5094 -1 12072 16 -1 -1 -1 -1 -1 1 \xff -1 -1 0 -1 -1 -1"),
	     "t.csv:1: user_id: expected an integer -1..1000000000, got \"\\xff\"");
	FAIL(TRACE_SWF, "1 5094 -1 12072 16 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1\n"
			"2 5094 -1 12",
	     "t.csv:2: line: 4 fields, expected 18");
	{
		static const char nul[] = "1 5094 -1 12072 16 -1\0 -1 -1 -1 -1 1 -1 "
					  "-1 -1 0 -1 -1 -1\n";
		struct workload w;
		struct err e;
		workload_init(&w);
		CHECK_EQ_INT(trace_parse("t.swf", nul, sizeof nul - 1, TRACE_SWF,
					 NULL, NULL, &w, &e), ERR_INVALID);
		CHECK_STR(e.msg, "t.swf:1: line: NUL byte at column 22");
		workload_free(&w);
	}
	{
		/* 65 fields. */
		char many[256];
		size_t n = 0;
		for (int i = 0; i < 65; i++)
			n += (size_t)snprintf(many + n, sizeof many - n, "1 ");
		FAIL(TRACE_SWF, many, "t.csv:1: line: more than 64 fields");
	}
#undef J
	/* skip_bad: bad jobs are counted, the rest replay. */
	struct trace_opts o = {.skip_bad = 1};
	struct workload w;
	struct err e;
	workload_init(&w);
	CHECK_EQ_INT(parse(TRACE_SWF,
			   "1 1 -1 5 16 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1\n"
			   "2 2 -1 -1 16 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1\n"
			   "3 3 -1 5 -1 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1\n"
			   "4 4 -1 5 2 -1 -1 -1 -1 -1 1 -1 -1 -1 0 -1 -1 -1\n",
			   &o, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 2);
	CHECK_EQ_INT(w.skipped, 2);
	CHECK_CONTAINS(e.msg, "t.csv:2: run_time:");
	CHECK_EQ_INT(w.jobs[1].submit, 4);
	workload_free(&w);
}

TEST(trace_read_files)
{
	struct workload w;
	struct pool p;
	struct err e;

	workload_init(&w);
	pool_init(&p);
	CHECK_EQ_INT(trace_read_openb_nodes("tests/data/trace/nodes-crlf.csv", NULL,
					    &p, &e), 0);
	CHECK_EQ_INT(p.nnodes, 3);
	CHECK_EQ_INT(p.total_gpus, 10);
	CHECK_EQ_INT(trace_read("tests/data/trace/pods-crlf.csv", TRACE_OPENB, NULL,
				&p, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 4);
	CHECK_EQ_INT(w.jobs[3].model_mask, 1u << pool_model_find(&p, "T4"));
	CHECK_EQ_INT(trace_read("tests/data/trace/philly-small.csv", TRACE_PHILLY,
				NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 7);
	CHECK_EQ_INT(trace_read("tests/data/trace/small.swf", TRACE_SWF, NULL, NULL,
				&w, &e), 0);
	CHECK_EQ_INT(w.njobs, 10);
	CHECK_EQ_INT(trace_read("tests/data/trace/bad-line5.csv", TRACE_PHILLY, NULL,
				NULL, &w, &e), ERR_INVALID);
	CHECK_STR(e.msg, "tests/data/trace/bad-line5.csv:5: num_gpus: expected an "
			 "integer 1..524280, got \"two\"");
	CHECK_EQ_INT(w.njobs, 10);
	CHECK_EQ_INT(trace_read("tests/data/trace/nope.csv", TRACE_PHILLY, NULL, NULL,
				&w, &e), ERR_NOTFOUND);
	CHECK_CONTAINS(e.msg, "tests/data/trace/nope.csv: ");
	CHECK_EQ_INT(trace_read("tests/data/trace", TRACE_PHILLY, NULL, NULL, &w, &e),
		     ERR_IO);
	CHECK_EQ_INT(trace_read_openb_nodes("tests/data/trace/nope.csv", NULL, &p, &e),
		     ERR_NOTFOUND);
	CHECK_EQ_INT(trace_read("tests/data/trace/small.swf", TRACE_NFORMATS, NULL,
				NULL, &w, &e), ERR_USAGE);
	workload_free(&w);
	pool_free(&p);
}

/* ---- the real traces --------------------------------------------------- */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(data_openb_nodes)
{
	SKIP_UNLESS_DATA(gpu, "alibaba-openb/openb_node_list_gpu_node.csv");
	SKIP_UNLESS_DATA(all, "alibaba-openb/openb_node_list_all_node.csv");
	static const struct {
		const char *model;
		int nodes;
	} want[] = {{"G2", 549}, {"T4", 404}, {"P100", 134}, {"V100M16", 55},
		    {"G3", 39}, {"V100M32", 30}, {"A10", 2}};
	int per[9] = {0};
	struct pool p;
	struct err e;
	uint64_t cpu = 0, mem = 0;

	pool_init(&p);
	CHECK_EQ_INT(trace_read_openb_nodes(gpu, NULL, &p, &e), 0);
	CHECK_EQ_INT(p.nnodes, 1213);
	CHECK_EQ_INT(p.total_gpus, 6212);
	CHECK_EQ_INT(p.model_names.n, 7);
	CHECK_EQ_INT(pool_model_find(&p, "P100"), 0); /* first in the file */
	for (size_t m = 0; m < sizeof want / sizeof want[0]; m++) {
		int id = pool_model_find(&p, want[m].model), n = 0;
		CHECK(id >= 0);
		for (size_t i = 0; i < p.nnodes; i++)
			n += p.nodes[i].model == id;
		CHECK_EQ_INT(n, want[m].nodes);
	}
	for (size_t i = 0; i < p.nnodes; i++) {
		per[p.nodes[i].ngpu]++;
		cpu += p.nodes[i].cpu_milli;
		mem += p.nodes[i].mem_mib;
	}
	CHECK_EQ_INT(per[8], 617);
	CHECK_EQ_INT(per[2], 518);
	CHECK_EQ_INT(per[4], 54);
	CHECK_EQ_INT(per[1], 24);
	CHECK_EQ_INT(cpu, 107018000);
	CHECK_EQ_INT(mem, 503828480);
	pool_free(&p);

	pool_init(&p);
	CHECK_EQ_INT(trace_read_openb_nodes(all, NULL, &p, &e), 0);
	CHECK_EQ_INT(p.nnodes, 1523);
	CHECK_EQ_INT(p.total_gpus, 6212);
	CHECK_EQ_INT(p.nodes[0].ngpu, 0);
	pool_free(&p);
}

static void
pod_histogram(const struct workload *w, int hist[9], int *frac,
	      uint64_t *milli)
{
	memset(hist, 0, 9 * sizeof hist[0]);
	*frac = 0;
	*milli = 0;
	for (size_t i = 0; i < w->njobs; i++) {
		const struct job *j = &w->jobs[i];
		CHECK(j->gpus_per_node <= 8 && j->nodes == 1);
		CHECK_EQ_INT(job_validate(j, NULL), 0);
		hist[j->gpus_per_node]++;
		*frac += j->gpus_per_node == 1 && j->gpu_milli < 1000;
		*milli += job_gpu_milli(j);
	}
}

TEST(data_openb_pods)
{
	SKIP_UNLESS_DATA(def, "alibaba-openb/openb_pod_list_default.csv");
	SKIP_UNLESS_DATA(multi, "alibaba-openb/openb_pod_list_multigpu20.csv");
	SKIP_UNLESS_DATA(spec, "alibaba-openb/openb_pod_list_gpuspec10.csv");
	SKIP_UNLESS_DATA(nodes, "alibaba-openb/openb_node_list_gpu_node.csv");
	struct workload w;
	struct pool p;
	struct err e;
	int hist[9], frac;
	uint64_t milli, cpu = 0, be = 0, dur = 0;

	workload_init(&w);
	CHECK_EQ_INT(trace_read(def, TRACE_OPENB, NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 8152);
	pod_histogram(&w, hist, &frac, &milli);
	CHECK_EQ_INT(hist[0], 1088);
	CHECK_EQ_INT(hist[1], 6989);
	CHECK_EQ_INT(frac, 3078);
	CHECK_EQ_INT(hist[2], 16);
	CHECK_EQ_INT(hist[4], 15);
	CHECK_EQ_INT(hist[8], 44);
	CHECK_EQ_INT(milli, 6086800);
	for (size_t i = 0; i < w.njobs; i++) {
		cpu += w.jobs[i].cpu_milli;
		be += (w.jobs[i].flags & JOB_PREEMPTIBLE) != 0;
		dur += (uint64_t)w.jobs[i].duration;
	}
	CHECK_EQ_INT(cpu, 85436012);
	CHECK_EQ_INT(be, 3398);
	CHECK_EQ_INT(dur, 210028342);
	/* File order is kept. */
	CHECK_EQ_INT(w.jobs[1].gpu_milli, 460);
	CHECK_EQ_INT(w.jobs[1].submit, 427061);
	workload_free(&w);

	workload_init(&w);
	CHECK_EQ_INT(trace_read(multi, TRACE_OPENB, NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 8324);
	pod_histogram(&w, hist, &frac, &milli);
	CHECK_EQ_INT(hist[8], 141);
	CHECK_EQ_INT(hist[4], 52);
	CHECK_EQ_INT(hist[2], 54);
	CHECK_EQ_INT(milli, 7086800);
	CHECK_EQ_INT(w.jobs[100].duration, 0);
	workload_free(&w);

	/* gpuspec10 against the node list's models. */
	workload_init(&w);
	pool_init(&p);
	CHECK_EQ_INT(trace_read_openb_nodes(nodes, NULL, &p, &e), 0);
	CHECK_EQ_INT(trace_read(spec, TRACE_OPENB, NULL, &p, &w, &e), 0);
	CHECK_EQ_INT(p.model_names.n, 7); /* no model outside the cluster */
	size_t constrained = 0;
	for (size_t i = 0; i < w.njobs; i++)
		constrained += w.jobs[i].model_mask != 0;
	CHECK_EQ_INT(constrained, 732);
	workload_free(&w);
	pool_free(&p);
}

TEST(data_philly)
{
	SKIP_UNLESS_DATA(path, "philly/philly.csv");
	struct workload w;
	struct err e;
	uint64_t gpus = 0, dur = 0;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	double t0, dt;

	workload_init(&w);
	t0 = now();
	CHECK_EQ_INT(trace_read(path, TRACE_PHILLY, NULL, NULL, &w, &e), 0);
	dt = now() - t0;
	printf("philly: %zu jobs in %.1f ms\n", w.njobs, dt * 1e3);
	/* 82,248 lines with data in the file: the header and 82,247 jobs. */
	CHECK_EQ_INT(w.njobs, 82247);
	CHECK_EQ_INT(w.tenants.n, 15);
	CHECK_STR(strtab_get(&w.tenants, 0), "11cb48");
	for (size_t i = 0; i < w.njobs; i++) {
		const struct job *j = &w.jobs[i];
		gpus += (uint64_t)j->nodes * j->gpus_per_node;
		dur += (uint64_t)j->duration;
		lo = j->submit < lo ? j->submit : lo;
		hi = j->submit > hi ? j->submit : hi;
	}
	CHECK_EQ_INT(gpus, 107235); /* every philly size shapes exactly */
	CHECK_EQ_INT(dur, 1080390950);
	CHECK_EQ_INT(lo, 1504521041); /* 2017-09-04 10:30:41 */
	CHECK_EQ_INT(hi, 1513929731); /* 2017-12-22 08:02:11 */
	CHECK(dt < 5.0);
	workload_free(&w);
}

TEST(data_swf)
{
	SKIP_UNLESS_DATA(path, "swf/lublin_256.swf");
	struct workload w;
	struct err e;
	uint64_t gpus = 0, dur = 0;

	workload_init(&w);
	CHECK_EQ_INT(trace_read(path, TRACE_SWF, NULL, NULL, &w, &e), 0);
	CHECK_EQ_INT(w.njobs, 10000);
	CHECK_EQ_INT(w.tenants.n, 1);
	for (size_t i = 0; i < w.njobs; i++) {
		gpus += (uint64_t)w.jobs[i].nodes * w.jobs[i].gpus_per_node;
		dur += (uint64_t)w.jobs[i].duration;
	}
	CHECK_EQ_INT(gpus, 222563); /* 221,010 processors, rounded up */
	CHECK_EQ_INT(dur, 48627667);
	CHECK_EQ_INT(w.jobs[0].submit, 5094);
	CHECK_EQ_INT(w.jobs[9999].submit, 7711701);
	workload_free(&w);
}
