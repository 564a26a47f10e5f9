/*
 * cmd-whatif.c — `allot whatif`: compares the 6-month elimination rule
 * with no elimination, successive halving and score-proportional shares
 * over many seeds on the quality model (compete/whatif.h, docs/WHATIF.md).
 *
 * The numbers are deterministic for (scenario, options); only wall_s
 * varies from run to run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "compete/whatif.h"
#include "sim/korea.h"
#include "util/jsonw.h"

static int
parse_double(const char *s, double lo, double hi, double *v)
{
	char *end;

	if (*s == '\0')
		return -1;
	*v = strtod(s, &end);
	if (*end != '\0' || !(*v >= lo && *v <= hi))
		return -1;
	return 0;
}

static void
json_stat(struct jsonw *w, const char *key, const struct whatif_stat *st,
	  int dec)
{
	jsonw_key(w, key);
	jsonw_obj(w);
	jsonw_key(w, "mean");
	jsonw_fixed(w, st->mean, dec);
	jsonw_key(w, "lo");
	jsonw_fixed(w, st->lo, dec);
	jsonw_key(w, "hi");
	jsonw_fixed(w, st->hi, dec);
	jsonw_end(w);
}

static void
json_num(struct jsonw *w, const char *key, double v)
{
	jsonw_key(w, key);
	jsonw_double(w, v);
}

static void
json_model(struct jsonw *w, const struct whatif_setup *s)
{
	const struct quality_model *m = &s->model;

	jsonw_key(w, "model");
	jsonw_obj(w);
	json_num(w, "l_inf", m->l_inf);
	json_num(w, "a", m->a);
	json_num(w, "alpha", m->alpha);
	json_num(w, "c0_gpu_h", m->c0_gpu_h);
	json_num(w, "l_ref", m->l_ref);
	json_num(w, "l_unit", m->l_unit);
	jsonw_key(w, "items");
	jsonw_arr(w);
	for (int k = 0; k < QUALITY_NBENCH; k++)
		jsonw_uint(w, m->items[k]);
	jsonw_end(w);
	jsonw_key(w, "part_sd");
	jsonw_arr(w);
	for (int k = 0; k < QUALITY_NBENCH; k++)
		jsonw_double(w, m->part_sd[k]);
	jsonw_end(w);
	json_num(w, "diff_sd", m->diff_sd);
	json_num(w, "item_temp", m->item_temp);
	jsonw_key(w, "panel");
	jsonw_uint(w, m->panel);
	json_num(w, "expert_gain", m->expert_gain);
	json_num(w, "expert_sd", m->expert_sd);
	json_num(w, "lenient_sd", m->lenient_sd);
	json_num(w, "member_sd", m->member_sd);
	jsonw_key(w, "voters");
	jsonw_uint(w, m->voters);
	jsonw_key(w, "votes_per_voter");
	jsonw_uint(w, m->votes_per_voter);
	json_num(w, "user_sd", m->user_sd);
	json_num(w, "tie_p", m->tie_p);
	json_num(w, "vote_temp", m->vote_temp);
	json_num(w, "bt_prior", m->bt_prior);
	jsonw_key(w, "teams");
	jsonw_uint(w, s->nteams);
	jsonw_key(w, "keep");
	jsonw_arr(w);
	for (size_t r = 0; r < s->nrounds; r++)
		jsonw_uint(w, s->keep[r]);
	jsonw_end(w);
	jsonw_key(w, "wildcards");
	jsonw_arr(w);
	for (size_t r = 0; r < s->nrounds; r++)
		jsonw_uint(w, s->wildcards[r]);
	jsonw_end(w);
	jsonw_key(w, "gpus");
	jsonw_arr(w);
	for (size_t p = 0; p <= s->nrounds; p++)
		jsonw_double(w, s->gpus[p]);
	jsonw_end(w);
	json_num(w, "phase_h", s->phase_h);
	json_num(w, "util", s->util);
	json_num(w, "eff_sd", s->eff_sd);
	json_num(w, "c_prior_gpu_h", s->c_prior_gpu_h);
	json_num(w, "p_gate_fail", s->p_gate_fail);
	jsonw_key(w, "reps");
	jsonw_int(w, s->reps);
	json_num(w, "confidence", s->confidence);
	jsonw_key(w, "tie");
	jsonw_str(w, s->tie == ROUND_TIE_KEEP ? "keep" :
	    s->tie == ROUND_TIE_POINT ? "point" : "part");
	jsonw_end(w);
}

static void
print_json(const struct whatif_setup *s, const struct whatif_result *res,
	   double wall)
{
	struct jsonw w;

	jsonw_init(&w, stdout);
	jsonw_obj(&w);
	jsonw_key(&w, "scenario");
	jsonw_str(&w, s->scenario);
	jsonw_key(&w, "seeds");
	jsonw_uint(&w, s->seeds);
	jsonw_key(&w, "seed");
	jsonw_uint(&w, s->seed);
	jsonw_key(&w, "policies");
	jsonw_arr(&w);
	for (int p = 0; p < WHATIF_NPOLICIES; p++) {
		jsonw_obj(&w);
		jsonw_key(&w, "name");
		jsonw_str(&w, whatif_policy_name(res[p].policy));
		json_stat(&w, "p_best_finalist", &res[p].p_best, 4);
		json_stat(&w, "gpu_h_on_eliminated_pct", &res[p].elim_pct, 2);
		json_stat(&w, "best_final_quality", &res[p].best_loss, 5);
		jsonw_end(&w);
	}
	jsonw_end(&w);
	jsonw_key(&w, "best_final_quality_unit");
	jsonw_str(&w, "loss in nats per token, lower is better");
	json_model(&w, s);
	jsonw_key(&w, "wall_s");
	jsonw_fixed(&w, wall, 3);
	jsonw_end(&w);
	jsonw_nl(&w);
}

static void
print_table(const struct whatif_setup *s, const struct whatif_result *res,
	    double wall)
{
	size_t wild = 0;

	for (size_t r = 0; r < s->nrounds; r++)
		wild += s->wildcards[r];
	printf("what-if %s: %zu seeds from seed %llu; %zu teams + %zu "
	       "wildcard(s); keep", s->scenario, s->seeds,
	       (unsigned long long)s->seed, s->nteams, wild);
	for (size_t r = 0; r < s->nrounds; r++)
		printf("%s%zu", r ? "," : " ", s->keep[r]);
	printf("; %zu phases of %.0f h at %.2f utilisation\n",
	       s->nrounds + 1, s->phase_h, s->util);
	printf("%-14s %-24s %-24s %s\n", "policy", "P(best is finalist)",
	       "GPU-h on eliminated %", "best final loss (lower = better)");
	for (int p = 0; p < WHATIF_NPOLICIES; p++) {
		const struct whatif_result *r = &res[p];
		char a[64], b[64];

		snprintf(a, sizeof a, "%.3f [%.3f, %.3f]", r->p_best.mean,
			 r->p_best.lo, r->p_best.hi);
		snprintf(b, sizeof b, "%.1f [%.1f, %.1f]", r->elim_pct.mean,
			 r->elim_pct.lo, r->elim_pct.hi);
		printf("%-14s %-24s %-24s %.4f [%.4f, %.4f]\n",
		       whatif_policy_name(r->policy), a, b, r->best_loss.mean,
		       r->best_loss.lo, r->best_loss.hi);
	}
	printf("intervals 95 %%: Wilson for P, bootstrap over seeds for means; "
	       "wall %.2f s\n", wall);
}

static int
exec_whatif(int argc, char **argv)
{
	const struct cmd_entry *c = &cmd_whatif_entry;
	struct whatif_setup s;
	struct whatif_result res[WHATIF_NPOLICIES];
	struct err e = {0};
	const char *scenario = NULL;
	int json = 0, rc;
	long long v;
	double t0, x, noise = 1;

	if (cmd_wants_help(c, argc, argv))
		return 0;
	whatif_defaults(&s);
	for (int i = 1; i < argc; i++) {
		const char *val;

		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--no-wildcard") == 0) {
			for (size_t r = 0; r < WHATIF_MAX_ROUNDS; r++)
				s.wildcards[r] = 0;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--seeds")) !=
		    NULL) {
			if ((v = cmd_parse_count(val)) < 1 ||
			    v > WHATIF_MAX_SEEDS)
				return cmd_usage_error(c, "--seeds: expected a "
				    "count 1..%d, got \"%s\"",
				    WHATIF_MAX_SEEDS, val);
			s.seeds = (size_t)v;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--seed")) !=
		    NULL) {
			if ((v = cmd_parse_count(val)) < 0)
				return cmd_usage_error(c, "--seed: expected a "
				    "non-negative integer, got \"%s\"", val);
			s.seed = (uint64_t)v;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--reps")) !=
		    NULL) {
			if ((v = cmd_parse_count(val)) < 1 || v > 100000)
				return cmd_usage_error(c, "--reps: expected a "
				    "count 1..100000, got \"%s\"", val);
			s.reps = (int)v;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--eff-sd")) !=
		    NULL) {
			if (parse_double(val, 0, 5, &x) < 0)
				return cmd_usage_error(c, "--eff-sd: expected a "
				    "number 0..5, got \"%s\"", val);
			s.eff_sd = x;
		} else if ((val = cmd_opt_value(argc, argv, &i,
		    "--gate-fail")) != NULL) {
			if (parse_double(val, 0, 1, &x) < 0)
				return cmd_usage_error(c, "--gate-fail: expected "
				    "a probability 0..1, got \"%s\"", val);
			s.p_gate_fail = x;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--alpha")) !=
		    NULL) {
			if (parse_double(val, 0.001, 2, &x) < 0)
				return cmd_usage_error(c, "--alpha: expected a "
				    "number 0.001..2, got \"%s\"", val);
			s.model.alpha = x;
		} else if ((val = cmd_opt_value(argc, argv, &i, "--noise")) !=
		    NULL) {
			if (parse_double(val, 0, 100, &x) < 0)
				return cmd_usage_error(c, "--noise: expected a "
				    "factor 0..100, got \"%s\"", val);
			noise = x;
		} else if (argv[i][0] == '-') {
			return cmd_usage_error(c, "unknown option \"%s\"",
			    argv[i]);
		} else if (scenario == NULL) {
			scenario = argv[i];
		} else {
			return cmd_usage_error(c, "one scenario only, got "
			    "\"%s\" and \"%s\"", scenario, argv[i]);
		}
	}
	for (int k = 0; k < QUALITY_NBENCH; k++)
		s.model.part_sd[k] *= noise;
	s.model.expert_sd *= noise;
	s.model.lenient_sd *= noise;
	s.model.member_sd *= noise;
	s.model.user_sd *= noise;
	if (scenario != NULL) {
		if ((rc = korea_scenario_check(scenario, &e)) < 0) {
			fprintf(stderr, "allot whatif: %s\n", e.msg);
			return err_exit_status(rc);
		}
		s.scenario = scenario;
	}
	t0 = cmd_now_s();
	if ((rc = whatif_run(&s, res, &e)) < 0) {
		fprintf(stderr, "allot whatif: %s\n", e.msg);
		return err_exit_status(rc);
	}
	if (json)
		print_json(&s, res, cmd_now_s() - t0);
	else
		print_table(&s, res, cmd_now_s() - t0);
	return 0;
}

const struct cmd_entry cmd_whatif_entry = {
	.name = "whatif",
	.usage = "[SCENARIO] [--seeds N] [--seed S] [--reps R] [--eff-sd X] "
		 "[--gate-fail P] [--alpha A] [--noise K] [--no-wildcard] "
		 "[--json]",
	.summary = "compare competition allocation policies over many seeds",
	.help = "Runs the competition of SCENARIO (default korea-2026) on the\n"
		"scaling-law quality model (docs/WHATIF.md) under four policies:\n"
		"elim-6m (the real rule), no-elim, succ-halving, proportional.\n"
		"Reports P(the truly best team is a finalist), the share of\n"
		"GPU-hours spent on teams later eliminated and the best final\n"
		"loss, each with a 95 % interval.\n"
		"  --seeds N      programmes to simulate (default 1000)\n"
		"  --seed S       first seed (default 1)\n"
		"  --reps R       bootstrap replicates per round (default 20)\n"
		"  --eff-sd X     lognormal sigma of team efficiency (0.15)\n"
		"  --gate-fail P  probability a team fails the from-scratch gate\n"
		"  --alpha A      the scaling-law exponent (0.10)\n"
		"  --noise K      multiplies every jury noise sd (part, expert,\n"
		"                 leniency, member, user offsets; default 1)\n"
		"  --no-wildcard  no wildcard entry after round 1\n"
		"  --json         one JSON object (policies, model, wall_s)\n",
	.exec = exec_whatif,
};
