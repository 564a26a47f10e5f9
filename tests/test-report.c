/*
 * test-report.c — the report of a run directory (sim/report.h) and its
 * charts (sim/svg.h): exact figures from the hand-made fixture in
 * tests/data/report/run1 (stacked totals, acceptance, utilisation,
 * budget), a self-contained and deterministic page, "no data" sections
 * for missing files, the exact place of a broken line in every file, and
 * escaping of hostile text from summary.json.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/report.h"
#include "sim/svg.h"
#include "test.h"
#include "util/file.h"

#define FIXTURE "tests/data/report/run1"

static const char *const files[] = {
	"summary.json", "tenants.csv", "gpus_by_tenant.csv",
	"capacity_by_site.csv", "waits.csv", "rounds.csv", "phases.csv",
	"opencall.csv", "reclaim.csv", "budget.csv",
};
#define NFILES (sizeof files / sizeof files[0])

static void
put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	CHECK((f = fopen(path, "w")) != NULL);
	CHECK(fwrite(text, 1, strlen(text), f) == strlen(text));
	CHECK(fclose(f) == 0);
}

/* A new directory dir/sub holding a copy of the fixture, or nothing. */
static const char *
fresh_dir(char *buf, size_t cap, const char *sub, int copy)
{
	snprintf(buf, cap, "%s/%s", test_tmpdir(), sub);
	CHECK(mkdir(buf, 0777) == 0);
	for (size_t i = 0; copy && i < NFILES; i++) {
		char path[1024], *text;
		size_t len;
		struct err e;
		snprintf(path, sizeof path, FIXTURE "/%s", files[i]);
		CHECK_EQ_INT(file_read_all(path, 1 << 20, &text, &len, &e), 0);
		put(buf, files[i], text);
		free(text);
	}
	return buf;
}

