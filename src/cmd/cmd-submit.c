/*
 * cmd-submit.c — `allot submit`: sbatch for allot.  Builds the POST
 * /v1/jobs body from Slurm-named flags and sends it with a fresh
 * idempotency key, so the client may retry a submission whose answer was
 * lost without creating a second job.
 *
 *	allot submit [--gpus N | --nodes N --gpus-per-node G] [--time T] ...
 *	             -- COMMAND [ARG...]      or   --wrap "shell command"
 *	allot submit [OPTIONS] SCRIPT [ARG...]
 *
 * The command runs under /bin/sh -c on the server side; arguments after
 * "--" are single-quoted as needed and joined, so what runs is what was
 * typed.  When the command's first word is a readable file (a batch
 * script), its "#SBATCH" and "#ALLOT" lines before the first command line
 * give options too, as in sbatch; the command line wins over them.
 * Prints "Submitted batch job N" (sbatch's words), the id alone with
 * --parsable, or the server's JSON reply with --json.
 *
 * The options are parsed by one function (parse) into one struct sub,
 * once for the script's directives and once for the command line; each
 * pass may override what an earlier pass set, a job shape (--gpus or
 * --nodes/--gpus-per-node) and the model list as a whole.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/client.h"
#include "cmd/cmd.h"
#include "model/job.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/slurmtime.h"

#define CMD_MAX ((size_t)1 << 20)
#define SCRIPT_MAX ((size_t)1 << 20)
#define DIRECTIVES_MAX 256

/* Everything the options can say; -1 / NULL = not given. */
struct sub {
	long long gpus, nodes, gpn, share, grace;
	int64_t limit;
	int cls, preemptible, checkpointable, hold, json, parsable;
	const char *wrap, *name, *chdir_, *account, *idem;
	json_t *models;
	struct client_opts conn;
	char *script;   /* the script's text: directive values point into it */
	/* per source (script, then command line): whether it set a shape or
	 * models yet; the caller clears them before each source */
	int shape_now, models_now;
};

/* Appends s to the command line being built, quoted for /bin/sh when it
 * holds anything but plain characters. */
static void
append_arg(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s), need = *len + 4 * n + 4;
	int plain = n > 0;

	for (const char *p = s; *p && plain; p++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789_-./=:,+@%", *p) != NULL;
	*buf = xgrow(*buf, cap, need, 1);
	if (*len > 0)
		(*buf)[(*len)++] = ' ';
	if (plain) {
		memcpy(*buf + *len, s, n);
		*len += n;
	} else {
		(*buf)[(*len)++] = '\'';
		for (const char *p = s; *p; p++) {
			if (*p == '\'') {
				memcpy(*buf + *len, "'\\''", 4);
				*len += 4;
			} else
				(*buf)[(*len)++] = *p;
		}
		(*buf)[(*len)++] = '\'';
	}
	(*buf)[*len] = '\0';
}

/* Parses a count in [lo, hi] for option opt, or prints the usage error. */
static int
count(const char *where, const char *opt, const char *v, long long lo,
      long long hi, long long *out)
{
	long long n = cmd_parse_count(v);

	if (n < lo || n > hi)
		return cmd_usage_error(&cmd_submit_entry, "%s%s: expected an integer "
				       "%lld..%lld, got \"%s\"", where, opt, lo, hi, v);
	*out = n;
	return 0;
}

static void
add_models(struct sub *s, const char *list)
{
	const char *p = list;

	if (!s->models_now) {
		json_array_clear(s->models);   /* a later pass replaces the list */
		s->models_now = 1;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n > 0) {
			char *m = xstrndup(p, n);
			json_array_append_new(s->models, json_string(m));
			free(m);
		}
		p += n;
		if (*p == ',')
			p++;
	}
}

/* A shape option in this pass drops the shape an earlier pass set. */
static void
shape(struct sub *s)
{
	if (!s->shape_now) {
		s->gpus = s->nodes = s->gpn = -1;
		s->shape_now = 1;
	}
}

