/*
 * runner.c — runs every TEST() of the tests/ C files and every script in tests/sh/,
 * each in its own process with a timeout, two at a time, and ends with the
 * line "N passed, N failed, N skipped".
 *
 *	allot-test              run everything
 *	allot-test NAME...      run the named tests (one name: in-process,
 *	                        no fork, so gdb works); a script is sh/NAME.sh
 *	allot-test --list       print the names
 *
 * Environment: TEST_TIMEOUT (seconds, default 300), TEST_JOBS (parallel
 * children, default 2), ALLOT (the allot binary, passed to scripts),
 * ALLOT_DATA (the shared data folder; default ../shared/data).
 * A test's output is shown only when it fails.  Exit status 77 = skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define X(n) void test_##n(void);
#include "test-list.h"
#undef X

struct test {
	char name[128];
	void (*fn)(void);
	char script[300];
};

static struct test *tests;
static size_t ntests;
static char tmpdir[256];

#define X(n) {#n, test_##n, ""},
static const struct test builtin[] = {
#include "test-list.h"
	{"", NULL, ""}};
#undef X

_Noreturn void
test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(NULL);
	_exit(1);
}

_Noreturn void
test_skip(const char *why)
{
	fprintf(stdout, "SKIP: %s\n", why);
	fflush(NULL);
	_exit(77);
}

const char *
test_data(const char *rel)
{
	static char path[4][1024];
	static int k;
	const char *base = getenv("ALLOT_DATA");
	char *p = path[k++ % 4];

	snprintf(p, sizeof path[0], "%s/%s", base ? base : "../shared/data", rel);
	return access(p, R_OK) == 0 ? p : NULL;
}

const char *
test_tmpdir(void)
{
	return tmpdir;
}

double
test_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
test_nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct test *)a)->name, ((const struct test *)b)->name);
}

static void
collect(void)
{
	size_t nb = sizeof builtin / sizeof builtin[0] - 1;
	DIR *d;
	struct dirent *de;
	size_t first_script;

	tests = calloc(nb + 256, sizeof *tests);
	for (size_t i = 0; i < nb; i++)
		tests[ntests++] = builtin[i];
	first_script = ntests;
	if ((d = opendir("tests/sh")) != NULL) {
		while ((de = readdir(d)) != NULL && ntests < nb + 256) {
			size_t n = strlen(de->d_name);
			if (n < 4 || n > 100 || strcmp(de->d_name + n - 3, ".sh") != 0)
				continue;
			struct test *t = &tests[ntests++];
			snprintf(t->name, sizeof t->name, "sh/%.*s", (int)(n - 3),
				 de->d_name);
			snprintf(t->script, sizeof t->script, "tests/sh/%s", de->d_name);
			t->fn = NULL;
		}
		closedir(d);
	}
	qsort(tests + first_script, ntests - first_script, sizeof *tests, cmp_name);
}

static void
rm_rf(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("rm", "rm", "-rf", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* In the child: run test t with a fresh tmp dir. */
static _Noreturn void
run_child(const struct test *t, const char *dir)
{
	snprintf(tmpdir, sizeof tmpdir, "%s", dir);
	if (mkdir(tmpdir, 0700) != 0) {
		perror("mkdir");
		_exit(1);
	}
	setenv("TEST_TMPDIR", tmpdir, 1);
	if (t->fn != NULL) {
		t->fn();
		fflush(NULL);
		_exit(0);
	}
	execlp("bash", "bash", t->script, (char *)NULL);
	perror("exec bash");
	_exit(1);
}

struct slot {
	pid_t pid;
	size_t test;
	double start;
	char out[256];
	char tmp[256];
};

static void
show(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (f == NULL)
		return;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
}

static void
first_line(const char *path, char *dst, size_t cap)
{
	FILE *f = fopen(path, "r");

	dst[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(dst, (int)cap, f) != NULL)
		if (strncmp(dst, "SKIP: ", 6) == 0) {
			memmove(dst, dst + 6, strlen(dst + 6) + 1);
			dst[strcspn(dst, "\n")] = '\0';
			fclose(f);
			return;
		}
	dst[0] = '\0';
	fclose(f);
}

