/*
 * cmd-usage.c — `allot usage`: GPU usage per tenant from the server's
 * ledger (GET /v1/usage), like sreport's account utilisation.
 *
 *	allot usage [-A ACCOUNT] [--from T] [--to T] [--check|--ledger] [--json]
 *
 * --ledger: GET /v1/ledger, GPU-hours and won per account, grant and
 * model, and the programs' budgets drawn (sreport's cost view).
 * --check: the accounting cross-check (GET /v1/usage/check): allot's
 * GPU-seconds of each finished run against the executor's own (Slurm's),
 * a summary line and the runs that differ.
 *
 * T is unix seconds or a UTC date "YYYY-MM-DD[THH:MM[:SS]]".  The table shows every field of the server's usage
 * rows, so the client needs no change when the server adds one.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/client.h"
#include "cmd/cmd.h"

static int
usage(int argc, char **argv)
{
	struct client_opts o = {0};
	const char *account = NULL, *v;
	int64_t from = -1, to = -1;
	char num[24];
	int json = 0, check = 0, ledger = 0, status = 0, rc;
	char path[512] = "/v1/usage";
	struct client_resp r = {0};
	const json_t *rows = NULL, *m;
	const char *k;
	struct client *c;
	struct err e = {0};

	for (int i = 1; i < argc; i++) {
		int f = client_flag(argc, argv, &i, &o);

		if (f < 0)
			return cmd_usage_error(&cmd_usage_entry, "%s needs a value", argv[i]);
		if (f > 0)
			continue;
		if ((v = cmd_opt_value(argc, argv, &i, "--account")) != NULL ||
		    (v = cmd_opt_value(argc, argv, &i, "-A")) != NULL) {
			if (*v == '\0')
				return cmd_usage_error(&cmd_usage_entry, "--account needs a value");
			account = v;
		} else if ((v = cmd_opt_value(argc, argv, &i, "--from")) != NULL) {
			if ((from = client_parse_time(v)) < 0)
				return cmd_usage_error(&cmd_usage_entry, "--from: expected unix "
						       "seconds or YYYY-MM-DD[THH:MM[:SS]], "
						       "got \"%s\"", v);
		} else if ((v = cmd_opt_value(argc, argv, &i, "--to")) != NULL) {
			if ((to = client_parse_time(v)) < 0)
				return cmd_usage_error(&cmd_usage_entry, "--to: expected unix "
						       "seconds or YYYY-MM-DD[THH:MM[:SS]], "
						       "got \"%s\"", v);
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "--ledger") == 0)
			ledger = 1;
		else
			return cmd_usage_error(&cmd_usage_entry, "unexpected argument %s",
					       argv[i]);
	}
	if (check && ledger)
		return cmd_usage_error(&cmd_usage_entry, "--check or --ledger, "
				       "not both");
	if (check)
		snprintf(path, sizeof path, "/v1/usage/check");
	if (ledger)
		snprintf(path, sizeof path, "/v1/ledger");
	if (account != NULL)
		client_path_add(path, sizeof path, "account", account);
	if (from >= 0) {
		snprintf(num, sizeof num, "%lld", (long long)from);
		client_path_add(path, sizeof path, "from", num);
	}
	if (to >= 0) {
		snprintf(num, sizeof num, "%lld", (long long)to);
		client_path_add(path, sizeof path, "to", num);
	}
	if ((c = client_open("usage", o.url, o.token, o.timeout, &status)) == NULL)
		return status;
	if ((rc = client_call(c, "GET", path, NULL, CLIENT_RETRY, &r, &e)) != 0)
		status = client_fail("usage", rc, &r, &e);
	else if (json)
		printf("%s\n", r.body);
	else if (check) {
		const json_t *bad = json_object_get(r.json, "mismatches");
		printf("%lld runs, %lld with the executor's figure: allot %.1f "
		       "GPU-h, executor %.1f GPU-h, %lld differ (more than %s)\n",
		       (long long)json_integer_value(json_object_get(r.json, "runs")),
		       (long long)json_integer_value(json_object_get(r.json, "checked")),
		       json_number_value(json_object_get(r.json, "allot_gpu_seconds")) / 3600,
		       json_number_value(json_object_get(r.json, "executor_gpu_seconds")) / 3600,
		       (long long)json_integer_value(json_object_get(r.json, "mismatched")),
		       json_string_value(json_object_get(r.json, "tolerance")) ?
		       json_string_value(json_object_get(r.json, "tolerance")) : "?");
		if (json_array_size(bad) > 0)
			client_print_table(stdout, bad, NULL);
	} else if (ledger) {
		const json_t *lr = json_object_get(r.json, "rows"),
			*pg = json_object_get(r.json, "programs");
		if (json_array_size(lr) == 0)
			printf("no usage\n");
		else
			client_print_table(stdout, lr, NULL);
		if (json_array_size(pg) > 0) {
			printf("\n");
			client_print_table(stdout, pg, NULL);
		}
	} else {
		if (json_is_array(r.json))
			rows = r.json;
		else
			json_object_foreach(r.json, k, m)
				if (rows == NULL && json_is_array(m))
					rows = m;
		if (rows != NULL && json_array_size(rows) == 0)
			printf("no usage\n");
		else if (rows != NULL)
			client_print_table(stdout, rows, NULL);
		else
			printf("%s\n", r.body);
	}
	client_resp_clear(&r);
	client_free(c);
	return status;
}

const struct cmd_entry cmd_usage_entry = {
	"usage",
	"[-A ACCOUNT] [--from T] [--to T] [--check|--ledger] [--json]",
	"GPU usage per tenant from the server's ledger (sreport)",
	"  -A, --account A   one tenant\n"
	"      --from T, --to T   the period [from, to): unix seconds or\n"
	"                    YYYY-MM-DD[THH:MM[:SS]] (UTC)\n"
	"      --check       allot's GPU-seconds per run against the executor's\n"
	"                    own accounting (Slurm's): totals and the runs\n"
	"                    that differ\n"
	"      --ledger      GPU-hours and won per account, grant and model\n"
	"                    (borrowed capacity at the market price) and the\n"
	"                    programs' budgets drawn\n"
	"      --json        the server's reply as is\n"
	"      --url URL, --token T, --timeout S\n"
	"Exit: 0 ok, 1 refused by the server, 2 unreachable/5xx, 64 usage.\n",
	usage,
};
