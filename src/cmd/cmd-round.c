/*
 * cmd-round.c — `allot round`: run a competition round from its real
 * inputs (sim/roundin.h, docs/ROUNDS.md), log the decision in the audit
 * log, and replay a logged decision.
 *
 *	allot round run --rubric FILE --dir DIR [--audit LOG] [--time T] [--json]
 *	allot round replay --audit LOG --seq N --dir DIR [--rubric FILE]
 *
 * and, against `allot serve` (docs/API.md "Rounds"; URL and token as for
 * every client command, api/client.h):
 *
 *	allot round list [--status open|closed] [--json]
 *	allot round show ID [--json]
 *	allot round create FILE [--name N] [--teams A,B,...] [--json]
 *	allot round scores ID FILE|DIR [--kind K] [--team T] [--json]
 *	allot round close ID [--json]
 *
 * run and replay never talk to a daemon; the other verbs always do.
 *
 * The audit entry's inputs are the files read, each with its sha256;
 * when there are more than AUDIT_MAX_INPUTS, the files of each results/TEAM/
 * directory are logged as one input "results/TEAM/" whose hash is that of
 * its manifest (a line "SHA256  NAME\n" per file, in name order).  The
 * payload always lists every file, so replay still names the one that
 * changed.
 *
 * Exit status: 0 done (replay: the same decision); 1 replay found a
 * changed input or a different decision; 64 bad usage; otherwise
 * err_exit_status of the failure (65 bad input or a broken audit chain,
 * 66 a missing file, 74 I/O).  Nothing is appended to the log unless the
 * round ran and the log verified.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "api/client.h"
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

/* The length of the directory a file is grouped under when inputs are
 * aggregated: "results/TEAM/" for files below it, else 0. */
static size_t
group_len(const char *name)
{
	const char *a, *b;

	if (strncmp(name, "results/", 8) != 0)
		return 0;
	a = name + 8;
	if ((b = strchr(a, '/')) == NULL)
		return 0;
	return (size_t)(b - name) + 1;
}

/* Hash of the manifest of files[0..n) (names and hashes). */
static void
manifest_hash(const struct roundin_file *files, size_t n,
	      char out[AUDIT_HEX])
{
	size_t len = 0, cap = 0;
	char *m = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(files[i].name) + AUDIT_HEX + 3;

		m = xgrow(m, &cap, len + k + 1, 1);
		len += (size_t)snprintf(m + len, k + 1, "%s  %s\n",
		    files[i].sha256, files[i].name);
	}
	audit_sha256_hex(m ? m : "", len, out);
	free(m);
}

/* The entry's inputs for files[0..n) (sorted by name): one per file, or,
 * beyond AUDIT_MAX_INPUTS, one per results/TEAM/ directory.  Returns the
 * count, or ERR_LIMIT. */
static int
entry_inputs(const struct roundin_file *files, size_t n,
	     struct audit_input *in, size_t *nin, struct err *e)
{
	size_t k = 0;

	for (size_t i = 0; i < n;) {
		size_t g = n > AUDIT_MAX_INPUTS ? group_len(files[i].name) : 0;
		size_t j = i + 1;

		if (k == AUDIT_MAX_INPUTS)
			return err_set(e, ERR_LIMIT, "more than %d inputs even "
			    "with one per results directory", AUDIT_MAX_INPUTS);
		memset(&in[k], 0, sizeof in[k]);
		if (g > 0) {
			while (j < n && strncmp(files[j].name, files[i].name,
			    g) == 0)
				j++;
		}
		if ((g > 0 ? g : strlen(files[i].name)) >= AUDIT_MAX_NAME)
			return err_set(e, ERR_LIMIT, "input name longer than "
			    "%d bytes: %s", AUDIT_MAX_NAME - 1, files[i].name);
		if (g > 0) {
			memcpy(in[k].name, files[i].name, g);
			manifest_hash(files + i, j - i, in[k].sha256);
		} else {
			snprintf(in[k].name, sizeof in[k].name, "%s", files[i].name);
			memcpy(in[k].sha256, files[i].sha256, AUDIT_HEX);
		}
		k++;
		i = j;
	}
	*nin = k;
	return 0;
}

