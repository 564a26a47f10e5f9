/*
 * cmd-submit.c — `allot submit`: sbatch for allot.  Builds the POST
 * /v1/jobs body from Slurm-named flags and sends it with a fresh
 * idempotency key, so the client may retry a submission whose answer was
 * lost without creating a second job.
 *
 *	allot submit [--gpus N | --nodes N --gpus-per-node G] [--time T] ...
 *	             -- COMMAND [ARG...]      or   --wrap "shell command"
 *
 * The command runs under /bin/sh -c on the server side; arguments after
 * "--" are single-quoted as needed and joined, so what runs is what was
 * typed.  Prints "Submitted batch job N" (sbatch's words), the id alone
 * with --parsable, or the server's JSON reply with --json.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/client.h"
#include "cmd/cmd.h"
#include "model/job.h"
#include "util/alloc.h"
#include "util/slurmtime.h"

#define CMD_MAX ((size_t)1 << 20)

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
count(const char *opt, const char *v, long long lo, long long hi, long long *out)
{
	long long n = cmd_parse_count(v);

	if (n < lo || n > hi) {
		cmd_usage_error(&cmd_submit_entry, "%s: expected an integer %lld..%lld, "
				"got \"%s\"", opt, lo, hi, v);
		return -1;
	}
	*out = n;
	return 0;
}

static void
add_models(json_t *models, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		if (n > 0) {
			char *m = xstrndup(p, n);
			json_array_append_new(models, json_string(m));
			free(m);
		}
		p += n;
		if (*p == ',')
			p++;
	}
}

static int
submit(int argc, char **argv)
{
	const char *url = NULL, *token = NULL, *timeout = NULL, *v;
	const char *wrap = NULL, *name = NULL, *chdir_ = NULL, *account = NULL;
	const char *idem = NULL;
	char key[33], cwd[PATH_MAX], base[128], *cmd = NULL;
	size_t clen = 0, ccap = 0;
	long long gpus = -1, nodes = -1, gpn = -1, share = -1, grace = -1;
	int64_t limit = -1;
	int cls = -1, preemptible = 0, checkpointable = 0, hold = 0, json = 0;
	int parsable = 0, status = 0, rc, i;
	json_t *body, *models = json_array();
	struct client_resp r;
	struct client *c;
	struct err e = {0};

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

#define OPT(name) ((v = cmd_opt_value(argc, argv, &i, name)) != NULL)
#define NEED(name) do { if (*v == '\0') { json_decref(models); \
	return cmd_usage_error(&cmd_submit_entry, "%s needs a value", name); } } while (0)
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (OPT("--gpus") || OPT("-G")) {
			const char *colon;
			NEED("--gpus");
			/* Slurm's [type:]count */
			if ((colon = strrchr(v, ':')) != NULL) {
				char *m = xstrndup(v, (size_t)(colon - v));
				add_models(models, m);
				free(m);
				v = colon + 1;
			}
			if (count("--gpus", v, 0, 1 << 20, &gpus) != 0)
				goto usage;
		} else if (OPT("--nodes") || OPT("-N")) {
			NEED("--nodes");
			if (count("--nodes", v, 1, 65535, &nodes) != 0)
				goto usage;
		} else if (OPT("--gpus-per-node")) {
			NEED("--gpus-per-node");
			if (count("--gpus-per-node", v, 0, 65535, &gpn) != 0)
				goto usage;
		} else if (OPT("--gpu-share")) {
			NEED("--gpu-share");
			if (count("--gpu-share", v, 1, 1000, &share) != 0)
				goto usage;
		} else if (OPT("--time") || OPT("-t")) {
			NEED("--time");
			if (slurmtime_parse(v, &limit, &e) != 0) {
				json_decref(models);
				return cmd_usage_error(&cmd_submit_entry, "%s", e.msg);
			}
		} else if (OPT("--account") || OPT("-A")) {
			NEED("--account");
			account = v;
		} else if (OPT("--job-name") || OPT("-J")) {
			NEED("--job-name");
			name = v;
		} else if (OPT("--chdir") || OPT("-D")) {
			NEED("--chdir");
			chdir_ = v;
		} else if (OPT("--model") || OPT("--constraint") || OPT("-C")) {
			NEED("--model");
			add_models(models, v);
		} else if (OPT("--class")) {
			NEED("--class");
			if ((cls = job_class_parse(v)) < 0) {
				json_decref(models);
				return cmd_usage_error(&cmd_submit_entry, "--class: unknown "
						       "class \"%s\" (training, finetune, "
						       "inference, eval, simulation)", v);
			}
		} else if (OPT("--grace")) {
			NEED("--grace");
			if (count("--grace", v, 0, 86400, &grace) != 0)
				goto usage;
		} else if (OPT("--wrap")) {
			NEED("--wrap");
			wrap = v;
		} else if (OPT("--idempotency-key")) {
			NEED("--idempotency-key");
			if (strlen(v) > 64) {
				json_decref(models);
				return cmd_usage_error(&cmd_submit_entry, "--idempotency-key: "
						       "at most 64 characters");
			}
			idem = v;
		} else if (OPT("--url")) {
			NEED("--url");
			url = v;
		} else if (OPT("--token")) {
			NEED("--token");
			token = v;
		} else if (OPT("--timeout")) {
			NEED("--timeout");
			timeout = v;
		} else if (strcmp(a, "--preemptible") == 0)
			preemptible = 1;
		else if (strcmp(a, "--checkpointable") == 0)
			checkpointable = 1;
		else if (strcmp(a, "--hold") == 0 || strcmp(a, "-H") == 0)
			hold = 1;
		else if (strcmp(a, "--json") == 0)
			json = 1;
		else if (strcmp(a, "--parsable") == 0)
			parsable = 1;
		else if (a[0] == '-') {
			json_decref(models);
			return cmd_usage_error(&cmd_submit_entry, "unknown option %s", a);
		} else
			break;   /* the command starts here, as sbatch's script */
