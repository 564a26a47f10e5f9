/*
 * fuzz-agent.c — fuzzes the agent side of the remote executor protocol
 * (exec/remote.h: remote_serve): the input is what the daemon would write
 * on the agent's socket, any bytes, served by a stand-in executor that
 * records what reaches it.  Beyond "no crash, no leak, no hang": the
 * serve loop ends with 0 (end of input), ERR_LIMIT (an over-long line) or
 * ERR_IO, every start reaching the executor carries strings the executor
 * can read to their end and at most 64 GPU indices, and every reply
 * written is one line of JSON with an integer "rc".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "exec/exec.h"
#include "exec/remote.h"
#include "util/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fake {
	struct exec base;
	size_t starts;
};

static size_t
slen(const char *s)
{
	return s ? strlen(s) : 0;
}

static int
f_start(struct exec *x, const struct exec_job *j, struct err *e)
{
	struct fake *f = (struct fake *)x;
	size_t n = slen(j->command) + slen(j->workdir) + slen(j->node) +
		   slen(j->nodelist) + slen(j->out_path) + slen(j->err_path);

	ALLOT_ASSERT(j->ngpus <= 64);
	for (size_t i = 0; i < j->ngpus; i++)
		n += (size_t)(j->gpus[i] & 1);
	for (const char *const *v = j->env; v && *v; v++)
		n += slen(*v);
	f->starts++;
	if (j->command == NULL || *j->command == '\0')
		return err_set(e, ERR_INVALID, "command: empty (%zu)", n);
	return 0;
}

static int
f_stop(struct exec *x, uint64_t id, uint32_t grace_s, struct err *e)
{
	(void)x;
	(void)grace_s;
	return id & 1 ? err_set(e, ERR_NOTFOUND, "no job %llu",
				(unsigned long long)id) : 0;
}

static size_t
f_poll(struct exec *x, struct exec_event *ev, size_t cap)
{
	(void)x;
	if (cap < 2)
		return 0;
	memset(ev, 0, 2 * sizeof *ev);
	ev[0].kind = EXEC_NODE;
	snprintf(ev[0].name, sizeof ev[0].name, "n\xff\x01" "1");
	ev[1].kind = EXEC_FOREIGN;
	ev[1].id = UINT64_MAX;
	snprintf(ev[1].text, sizeof ev[1].text, "name=\"x\"\t\xc3");
	return 2;
}

static int
f_recover(struct exec *x, const uint64_t *ids, size_t n,
	  struct exec_event *ev, struct err *e)
{
	(void)x;
	(void)e;
	for (size_t i = 0; i < n; i++) {
		memset(&ev[i], 0, sizeof ev[i]);
		ev[i].id = ids[i];
		ev[i].kind = ids[i] % 3 == 0 ? EXEC_LOST : EXEC_STARTED;
	}
	return 0;
}

static void
f_free(struct exec *x)
{
	(void)x;
}

static const struct exec_ops fake_ops = {
	"fake", f_start, f_stop, f_poll, f_recover, f_free,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake f = {{&fake_ops}, 0};
	FILE *in = tmpfile(), *out = tmpfile();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc;

	ALLOT_ASSERT(in != NULL && out != NULL);
	ALLOT_ASSERT(fwrite(data, 1, size, in) == size);
	fflush(in);
	rewind(in);
	rc = remote_serve(&f.base, fileno(in), fileno(out), NULL, NULL);
	ALLOT_ASSERT(rc == 0 || rc == ERR_LIMIT || rc == ERR_IO);
	rewind(out);
	while ((n = getline(&line, &cap, out)) > 0) {
		json_t *o = json_loadb(line, (size_t)n, 0, NULL);
		ALLOT_ASSERT(json_is_object(o));
		ALLOT_ASSERT(json_is_integer(json_object_get(o, "rc")));
		json_decref(o);
	}
	free(line);
	fclose(in);
	fclose(out);
	return 0;
}