/* Appends the round's decision to the log at path (verified first). */
static int
append_audit(const char *path, int64_t t, const struct roundin_result *r,
	     struct err *e)
{
	struct audit_log l;
	struct audit_input in[AUDIT_MAX_INPUTS];
	size_t nin = 0;
	char policy[AUDIT_MAX_POLICY + 32], *payload;
	int rc;

	if ((rc = entry_inputs(r->files, r->nfiles, in, &nin, e)) < 0) {
		err_prefix(e, "audit: nothing appended");
		return rc;
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
		rc = audit_append(&l, t, AUDIT_ROUND, policy, in, nin,
		    payload, e);
	if (rc == 0)
		rc = auditfile_append(path, &l, e);
	if (rc == 0)
		fprintf(stderr, "audit: %s: seq %llu, hash %s\n", path,
		    (unsigned long long)l.v[l.n - 1].seq, l.v[l.n - 1].hash);
	audit_free(&l);
	free(payload);
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

/* What replay needs from a logged round payload. */
struct logged {
	char *text;                /* the rubric text */
	size_t tlen;
	char sha[AUDIT_HEX];       /* its hash */
	struct roundin_file *files; /* every input file, as logged */
	size_t nfiles;
};

static void
logged_free(struct logged *g)
{
	for (size_t i = 0; i < g->nfiles; i++)
		free(g->files[i].name);
	free(g->files);
	free(g->text);
	memset(g, 0, sizeof *g);
}

static int
payload_parse(const char *payload, struct logged *g, struct err *e)
{
	json_error_t je;
	json_t *root = json_loads(payload, 0, &je), *rb, *tx, *hs, *in;
	int rc = 0;

	memset(g, 0, sizeof *g);
	rb = root ? json_object_get(root, "rubric") : NULL;
	tx = rb ? json_object_get(rb, "text") : NULL;
	hs = rb ? json_object_get(rb, "sha256") : NULL;
	in = root ? json_object_get(root, "inputs") : NULL;
	if (!json_is_string(tx) || !json_is_string(hs) ||
	    json_string_length(hs) != AUDIT_HEX - 1 || !json_is_array(in)) {
		json_decref(root);
		return err_set(e, ERR_INVALID, "payload: not a round decision "
		    "(no rubric.text, rubric.sha256 and inputs)");
	}
	g->tlen = json_string_length(tx);
	g->text = xstrndup(json_string_value(tx), g->tlen);
	memcpy(g->sha, json_string_value(hs), AUDIT_HEX);
	g->files = xcalloc(json_array_size(in) + 1, sizeof *g->files);
	for (size_t i = 0; i < json_array_size(in) && rc == 0; i++) {
		json_t *x = json_array_get(in, i);
		json_t *n = json_object_get(x, "name");
		json_t *h = json_object_get(x, "sha256");

		if (!json_is_string(n) || !json_is_string(h) ||
		    json_string_length(h) != AUDIT_HEX - 1) {
			rc = err_set(e, ERR_INVALID, "payload: inputs[%zu]: "
			    "expected a name and a sha256", i);
			break;
		}
		g->files[i].name = xstrdup(json_string_value(n));
		memcpy(g->files[i].sha256, json_string_value(h), AUDIT_HEX);
		g->nfiles++;
	}
	json_decref(root);
	if (rc < 0)
		logged_free(g);
	return rc;
}

/* Hashes DIR/name now and compares with the logged hash; prints and
 * returns 1 on a difference. */
static int
check_input(const char *dir, long long seq, const char *name,
	    const char *sha)
{
	char *path = join(dir, name), *buf, hex[AUDIT_HEX];
	size_t len;
	struct err e = {0};
	int rc;

	rc = file_read_all(path, (size_t)1 << 30, &buf, &len, &e);
	free(path);
	if (rc < 0) {
		printf("replay seq %lld: input %s: cannot be read (logged "
		    "sha256 %s): %s\n", seq, name, sha, e.msg);
		return 1;
	}
	audit_sha256_hex(buf, len, hex);
	free(buf);
	if (strcmp(hex, sha) != 0) {
		printf("replay seq %lld: input %s changed: logged sha256 %s, "
		    "now %s\n", seq, name, sha, hex);
		return 1;
	}
	return 0;
}

/* Checks entry x's inputs against the files in dir: a plain input by its
 * own hash, a "results/TEAM/" input by the payload's list of its files
 * (whose manifest must give the logged hash).  Returns 1 on a difference. */
static int
check_inputs(const char *dir, long long seq, const struct audit_entry *x,
	     const struct logged *g)
{
	int differs = 0;

	for (size_t i = 0; i < x->ninputs; i++) {
		const char *name = x->inputs[i].name;
		size_t n = strlen(name), a = 0, b;
		char hex[AUDIT_HEX];

		if (n == 0 || name[n - 1] != '/') {
			differs |= check_input(dir, seq, name,
			    x->inputs[i].sha256);
			continue;
		}
		while (a < g->nfiles && strncmp(g->files[a].name, name, n) != 0)
			a++;
		for (b = a; b < g->nfiles &&
		    strncmp(g->files[b].name, name, n) == 0; b++)
			;
		manifest_hash(g->files + a, b - a, hex);
		if (strcmp(hex, x->inputs[i].sha256) != 0) {
			printf("replay seq %lld: input %s: the payload's file "
			    "list does not give the logged manifest hash\n",
			    seq, name);
			differs = 1;
		}
		for (size_t k = a; k < b; k++)
			differs |= check_input(dir, seq, g->files[k].name,
			    g->files[k].sha256);
	}
	return differs;
}

static int
do_replay(int argc, char **argv)
{
	const char *rubric = NULL, *dir = NULL, *log = NULL, *v;
	long long seq = -1;
	struct audit_log l;
	const struct audit_entry *x;
	struct roundin_result r;
	struct logged g;
	struct err e = {0};
	char *payload = NULL, policy[128];
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
	if ((rc = payload_parse(x->payload, &g, &e)) < 0) {
		audit_free(&l);
		err_prefix(&e, "replay");
		return fail(rc, &e);
	}
	if (check_inputs(dir, seq, x, &g)) {
		logged_free(&g);
		audit_free(&l);
		return 1;
	}
	/* 2. the rubric: the logged text, or a file that must match it */
	if (rubric != NULL) {
		char *buf, hex[AUDIT_HEX];
		size_t len;

		if ((rc = read_rubric(rubric, &buf, &len, &e)) < 0) {
			logged_free(&g);
			audit_free(&l);
			return fail(rc, &e);
		}
		audit_sha256_hex(buf, len, hex);
		if (strcmp(hex, g.sha) != 0) {
			printf("replay seq %lld: rubric %s changed: logged "
			    "sha256 %s, now %s\n", seq, rubric, g.sha, hex);
			free(buf);
			logged_free(&g);
			audit_free(&l);
			return 1;
		}
		free(g.text);
		g.text = buf;
		g.tlen = len;
	}
	/* 3. recompute and compare */
	rc = roundin_run(rubric ? rubric : "logged rubric", g.text, g.tlen,
	    dir, &r, &e);
	if (rc < 0) {
		logged_free(&g);
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

		for (k = 0; k < g.nfiles; k++)
			if (strcmp(g.files[k].name, r.files[i].name) == 0)
				break;
		if (k == g.nfiles) {
			printf("replay seq %lld: input %s is read now but was "
			    "not logged\n", seq, r.files[i].name);
			differs = 1;
		}
	}
	if (!differs && r.nfiles != g.nfiles) {
		printf("replay seq %lld: %zu inputs logged, %zu read now\n",
		    seq, g.nfiles, r.nfiles);
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
	logged_free(&g);
	audit_free(&l);
	return differs ? 1 : 0;
}

/* ---- online: the daemon's rounds (docs/API.md, "Rounds") ---------------- */

/* Arguments of the online verbs. */
struct oargs {
	struct client_opts o;
	const char *pos[2];  /* positional arguments */
	int npos, json;
	const char *status, *kind, *team, *name, *teams;
};

static int
oargs_parse(int argc, char **argv, struct oargs *a)
{
	const char *v;

	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		int f = client_flag(argc, argv, &i, &a->o);

		if (f < 0)
			return cmd_usage_error(&cmd_round_entry, "%s needs a value",
			    argv[i]);
		if (f > 0)
			continue;
		if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if ((v = cmd_opt_value(argc, argv, &i, "--status")) != NULL)
			a->status = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--kind")) != NULL)
			a->kind = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--team")) != NULL)
			a->team = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--name")) != NULL)
			a->name = v;
		else if ((v = cmd_opt_value(argc, argv, &i, "--teams")) != NULL)
			a->teams = v;
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cmd_usage_error(&cmd_round_entry, "unknown option %s",
			    argv[i]);
		else if (a->npos < 2)
			a->pos[a->npos++] = argv[i];
		else
			return cmd_usage_error(&cmd_round_entry, "unexpected "
			    "argument %s", argv[i]);
	}
	return 0;
}

/* A round id argument: digits only. */
static int
round_id(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The teams of a round object as "a, b, c" into buf. */
static void
teams_text(const json_t *o, char *buf, size_t cap)
{
	const json_t *t = json_object_get(o, "teams");
	size_t n = 0, i;
	json_t *x;

	buf[0] = '\0';
	json_array_foreach(t, i, x) {
		int k = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "",
		    json_string_value(x) ? json_string_value(x) : "?");
		if (k < 0 || (size_t)k >= cap - n)
			break;
		n += (size_t)k;
	}
}

/* Prints a round's decision (roundin's payload) for people. */
static void
print_decision(const json_t *dec)
{
	const json_t *teams = json_object_get(dec, "teams"), *t;
	size_t i;

	printf("%-20s %8s %18s %6s %5s %5s\n", "TEAM", "SCORE", "INTERVAL",
	    "RANK", "GATE", "OUT");
	json_array_foreach(teams, i, t) {
		char iv[48], rank[24] = "-";
		json_t *rk = json_object_get(t, "rank");

		snprintf(iv, sizeof iv, "[%.2f, %.2f]",
		    json_number_value(json_object_get(t, "lo")),
		    json_number_value(json_object_get(t, "hi")));
		if (json_is_integer(rk) && json_integer_value(rk) > 0)
			snprintf(rank, sizeof rank, "%lld",
			    (long long)json_integer_value(rk));
		printf("%-20s %8.2f %18s %6s %5s %5s\n",
		    client_jstr(t, "name", "?"),
		    json_number_value(json_object_get(t, "score")), iv, rank,
		    json_is_true(json_object_get(t, "gate")) ? "pass" : "FAIL",
		    json_is_true(json_object_get(t, "out")) ? "out" : "stays");
	}
	printf("decision: %s\n", client_jstr(dec, "decision", "-"));
}

/* Reads a whole file for an upload (at most the API's 1 MiB body). */
static int
read_upload(const char *path, char **buf, size_t *len, struct err *e)
{
	return file_read_all(path, (size_t)1 << 20, buf, len, e);
}

static int
o_list(struct client *c, const struct oargs *a, struct client_resp *r,
    struct err *e)
{
	json_t *all = json_array();
	char cur[32] = "";
	int rc;

	for (;;) {
		char path[256] = "/v1/rounds";
		const char *nc;

		client_path_add(path, sizeof path, "limit", "1000");
		if (a->status != NULL)
			client_path_add(path, sizeof path, "status", a->status);
		if (cur[0] != '\0')
			client_path_add(path, sizeof path, "cursor", cur);
		if ((rc = client_call(c, "GET", path, NULL, CLIENT_RETRY, r,
		    e)) != 0) {
			json_decref(all);
			return rc;
		}
		json_array_extend(all, json_object_get(r->json, "rounds"));
		if ((nc = json_string_value(json_object_get(r->json,
		    "next_cursor"))) == NULL)
			break;
		snprintf(cur, sizeof cur, "%s", nc);
	}
	if (a->json) {
		json_t *o = json_pack("{s:o}", "rounds", all);
		char *t = json_dumps(o, JSON_COMPACT);
		printf("%s\n", t);
		free(t);
		json_decref(o);
		return 0;
	}
	if (json_array_size(all) == 0)
		printf("no rounds\n");
	else {
		json_t *x;
		size_t i;
		printf("%-6s %-24s %-7s %s\n", "ID", "NAME", "STATUS", "TEAMS");
		json_array_foreach(all, i, x) {
			char teams[512];
			teams_text(x, teams, sizeof teams);
			printf("%-6lld %-24s %-7s %s\n",
			    (long long)client_jint(x, "id", -1),
			    client_jstr(x, "name", "?"),
			    client_jstr(x, "status", "?"), teams);
		}
	}
	json_decref(all);
	return 0;
}

static int
o_show(struct client *c, const struct oargs *a, struct client_resp *r,
    struct err *e)
{
	char path[64], teams[1024];
	const json_t *files, *x;
	size_t i;
	int rc;

	snprintf(path, sizeof path, "/v1/rounds/%s", a->pos[0]);
	if ((rc = client_call(c, "GET", path, NULL, CLIENT_RETRY, r, e)) != 0)
		return rc;
	if (a->json) {
		printf("%s\n", r->body);
		return 0;
	}
	teams_text(r->json, teams, sizeof teams);
	printf("round %lld: %s (%s)\nteams: %s\n",
	    (long long)client_jint(r->json, "id", -1),
	    client_jstr(r->json, "name", "?"),
	    client_jstr(r->json, "status", "?"), teams);
	files = json_object_get(r->json, "files");
	json_array_foreach(files, i, x) {
		printf("file: %s (%lld bytes)\n", client_jstr(x, "name", "?"),
		    (long long)client_jint(x, "bytes", 0));
	}
	if (json_object_get(r->json, "decision") != NULL)
		print_decision(json_object_get(r->json, "decision"));
	return 0;
}

static int
o_create(struct client *c, const struct oargs *a, struct client_resp *r,
    struct err *e)
{
	const char *f = a->pos[0] != NULL ? a->pos[0] : "";
	size_t n = strlen(f), len;
	char *buf;
	json_t *b;
	int rc;

	if ((rc = read_upload(f, &buf, &len, e)) != 0)
		return rc;
	if (n > 5 && strcmp(f + n - 5, ".json") == 0) {
		json_error_t je;
		if ((b = json_loadb(buf, len, 0, &je)) == NULL || !json_is_object(b)) {
			free(buf);
			json_decref(b);
			return err_set(e, ERR_INVALID, "%s:%d: not a JSON object "
			    "{\"name\", \"rubric\", \"teams\"}: %s", f, je.line,
			    je.text);
		}
	} else {
		const char *base = strrchr(f, '/');
		b = json_pack("{s:s%, s:s}", "rubric", buf, len, "name",
		    base != NULL ? base + 1 : f);
	}
	free(buf);
	if (a->name != NULL)
		json_object_set_new(b, "name", json_string(a->name));
	if (a->teams != NULL) {
		json_t *t = json_array();
		const char *p = a->teams;
		while (*p) {
			const char *q = strchr(p, ',');
			size_t k = q ? (size_t)(q - p) : strlen(p);
			json_array_append_new(t, json_stringn(p, k));
			p += k + (q != NULL);
		}
		json_object_set_new(b, "teams", t);
	}
	rc = client_call(c, "POST", "/v1/rounds", b, 0, r, e);
	json_decref(b);
	if (rc == 0) {
		if (a->json)
			printf("%s\n", r->body);
		else
			printf("Created round %lld (%s)\n",
			    (long long)client_jint(r->json, "id", -1),
			    client_jstr(r->json, "name", "?"));
	}
	return rc;
}

/* The kind a file's name implies: panel.csv, votes.csv, gates.csv, or a
 * results file (.json, .jsonl); NULL otherwise. */
static const char *
kind_of(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (strcmp(b, "panel.csv") == 0)
		return "panel";
	if (strcmp(b, "votes.csv") == 0)
		return "votes";
	if (strcmp(b, "gates.csv") == 0)
		return "gates";
	if ((n > 5 && strcmp(b + n - 5, ".json") == 0) ||
	    (n > 6 && strcmp(b + n - 6, ".jsonl") == 0))
		return "results";
	return NULL;
}

/* Uploads one file of kind (team for results). */
static int
upload_one(struct client *c, const char *id, const char *path,
    const char *kind, const char *team, int json, struct client_resp *r,
    struct err *e)
{
	const char *base = strrchr(path, '/');
	char url[64], *buf;
	size_t len;
	json_t *b;
	int rc;

	client_resp_clear(r); /* a local error has no server status */
	if ((rc = read_upload(path, &buf, &len, e)) != 0)
		return rc;
	b = json_pack("{s:s, s:s%}", "kind", kind, "content", buf, len);
	free(buf);
	if (b == NULL)
		return err_set(e, ERR_INVALID, "%s: not UTF-8 text", path);
	if (strcmp(kind, "results") == 0) {
		json_object_set_new(b, "team", json_string(team));
		json_object_set_new(b, "name", json_string(base ? base + 1 : path));
	}
	snprintf(url, sizeof url, "/v1/rounds/%s/scores", id);
	rc = client_call(c, "POST", url, b, 0, r, e);
	json_decref(b);
	if (rc != 0)
		err_prefix(e, path);
	else if (json)
		printf("%s\n", r->body);
	else
		printf("Uploaded %s (%lld bytes)\n", client_jstr(r->json, "file", "?"),
		    (long long)client_jint(r->json, "bytes", 0));
	return rc;
}

static int
o_scores(struct client *c, const struct oargs *a, struct client_resp *r,
    struct err *e)
{
	static const char *const fixed[] = {"panel.csv", "votes.csv",
					    "gates.csv"};
	const char *kind = a->kind;
	struct stat st;
	int rc;

	if (a->pos[0] == NULL || a->pos[1] == NULL)
		return err_set(e, ERR_USAGE, "scores needs ID and FILE");
	if (stat(a->pos[1], &st) != 0)
		return err_set(e, ERR_NOTFOUND, "%s: %s", a->pos[1],
		    strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (kind == NULL && (kind = kind_of(a->pos[1])) == NULL)
			return err_set(e, ERR_USAGE, "%s: name it panel.csv, "
			    "votes.csv, gates.csv or *.json[l], or give --kind",
			    a->pos[1]);
		if (strcmp(kind, "results") == 0 && a->team == NULL)
			return err_set(e, ERR_USAGE, "a results file needs --team");
		return upload_one(c, a->pos[0], a->pos[1], kind, a->team, a->json,
		    r, e);
	}
	/* A round directory: its score files and results/TEAM/ files. */
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
		char *p = join(a->pos[1], fixed[i]);
		if (stat(p, &st) == 0 &&
		    (rc = upload_one(c, a->pos[0], p, kind_of(p), NULL, a->json, r,
		    e)) != 0) {
			free(p);
			return rc;
		}
		free(p);
	}
	{
		char *res = join(a->pos[1], "results");
		struct dirent **teams = NULL;
		int nt = scandir(res, &teams, NULL, alphasort);
		rc = 0;
		for (int t = 0; t < nt; t++) {
			char *td = join(res, teams[t]->d_name);
			struct dirent **fs = NULL;
			int nf = teams[t]->d_name[0] == '.' ? -1 :
			    scandir(td, &fs, NULL, alphasort);
			for (int k = 0; k < nf; k++) {
				char *fp = join(td, fs[k]->d_name);
				if (rc == 0 && fs[k]->d_name[0] != '.' &&
				    kind_of(fp) != NULL &&
				    strcmp(kind_of(fp), "results") == 0)
					rc = upload_one(c, a->pos[0], fp, "results",
					    teams[t]->d_name, a->json, r, e);
				free(fp);
				free(fs[k]);
			}
			free(fs);
			free(td);
			free(teams[t]);
		}
		free(teams);
		free(res);
	}
	return rc;
}

static int
o_close(struct client *c, const struct oargs *a, struct client_resp *r,
    struct err *e)
{
	char path[64];
	int rc;

