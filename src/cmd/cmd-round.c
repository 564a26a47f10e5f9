/*
 * cmd-round.c — `allot round`: run a competition round from its real
 * inputs (sim/roundin.h, docs/ROUNDS.md), log the decision in the audit
 * log, and replay a logged decision.
 *
 *	allot round run --rubric FILE --dir DIR [--audit LOG] [--time T] [--json]
 *	allot round replay --audit LOG --seq N --dir DIR [--rubric FILE]
 *
 * Exit status: 0 done (replay: the same decision); 1 replay found a
 * changed input or a different decision; 64 bad usage; otherwise
 * err_exit_status of the failure (65 bad input or a broken audit chain,
 * 66 a missing file, 74 I/O).  Nothing is appended to the log unless the
 * round ran and the log verified.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "ledger/audit.h"
#include "sim/roundin.h"
#include "store/auditfile.h"
#include "util/alloc.h"
#include "util/file.h"

static int
fail(int rc, const struct err *e)
{
	fprintf(stderr, "allot round: %s\n", e->msg);
	return err_exit_status(rc);
}

static char *
join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = xmalloc(n);

	snprintf(s, n, "%s/%s", a, b);
	return s;
}

/* Appends the round's decision to the log at path (verified first). */
static int
append_audit(const char *path, int64_t t, const struct roundin_result *r,
	     struct err *e)
{
	struct audit_log l;
	struct audit_input *in;
	char policy[AUDIT_MAX_POLICY + 32], *payload;
	int rc;

	if (r->nfiles > AUDIT_MAX_INPUTS)
		return err_set(e, ERR_LIMIT, "%s: the round read %zu files; an "
		    "audit entry holds at most %d inputs", path, r->nfiles,
		    AUDIT_MAX_INPUTS);
	in = xcalloc(r->nfiles + 1, sizeof *in);
	for (size_t i = 0; i < r->nfiles; i++) {
		if (strlen(r->files[i].name) >= AUDIT_MAX_NAME) {
			free(in);
			return err_set(e, ERR_LIMIT, "%s: input name longer "
			    "than %d bytes: %s", path, AUDIT_MAX_NAME - 1,
			    r->files[i].name);
		}
		strcpy(in[i].name, r->files[i].name);
		memcpy(in[i].sha256, r->files[i].sha256, AUDIT_HEX);
	}
	rubricfile_policy(&r->rf, policy, sizeof policy);
	payload = roundin_payload(r);
	audit_init(&l);
	rc = auditfile_read(path, &l, e);
	if (rc == ERR_NOTFOUND)
		rc = 0;
	if (rc == 0)
		rc = audit_verify(&l, NULL, e);
	if (rc == 0)
		rc = audit_append(&l, t, AUDIT_ROUND, policy, in, r->nfiles,
		    payload, e);
	if (rc == 0)
		rc = auditfile_append(path, &l, e);
	if (rc == 0)
		fprintf(stderr, "audit: %s: seq %llu, hash %s\n", path,
		    (unsigned long long)l.v[l.n - 1].seq, l.v[l.n - 1].hash);
	audit_free(&l);
	free(payload);
	free(in);
	if (rc < 0)
		err_prefix(e, "audit: nothing appended");
	return rc;
}

static int
read_rubric(const char *path, char **buf, size_t *len, struct err *e)
{
	return file_read_all(path, RUBRICFILE_MAX_FILE, buf, len, e);
}

static int
do_run(int argc, char **argv)
{
	const char *rubric = NULL, *dir = NULL, *log = NULL, *v;
	char *rpath = NULL, *buf = NULL;
	size_t len;
	int json = 0, rc;
	int64_t t = (int64_t)time(NULL);
	struct roundin_result r;
	struct err e = {0};

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if ((v = cmd_opt_value(argc, argv, &i, "--rubric")) != NULL)
			rubric = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--dir")) != NULL)
			dir = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--audit")) != NULL)
			log = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--time")) != NULL) {
			long long x = cmd_parse_count(v);

			if (x < 0)
				return cmd_usage_error(&cmd_round_entry,
				    "--time: seconds, got \"%s\"", v);
			t = x;
		} else
			return cmd_usage_error(&cmd_round_entry,
			    "unknown option \"%s\"", argv[i]);
	}
	if (dir == NULL || dir[0] == '\0')
		return cmd_usage_error(&cmd_round_entry, "run needs --dir");
	if (rubric == NULL || rubric[0] == '\0')
		rubric = rpath = join(dir, "rubric.txt");
	if (log != NULL && log[0] == '\0')
		return cmd_usage_error(&cmd_round_entry, "--audit: a path");
	if ((rc = read_rubric(rubric, &buf, &len, &e)) < 0) {
		free(rpath);
		return fail(rc, &e);
	}
	rc = roundin_run(rubric, buf, len, dir, &r, &e);
	free(buf);
	free(rpath);
	if (rc < 0)
		return fail(rc, &e);
	if (json)
		roundin_write_json(stdout, &r);
	else
		roundin_write_table(stdout, &r);
	if (fflush(stdout) != 0)
		rc = err_set(&e, ERR_IO, "stdout: write failed");
	if (rc == 0 && log != NULL)
		rc = append_audit(log, t, &r, &e);
	roundin_free(&r);
	return rc < 0 ? fail(rc, &e) : 0;
}