/*
 * Parses options from argv[1..] into s.  where is "" for the command line
 * or "FILE:LINE: " for a script directive (which may not hold a command).
 * Stops at "--" or at the first argument that is not an option and sets
 * *next to the index of the command's first word (argc if none).
 * Returns 0, or the usage exit status after printing why.
 */
static int
parse(struct sub *s, int argc, char **argv, const char *where, int *next)
{
	const char *v;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int f = client_flag(argc, argv, &i, &s->conn);

#define OPT(name) ((v = cmd_opt_value(argc, argv, &i, name)) != NULL)
#define NEED(name) do { if (*v == '\0') return cmd_usage_error(&cmd_submit_entry, \
	"%s%s needs a value", where, name); } while (0)
		if (f < 0)
			return cmd_usage_error(&cmd_submit_entry, "%s%s needs a value",
					       where, a);
		if (f > 0)
			continue;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (OPT("--gpus") || OPT("-G")) {
			const char *colon;
			NEED("--gpus");
			shape(s);
			/* Slurm's [type:]count */
			if ((colon = strrchr(v, ':')) != NULL) {
				char *m = xstrndup(v, (size_t)(colon - v));
				add_models(s, m);
				free(m);
				v = colon + 1;
			}
			if (count(where, "--gpus", v, 0, 1 << 20, &s->gpus) != 0)
				return CLIENT_EXIT_USAGE;
		} else if (OPT("--nodes") || OPT("-N")) {
			NEED("--nodes");
			shape(s);
			if (count(where, "--nodes", v, 1, 65535, &s->nodes) != 0)
				return CLIENT_EXIT_USAGE;
		} else if (OPT("--gpus-per-node")) {
			NEED("--gpus-per-node");
			shape(s);
			if (count(where, "--gpus-per-node", v, 0, 65535, &s->gpn) != 0)
				return CLIENT_EXIT_USAGE;
		} else if (OPT("--gpu-share")) {
			NEED("--gpu-share");
			if (count(where, "--gpu-share", v, 1, 1000, &s->share) != 0)
				return CLIENT_EXIT_USAGE;
		} else if (OPT("--time") || OPT("-t")) {
			struct err e = {0};
			NEED("--time");
			if (slurmtime_parse(v, &s->limit, &e) != 0)
				return cmd_usage_error(&cmd_submit_entry, "%s%s", where, e.msg);
		} else if (OPT("--account") || OPT("-A")) {
			NEED("--account");
			s->account = v;
		} else if (OPT("--job-name") || OPT("-J")) {
			NEED("--job-name");
			s->name = v;
		} else if (OPT("--chdir") || OPT("-D")) {
			NEED("--chdir");
			s->chdir_ = v;
		} else if (OPT("--model") || OPT("--constraint") || OPT("-C")) {
			NEED("--model");
			add_models(s, v);
		} else if (OPT("--class")) {
			NEED("--class");
			if ((s->cls = job_class_parse(v)) < 0)
				return cmd_usage_error(&cmd_submit_entry, "%s--class: unknown "
						       "class \"%s\" (training, finetune, "
						       "inference, eval, simulation)", where, v);
		} else if (OPT("--grace")) {
			NEED("--grace");
			if (count(where, "--grace", v, 0, 86400, &s->grace) != 0)
				return CLIENT_EXIT_USAGE;
		} else if (OPT("--wrap")) {
			NEED("--wrap");
			s->wrap = v;
		} else if (OPT("--idempotency-key")) {
			NEED("--idempotency-key");
			if (strlen(v) > 64)
				return cmd_usage_error(&cmd_submit_entry, "%s--idempotency-key: "
						       "at most 64 characters", where);
			s->idem = v;
		} else if (strcmp(a, "--preemptible") == 0)
			s->preemptible = 1;
		else if (strcmp(a, "--checkpointable") == 0)
			s->checkpointable = 1;
		else if (strcmp(a, "--hold") == 0 || strcmp(a, "-H") == 0)
			s->hold = 1;
		else if (strcmp(a, "--json") == 0)
			s->json = 1;
		else if (strcmp(a, "--parsable") == 0)
			s->parsable = 1;
		else if (a[0] == '-')
			return cmd_usage_error(&cmd_submit_entry, "%sunknown option %s",
					       where, a);
		else
			break;   /* the command starts here, as sbatch's script */
