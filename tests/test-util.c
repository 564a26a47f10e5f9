/*
 * test-util.c — the util layer: errors, rng, strtab, JSON writer.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"
#include "util/err.h"
#include "util/file.h"
#include "util/jsonw.h"
#include "util/rng.h"
#include "util/strtab.h"
#include "util/vec.h"

TEST(err_place)
{
	struct err e;

	CHECK_EQ_INT(err_at(&e, ERR_INVALID, "trace.csv", 1042, "num_gpu",
			    "expected an integer 0..64, got \"%s\"", "x"),
		     ERR_INVALID);
	CHECK_STR(e.msg, "trace.csv:1042: num_gpu: expected an integer 0..64, got \"x\"");
	CHECK_EQ_INT(err_http_status(ERR_NOTFOUND), 404);
	CHECK_EQ_INT(err_exit_status(ERR_USAGE), 64);
	CHECK_STR(err_name(-999), "internal");
	CHECK_EQ_INT(err_set(NULL, ERR_IO, "x"), ERR_IO);
}

TEST(rng_deterministic)
{
	struct rng a, b;
	int hist[10] = {0};

	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		CHECK(rng_next(&a) == rng_next(&b));
	for (int i = 0; i < 100000; i++)
		hist[rng_below(&a, 10)]++;
	for (int i = 0; i < 10; i++)
		CHECK(hist[i] > 9500 && hist[i] < 10500);
	for (int i = 0; i < 1000; i++) {
		double d = rng_double(&a);
		CHECK(d >= 0 && d < 1);
	}
}

TEST(rng_shuffle_is_permutation)
{
	struct rng r;
	int v[100], seen[100] = {0};

	rng_seed(&r, 7);
	for (int i = 0; i < 100; i++)
		v[i] = i;
	rng_shuffle(&r, v, 100, sizeof v[0]);
	for (int i = 0; i < 100; i++)
		seen[v[i]]++;
	for (int i = 0; i < 100; i++)
		CHECK_EQ_INT(seen[i], 1);
}

TEST(strtab_intern)
{
	struct strtab t = {0};
	char name[32];

	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "tenant-%d", i);
		CHECK_EQ_INT(strtab_intern(&t, name, strlen(name)), i);
	}
	CHECK_EQ_INT(strtab_intern(&t, "tenant-7", 8), 7);
	CHECK_EQ_INT(strtab_find(&t, "tenant-999", 10), 999);
	CHECK_EQ_INT(strtab_find(&t, "tenant-1000", 11), -1);
	CHECK_EQ_INT(strtab_find(&t, "tenant-1", 6), -1); /* prefix only */
	CHECK_STR(strtab_get(&t, 3), "tenant-3");
	strtab_free(&t);
}

TEST(jsonw_nesting)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jsonw w;

	jsonw_init(&w, f);
	jsonw_obj(&w);
	jsonw_key(&w, "a");
	jsonw_arr(&w);
	jsonw_int(&w, 1);
	jsonw_str(&w, "x\"y\n");
	jsonw_obj(&w);
	jsonw_end(&w);
	jsonw_end(&w);
	jsonw_key(&w, "b");
	jsonw_double(&w, 0.0 / 0.0);
	jsonw_key(&w, "c");
	jsonw_fixed(&w, 2.5, 2);
	jsonw_end(&w);
	fclose(f);
	CHECK_STR(buf, "{\"a\":[1,\"x\\\"y\\n\",{}],\"b\":null,\"c\":2.50}");
	free(buf);
}

TEST(vec_push)
{
	VEC(int) v = {0};

	for (int i = 0; i < 1000; i++)
		vec_push(&v, i);
	CHECK_EQ_INT(v.n, 1000);
	CHECK_EQ_INT(v.v[999], 999);
	vec_free(&v);
	CHECK(v.v == NULL);
}

TEST(file_read_all_limits)
{
	char path[512], *buf;
	size_t len;
	struct err e;
	FILE *f;

	snprintf(path, sizeof path, "%s/f.txt", test_tmpdir());
	f = fopen(path, "w");
	CHECK(f != NULL);
	for (int i = 0; i < 100000; i++)
		fputc('a' + i % 26, f);
	fclose(f);
	CHECK_EQ_INT(file_read_all(path, 100000, &buf, &len, &e), 0);
	CHECK_EQ_INT(len, 100000);
	CHECK_EQ_INT(buf[len], '\0');
	CHECK_EQ_INT(buf[26], 'a');
	free(buf);
	CHECK_EQ_INT(file_read_all(path, 99999, &buf, &len, &e), ERR_LIMIT);
	CHECK(buf == NULL);
	CHECK_CONTAINS(e.msg, "f.txt: larger than 99999 bytes");
	snprintf(path, sizeof path, "%s/none", test_tmpdir());
	CHECK_EQ_INT(file_read_all(path, 10, &buf, &len, &e), ERR_NOTFOUND);
	CHECK_CONTAINS(e.msg, "none: ");
}

/* file_write_whole: the whole text or nothing; the old file survives a
 * failed write; errors name the path. */
TEST(file_write_whole_basic)
{
	char path[600], bad[600], *buf;
	size_t len;
	struct err e;

	memset(&e, 0, sizeof e);
	snprintf(path, sizeof path, "%s/a.txt", test_tmpdir());
	CHECK_EQ_INT(file_write_whole(path, "first", 5, &e), 0);
	CHECK_EQ_INT(file_write_whole(path, "second!", 7, &e), 0);
	CHECK_EQ_INT(file_read_all(path, 100, &buf, &len, &e), 0);
	CHECK_EQ_INT(len, 7);
	CHECK_STR(buf, "second!");
	free(buf);
	snprintf(bad, sizeof bad, "%s/no/such/dir/b.txt", test_tmpdir());
	CHECK_EQ_INT(file_write_whole(bad, "x", 1, &e), ERR_IO);
	CHECK_CONTAINS(e.msg, "no/such/dir/b.txt");
	CHECK_CONTAINS(e.msg, "No such file or directory");
	/* A folder where the file should be: the rename fails, the folder
	 * and no temporary file remain. */
	snprintf(bad, sizeof bad, "%s/d", test_tmpdir());
	CHECK(mkdir(bad, 0700) == 0);
	{
		char sub[700];
		snprintf(sub, sizeof sub, "%s/x", bad);
		CHECK(mkdir(sub, 0700) == 0);
	}
	CHECK_EQ_INT(file_write_whole(bad, "x", 1, &e), ERR_IO);
	{
		char tmp[700];
		struct stat st;
		snprintf(tmp, sizeof tmp, "%s.tmp", bad);
		CHECK(stat(tmp, &st) != 0);
	}
}