/* Prints where two payloads first differ. */
static void
show_difference(const char *logged, const char *now)
{
	size_t i = 0, a, n1 = strlen(logged), n2 = strlen(now);

	while (i < n1 && i < n2 && logged[i] == now[i])
		i++;
	a = i > 40 ? i - 40 : 0;
	printf("replay: the decision differs at byte %zu\n", i);
	printf("  logged: ...%.100s\n", logged + a);
	printf("  now:    ...%.100s\n", now + a);
}

/* The logged rubric text and hash from a round payload. */
static int
payload_rubric(const char *payload, char **text, size_t *tlen,
	       char sha[AUDIT_HEX], struct err *e)
{
	json_error_t je;
	json_t *root = json_loads(payload, 0, &je), *rb, *tx, *hs;
	int rc = 0;

	rb = root ? json_object_get(root, "rubric") : NULL;
	tx = rb ? json_object_get(rb, "text") : NULL;
	hs = rb ? json_object_get(rb, "sha256") : NULL;
	if (!json_is_string(tx) || !json_is_string(hs) ||
	    json_string_length(hs) != AUDIT_HEX - 1)
		rc = err_set(e, ERR_INVALID, "payload: not a round decision "
		    "(no rubric.text and rubric.sha256)");
	else {
		*tlen = json_string_length(tx);
		*text = xstrndup(json_string_value(tx), *tlen);
		memcpy(sha, json_string_value(hs), AUDIT_HEX);
	}
	json_decref(root);
	return rc;
}

