/*
 * cmd-audit.c — `allot audit`: the tamper-evident log of decisions that
 * move GPUs (ledger/audit.h, store/auditfile.h).
 *
 *	allot audit verify FILE [--head HASH] [--json]
 *	allot audit show FILE [--json]
 *	allot audit append FILE --kind K --policy VERSION --payload JSON
 *	                   [--time T] [--input NAME=PATH ...]
 *	allot audit list [--after N] [--limit N] [--json]   (the daemon's)
 *	allot audit verify [--head HASH] [--json]           (the daemon's)
 *
 * verify with a FILE reads the file; without one it asks `allot serve`
 * (URL and token as for every client command, api/client.h).
 *
 * Exit status: 0 when the chain holds, 65 when it does not (or the file is
 * malformed), 66 when it is missing, 64 for bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/client.h"
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

/* ---- online: the daemon's audit log (GET /v1/audit, /v1/audit/verify) ---- */

/* Unix seconds as "YYYY-MM-DDTHH:MM:SSZ". */
static void
utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)t);
}

/* list [--after N] [--limit N] [--json] | verify [--head HASH] [--json]. */
static int
do_online(int argc, char **argv, int verify)
{
	struct client_opts o = {0};
	struct client_resp r = {0};
	struct err e = {0};
	struct client *c;
	const char *head = NULL, *v;
	long long after = 0, limit = -1;
	int json = 0, status = 0, rc;

	for (int i = 1; i < argc; i++) {
		int f = client_flag(argc, argv, &i, &o);

		if (f < 0)
			return usage_error("a value is needed", argv[i]);
		if (f > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (verify && (v = cmd_opt_value(argc, argv, &i, "--head")) != NULL)
			head = v;
		else if (!verify && (v = cmd_opt_value(argc, argv, &i, "--after")) != NULL) {
			if ((after = cmd_parse_count(v)) < 0)
				return usage_error("--after: a sequence number", v);
		} else if (!verify && (v = cmd_opt_value(argc, argv, &i, "--limit")) != NULL) {
			if ((limit = cmd_parse_count(v)) < 1)
				return usage_error("--limit: a positive count", v);
		} else
			return usage_error("unknown option", argv[i]);
	}
	if ((c = client_open("audit", o.url, o.token, o.timeout, &status)) == NULL)
		return status;
	if (verify) {
		if ((rc = client_call(c, "GET", "/v1/audit/verify", NULL, CLIENT_RETRY,
				      &r, &e)) != 0)
			status = client_fail("audit", rc, &r, &e);
		else {
			int ok = json_is_true(json_object_get(r.json, "ok"));
			const char *h = client_jstr(r.json, "head", "");
			if (ok && head != NULL && strcmp(head, h) != 0) {
				ok = 0;
				json_object_set_new(r.json, "ok", json_false());
				json_object_set_new(r.json, "error", json_sprintf(
					"the head is %s, not %s: entries were removed "
					"from the end or added", h, head));
			}
			if (json) {
				char *t = json_dumps(r.json, JSON_COMPACT);
				printf("%s\n", t);
				free(t);
			} else if (ok)
				printf("ok: %lld entries, head %s\n",
				       (long long)client_jint(r.json, "entries", 0),
				       *h ? h : "(empty)");
			else
				fprintf(stderr, "allot audit: %s\n",
					client_jstr(r.json, "error", "the chain is broken"));
			status = ok ? 0 : 65;
		}
	} else {
		json_t *all = json_array();
		for (;;) {
			char path[128], num[32];
			size_t n;
			long long want = limit < 0 ? 1000 :
					 limit - (long long)json_array_size(all);
			if (want <= 0)
				break;
			snprintf(path, sizeof path, "/v1/audit");
			snprintf(num, sizeof num, "%lld", after);
			client_path_add(path, sizeof path, "after", num);
			snprintf(num, sizeof num, "%lld", want > 1000 ? 1000 : want);
			client_path_add(path, sizeof path, "limit", num);
			if ((rc = client_call(c, "GET", path, NULL, CLIENT_RETRY, &r,
					      &e)) != 0) {
				status = client_fail("audit", rc, &r, &e);
				break;
			}
			n = json_array_size(json_object_get(r.json, "entries"));
			json_array_extend(all, json_object_get(r.json, "entries"));
			if (n == 0 || n < (size_t)(want > 1000 ? 1000 : want))
				break;
			after = client_jint(json_array_get(all, json_array_size(all) - 1),
					    "seq", after);
		}
		if (status == 0 && json) {
			json_t *out = json_pack("{s:O}", "entries", all);
			char *t = json_dumps(out, JSON_COMPACT);
			printf("%s\n", t);
			free(t);
			json_decref(out);
		} else if (status == 0 && json_array_size(all) == 0)
			printf("no entries\n");
		else if (status == 0) {
			json_t *x;
			size_t i;
			printf("%-5s %-20s %-12s %-16s %-16s %s\n", "SEQ", "TIME", "KIND",
			       "POLICY", "HASH", "PAYLOAD");
			json_array_foreach(all, i, x) {
				char when[32], *pl = json_dumps(json_object_get(x, "payload"),
								JSON_COMPACT | JSON_ENCODE_ANY);
				utc(client_jint(x, "time", 0), when);
				printf("%-5lld %-20s %-12s %-16s %.16s %.60s%s\n",
				       (long long)client_jint(x, "seq", 0), when,
				       client_jstr(x, "kind", "?"),
				       client_jstr(x, "policy", "?"),
				       client_jstr(x, "hash", "?"), pl ? pl : "",
				       pl && strlen(pl) > 60 ? "…" : "");
				free(pl);
			}
		}
		json_decref(all);
	}
	client_resp_clear(&r);
	client_free(c);
	return status;
}

static int
exec_audit(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return do_online(argc - 1, argv + 1, 0);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0 &&
	    (argc == 2 || argv[2][0] == '-'))
		return do_online(argc - 1, argv + 1, 1);
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
		 "[--time T] [--input NAME=PATH ...] | list [--after N] "
		 "[--limit N] [--json] | verify [--head HASH] [--json]  "
		 "(online: [--url U] [--token T] [--timeout S])",
	.summary = "the tamper-evident log of decisions that move GPUs",
	.help = "  verify   checks the hash chain: exit 0 if it holds, 65 naming\n"
		"           the first edited, reordered or removed entry; with\n"
		"           --head, the last hash must be HASH (catches entries\n"
		"           removed from the end)\n"
		"  show     lists the entries\n"
		"  append   adds a decision (its inputs hashed from their files)\n"
		"           after verifying the log; prints the new head hash;\n"
		"           the line is on disk (fsync) before it returns\n"
		"  kinds    award, round, reclaim, reallocation, quota, preemption\n"
		"The daemon's log (URL and token as for `allot submit`):\n"
		"  list     the entries after seq N (--after), at most --limit\n"
		"  verify   (no FILE) the daemon re-reads and checks its chain:\n"
		"           exit 0 ok, 65 broken (or not ending at --head HASH),\n"
		"           1 refused, 2 unreachable\n",
	.exec = exec_audit,
};