static char *
html_of(const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct err e;

	CHECK(f != NULL);
	CHECK_EQ_INT(report_write_html(f, r, &e), 0);
	CHECK(fclose(f) == 0);
	return buf;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

TEST(report_fixture)
{
	static const char *const series[] = {
		"lg (competition)", "naver (competition)", "upstage (competition)",
		"nc (competition)", "skt (competition)", "kaist (opencall)",
		"snu (opencall)", "msit (reserved)", "other"};
	static const double total[] = {3040.5, 2784.5, 2296.5};
	struct report r;
	struct err e;

	CHECK_EQ_INT(report_read(FIXTURE, &r, &e), 0);
	CHECK_STR(r.scenario, "korea-2026");
	CHECK_EQ_INT(r.nfinalists, 2);
	CHECK_STR(r.finalists[1], "skt");
	CHECK_NEAR(r.gpus, 12480, 0);
	CHECK_NEAR(r.completed, 990, 0);
	/* 11 tenants: the top 8 by GPU-days grouped by program (ties by
	 * name: nc before skt at 512), then postech + etri + startup1. */
	CHECK_EQ_INT(r.stack.ndays, 3);
	CHECK_EQ_INT(r.stack.nseries, 9);
	for (size_t k = 0; k < 9; k++)
		CHECK_STR(r.stack.name[k], series[k]);
	for (size_t d = 0; d < 3; d++) {
		double sum = 0;
		CHECK_NEAR(r.stack.day[d], (double)d, 0);
		for (size_t k = 0; k < 9; k++)
			sum += r.stack.gpus[k * 3 + d];
		CHECK_NEAR(sum, total[d], 0);
		CHECK_NEAR(r.stack.gpus[8 * 3 + d], 32 + 16 + 8.5, 0);
	}
	CHECK_NEAR(r.stack.gpus[0 * 3 + 2], 1024, 0);      /* lg, day 2 */
	CHECK_NEAR(r.stack.gpu_days[1], 2000, 0);          /* naver */
	CHECK_NEAR(r.stack.gpu_days[8], 169.5, 0);         /* other */
	/* Open call: 159 of 514 proposals, 4224 of 13712 GPUs. */
	CHECK_NEAR(r.proposals, 514, 0);
	CHECK_NEAR(r.awarded, 159, 0);
	CHECK_NEAR(r.asked_gpus, 13712, 0);
	CHECK_NEAR(r.awarded_gpus, 4224, 0);
	/* (5000+1000+6120+2040+3060+0) / (3 x 8160). */
	CHECK_NEAR(r.site_util_pct, 100.0 * 17220 / 24480, 1e-9);
	CHECK_NEAR(r.budget_last, 1e12, 0);
	CHECK_NEAR(r.drawn_last, 2.5e11, 0);
	CHECK_EQ_INT(r.t[REPORT_ROUNDS].nrows, 9);
	CHECK(isnan(report_cell(&r.t[REPORT_ROUNDS], 4, 3))); /* naver: no */
	CHECK(isnan(report_cell(&r.t[REPORT_ROUNDS], 4, 6))); /* score */
	CHECK_NEAR(report_cell(&r.t[REPORT_ROUNDS], 4, 7), 1, 0); /* fail */
	CHECK_EQ_INT(r.t[REPORT_RECLAIM].line[5], 7);
	report_free(&r);
	report_free(&r); /* a freed report is empty */
}

TEST(report_html)
{
	static const char *const bad[] = {"<script", " src=", "href=", "http",
					  "<link", "url(", "@import", "no data"};
	struct report r;
	struct err e;
	char *a, *b;

	CHECK_EQ_INT(report_read(FIXTURE, &r, &e), 0);
	a = html_of(&r);
	report_free(&r);
	CHECK_EQ_INT(report_read(FIXTURE, &r, &e), 0);
	b = html_of(&r);
	CHECK_STR(a, b); /* byte for byte */
	CHECK(strncmp(a, "<!DOCTYPE html>\n", 16) == 0);
	CHECK_CONTAINS(a, "</html>\n");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (strstr(a, bad[i]) != NULL)
			test_fail(__FILE__, __LINE__, "page holds \"%s\"", bad[i]);
	/* One chart per section, and one per round (2). */
	CHECK_EQ_INT(count(a, "<svg "), 9);
	CHECK_EQ_INT(count(a, "</svg>"), 9);
	CHECK_EQ_INT(count(a, "<section "), 8);
	CHECK_CONTAINS(a, "<h1>allot report: korea-2026</h1>");
	CHECK_CONTAINS(a, "<th>finalists</th><td>lg, skt</td>");
	CHECK_CONTAINS(a, "<tr><td>total</td><td></td><td class=\"n\">514</td>"
			  "<td class=\"n\">159</td><td class=\"n\">30.9</td>");
	CHECK_CONTAINS(a, "<tr><td>other</td><td class=\"n\">169.5</td>"
			  "<td class=\"n\">56.5</td>");
	CHECK_CONTAINS(a, "<tr><td>p2</td><td>2026-02-01</td><td>2026-07-31</td>"
			  "<td class=\"n\">1024</td>");
	CHECK_CONTAINS(a, "<h3>Round r1 (2026-01-15): scores with intervals</h3>");
	CHECK_CONTAINS(a, "<tr><td>nc</td><td class=\"n\">70.3</td>"
			  "<td class=\"n\">66.2&ndash;74.1</td><td class=\"n\">"
			  "0.810</td><td>pass</td><td>out</td></tr>");
	CHECK_CONTAINS(a, "<tr><td>naver</td><td class=\"n\">-</td>"
			  "<td class=\"n\">-</td><td class=\"n\">-</td>"
			  "<td>fail</td><td>out</td></tr>");
	CHECK_CONTAINS(a, "fill=\"#888888\">no score</text>");
	CHECK_CONTAINS(a, "<tr><td>kakao</td><td class=\"n\">2040.0</td>"
			  "<td class=\"n\">1013.3</td><td class=\"n\">49.7</td>");
	CHECK_CONTAINS(a, "2 warnings; 2 reclaims of 6 servers in all; 1 "
			  "readmissions of 1 servers; 1 cleared.");
	CHECK_CONTAINS(a, "<td class=\"n\">600.0 billion</td><td class=\"n\">"
			  "150.0 billion</td><td class=\"n\">25.0</td>");
	free(a);
	free(b);
	report_free(&r);
}

TEST(report_missing_files)
{
	char dir[1024], *h;
	struct report r;
	struct err e;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	fresh_dir(dir, sizeof dir, "empty", 0);
	CHECK_EQ_INT(report_read(dir, &r, &e), 0);
	h = html_of(&r);
	CHECK_EQ_INT(count(h, "<p class=\"nodata\">no data ("), 9);
	CHECK_CONTAINS(h, "no data (gpus_by_tenant.csv not found)");
	CHECK_CONTAINS(h, "no data (summary.json not found)");
	CHECK_EQ_INT(count(h, "<svg "), 0);
	free(h);
	f = open_memstream(&out, &len);
	report_summary(f, &r);
	fclose(f);
	CHECK_CONTAINS(out, "GPUs per phase  no data\nopen call       no data\n");
	CHECK_CONTAINS(out, "budget          no data\n");
	free(out);
	report_free(&r);
	/* A header alone: the file is there but has no rows. */
	put(dir, "waits.csv", "program,jobs,p50_s,p90_s,p99_s\n");
	CHECK_EQ_INT(report_read(dir, &r, &e), 0);
	h = html_of(&r);
	CHECK_CONTAINS(h, "no data (waits.csv has no rows)");
	free(h);
	report_free(&r);
	CHECK_EQ_INT(report_read("tests/data/report/no-such-dir", &r, &e),
		     ERR_NOTFOUND);
	CHECK_CONTAINS(e.msg, "no-such-dir: not a directory");
}

TEST(report_bad_lines)
{
	static const struct {
		const char *file, *text, *want;
	} c[] = {
		{"gpus_by_tenant.csv", "day,tenant,gpus\n0,lg,1\n1,lg,x\n",
		 "gpus_by_tenant.csv:3: gpus: expected a number"},
		{"gpus_by_tenant.csv", "day,tenant,gpus\n0,lg,1\n\n0,lg,2\n",
		 "gpus_by_tenant.csv:4: tenant: repeats line 2"},
		{"gpus_by_tenant.csv", "day,tenant,gpus\n0,lg\n",
		 "gpus_by_tenant.csv:2: gpus: missing"},
		{"gpus_by_tenant.csv", "day,tenant,gpus\n0,l g,1\n",
		 "gpus_by_tenant.csv:2: tenant: byte 2"},
		{"gpus_by_tenant.csv", "day,tenant,gpus\n0.5,lg,1\n",
		 "gpus_by_tenant.csv:2: day: "},
		{"tenants.csv", "tenant,program,kind\nlg,c,boss\n",
		 "tenants.csv:2: kind: expected one of team|project|ministry|other, got \"boss\""},
		{"capacity_by_site.csv", "day,site,capacity,allocated\n0,a,8,9\n",
		 "capacity_by_site.csv:2: allocated: more than the capacity"},
		{"capacity_by_site.csv", "day,site,capacity,allocated\n-1,a,8,1\n",
		 "capacity_by_site.csv:2: day: "},
		{"waits.csv", "program,jobs,p50_s,p90_s,p99_s\np,1,10,5,20\n",
		 "waits.csv:2: p90_s: less than p50_s"},
		{"rounds.csv", "round,date,team,score,lo,hi,p_last,gate,out\n"
		 "r1,2026-01-15,lg,90,91,95,0.1,pass,0\n",
		 "rounds.csv:2: lo: above the score"},
		{"rounds.csv", "round,date,team,score,lo,hi,p_last,gate,out\n"
		 "r1,2026-02-30,lg,90,85,95,0.1,pass,0\n",
		 "rounds.csv:2: date: expected a date YYYY-MM-DD, got \"2026-02-30\""},
		{"rounds.csv", "round,date,team,score,lo,hi,p_last,gate,out\n"
		 "r1,2026-01-15,lg,90,85,95,,pass,0\n",
		 "rounds.csv:2: p_last: empty, but the gate passed"},
		{"rounds.csv", "round,date,team,score,lo,hi,p_last,gate,out\n"
		 "r1,2026-01-15,lg,,85,95,0.1,pass,0\n",
		 "rounds.csv:2: score: empty, but the gate passed"},
		{"rounds.csv", "round,date,team,score,lo,hi,p_last,gate,out\n"
		 "r1,2026-01-15,lg,nan,85,95,0.1,pass,0\n",
		 "rounds.csv:2: score: "},
		{"rounds.csv", "round,date,team,score,lo,hi,p_last,gate,out\n"
		 "r1,2026-01-15,lg,90,85,95,1.5,pass,0\n",
		 "rounds.csv:2: p_last: "},
		{"rounds.csv", "round,date,team,score,lo,hi,p_last,gate,out\n"
		 "r1,2026-01-15,lg,90,85,95,0.1,maybe,0\n",
		 "rounds.csv:2: gate: expected one of pass|fail, got \"maybe\""},
		{"phases.csv", "phase,start,end,team,gpus\n"
		 "p1,2026-02-01,2026-01-01,lg,512\n",
		 "phases.csv:2: end: before the start"},
		{"opencall.csv", "call,category,proposals,asked_gpus,awarded,"
		 "awarded_gpus\nc,a,10,80,11,8\n",
		 "opencall.csv:2: awarded: more than the proposals"},
		{"opencall.csv", "call,category,proposals,asked_gpus,awarded,"
		 "awarded_gpus\nc,a,10,80,1,8,9\n",
		 "opencall.csv:2: awarded_gpus: more than 6 fields"},
		{"reclaim.csv", "date,tenant,action,servers\n2026-01-01,a,steal,1\n",
		 "reclaim.csv:2: action: expected one of warn|reclaim|readmit|clear, got \"steal\""},
		{"reclaim.csv", "date,tenant,action,servers\n2026-01-01,a,warn,-1\n",
		 "reclaim.csv:2: servers: "},
		{"budget.csv", "day,program,budget,drawn_won\n",
		 "budget.csv:1: header: expected day,program,budget_won,drawn_won, "
		 "got \"day,program,budget,drawn_won\""},
		{"budget.csv", "", "budget.csv:1: header: missing"},
		{"summary.json", "{\"scenario\": \"x\"",
		 "summary.json:1:16: '}' expected"},
		{"summary.json", "{\"gpus\": \"many\"}",
		 "summary.json: gpus: expected a number"},
		{"summary.json", "{\"jobs\": {\"completed\": true}}",
		 "summary.json: jobs.completed: expected a number"},
		{"summary.json", "{\"finalists\": [\"lg\", 1]}",
		 "summary.json: finalists: element 1"},
		{"summary.json", "[1]", "summary.json: expected an object"},
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		char dir[1024], sub[32], want[1200];
		struct report r;
		struct err e;
		snprintf(sub, sizeof sub, "case%zu", i);
		fresh_dir(dir, sizeof dir, sub, 1);
		put(dir, c[i].file, c[i].text);
		err_clear(&e);
		if (report_read(dir, &r, &e) != ERR_INVALID)
			test_fail(__FILE__, __LINE__, "case %zu (%s) was accepted",
				  i, c[i].file);
		snprintf(want, sizeof want, "%s/%s", dir, c[i].want);
		if (strstr(e.msg, want) == NULL)
			test_fail(__FILE__, __LINE__, "case %zu: \"%s\" does not "
				  "contain \"%s\"", i, e.msg, want);
		CHECK(r.t[REPORT_GPUS].v == NULL && r.dir == NULL);
		report_free(&r);
	}
}

TEST(report_grid_limit)
{
	char dir[1024], *text = malloc(10002 * 48), *p = text;
	struct report r;
	struct err e;

	/* 2,100 tenants, each on its own day: a grid of 2,100 x 2,100 =
	 * 4,410,000 cells, over 2^22 = 4,194,304. */
	CHECK(text != NULL);
	p += sprintf(p, "day,tenant,gpus\n");
	for (int i = 0; i < 2100; i++)
		p += sprintf(p, "%d,t%d,1\n", i, i);
	fresh_dir(dir, sizeof dir, "grid", 0);
	put(dir, "gpus_by_tenant.csv", text);
	CHECK_EQ_INT(report_read(dir, &r, &e), ERR_LIMIT);
	CHECK_CONTAINS(e.msg, "gpus_by_tenant.csv: 2100 tenants x 2100 days: "
			      "more than 4194304 cells");
	/* Rounds are small by nature: 10,000 rows at most. */
	p = text + sprintf(text, "round,date,team,score,lo,hi,p_last,gate,out\n");
	for (int i = 0; i < 10001; i++)
		p += sprintf(p, "r,2026-01-01,t%d,1,1,1,0,pass,0\n", i);
	put(dir, "rounds.csv", text);
	CHECK_EQ_INT(report_read(dir, &r, &e), ERR_LIMIT);
	CHECK_CONTAINS(e.msg, "/rounds.csv:10002: more than 10000 rows");
	put(dir, "rounds.csv", "round,date,team,score,lo,hi,p_last,gate,out\n");
	/* One day fewer is fine. */
	p = text + sprintf(text, "day,tenant,gpus\n");
	for (int i = 0; i < 2048; i++)
		p += sprintf(p, "%d,t%d,1\n", i, i);
	put(dir, "gpus_by_tenant.csv", text);
	CHECK_EQ_INT(report_read(dir, &r, &e), 0);
	CHECK_EQ_INT(r.stack.ndays, 2048);
	report_free(&r);
	free(text);
}

TEST(report_order_and_labels)
{
	char dir[1024], *out = NULL;
	size_t len = 0;
	struct report r;
	struct err e;
	FILE *f;

	fresh_dir(dir, sizeof dir, "order", 0);
	/* Phases out of time order in the file; tenant names that carry
	 * their program already. */
	put(dir, "phases.csv", "phase,start,end,team,gpus\n"
	    "late,2026-08-01,2027-01-31,a,8\nearly,2025-08-01,2026-01-31,a,16\n"
	    "late,2026-08-01,2027-01-31,b,24\n");
	put(dir, "tenants.csv", "tenant,program,kind\ncomp/a,comp,team\n"
	    "b,comp,team\n");
	put(dir, "gpus_by_tenant.csv", "day,tenant,gpus\n0,comp/a,1\n0,b,2\n");
	CHECK_EQ_INT(report_read(dir, &r, &e), 0);
	CHECK_EQ_INT(r.t[REPORT_PHASES].line[0], 3); /* early first */
	CHECK_STR(r.stack.name[0], "b (comp)");
	CHECK_STR(r.stack.name[1], "comp/a");
	f = open_memstream(&out, &len);
	report_summary(f, &r);
	fclose(f);
	CHECK_CONTAINS(out, "\n  early        2025-08-01 2026-01-31       16"
			    "        0\n  late         2026-08-01 2027-01-31"
			    "        8       24\n");
	free(out);
	report_free(&r);
}

TEST(report_hostile_names)
{
	char dir[1024], *h, *out = NULL;
	size_t len = 0;
	struct report r;
	struct err e;
	FILE *f;

	fresh_dir(dir, sizeof dir, "hostile", 1);
	put(dir, "summary.json",
	    "{\"scenario\": \"<script>alert('x')</script>&\\\"\","
	    " \"start\": \"a\\u0001b\\u001b[31m\","
	    " \"finalists\": [\"<img src=x onerror=alert(1)>\", \"\\u00e9\"]}");
	CHECK_EQ_INT(report_read(dir, &r, &e), 0);
	h = html_of(&r);
	CHECK(strstr(h, "<script") == NULL);
	CHECK(strstr(h, "<img") == NULL);
	CHECK_CONTAINS(h, "<title>allot report: &lt;script&gt;alert(&#39;x&#39;)"
			  "&lt;/script&gt;&amp;&quot;</title>");
	CHECK_CONTAINS(h, "<td>&lt;img src=x onerror=alert(1)&gt;, \xc3\xa9</td>");
	CHECK_CONTAINS(h, "<td>ab[31m to -</td>"); /* controls dropped */
	f = open_memstream(&out, &len);
	report_summary(f, &r);
	fclose(f);
	CHECK_CONTAINS(out, "allot report: <script>alert('x')</script>&\", "
			    "a?b?[31m to -");
	free(out);
	free(h);
	report_free(&r);
}

TEST(report_summary_text)
{
	struct report r;
	struct err e;
	struct jsonw w;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	CHECK_EQ_INT(report_read(FIXTURE, &r, &e), 0);
	f = open_memstream(&out, &len);
	report_summary(f, &r);
	jsonw_init(&w, f);
	jsonw_obj(&w);
	report_summary_json(&w, &r);
	jsonw_end(&w);
	fclose(f);
	CHECK_CONTAINS(out, "allot report: korea-2026, 2025-08-01 to 2027-08-01, "
			    "12480 GPUs\nfinalists       lg, skt\n");
	CHECK_CONTAINS(out, "\n  p3           2026-08-01 2027-07-31     1536"
			    "        0        0     1536        0        0\n");
	CHECK_CONTAINS(out, "open call       159 of 514 proposals awarded "
			    "(30.9 %), 4224 of 13712 GPUs (30.8 %)\n");
	CHECK_CONTAINS(out, "utilisation     81.5 % (summary.json); 70.3 % of "
			    "site capacity allocated\n");
	CHECK_CONTAINS(out, "idle reclaimed  48 GPUs; 2 reclaims of 6 servers, "
			    "2 warnings, 1 readmissions\n");
	CHECK_CONTAINS(out, "budget          drawn 250.0 billion of 1.00 "
			    "trillion won (25.0 %)\n");
	CHECK_CONTAINS(out, "\"phases\":[{\"phase\":\"p1\",\"start\":\"2025-08-01\","
			    "\"end\":\"2026-01-31\",\"gpus\":{\"lg\":512,");
	CHECK_CONTAINS(out, "\"opencall\":{\"proposals\":514,\"awarded\":159,"
			    "\"acceptance_pct\":30.93,");
	free(out);
	report_free(&r);
}

TEST(svg_basics)
{
	static const struct {
		double v;
		const char *s;
	} nums[] = {{0, "0"}, {-0.0, "0"}, {0.25, "0.25"}, {5, "5"},
		    {12.5, "12.5"}, {999, "999"}, {1000, "1k"}, {4224, "4.22k"},
		    {13712, "13.7k"}, {2.5e11, "250G"}, {1e12, "1T"},
		    {-1500, "-1.5k"}, {NAN, "-"}};
	char buf[64], *out = NULL;
	size_t len = 0;
	FILE *f;

	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
		CHECK_STR(svg_num(buf, sizeof buf, nums[i].v), nums[i].s);
	CHECK_STR(svg_date(buf, sizeof buf, 0), "1970-01-01");
	CHECK_STR(svg_date(buf, sizeof buf, 20301), "2025-08-01");
	CHECK_STR(svg_date(buf, sizeof buf, 11016), "2000-02-29");
	CHECK_STR(svg_date(buf, sizeof buf, -1), "1969-12-31");
	f = open_memstream(&out, &len);
	svg_escape(f, "a<b>&\"c'\n\x7f" "d");
	fclose(f);
	CHECK_STR(out, "a&lt;b&gt;&amp;&quot;c&#39;d");
	free(out);
	CHECK_STR(svg_colour(0), svg_colour(10));
}

TEST(svg_charts)
{
	static const double x[] = {0, 1, 2}, y0[] = {1, 2, 3},
			    y1[] = {4, NAN, 6}, days[] = {20301, 20301 + 730};
	const struct svg_series s[] = {{"a<", y0, NULL, 0}, {"b", y1, "#123456", 1}};
	const char *const cat[] = {"p1", "p2", "p3"};
	const char *const longcat[] = {"call-2026a academia",
		"call-2026a institute", "a-name-longer-than-thirty-bytes-in-all"};
	const struct svg_point p[] = {{5, 4, 6, SVG_MARK_IN},
				      {3, 2, 4, SVG_MARK_OUT},
				      {2, NAN, NAN, SVG_MARK_GATE}};
	struct svg_chart c = {0};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	c.title = "t&";
	c.x = x;
	c.n = 3;
	c.s = s;
	c.ns = 2;
	c.width = 400;
	c.height = 200;
	svg_area(f, &c);
	svg_lines(f, &c);
	c.x = NULL;
	c.cat = cat;
	svg_bars(f, &c);
	c.stacked = 1;
	svg_bars(f, &c);
	svg_points(f, &c, p);
	c.n = 0;
	svg_lines(f, &c); /* no data: axes only, no crash */
	c.x = days;
	c.n = 2;
	c.xdate = 1;
	svg_lines(f, &c);
	c.x = NULL; /* long category names: turned */
	c.cat = longcat;
	c.n = 3;
	c.width = 0;
	svg_bars(f, &c);
	fclose(f);
	CHECK_EQ_INT(count(out, "<svg width=\"400\" height=\"200\""), 7);
	CHECK_EQ_INT(count(out, "<svg width=\"800\" height=\"200\""), 1);
	CHECK_EQ_INT(count(out, "aria-label=\"t&amp;\""), 8);
	CHECK_EQ_INT(count(out, "rotate(-35)\" text-anchor=\"end\">"), 3);
	CHECK_CONTAINS(out, ">call-2026a institute</text>");
	CHECK_CONTAINS(out, ">a-name-longer-than-thirty-byt\xe2\x80\xa6</text>");
	/* 2025-08-01 .. 2027-08-01: a tick every 6 months, from January. */
	CHECK_CONTAINS(out, ">2026-01</text>\n<line ");
	CHECK_CONTAINS(out, ">2026-07</text>\n<line ");
	CHECK_CONTAINS(out, ">2027-07</text>\n<rect ");
	CHECK_EQ_INT(count(out, "-01</text>") + count(out, "-07</text>"), 4);
	CHECK_CONTAINS(out, "<title>a&lt;</title>");
	/* Stacked area: the top of "b" is 1+4 = 5 at x=0; the y axis runs
	 * 0..10 over pixels 156..12, so y(5) = 84. */
	CHECK_CONTAINS(out, "<path fill=\"#123456\" fill-opacity=\"0.85\" "
			    "d=\"M64.0 84.0L");
	/* The NaN breaks the dashed line: two moves. */
	CHECK_CONTAINS(out, "stroke-dasharray=\"5 3\" d=\"M64.0 60.0M");
	CHECK_CONTAINS(out, "<title>p1, b: 4</title></rect>");
	CHECK(strstr(out, "<title>p2, b:") == NULL); /* NaN: no bar */
	CHECK_CONTAINS(out, "stroke=\"#888888\" fill=\"#fff\"");
	free(out);
}