static int
do_replay(int argc, char **argv)
{
	const char *rubric = NULL, *dir = NULL, *log = NULL, *v;
	long long seq = -1;
	struct audit_log l;
	const struct audit_entry *x;
	struct roundin_result r;
	struct err e = {0};
	char *text = NULL, *payload = NULL, lsha[AUDIT_HEX], policy[128];
	size_t tlen = 0;
	int rc, differs = 0;

	for (int i = 1; i < argc; i++) {
		if ((v = cmd_opt_value(argc, argv, &i, "--rubric")) != NULL)
			rubric = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--dir")) != NULL)
			dir = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--audit")) != NULL)
			log = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--seq")) != NULL) {
			if ((seq = cmd_parse_count(v)) < 1)
				return cmd_usage_error(&cmd_round_entry,
				    "--seq: an entry number >= 1, got \"%s\"",
				    v);
		} else
			return cmd_usage_error(&cmd_round_entry,
			    "unknown option \"%s\"", argv[i]);
	}
	if (log == NULL || log[0] == '\0' || dir == NULL || dir[0] == '\0' ||
	    seq < 1)
		return cmd_usage_error(&cmd_round_entry,
		    "replay needs --audit, --seq and --dir");
	audit_init(&l);
	if ((rc = auditfile_read(log, &l, &e)) < 0 ||
	    (rc = audit_verify(&l, NULL, &e)) < 0) {
		audit_free(&l);
		err_prefix(&e, "replay: the audit log does not verify");
		return fail(rc, &e);
	}
	if ((size_t)seq > l.n) {
		rc = err_set(&e, ERR_NOTFOUND, "replay: %s has %zu entries, "
		    "no seq %lld", log, l.n, seq);
		audit_free(&l);
		return fail(rc, &e);
	}
	x = &l.v[seq - 1];
	if (x->kind != AUDIT_ROUND) {
		rc = err_set(&e, ERR_INVALID, "replay: %s: seq %lld is a %s "
		    "decision, not a round", log, seq,
		    audit_kind_name(x->kind));
		audit_free(&l);
		return fail(rc, &e);
	}
	/* 1. the inputs on disk, before anything is parsed */
	for (size_t i = 0; i < x->ninputs; i++) {
		char *path = join(dir, x->inputs[i].name), *buf, hex[AUDIT_HEX];
		size_t len;

		rc = file_read_all(path, (size_t)1 << 30, &buf, &len, &e);
		free(path);
		if (rc < 0) {
			printf("replay seq %lld: input %s: cannot be read "
			    "(logged sha256 %s): %s\n", seq, x->inputs[i].name,
			    x->inputs[i].sha256, e.msg);
			differs = 1;
			continue;
		}
		audit_sha256_hex(buf, len, hex);
		free(buf);
		if (strcmp(hex, x->inputs[i].sha256) != 0) {
			printf("replay seq %lld: input %s changed: logged "
			    "sha256 %s, now %s\n", seq, x->inputs[i].name,
			    x->inputs[i].sha256, hex);
			differs = 1;
		}
	}
	if (differs) {
		audit_free(&l);
		return 1;
	}
	/* 2. the rubric: the logged text, or a file that must match it */
	if ((rc = payload_rubric(x->payload, &text, &tlen, lsha, &e)) < 0) {
		audit_free(&l);
		err_prefix(&e, "replay");
		return fail(rc, &e);
	}
	if (rubric != NULL) {
		char *buf, hex[AUDIT_HEX];
		size_t len;

		if ((rc = read_rubric(rubric, &buf, &len, &e)) < 0) {
			free(text);
			audit_free(&l);
			return fail(rc, &e);
		}
		audit_sha256_hex(buf, len, hex);
		if (strcmp(hex, lsha) != 0) {
			printf("replay seq %lld: rubric %s changed: logged "
			    "sha256 %s, now %s\n", seq, rubric, lsha, hex);
			free(buf);
			free(text);
			audit_free(&l);
			return 1;
		}
		free(text);
		text = buf;
		tlen = len;
	}
	/* 3. recompute and compare */
	rc = roundin_run(rubric ? rubric : "logged rubric", text, tlen, dir,
	    &r, &e);
	free(text);
	if (rc < 0) {
		audit_free(&l);
		err_prefix(&e, "replay");
		return fail(rc, &e);
	}
	rubricfile_policy(&r.rf, policy, sizeof policy);
	if (strcmp(policy, x->policy) != 0) {
		printf("replay seq %lld: policy differs: logged %s, now %s\n",
		    seq, x->policy, policy);
		differs = 1;
	}
	for (size_t i = 0; i < r.nfiles && !differs; i++) {
		size_t k;

		for (k = 0; k < x->ninputs; k++)
			if (strcmp(x->inputs[k].name, r.files[i].name) == 0)
				break;
		if (k == x->ninputs) {
			printf("replay seq %lld: input %s is read now but was "
			    "not logged\n", seq, r.files[i].name);
			differs = 1;
		}
	}
	if (!differs && r.nfiles != x->ninputs) {
		printf("replay seq %lld: %zu inputs logged, %zu read now\n",
		    seq, x->ninputs, r.nfiles);
		differs = 1;
	}
	if (!differs) {
		payload = roundin_payload(&r);
		if (strcmp(payload, x->payload) != 0) {
			printf("replay seq %lld: different decision\n", seq);
			show_difference(x->payload, payload);
			differs = 1;
		}
		free(payload);
	}
	if (!differs)
		printf("replayed seq %lld: same decision (%s)\n", seq, r.why);
	roundin_free(&r);
	audit_free(&l);
	return differs ? 1 : 0;
}

static int
exec_round(int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(&cmd_round_entry, "a verb is needed");
	if (strcmp(argv[1], "run") == 0)
		return do_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "replay") == 0)
		return do_replay(argc - 1, argv + 1);
	return cmd_usage_error(&cmd_round_entry, "unknown verb \"%s\"",
	    argv[1]);
}

const struct cmd_entry cmd_round_entry = {
	.name = "round",
	.usage = "run --dir DIR [--rubric FILE] [--audit LOG] [--time T] "
		 "[--json] | replay --audit LOG --seq N --dir DIR "
		 "[--rubric FILE]",
	.summary = "run a competition round from its inputs; replay a "
		   "logged round",
	.help = "  run      reads the rubric (default DIR/rubric.txt) and the\n"
		"           round directory (docs/ROUNDS.md), prints each team's\n"
		"           score [interval], P(last), gate and the decision;\n"
		"           --json prints the inputs' sha256 and the decision;\n"
		"           --audit LOG appends the decision (kind round) with\n"
		"           every input's hash, after verifying LOG\n"
		"  replay   verifies LOG, checks entry N's inputs against DIR,\n"
		"           recomputes the round and compares the decision byte\n"
		"           for byte; exit 0 same, 1 changed input or decision\n"
		"           (named), 65 a broken chain\n",
	.exec = exec_round,
};
