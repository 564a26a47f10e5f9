#!/usr/bin/env bash
# Regenerates the Philly policy comparison of docs/SCHEDULING.md: replays
# the Philly trace (virtual clusters as tenants) on a pool small enough to
# queue, with grants proportional to each virtual cluster's GPU-time
# demand (bench/philly-grants.sh), under FIFO, first-fit and the national
# priority policy with and without backfill, reclaim and grants, and
# prints one Markdown table (times in hours) with the commands, the
# machine and the date.
#
#	bench/philly-policy.sh [NODES] [TRACE] > table.md
#
# Environment: ALLOT (default build/allot), TMPDIR.
set -eu
nodes=${1:-80}
trace=${2:-../shared/data/philly/philly.csv}
allot=${ALLOT:-build/allot}
[ -r "$trace" ] || { echo "philly-policy.sh: no trace $trace" >&2; exit 77; }
[ -x "$allot" ] || { echo "philly-policy.sh: no binary $allot (make first)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/philly-policy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
gpus=$((nodes * 8))
pool="gen:nodes=$nodes,gpus=8,models=P100,rack=8"
grants=$tmp/grants.csv
"$(dirname "$0")/philly-grants.sh" "$trace" "$gpus" P100 > "$grants"

# name | extra arguments
runs=(
	"FIFO (strict)|--order fifo"
	"first-fit|--order first-fit"
	"fair share + quotas, no backfill|--order priority --grants GRANTS --backfill 0"
	"fair share + quotas + backfill, limits = 1.0 x run time|--order priority --grants GRANTS --time-limit-factor 1"
	"fair share + quotas + backfill, limits = 3.0 x run time|--order priority --grants GRANTS --time-limit-factor 3"
	"the same, no reclaim, no backfill|--order priority --grants GRANTS --no-reclaim --backfill 0"
	"the same, no reclaim, backfill (1.0 x)|--order priority --grants GRANTS --no-reclaim --time-limit-factor 1"
	"fair share only (no grants), backfill (1.0 x)|--order priority --time-limit-factor 1"
)

num() { grep -o "\"$1\":[^,}]*" "$2" | head -1 | cut -d: -f2; }
dist() { grep -o "\"$1\":{[^}]*}" "$2" | head -1 | grep -o "\"$3\":[^,}]*" | cut -d: -f2; }
hours() { awk -v s="$1" 'BEGIN { printf "%.2f", s / 3600 }'; }

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')
echo "Philly trace \`$trace\`, pool \`$pool\` ($gpus GPUs),"
echo "grants: \`bench/philly-grants.sh $trace $gpus P100\`; placement BestFit, seed 42."
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sm); $(date -u '+%Y-%m-%d %H:%M UTC'); \`bench/philly-policy.sh $nodes\`."
echo
echo "| policy | JCT p50 | JCT p90 | JCT p99 | wait p50 | wait p90 | wait p99 | wait max | alloc % | Jain | preempted (GPU-h lost) | wall s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for r in "${runs[@]}"; do
	name=${r%%|*}
	args=${r#*|}
	args=${args//GRANTS/$grants}
	# shellcheck disable=SC2086
	"$allot" sim --trace "$trace" --format philly --pool "$pool" $args --json > "$tmp/out.json"
	o=$tmp/out.json
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %.3f | %s (%.0f) | %.2f |\n' "$name" \
		"$(hours "$(dist jct_s "$o" p50)")" "$(hours "$(dist jct_s "$o" p90)")" \
		"$(hours "$(dist jct_s "$o" p99)")" "$(hours "$(dist wait_s "$o" p50)")" \
		"$(hours "$(dist wait_s "$o" p90)")" "$(hours "$(dist wait_s "$o" p99)")" \
		"$(hours "$(dist wait_s "$o" max)")" "$(num alloc_pct "$o")" "$(num jain "$o")" \
		"$(num preempted "$o")" "$(num preempt_lost_gpu_h "$o")" "$(num wall_s "$o")"
done
echo
echo "Jobs: $(num jobs "$tmp/out.json") (all completed in every run: $(num completed "$tmp/out.json") in the last)."
echo
echo "Commands (GRANTS = the grants file above):"
echo
for r in "${runs[@]}"; do
	echo "- ${r%%|*}: \`allot sim --trace $trace --format philly --pool $pool ${r#*|}\`"
done
