#!/usr/bin/env bash
# `allot run korea-synthetic` (the national pool under a synthetic
# workload) end to end, kept small for ASan: the full-size
# pool's figures (scale 1, a short workload), a scaled-down run in text,
# --json and --out, determinism (same seed: identical --out files byte for
# byte, identical --json except the wall-clock fields gen_s, sim_s, wall_s
# and events_per_s; another seed: a different schedule), the saved pool
# read back by `allot pool check`, usage errors and --help.
set -u
A=${ALLOT:?ALLOT must name the allot binary}
T=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }

# The real size (DESIGN.md section 1): 3,107 eight-GPU servers, 24,856 GPUs
# at their fullest: the 2025 purchase (10,080 B200 + 3,056 H200), the
# rented SKT and Naver clusters, and the 9,696 B300 of 2026.
out=$($A run korea-synthetic --days 0.02) || fail "run at scale 1: exit $?"
echo "$out" | grep -q '^pool         24856 GPUs on 3107 nodes: 10 clusters, 7 sites$' ||
	fail "pool line: $out"
echo "$out" | grep -Eq '^  nhn-gov +NHN +765 +6120 +- +- +-$' || fail "NHN line: $out"
echo "$out" | grep -Eq '^  kakao-gov +Kakao +255 +2040 +- +- +-$' || fail "Kakao line: $out"
echo "$out" | grep -Eq '^  naver-gov +Naver +287 +- +2296 +- +-$' || fail "Naver line: $out"
echo "$out" | grep -Eq '^  skt-rent +SKT +128 +1024 +- +- +-$' || fail "SKT line: $out"
echo "$out" | grep -Eq '^  naver-rent +Naver +125 +- +- +1000 +-$' || fail "Naver rent line: $out"
echo "$out" | grep -Eq '^  gov-2025 +Gov +335 +1920 +760 +- +-$' || fail "Gov 2025 line: $out"
echo "$out" | grep -Eq '^  gov-2026 +Gov +1212 +- +- +- +9696$' || fail "Gov 2026 line: $out"
echo "$out" | grep -Eq '^  total +3107 +11104 +3056 +1000 +9696$' || fail "total line: $out"
for k in '^scheduler    priority order' '^workload     [0-9]+ jobs' \
	'^jobs         submitted [0-9]+, completed [0-9]+, rejected 0, unfinished 0' \
	'^utilisation  [0-9.]+ % ' '^  wait  ' '^  jct  ' '^fairness     Jain ' \
	'^pending      [0-9]+ job-pass decisions over [0-9]+ passes' \
	'^time         generate [0-9.]+ s, simulate [0-9.]+ s'; do
	echo "$out" | grep -Eq "$k" || fail "no line matching $k: $out"
done
# Scale 0.05: each cluster's servers x 0.05, rounded:
# 26+13+13+13+2+6+6+12+5+61 = 157 servers.
small="korea-synthetic --scale 0.05 --days 1 --seed 7"
$A run $small --json > "$T/a.json" || fail "json run 1"
$A run $small --json > "$T/b.json" || fail "json run 2"
[ "$(wc -l < "$T/a.json")" -eq 1 ] || fail "--json is not one line"
grep -q '^{"scenario":"korea-synthetic","scale":0.0500,"seed":7,"order":"priority","backfill":8,"pass_interval":0,"policy":"FGD","pool":{"nodes":157,"gpus":1256,"clusters":10,"sites":7,"by_model":{"B200":560,"H200":160,"H100":48,"B300":488}' "$T/a.json" ||
	fail "json head: $(cut -c1-300 "$T/a.json")"
grep -q '"workload":{"days":1.0000,"duration_s":86400,"tenants":60,"load":0.9000,' "$T/a.json" ||
	fail "json workload: $(grep -o '"workload":{[^}]*' "$T/a.json")"
grep -q '"rejected":0,"unfinished":0,' "$T/a.json" || fail "json: rejected or unfinished jobs"
grep -q '"stuck":0,"pending_decisions":{"resources":' "$T/a.json" || fail "json: stuck or reasons"
grep -Eq ',"gen_s":[0-9.]+,"sim_s":[0-9.]+,"wall_s":[0-9.]+,"events_per_s":[0-9]+}$' "$T/a.json" ||
	fail "json wall-clock tail: $(grep -o '"gen_s.*' "$T/a.json")"
# Jobs submitted = completed, and the count is the same in both places.
jobs=$(grep -o '"workload":{[^}]*"jobs":[0-9]*' "$T/a.json" | sed 's/.*"jobs"://')
grep -q "}},\"jobs\":$jobs,\"completed\":$jobs," "$T/a.json" || fail "jobs $jobs not all completed"
[ "$jobs" -gt 100 ] || fail "only $jobs jobs"
strip() { sed 's/,"gen_s":.*}$/}/' "$1"; }
[ "$(strip "$T/a.json")" = "$(strip "$T/b.json")" ] ||
	fail "two runs with one seed differ beyond the wall-clock fields"

# --out twice: byte-identical files; metrics.json = --json minus wall clock.
for k in 1 2; do
	$A run $small --out "$T/out.$k" > "$T/text.$k" || fail "--out run $k"
