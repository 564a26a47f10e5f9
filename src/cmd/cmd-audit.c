/*
 * cmd-audit.c — `allot audit`: the tamper-evident log of decisions that
 * move GPUs (ledger/audit.h, store/auditfile.h).
 *
 *	allot audit verify FILE [--head HASH] [--json]
 *	allot audit show FILE [--json]
 *	allot audit append FILE --kind K --policy VERSION --payload JSON
 *	                   [--time T] [--input NAME=PATH ...]
 *
 * Exit status: 0 when the chain holds, 65 when it does not (or the file is
 * malformed), 66 when it is missing, 64 for bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "ledger/audit.h"
#include "store/auditfile.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/jsonw.h"

static int
usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "allot audit: %s%s%s\nusage: allot audit %s\n", msg,
		arg ? ": " : "", arg ? arg : "", cmd_audit_entry.usage);
	return 64;
}

static int
fail(int rc, const struct err *e)
{
	fprintf(stderr, "allot audit: %s\n", e->msg);
	return err_exit_status(rc);
}

/* Hashes the file at path (at most 1 GiB). */
static int
hash_file(const char *path, char out[AUDIT_HEX], struct err *e)
{
	char *buf;
	size_t len;
	int rc;

	if ((rc = file_read_all(path, (size_t)1 << 30, &buf, &len, e)) != 0) {
		err_prefix(e, "--input");
		return rc;
	}
	audit_sha256_hex(buf, len, out);
	free(buf);
	return 0;
}

static int
do_append(int argc, char **argv)
{
	struct audit_log l;
	struct audit_input in[AUDIT_MAX_INPUTS];
	size_t nin = 0;
	const char *path = argv[1], *policy = NULL, *payload = NULL, *v;
	int kind = -1, rc;
	int64_t t = (int64_t)time(NULL);
	struct err e = {0};

	for (int i = 2; i < argc; i++) {
		if ((v = cmd_opt_value(argc, argv, &i, "--kind")) != NULL) {
			if ((kind = audit_kind_parse(v)) < 0)
				return usage_error("--kind: award, round, reclaim, "
						   "reallocation, quota or preemption",
						   v);
		} else if ((v = cmd_opt_value(argc, argv, &i, "--policy")) != NULL) {
			policy = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--payload")) != NULL) {
			payload = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--time")) != NULL) {
			long long x = cmd_parse_count(v);
			if (x < 0)
				return usage_error("--time: seconds", v);
			t = x;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--input")) != NULL) {
			const char *eq = strchr(v, '=');
			if (eq == NULL || eq == v || eq[1] == '\0' ||
			    (size_t)(eq - v) >= AUDIT_MAX_NAME)
				return usage_error("--input: NAME=PATH", v);
			if (nin == AUDIT_MAX_INPUTS)
				return usage_error("too many --input", v);
			memset(&in[nin], 0, sizeof in[nin]);
			memcpy(in[nin].name, v, (size_t)(eq - v));
			if ((rc = hash_file(eq + 1, in[nin].sha256, &e)) != 0)
				return fail(rc, &e);
			nin++;
		} else {
			return usage_error("unknown option", argv[i]);
		}
	}
	if (kind < 0 || policy == NULL || payload == NULL)
		return usage_error("append needs --kind, --policy and --payload",
				   NULL);
	audit_init(&l);
	rc = auditfile_read(path, &l, &e);
	if (rc == ERR_NOTFOUND)
		rc = 0; /* a new log */
	if (rc == 0)
		rc = audit_verify(&l, NULL, &e);
	if (rc == 0)
		rc = audit_append(&l, t, kind, policy, in, nin, payload, &e);
	if (rc == 0)
		rc = auditfile_append(path, &l, &e);
	if (rc == 0)
		printf("%s\n", l.v[l.n - 1].hash);
	audit_free(&l);
	return rc == 0 ? 0 : fail(rc, &e);
}