#undef OPT
#undef NEED
	}
	*next = i;
	return 0;
}

/* Splits a directive's text into words at blanks; a word's surrounding
 * double or single quotes are dropped (`--job-name="my job"` is one word
 * when quoted as a whole: "--job-name=my job").  A word starting with '#'
 * ends the line.  Modifies text; returns the number of words. */
static int
split_words(char *text, char **words, int cap)
{
	int n = 0;
	char *p = text;

	while (*p && n < cap) {
		char *w, q = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		w = p;
		while (*p && (q || (*p != ' ' && *p != '\t'))) {
			if (q == 0 && (*p == '"' || *p == '\'')) {
				q = *p;
				memmove(p, p + 1, strlen(p));  /* drop the quote */
				continue;
			}
			if (q != 0 && *p == q) {
				q = 0;
				memmove(p, p + 1, strlen(p));
				continue;
			}
			p++;
		}
		if (*p)
			*p++ = '\0';
		words[n++] = w;
	}
	return n;
}

/*
 * Reads the #SBATCH / #ALLOT lines at the head of script path (before its
 * first line that is neither blank nor a comment) into s; the text stays
 * in s->script (the option values point into it; the caller frees it
 * after building the request).  A file that
 * cannot be read gives no directives (the command may be a program on the
 * node).  Returns 0 or the usage exit status.
 */
static int
directives(struct sub *s, const char *path)
{
	struct stat st;
	struct err e = {0};
	char *text = NULL, *line, *end;
	size_t len;
	long lineno = 0;
	int rc = 0;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    file_read_all(path, SCRIPT_MAX, &text, &len, &e) != 0)
		return 0;
	s->script = text;   /* kept until the request is built: values point here */
	for (line = text; rc == 0 && line < text + len; line = end + 1) {
		char *words[DIRECTIVES_MAX + 1], where[PATH_MAX + 32];
		const char *body;
		int n, next;

		if ((end = strchr(line, '\n')) == NULL)
			end = text + len;
		*end = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (strncmp(line, "#SBATCH", 7) == 0 && (line[7] == ' ' || line[7] == '\t'))
			body = line + 7;
		else if (strncmp(line, "#ALLOT", 6) == 0 && (line[6] == ' ' || line[6] == '\t'))
			body = line + 6;
		else if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		else
			break;   /* the first command: directives end here */
		words[0] = (char *)"#SBATCH";
		n = split_words((char *)body, words + 1, DIRECTIVES_MAX);
		snprintf(where, sizeof where, "%s:%ld: ", path, lineno);
		rc = parse(s, n + 1, words, where, &next);
		if (rc == 0 && next <= n)
			rc = cmd_usage_error(&cmd_submit_entry, "%sunexpected \"%s\" in a "
					     "directive", where, words[next]);
	}
	return rc;
}

/* Checks the merged options; returns 0 or the usage exit status. */
static int
check(const struct sub *s)
{
	if (s->gpus >= 0 && (s->nodes >= 0 || s->gpn >= 0))
		return cmd_usage_error(&cmd_submit_entry, "give either --gpus or "
				       "--nodes with --gpus-per-node, not both");
	if ((s->nodes >= 0) != (s->gpn >= 0))
		return cmd_usage_error(&cmd_submit_entry, "--nodes and --gpus-per-node "
				       "go together");
	if (s->share >= 0 && s->share < 1000 &&
	    (s->gpus > 1 || s->nodes > 1 || s->gpn > 1))
		return cmd_usage_error(&cmd_submit_entry, "--gpu-share is a share of "
				       "one GPU: use it with --gpus 1 (or alone)");
	return 0;
}

