#!/usr/bin/env bash
# Replays every fuzz corpus through its harness: each "$FUZZ_DIR"/fuzz-NAME-replay
# (built by `make check` from fuzz/fuzz-NAME.c and fuzz/replay.c) over
# fuzz/corpus/NAME/.  Any crash, sanitizer report or failed harness
# assertion fails the test.  Skips (77) when FUZZ_DIR is not set, i.e. when
# not run through `make check`.
set -u
if [ -z "${FUZZ_DIR:-}" ] || [ ! -d "$FUZZ_DIR" ]; then
	echo "SKIP: FUZZ_DIR not set (run through make check)"
	exit 77
fi
status=0
ran=0
for bin in "$FUZZ_DIR"/fuzz-*-replay; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	name=${name#fuzz-}
	name=${name%-replay}
	dir=fuzz/corpus/$name
	if [ ! -d "$dir" ]; then
		echo "note: no corpus $dir for $bin; nothing replayed"
		continue
	fi
	if ! "$bin" "$dir"; then
		echo "FAIL: $bin $dir"
		status=1
	fi
	ran=$((ran + 1))
done
if [ "$ran" = 0 ]; then
	echo "SKIP: no fuzz harness with a corpus in $FUZZ_DIR"
	exit 77
fi
exit $status
