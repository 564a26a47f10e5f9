/*
 * replay.c — a main() for the fuzz harnesses when built without libFuzzer:
 * feeds LLVMFuzzerTestOneInput every file named on the command line, and
 * every file in the directories named there and in their subdirectories
 * (one level down), in name order, then prints how many it ran.  A crash
 * or sanitizer report in the harness ends the process, which is the
 * failure the caller (tests/sh/fuzz-replay.sh) looks for.
 *
 * Each input is read into a buffer of exactly its size, so that the
 * sanitizers catch a reader that looks one byte past the end.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT ((size_t)64 << 20)

/* Runs the harness on one file; returns 1 if run, 0 if not, -1 on error. */
static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;
	size_t got;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    (size_t)size > REPLAY_MAX_INPUT || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: cannot size (or larger than %zu bytes)\n",
			path, REPLAY_MAX_INPUT);
		fclose(f);
		return -1;
	}
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	got = fread(buf, 1, (size_t)size, f);
	fclose(f);
	if (got != (size_t)size) {
		fprintf(stderr, "%s: short read\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs path: a file, or a directory walked to `depth` more levels.
 * Adds the inputs run to *count; returns -1 on error. */
static int
run_path(const char *path, int depth, size_t *count)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		int r = run_file(path);
		if (r > 0)
			(*count)++;
		return r < 0 ? -1 : 0;
	}
	if (!S_ISDIR(st.st_mode) || depth < 0)
		return 0;
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(path) + strlen(de->d_name) + 2;
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **bigger;
			cap = cap ? 2 * cap : 64;
			bigger = realloc(names, cap * sizeof *names);
			if (bigger == NULL) {
				rc = -1;
				break;
			}
			names = bigger;
		}
		if ((names[n] = malloc(len)) == NULL) {
			rc = -1;
			break;
		}
		snprintf(names[n], len, "%s/%s", path, de->d_name);
		n++;
	}
	closedir(d);
	if (names != NULL)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && run_path(names[i], depth - 1, count) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1
						 : argv[0];
	size_t count = 0;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", self);
		return 64;
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], 1, &count) < 0)
			rc = 1;
	printf("%s: %zu inputs\n", self, count);
	return rc;
}
