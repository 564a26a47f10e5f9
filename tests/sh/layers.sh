#!/usr/bin/env bash
# Lower layers never include upper ones (DESIGN.md §3):
#   util -> model -> sched|compete|ledger -> sim|store|api|exec -> cmd -> main
set -u
rank() {
	case "$1" in
	util) echo 0 ;; model) echo 1 ;; sched|compete|ledger) echo 2 ;;
	sim|store|api|exec) echo 3 ;; cmd) echo 4 ;; *) echo 9 ;;
	esac
}
bad=0
for f in src/*/*.[ch]; do
	layer=$(basename "$(dirname "$f")")
	r=$(rank "$layer")
	while read -r inc; do
		dep=${inc%%/*}
		d=$(rank "$dep")
		if [ "$d" -gt "$r" ] || { [ "$d" = "$r" ] && [ "$dep" != "$layer" ] && [ "$d" != 3 ] ; }; then
			echo "$f includes $inc: layer $layer may not depend on $dep"
			bad=1
		fi
	done < <(sed -n 's/^#include "\([a-z]*\/[^"]*\)".*/\1/p' "$f")
done
exit $bad
