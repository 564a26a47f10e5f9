#!/bin/sh
# Regenerates this example round (the shape of the Korea 2026 rubric,
# DESIGN.md section 5, with made-up teams and numbers): 5 teams, results
# for kmmlu, mmlu, arc_challenge, hellaswag and own (per-sample logs of 20
# items for kmmlu and own), a panel of 5 evaluators on 2 criteria, 10
# voters each voting once on every pair, a from-scratch gate that team-e
# fails.  Deterministic: a fixed linear congruential generator in awk.
# Run from this directory: sh gen.sh
set -e
rm -rf results && mkdir results
printf 'team\nteam-a\nteam-b\nteam-c\nteam-d\nteam-e\n' > teams.csv
printf 'team,gate,pass\nteam-a,from-scratch,yes\nteam-b,from-scratch,yes\nteam-c,from-scratch,yes\nteam-d,from-scratch,yes\nteam-e,from-scratch,no\n' > gates.csv
awk 'BEGIN {
	s = 12345
	split("team-a team-b team-c team-d team-e", T, " ")
	# skill of each team: the probability of an item right
	K[1] = 0.80; K[2] = 0.70; K[3] = 0.65; K[4] = 0.62; K[5] = 0.75
	for (t = 1; t <= 5; t++) {
		d = "results/" T[t]
		system("mkdir -p " d)
		for (j = 0; j < 2; j++) {
			task = j == 0 ? "kmmlu" : "own"
			f = d "/samples_" task "_2026-01-10T00-00-00.jsonl"
			n = 0
			for (i = 0; i < 20; i++) {
				s = (s * 1103515245 + 12345) % 2147483648
				a = (s / 2147483648 < K[t] - 0.1 * j) ? 1 : 0
				n += a
				printf "{\"doc_id\": %d, \"filter\": \"none\", \"acc\": %d}\n", i, a > f
			}
			close(f)
			V[t, task] = n / 20
		}
		f = d "/results_2026-01-10T00-00-00.json"
		printf "{\"results\": {" > f
		printf "\"kmmlu\": {\"alias\": \"kmmlu\", \"acc,none\": %.2f, \"acc_stderr,none\": \"N/A\"}, ", V[t, "kmmlu"] > f
		printf "\"own\": {\"alias\": \"own\", \"acc,none\": %.2f, \"acc_stderr,none\": \"N/A\"}, ", V[t, "own"] > f
		printf "\"mmlu\": {\"alias\": \"mmlu\", \"acc,none\": %.4f, \"acc_stderr,none\": 0.004}, ", K[t] - 0.05 > f
		printf "\"arc_challenge\": {\"alias\": \"arc_challenge\", \"acc,none\": %.4f, \"acc_stderr,none\": 0.013}, ", K[t] - 0.15 > f
		printf "\"hellaswag\": {\"alias\": \"hellaswag\", \"acc,none\": %.4f, \"acc_stderr,none\": 0.005}}, ", K[t] - 0.02 > f
		printf "\"higher_is_better\": {\"kmmlu\": {\"acc\": true}, \"own\": {\"acc\": true}, \"mmlu\": {\"acc\": true}, \"arc_challenge\": {\"acc\": true}, \"hellaswag\": {\"acc\": true}}}\n" > f
		close(f)
	}
	f = "panel.csv"
	print "evaluator,team,criterion,score" > f
	for (e = 1; e <= 5; e++)
		for (t = 1; t <= 5; t++)
			for (c = 0; c < 2; c++) {
				s = (s * 1103515245 + 12345) % 2147483648
				x = int(10 * K[t] - 1 + 3 * s / 2147483648)
				if (x > 10) x = 10
				printf "e%d,%s,%s,%d\n", e, T[t], c ? "impact" : "technical", x > f
			}
	close(f)
	f = "votes.csv"
	print "voter,model_a,model_b,winner" > f
	for (v = 1; v <= 10; v++)
		for (a = 1; a <= 5; a++)
			for (b = a + 1; b <= 5; b++) {
				s = (s * 1103515245 + 12345) % 2147483648
				u = s / 2147483648
				pa = K[a] / (K[a] + K[b])
				w = u < pa - 0.05 ? T[a] : u < pa + 0.05 ? "tie" : T[b]
				printf "u%02d,%s,%s,%s\n", v, T[a], T[b], w > f
			}
	close(f)
}'
