/*
 * cmd-grant.c — `allot grant list|add`: the grants the server keeps
 * (GET, POST /v1/grants).  A grant lets a tenant use N GPUs of a model
 * from START to END under a program (model/grant.h).
 *
 *	allot grant list [-A ACCOUNT] [--json]
 *	allot grant add -A ACCOUNT --model M --gpus N --start T --end T
 *	                [--program ID] [--price WON] [--borrow-limit N]
 *	                [--lend-limit N] [--json]
 *
 * Times are unix seconds or a UTC date "YYYY-MM-DD[THH:MM[:SS]]"
 * (client_parse_time).  The
 * list prints every field of the server's grant objects as a table, so a
 * field the server adds shows up without a client change.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "cmd/cmd.h"

static int
bad_time(const char *opt, const char *v)
{
	return cmd_usage_error(&cmd_grant_entry, "%s: expected unix seconds or "
			       "YYYY-MM-DD[THH:MM[:SS]], got \"%s\"", opt, v);
}

/* The first array member of a reply object (or the reply itself). */
static const json_t *
rows_of(const json_t *j)
{
	const char *k;
	const json_t *v;

	if (json_is_array(j))
		return j;
	json_object_foreach((json_t *)j, k, v)
		if (json_is_array(v))
			return v;
	return NULL;
}

static int
grant(int argc, char **argv)
{
	struct client_opts o = {0};
	const char *account = NULL, *model = NULL, *v;
	long long gpus = -1, price = -1, borrow = -2, lend = -2, program = -1;
	int64_t start = -1, end = -1;
	int add, json = 0, status = 0, rc;
	char path[512] = "/v1/grants";
	struct client_resp r = {0};
	struct client *c;
	struct err e = {0};

	if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "add") != 0))
		return cmd_usage_error(&cmd_grant_entry, "expected list or add");
	add = strcmp(argv[1], "add") == 0;
	for (int i = 2; i < argc; i++) {
		int f = client_flag(argc, argv, &i, &o);

		if (f < 0)
			return cmd_usage_error(&cmd_grant_entry, "%s needs a value", argv[i]);
		if (f > 0)
			continue;
#define OPT(name) ((v = cmd_opt_value(argc, argv, &i, name)) != NULL)
#define NEED(name) do { if (*v == '\0') \
	return cmd_usage_error(&cmd_grant_entry, "%s needs a value", name); } while (0)
		if (OPT("--account") || OPT("-A")) {
			NEED("--account");
			account = v;
		} else if (add && OPT("--program")) {
			if ((program = cmd_parse_count(v)) < 0)
				return cmd_usage_error(&cmd_grant_entry, "--program: expected "
						       "a program id, got \"%s\"", v);
		} else if (add && OPT("--model")) {
			NEED("--model");
			model = v;
		} else if (add && OPT("--gpus")) {
			if ((gpus = cmd_parse_count(v)) < 1)
				return cmd_usage_error(&cmd_grant_entry, "--gpus: expected a "
						       "positive integer, got \"%s\"", v);
		} else if (add && OPT("--start")) {
			if ((start = client_parse_time(v)) < 0)
				return bad_time("--start", v);
		} else if (add && OPT("--end")) {
			if ((end = client_parse_time(v)) < 0)
				return bad_time("--end", v);
		} else if (add && OPT("--price")) {
			if ((price = cmd_parse_count(v)) < 0)
				return cmd_usage_error(&cmd_grant_entry, "--price: expected won "
						       "per GPU-hour, got \"%s\"", v);
		} else if (add && OPT("--borrow-limit")) {
			if ((borrow = cmd_parse_count(v)) < 0)
				return cmd_usage_error(&cmd_grant_entry, "--borrow-limit: "
						       "expected GPUs, got \"%s\"", v);
		} else if (add && OPT("--lend-limit")) {
			if ((lend = cmd_parse_count(v)) < 0)
				return cmd_usage_error(&cmd_grant_entry, "--lend-limit: "
						       "expected GPUs, got \"%s\"", v);
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return cmd_usage_error(&cmd_grant_entry, "unexpected argument %s",
					       argv[i]);
#undef OPT
#undef NEED
	}
	if (add && (account == NULL || model == NULL || gpus < 0 || start < 0 || end < 0))
		return cmd_usage_error(&cmd_grant_entry, "grant add needs --account, "
				       "--model, --gpus, --start and --end");
	if (add && end <= start)
		return cmd_usage_error(&cmd_grant_entry, "--end must be after --start");
	if ((c = client_open("grant", o.url, o.token, o.timeout, &status)) == NULL)
		return status;
	if (add) {
		json_t *b = json_object();

		json_object_set_new(b, "account", json_string(account));
		json_object_set_new(b, "model", json_string(model));
		json_object_set_new(b, "gpus", json_integer(gpus));
		json_object_set_new(b, "start", json_integer(start));
		json_object_set_new(b, "end", json_integer(end));
		if (program >= 0)
			json_object_set_new(b, "program", json_integer(program));
		if (price >= 0)
			json_object_set_new(b, "price_won_hour", json_integer(price));
		if (borrow >= 0)
			json_object_set_new(b, "borrow_limit", json_integer(borrow));
		if (lend >= 0)
			json_object_set_new(b, "lend_limit", json_integer(lend));
		rc = client_call(c, "POST", "/v1/grants", b, 0, &r, &e);
		json_decref(b);
	} else {
		if (account != NULL)
			client_path_add(path, sizeof path, "account", account);
		rc = client_call(c, "GET", path, NULL, CLIENT_RETRY, &r, &e);
	}
	if (rc != 0)
		status = client_fail("grant", rc, &r, &e);
	else if (add && !json)
		printf("Added grant %lld\n", (long long)client_jint(r.json, "id", -1));
	else if (json || rows_of(r.json) == NULL)
		printf("%s\n", r.body);
	else if (json_array_size(rows_of(r.json)) == 0)
		printf("no grants\n");
	else
		client_print_table(stdout, rows_of(r.json), NULL);
	client_resp_clear(&r);
	client_free(c);
	return status;
}

const struct cmd_entry cmd_grant_entry = {
	"grant",
	"list [-A ACCOUNT] [--json] | add -A ACCOUNT --model M --gpus N --start T --end T [...]",
	"list or add grants (GPUs of a model for a tenant over a period)",
	"  -A, --account A        the tenant\n"
	"      --model M          GPU model, e.g. H100\n"
	"      --gpus N           whole GPUs granted\n"
	"      --start T, --end T unix seconds or YYYY-MM-DD[THH:MM[:SS]] (UTC); [start, end)\n"
	"      --program ID       the program the grant belongs to (its id)\n"
	"      --price WON        won per GPU-hour after subsidy\n"
	"      --borrow-limit N   GPUs above the grant the tenant may borrow\n"
	"      --lend-limit N     GPUs of the grant others may borrow\n"
	"      --json             the server's reply as is\n"
	"      --url URL, --token T, --timeout S\n"
	"Exit: 0 ok, 1 refused by the server, 2 unreachable/5xx, 64 usage.\n",
	grant,
};