	snprintf(path, sizeof path, "/v1/rounds/%s/close", a->pos[0]);
	if ((rc = client_call(c, "POST", path, NULL, 0, r, e)) != 0)
		return rc;
	if (a->json)
		printf("%s\n", r->body);
	else {
		printf("round %s closed; the decision is in the audit log\n",
		    a->pos[0]);
		print_decision(json_object_get(r->json, "decision"));
	}
	return 0;
}

/* list | show ID | create FILE | scores ID FILE|DIR | close ID. */
static int
do_online(int argc, char **argv)
{
	const char *verb = argv[0];
	struct client_resp r = {0};
	struct err e = {0};
	struct oargs a;
	struct client *c;
	int need, status = 0, rc;

	if ((rc = oargs_parse(argc, argv, &a)) != 0)
		return rc;
	need = strcmp(verb, "list") == 0 ? 0 : strcmp(verb, "scores") == 0 ? 2 : 1;
	if (a.npos != need)
		return cmd_usage_error(&cmd_round_entry, "round %s takes %s", verb,
		    need == 0 ? "no argument" : need == 2 ? "ID FILE|DIR" :
		    strcmp(verb, "create") == 0 ? "FILE" : "ID");
	if (strcmp(verb, "create") != 0 && need > 0 && !round_id(a.pos[0]))
		return cmd_usage_error(&cmd_round_entry, "expected a round id, "
		    "got \"%s\"", a.pos[0]);
	if (a.status != NULL && strcmp(verb, "list") != 0)
		return cmd_usage_error(&cmd_round_entry, "--status is for list");
	if ((a.kind != NULL || a.team != NULL) && strcmp(verb, "scores") != 0)
		return cmd_usage_error(&cmd_round_entry, "--kind and --team are "
		    "for scores");
	if ((a.name != NULL || a.teams != NULL) && strcmp(verb, "create") != 0)
		return cmd_usage_error(&cmd_round_entry, "--name and --teams are "
		    "for create");
	if ((c = client_open("round", a.o.url, a.o.token, a.o.timeout,
	    &status)) == NULL)
		return status;
	if (strcmp(verb, "list") == 0)
		rc = o_list(c, &a, &r, &e);
	else if (strcmp(verb, "show") == 0)
		rc = o_show(c, &a, &r, &e);
	else if (strcmp(verb, "create") == 0)
		rc = o_create(c, &a, &r, &e);
	else if (strcmp(verb, "scores") == 0)
		rc = o_scores(c, &a, &r, &e);
	else
		rc = o_close(c, &a, &r, &e);
	if (rc == ERR_USAGE) {
		fprintf(stderr, "allot round: %s\n", e.msg);
		status = 64;
	} else if (rc != 0)
		status = r.status != 0 ? client_fail("round", rc, &r, &e) :
		    rc == ERR_NOTFOUND || rc == ERR_INVALID ?
		    fail(rc, &e) : client_fail("round", rc, &r, &e);
	client_resp_clear(&r);
	client_free(c);
	return status;
}

static int
exec_round(int argc, char **argv)
{
	static const char *const online[] = {"list", "show", "create",
					     "scores", "close"};

	if (argc < 2)
		return cmd_usage_error(&cmd_round_entry, "a verb is needed");
	if (strcmp(argv[1], "run") == 0)
		return do_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "replay") == 0)
		return do_replay(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof online / sizeof *online; i++)
		if (strcmp(argv[1], online[i]) == 0)
			return do_online(argc - 1, argv + 1);
	return cmd_usage_error(&cmd_round_entry, "unknown verb \"%s\"",
	    argv[1]);
}

