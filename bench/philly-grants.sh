#!/usr/bin/env bash
# Writes a grants file (sim/grantfile.h) for a Philly trace to stdout: each
# virtual cluster (the trace's `cluster` column, which `allot sim` makes
# the tenant) is guaranteed GPUs of MODEL in proportion to its GPU-time
# demand in the trace (sum of num_gpus x duration), rounded by largest
# remainder so the guarantees add up to exactly GPUS.  A cluster whose
# share rounds to 0 gets no grant (it may still borrow).  Every grant runs
# from START to END, which cover the whole trace, with the default limits
# (borrow without limit, lend all of it).
#
#	bench/philly-grants.sh TRACE GPUS [MODEL] [START] [END] > grants.csv
set -eu
trace=${1:?usage: philly-grants.sh TRACE GPUS [MODEL] [START] [END]}
gpus=${2:?usage: philly-grants.sh TRACE GPUS [MODEL] [START] [END]}
model=${3:-P100}
start=${4:-2017-08-01}
end=${5:-2018-06-01}
LC_ALL=C awk -F, -v gpus="$gpus" -v model="$model" -v start="$start" -v end="$end" '
NR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	if (!("num_gpus" in col) || !("duration" in col) || !("cluster" in col)) {
		print "philly-grants.sh: " FILENAME ": not a Philly trace header" > "/dev/stderr"
		exit 1
	}
	next
}
NF > 1 {
	d = $col["num_gpus"] * $col["duration"]
	if (!($col["cluster"] in dem))
		order[n++] = $col["cluster"]
	dem[$col["cluster"]] += d
	tot += d
}
END {
	if (tot <= 0)
		exit 1
	# Largest remainder: floors first, then one GPU each to the largest
	# remainders (ties to the cluster met first in the trace).
	left = gpus
	for (k = 0; k < n; k++) {
		c = order[k]
		q = dem[c] / tot * gpus
		g[c] = int(q)
		rem[c] = q - g[c]
		left -= g[c]
	}
	for (; left > 0; left--) {
		best = ""
		for (k = 0; k < n; k++) {
			c = order[k]
			if (!(c in used) && (best == "" || rem[c] > rem[best]))
				best = c
		}
		g[best]++
		used[best] = 1
	}
	print "tenant,model,gpus,start,end"
	for (k = 0; k < n; k++)
		if (g[order[k]] > 0)
			printf "%s,%s,%d,%s,%s\n", order[k], model, g[order[k]], start, end
}' "$trace"