static json_t *
request(const struct sub *s, const char *cmd, const char *name, const char *workdir,
	const char *idem)
{
	json_t *body = json_object();

	json_object_set_new(body, "name", json_string(name));
	json_object_set_new(body, "command", json_string(cmd));
	json_object_set_new(body, "workdir", json_string(workdir));
	if (s->nodes >= 0) {
		json_object_set_new(body, "nodes", json_integer(s->nodes));
		json_object_set_new(body, "gpus_per_node", json_integer(s->gpn));
	} else
		json_object_set_new(body, "gpus", json_integer(s->gpus >= 0 ? s->gpus : 1));
	if (s->share >= 0)
		json_object_set_new(body, "gpu_milli", json_integer(s->share));
	if (json_array_size(s->models) > 0)
		json_object_set(body, "models", s->models);
	if (s->limit >= 0)
		json_object_set_new(body, "time_limit_s", json_integer(s->limit));
	if (s->cls >= 0)
		json_object_set_new(body, "class", json_string(job_class_name(s->cls)));
	if (s->preemptible)
		json_object_set_new(body, "preemptible", json_true());
	if (s->checkpointable)
		json_object_set_new(body, "checkpointable", json_true());
	if (s->grace >= 0)
		json_object_set_new(body, "grace_s", json_integer(s->grace));
	if (s->account != NULL)
		json_object_set_new(body, "account", json_string(s->account));
	if (s->hold)
		json_object_set_new(body, "hold", json_true());
	json_object_set_new(body, "idempotency_key", json_string(idem));
	return body;
}

static int
submit(int argc, char **argv)
{
	struct sub s, pre;
	char key[33], cwd[PATH_MAX], base[128], *cmd = NULL;
	const char *name, *idem;
	size_t clen = 0, ccap = 0;
	int status = 0, rc, first;
	json_t *body;
	struct client_resp r;
	struct client *c;
	struct err e = {0};

	memset(&s, 0, sizeof s);
	s.gpus = s.nodes = s.gpn = s.share = s.grace = s.limit = -1;
	s.cls = -1;
	s.models = json_array();
	/* Where does the command start?  (A first pass, for the script's name.) */
	pre = s;
	pre.models = json_array();
	rc = parse(&pre, argc, argv, "", &first);
	json_decref(pre.models);
	if (rc != 0)
		goto out_usage;
	if (first < argc && pre.wrap == NULL &&
	    (rc = directives(&s, argv[first])) != 0)
		goto out_usage;
	s.shape_now = s.models_now = 0;   /* the command line overrides the script */
	if ((rc = parse(&s, argc, argv, "", &first)) != 0 || (rc = check(&s)) != 0)
		goto out_usage;
	for (int i = first; i < argc; i++) {
		if (s.wrap != NULL) {
			rc = cmd_usage_error(&cmd_submit_entry, "give either --wrap or a "
					     "command, not both");
			goto out_usage;
		}
		append_arg(&cmd, &clen, &ccap, argv[i]);
		if (clen > CMD_MAX) {
			rc = cmd_usage_error(&cmd_submit_entry, "command longer than %zu "
					     "bytes", CMD_MAX);
			goto out_usage;
		}
	}
	if (s.wrap != NULL)
		cmd = xstrdup(s.wrap);
	if (cmd == NULL || cmd[0] == '\0') {
		rc = cmd_usage_error(&cmd_submit_entry, "no command: give "
				     "-- COMMAND [ARG...] or --wrap \"...\"");
		goto out_usage;
	}
	if (s.chdir_ == NULL) {
		if (getcwd(cwd, sizeof cwd) == NULL) {
			fprintf(stderr, "allot submit: cannot read the working directory; "
				"pass --chdir\n");
			rc = CLIENT_EXIT_USAGE;
			goto out_usage;
		}
		s.chdir_ = cwd;
	}
	name = s.name;
	if (name == NULL && s.wrap != NULL)
		name = "wrap";   /* sbatch's name for --wrap jobs */
	else if (name == NULL) {
		/* sbatch: the script's file name */
		const char *slash, *w = argv[first];

		snprintf(base, sizeof base, "%.127s", w);
		slash = strrchr(base, '/');
		name = slash != NULL && slash[1] ? slash + 1 : base;
	}
	if ((idem = s.idem) == NULL) {
		client_idem_key(key);
		idem = key;
	}
	body = request(&s, cmd, name, s.chdir_, idem);
	free(cmd);
	free(s.script);
	json_decref(s.models);
	if ((c = client_open("submit", s.conn.url, s.conn.token, s.conn.timeout,
			     &status)) == NULL) {
		json_decref(body);
		return status;
	}
	rc = client_call(c, "POST", "/v1/jobs", body, CLIENT_RETRY, &r, &e);
	json_decref(body);
	if (rc != 0)
		status = client_fail("submit", rc, &r, &e);
	else if (client_jint(r.json, "id", -1) < 0) {
		fprintf(stderr, "allot submit: the server's reply has no job id: %.200s\n",
			r.body);
		status = CLIENT_EXIT_SERVER;
	} else if (s.json)
		printf("%s\n", r.body);
	else if (s.parsable)
		printf("%lld\n", (long long)client_jint(r.json, "id", -1));
	else
		printf("Submitted batch job %lld\n", (long long)client_jint(r.json, "id", -1));
	client_resp_clear(&r);
	client_free(c);
	return status;
out_usage:
	free(cmd);
	free(s.script);
	json_decref(s.models);
	return rc;
}