done
for f in pool.pool metrics.json utilisation.csv jobs.csv per_tenant.csv; do
	[ -s "$T/out.1/$f" ] || fail "$f missing or empty"
	cmp "$T/out.1/$f" "$T/out.2/$f" || fail "$f differs between two runs"
done
[ "$(strip "$T/a.json")" = "$(cat "$T/out.1/metrics.json")" ] ||
	fail "metrics.json is not the --json object without wall-clock fields"
[ "$(wc -l < "$T/out.1/jobs.csv")" -eq $((jobs + 1)) ] || fail "jobs.csv lines"
[ "$(wc -l < "$T/out.1/per_tenant.csv")" -eq 61 ] || fail "per_tenant.csv lines"
# The text summary differs between the two runs only in the time line.
sed '/^time /d' "$T/text.1" > "$T/t1"
sed '/^time /d' "$T/text.2" > "$T/t2"
cmp -s "$T/t1" "$T/t2" || fail "text summaries differ"
grep -q '^allot run korea-synthetic: scale 0.05, seed 7, 1 days, 60 tenants, offered load 0.90$' "$T/text.1" ||
	fail "text header: $(head -1 "$T/text.1")"

# The saved pool is the pool that ran, and reads back.
out=$($A pool check "$T/out.1/pool.pool") || fail "pool check: $out"
[ "$out" = "$T/out.1/pool.pool: ok: 157 nodes, 1256 GPUs, 157 NVLink domains, 7 sites" ] ||
	fail "pool check said: $out"

# Another seed, another schedule.
$A run korea-synthetic --scale 0.05 --days 1 --seed 8 --out "$T/out.3" > /dev/null || fail "seed 8"
cmp -s "$T/out.1/jobs.csv" "$T/out.3/jobs.csv" && fail "seeds 7 and 8 gave the same jobs"

# --tenants, --load, --workload, --policy, --backfill reach the run.
$A run korea-synthetic --scale 0.05 --days 0.5 --tenants 5 --load 0.5 --workload zipf=0,gang=64 \
	--policy BestFit --backfill 0 --json > "$T/c.json" || fail "flags run"
grep -q '"backfill":0,"pass_interval":0,"policy":"BestFit"' "$T/c.json" || fail "policy/backfill not in json"
grep -q '"tenants":5,"load":0.5000,"zipf":0.0000,"max_gang_gpus":64,' "$T/c.json" ||
	fail "workload flags: $(grep -o '"workload":{[^}]*' "$T/c.json")"
grep -q '"reserved":0,' "$T/c.json" || fail "--backfill 0 still reserved"

# --out makes missing parents; an impossible folder fails before the run.
$A run korea-synthetic --scale 0.01 --days 0.1 --out "$T/deep/er/out" > /dev/null || fail "--out with parents"
[ -s "$T/deep/er/out/pool.pool" ] || fail "--out with parents: no pool.pool"
: > "$T/file"
err=$($A run korea-synthetic --scale 0.01 --days 0.1 --out "$T/file/x" 2>&1)
rc=$?
[ $rc -eq 74 ] || fail "--out under a file: exit $rc, want 74"
case $err in "allot run: $T/file/x: Not a directory") ;; *) fail "--out under a file said: $err" ;; esac

# Usage errors exit 64 and say why.
t() { # expected substring, then arguments
	local want=$1
	shift
	err=$($A run korea-synthetic "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 64 ] || fail "run $*: exit $rc, want 64 ($err)"
	case $err in *"$want"*) ;; *) fail "run $*: message \"$err\" lacks \"$want\"" ;; esac
}
t 'one scenario only' mars-2030
t '--scale: expected a number in (0, 100], got "0"' --scale 0
t '--scale: expected a number in (0, 100], got "101"' --scale 101
t '--scale: expected a number' --scale x
t '--days:' --days x
t '--load:' --load -1
t '--policy: unknown policy "Best"' --policy Best
t '--backfill: expected' --backfill -1
t '--pass-interval: expected' --pass-interval -5
t '--pass-interval: expected' --pass-interval 86401
t 'unknown option --bogus' --bogus
t '--seed needs a value' --seed
t 'one scenario only' korea-synthetic

# --pass-interval: at most one pass per 600 simulated seconds, so fewer
# passes than at every change, and every job still runs.
$A run $small --pass-interval 600 --json > "$T/p.json" || fail "pass-interval run"
pa=$(grep -o '"passes":[0-9]*' "$T/a.json" | head -1 | cut -d: -f2)
pp=$(grep -o '"passes":[0-9]*' "$T/p.json" | head -1 | cut -d: -f2)
[ -n "$pa" ] && [ -n "$pp" ] && [ "$pp" -lt "$pa" ] || fail "passes $pp !< $pa"
grep -q '"pass_interval":600' "$T/p.json" || fail "pass_interval not in json"
grep -q '"unfinished":0' "$T/p.json" || fail "pass-interval run left jobs"

out=$($A run --help) || fail "--help exit"
echo "$out" | grep -q '^usage: allot run \[korea-2026 | FILE\]' || fail "--help: $out"
echo "$out" | grep -q 'korea-2026' || fail "--help lacks the scenario"
exit 0
