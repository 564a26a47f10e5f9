#!/usr/bin/env bash
# allot audit end to end: append decisions with hashed inputs, verify,
# then tamper with the file in every way and see verify name the entry.
set -u
A=${ALLOT:-build/allot}
T=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }
L=$T/audit.jsonl
printf 'team,score\nlg,90.2\n' > "$T/scores.csv"
$A audit append "$L" --kind award --policy opencall-v1 --time 100 \
	--payload '{"tenant":"kaist","gpus":128}' > /dev/null || fail "append 1"
$A audit append "$L" --kind round --policy round-v1 --time 200 \
	--input scores.csv="$T/scores.csv" --payload '{"eliminated":["nc"]}' > /dev/null || fail "append 2"
head=$($A audit append "$L" --kind reallocation --policy round-v1 --time 300 \
	--payload '{"to":"lg","gpus":256}') || fail "append 3"
[ ${#head} -eq 64 ] || fail "head is not a hash: $head"
out=$($A audit verify "$L" --head "$head") || fail "verify: $out"
echo "$out" | grep -q "^ok: 3 entries" || fail "verify output: $out"
$A audit show "$L" | grep -q "round-v1" || fail "show"
$A audit verify "$L" --json | grep -q '"ok":true' || fail "json ok"

check() { # file, expected message, description
	out=$($A audit verify "$1" ${3:+--head "$3"} 2>&1); rc=$?
	[ $rc -eq 65 ] || fail "$2: exit $rc: $out"
	echo "$out" | grep -q "$2" || fail "expected '$2', got: $out"
}
sed '2s/nc/lg/' "$L" > "$T/edited"
check "$T/edited" "entry 2 (seq 2): edited"
awk '{l[NR] = $0} END {print l[1]; print l[3]; print l[2]}' "$L" > "$T/reordered"
check "$T/reordered" "entry 2 (seq 3)"
sed '2d' "$L" > "$T/removed"
check "$T/removed" "missing or reordered"
sed '3d' "$L" > "$T/truncated"
$A audit verify "$T/truncated" > /dev/null || fail "a shorter chain alone is valid"
check "$T/truncated" "not the expected head" "$head"
head -c 100 "$L" > "$T/cut"
check "$T/cut" "cut:1: column"
# Appending to a tampered log is refused: nothing is added.
before=$(wc -l < "$T/edited")
$A audit append "$T/edited" --kind quota --policy v --payload '{}' 2> /dev/null && fail "append to tampered"
[ "$(wc -l < "$T/edited")" = "$before" ] || fail "tampered log grew"
# Bad usage.
$A audit append "$L" --kind gift --policy v --payload '{}' 2> /dev/null; [ $? -eq 64 ] || fail "bad kind exit"
$A audit verify "$T/none.jsonl" 2> /dev/null; [ $? -eq 66 ] || fail "missing file exit"
exit 0