const struct cmd_entry cmd_round_entry = {
	.name = "round",
	.usage = "run --dir DIR [--rubric FILE] [--audit LOG] [--time T] "
		 "[--json] | replay --audit LOG --seq N --dir DIR "
		 "[--rubric FILE] | list [--status S] | show ID | create FILE "
		 "[--name N] [--teams A,B] | scores ID FILE|DIR [--kind K] "
		 "[--team T] | close ID   (online verbs: [--json] [--url U] "
		 "[--token T] [--timeout S])",
	.summary = "run a competition round from its inputs; replay a "
		   "logged round; the daemon's rounds",
	.help = "  run      reads the rubric (default DIR/rubric.txt) and the\n"
		"           round directory (docs/ROUNDS.md), prints each team's\n"
		"           score [interval], P(last), gate and the decision;\n"
		"           --json prints the decision with every input's sha256;\n"
		"           --audit LOG appends the decision (kind round) with\n"
		"           every input's hash, after verifying LOG\n"
		"  replay   verifies LOG, checks entry N's inputs against DIR,\n"
		"           recomputes the round and compares the decision byte\n"
		"           for byte; exit 0 same, 1 changed input or decision\n"
		"           (named), 65 a broken chain\n"
		"The daemon's rounds (URL and token from --url/--token,\n"
		"ALLOT_URL/ALLOT_TOKEN or the config file, as `allot submit`):\n"
		"  list     rounds you may see (--status open|closed)\n"
		"  show ID  status, teams, files; the decision once closed\n"
		"  create FILE  a rubric file (with --teams A,B,... and --name,\n"
		"           default the file's name) or a .json request body\n"
		"  scores ID FILE|DIR  uploads panel.csv, votes.csv, gates.csv or\n"
		"           a results file (--team T); a round DIR uploads all of\n"
		"           them and results/TEAM/*.json[l]\n"
		"  close ID runs the round in the daemon: the audited decision\n"
		"Online exit: 0 ok, 1 refused (4xx), 2 unreachable/5xx, 64 usage,\n"
		"65/66 a local file unreadable or malformed.\n",
	.exec = exec_round,
};