#undef OPT
#undef NEED
	}
	for (; i < argc; i++) {
		if (wrap != NULL) {
			json_decref(models);
			return cmd_usage_error(&cmd_submit_entry, "give either --wrap or "
					       "a command, not both");
		}
		append_arg(&cmd, &clen, &ccap, argv[i]);
		if (clen > CMD_MAX) {
			free(cmd);
			json_decref(models);
			return cmd_usage_error(&cmd_submit_entry, "command longer than "
					       "%zu bytes", CMD_MAX);
		}
	}
	if (wrap != NULL)
		cmd = xstrdup(wrap);
	if (cmd == NULL || cmd[0] == '\0') {
		free(cmd);
		json_decref(models);
		return cmd_usage_error(&cmd_submit_entry, "no command: give "
				       "-- COMMAND [ARG...] or --wrap \"...\"");
	}
	if (gpus >= 0 && (nodes >= 0 || gpn >= 0)) {
		free(cmd);
		json_decref(models);
		return cmd_usage_error(&cmd_submit_entry, "give either --gpus or "
				       "--nodes with --gpus-per-node, not both");
	}
	if ((nodes >= 0) != (gpn >= 0)) {
		free(cmd);
		json_decref(models);
		return cmd_usage_error(&cmd_submit_entry, "--nodes and --gpus-per-node "
				       "go together");
	}
	if (share >= 0 && share < 1000 && (gpus > 1 || nodes > 1 || gpn > 1)) {
		free(cmd);
		json_decref(models);
		return cmd_usage_error(&cmd_submit_entry, "--gpu-share is a share of "
				       "one GPU: use it with --gpus 1 (or alone)");
	}
	if (chdir_ == NULL) {
		if (getcwd(cwd, sizeof cwd) == NULL) {
			free(cmd);
			json_decref(models);
			fprintf(stderr, "allot submit: cannot read the working directory; "
				"pass --chdir\n");
			return CLIENT_EXIT_USAGE;
		}
		chdir_ = cwd;
	}
	if (name == NULL) {
		/* sbatch: the script's name, or "wrap" */
		if (wrap != NULL)
			name = "wrap";
		else {
			const char *slash;
			size_t n = strcspn(cmd, " ");

			snprintf(base, sizeof base, "%.*s", (int)(n < 127 ? n : 127), cmd);
			slash = strrchr(base, '/');
			name = slash != NULL && slash[1] ? slash + 1 : base;
			if (name[0] == '\'')
				name = "job";
		}
	}

	body = json_object();
	json_object_set_new(body, "name", json_string(name));
	json_object_set_new(body, "command", json_string(cmd));
	json_object_set_new(body, "workdir", json_string(chdir_));
	if (nodes >= 0) {
		json_object_set_new(body, "nodes", json_integer(nodes));
		json_object_set_new(body, "gpus_per_node", json_integer(gpn));
	} else
		json_object_set_new(body, "gpus", json_integer(gpus >= 0 ? gpus : 1));
	if (share >= 0)
		json_object_set_new(body, "gpu_milli", json_integer(share));
	if (json_array_size(models) > 0)
		json_object_set_new(body, "models", models);
	else
		json_decref(models);
	if (limit >= 0)
		json_object_set_new(body, "time_limit_s", json_integer(limit));
	if (cls >= 0)
		json_object_set_new(body, "class", json_string(job_class_name(cls)));
	if (preemptible)
		json_object_set_new(body, "preemptible", json_true());
	if (checkpointable)
		json_object_set_new(body, "checkpointable", json_true());
	if (grace >= 0)
		json_object_set_new(body, "grace_s", json_integer(grace));
	if (account != NULL)
		json_object_set_new(body, "account", json_string(account));
	if (hold)
		json_object_set_new(body, "hold", json_true());
	if (idem == NULL) {
		client_idem_key(key);
		idem = key;
	}
	json_object_set_new(body, "idempotency_key", json_string(idem));
	free(cmd);

	if ((c = client_open("submit", url, token, timeout, &status)) == NULL) {
		json_decref(body);
		return status;
	}
	rc = client_call(c, "POST", "/v1/jobs", body, CLIENT_RETRY, &r, &e);
	json_decref(body);
	if (rc != 0) {
		status = client_fail("submit", rc, &r, &e);
		goto out;
	}
	if (client_jint(r.json, "id", -1) < 0) {
		fprintf(stderr, "allot submit: the server's reply has no job id: %.200s\n",
			r.body);
		status = CLIENT_EXIT_SERVER;
		goto out;
	}
	if (json)
		printf("%s\n", r.body);
	else if (parsable)
		printf("%lld\n", (long long)client_jint(r.json, "id", -1));
	else
		printf("Submitted batch job %lld\n", (long long)client_jint(r.json, "id", -1));
out:
	client_resp_clear(&r);
	client_free(c);
	return status;
usage:
	json_decref(models);
	return CLIENT_EXIT_USAGE;
}

const struct cmd_entry cmd_submit_entry = {
	"submit",
	"[OPTIONS] -- COMMAND [ARG...] | [OPTIONS] --wrap \"CMD\"",
	"submit a job to allot serve (sbatch's flags)",
	"  -G, --gpus [MODEL:]N     GPUs in all (default 1); MODEL like --model\n"
	"  -N, --nodes N            gang width, with --gpus-per-node G\n"
	"      --gpus-per-node G    GPUs on each node\n"
	"      --gpu-share MILLI    thousandths of one GPU (1..1000)\n"
	"  -t, --time T             limit: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, UNLIMITED\n"
	"  -A, --account A          tenant to charge (default: your own)\n"
	"  -J, --job-name NAME      default: the command's name, or \"wrap\"\n"
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
	"Exit: 0 submitted, 1 refused by the server, 2 unreachable/5xx, 64 usage.\n",
	submit,
};