int
main(int argc, char **argv)
{
	int timeout = getenv("TEST_TIMEOUT") ? atoi(getenv("TEST_TIMEOUT")) : 300;
	int jobs = getenv("TEST_JOBS") ? atoi(getenv("TEST_JOBS")) : 2;
	int passed = 0, failed = 0, skipped = 0;
	size_t *todo, ntodo = 0, next = 0;
	struct slot *slots;
	int running = 0;

	collect();
	todo = calloc(ntests + 1, sizeof *todo);
	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < ntests; i++)
			puts(tests[i].name);
		free(todo);
		free(tests);
		return 0;
	}
	for (size_t i = 0; i < ntests; i++) {
		int want = argc <= 1;
		for (int a = 1; a < argc; a++)
			want |= strcmp(argv[a], tests[i].name) == 0;
		if (want)
			todo[ntodo++] = i;
	}
	if (argc > 1 && ntodo == 0) {
		fprintf(stderr, "allot-test: no test named %s (try --list)\n", argv[1]);
		free(todo);
		free(tests);
		return 2;
	}
	if (argc == 2 && tests[todo[0]].fn != NULL) {
		/* One test: run it here, no fork, so a debugger sees it. */
		snprintf(tmpdir, sizeof tmpdir, "/tmp/allot-test-XXXXXX");
		if (mkdtemp(tmpdir) == NULL)
			return 1;
		setenv("TEST_TMPDIR", tmpdir, 1);
		tests[todo[0]].fn();
		rm_rf(tmpdir);
		free(todo);
		free(tests);
		printf("1 passed, 0 failed\n");
		return 0;
	}
	if (jobs < 1)
		jobs = 1;
	slots = calloc((size_t)jobs, sizeof *slots);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (next < ntodo || running > 0) {
		while (running < jobs && next < ntodo) {
			struct slot *s = NULL;
			for (int k = 0; k < jobs; k++)
				if (slots[k].pid == 0) {
					s = &slots[k];
					break;
				}
			s->test = todo[next++];
			snprintf(s->out, sizeof s->out, "/tmp/allot-test-out-%d-%zu",
				 (int)getpid(), s->test);
			snprintf(s->tmp, sizeof s->tmp, "/tmp/allot-test-%d-%zu",
				 (int)getpid(), s->test);
			s->start = test_now_s();
			fflush(NULL);
			s->pid = fork();
			if (s->pid == 0) {
				int fd = open(s->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
				if (fd >= 0) {
					dup2(fd, 1);
					dup2(fd, 2);
					close(fd);
				}
				setpgid(0, 0);
				alarm((unsigned)timeout);
				run_child(&tests[s->test], s->tmp);
			}
			running++;
		}
		int status;
		pid_t pid = wait(&status);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < jobs; k++) {
			struct slot *s = &slots[k];
			if (s->pid != pid)
				continue;
			const struct test *t = &tests[s->test];
			double dt = test_now_s() - s->start;
			kill(-pid, SIGKILL); /* stray grandchildren of a script */
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				printf("ok    %-40s %6.2fs\n", t->name, dt);
				passed++;
			} else if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
				char why[256];
				first_line(s->out, why, sizeof why);
				printf("skip  %-40s %s\n", t->name, why);
				skipped++;
			} else {
				printf("FAIL  %-40s %6.2fs (%s %d)\n", t->name, dt,
				       WIFSIGNALED(status) ? "signal" : "exit",
				       WIFSIGNALED(status) ? WTERMSIG(status)
							   : WEXITSTATUS(status));
				if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
					printf("      timed out after %d s\n", timeout);
				show(s->out);
				failed++;
			}
			unlink(s->out);
			rm_rf(s->tmp);
			s->pid = 0;
			running--;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	free(slots);
	free(todo);
	free(tests);
	return failed ? 1 : 0;
}