static int
do_read(int argc, char **argv, int verify)
{
	struct audit_log l;
	struct err e = {0};
	const char *head = NULL, *v;
	int json = 0, rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (verify &&
			 (v = cmd_opt_value(argc, argv, &i, "--head")) != NULL)
			head = v;
		else
			return usage_error("unknown option", argv[i]);
	}
	audit_init(&l);
	if ((rc = auditfile_read(argv[1], &l, &e)) != 0) {
		audit_free(&l);
		return fail(rc, &e);
	}
	rc = verify ? audit_verify(&l, head, &e) : 0;
	if (json) {
		struct jsonw w;
		jsonw_init(&w, stdout);
		jsonw_obj(&w);
		jsonw_key(&w, "entries");
		jsonw_uint(&w, l.n);
		jsonw_key(&w, "head");
		jsonw_str(&w, l.n ? l.v[l.n - 1].hash : "");
		if (verify) {
			jsonw_key(&w, "ok");
			jsonw_bool(&w, rc == 0);
			jsonw_key(&w, "error");
			jsonw_str(&w, rc == 0 ? NULL : e.msg);
		} else {
			jsonw_key(&w, "log");
			jsonw_arr(&w);
			for (size_t i = 0; i < l.n; i++) {
				const struct audit_entry *x = &l.v[i];
				jsonw_obj(&w);
				jsonw_key(&w, "seq");
				jsonw_uint(&w, x->seq);
				jsonw_key(&w, "time");
				jsonw_int(&w, x->time);
				jsonw_key(&w, "kind");
				jsonw_str(&w, audit_kind_name(x->kind));
				jsonw_key(&w, "policy");
				jsonw_str(&w, x->policy);
				jsonw_key(&w, "inputs");
				jsonw_uint(&w, x->ninputs);
				jsonw_key(&w, "hash");
				jsonw_str(&w, x->hash);
				jsonw_end(&w);
			}
			jsonw_end(&w);
		}
		jsonw_end(&w);
		jsonw_nl(&w);
	} else if (verify) {
		if (rc == 0)
			printf("ok: %zu entries, head %s\n", l.n,
			       l.n ? l.v[l.n - 1].hash : "(empty)");
	} else {
		for (size_t i = 0; i < l.n; i++) {
			const struct audit_entry *x = &l.v[i];
			printf("%4llu  %lld  %-12s %-20s %zu inputs  %.16s…  %s\n",
			       (unsigned long long)x->seq, (long long)x->time,
			       audit_kind_name(x->kind), x->policy, x->ninputs,
			       x->hash, x->payload);
		}
	}
	audit_free(&l);
	if (rc != 0 && !json)
		return fail(rc, &e);
	return rc == 0 ? 0 : err_exit_status(rc);
}

static int
exec_audit(int argc, char **argv)
{
	if (argc < 3)
		return usage_error("a verb and a FILE are needed", NULL);
	if (strcmp(argv[1], "verify") == 0)
		return do_read(argc - 1, argv + 1, 1);
	if (strcmp(argv[1], "show") == 0)
		return do_read(argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "append") == 0)
		return do_append(argc - 1, argv + 1);
	return usage_error("unknown verb", argv[1]);
}

const struct cmd_entry cmd_audit_entry = {
	.name = "audit",
	.usage = "verify FILE [--head HASH] [--json] | show FILE [--json] | "
		 "append FILE --kind K --policy VERSION --payload JSON "
		 "[--time T] [--input NAME=PATH ...]",
	.summary = "the tamper-evident log of decisions that move GPUs",
	.help = "  verify   checks the hash chain: exit 0 if it holds, 65 naming\n"
		"           the first edited, reordered or removed entry; with\n"
		"           --head, the last hash must be HASH (catches entries\n"
		"           removed from the end)\n"
		"  show     lists the entries\n"
		"  append   adds a decision (its inputs hashed from their files)\n"
		"           after verifying the log; prints the new head hash;\n"
		"           the line is on disk (fsync) before it returns\n"
		"  kinds    award, round, reclaim, reallocation, quota, preemption\n",
	.exec = exec_audit,
};