const struct cmd_entry cmd_submit_entry = {
	"submit",
	"[OPTIONS] -- COMMAND [ARG...] | [OPTIONS] SCRIPT [ARG...] | [OPTIONS] --wrap \"CMD\"",
	"submit a job to allot serve (sbatch's flags and #SBATCH lines)",
	"  -G, --gpus [MODEL:]N     GPUs in all (default 1); MODEL like --model\n"
	"  -N, --nodes N            gang width, with --gpus-per-node G\n"
	"      --gpus-per-node G    GPUs on each node\n"
	"      --gpu-share MILLI    thousandths of one GPU (1..1000)\n"
	"  -t, --time T             limit: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, UNLIMITED\n"
	"  -A, --account A          tenant to charge (default: your own)\n"
	"  -J, --job-name NAME      default: the script's name, or \"wrap\"\n"
	"  -D, --chdir DIR          working directory on the node (default: here)\n"
	"  -C, --model M[,M...]     allowed GPU models (e.g. H100); repeatable\n"
	"      --class C            training, finetune, inference, eval, simulation\n"
	"      --preemptible        may be preempted to give borrowed GPUs back\n"
	"      --checkpointable     requeued (not failed) when preempted\n"
	"      --grace S            seconds between SIGTERM and SIGKILL on preemption\n"
	"  -H, --hold               submit held; `allot jobs ID --release` frees it\n"
	"      --wrap \"CMD\"         run CMD with /bin/sh -c (sbatch's --wrap)\n"
	"      --idempotency-key K  repeat-safe key (default: a random one)\n"
	"      --json               print the server's JSON reply\n"
	"      --parsable           print the job id only\n"
	"      --url URL, --token T, --timeout S   server, token, seconds\n"
	"                           (else ALLOT_URL, ALLOT_TOKEN, ALLOT_TIMEOUT,\n"
	"                            else $ALLOT_CONFIG or ~/.config/allot/config)\n"
	"A SCRIPT's \"#SBATCH\" or \"#ALLOT\" lines before its first command give\n"
	"options too; the command line wins over them.\n"
	"Exit: 0 submitted, 1 refused by the server, 2 unreachable/5xx, 64 usage.\n",
	submit,
};
