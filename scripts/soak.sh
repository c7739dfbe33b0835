#!/usr/bin/env bash
# make soak: at least N guarded migrations under the integrity workload, with
# the hinting scanner deferring flushes (the race the guard closes), in 60 s
# runs. Every run must pass both integrity checks. Prints the totals.
#   scripts/soak.sh BUILD_DIR N      (STRATEGY=precopy|auto|... picks --strategy)
set -uo pipefail
build=${1:-build}
target=${2:-1000000}
run_s=${SOAK_RUN_S:-60}
strategy=${STRATEGY:-unmap-copy}
total=0 guard=0 writes=0 lost=0 corrupt=0 runs=0 failed=0
start=$(date +%s)
while [ "$total" -lt "$target" ]; do
	out=$("$build/numig" run --guest integrity --vcpus 2 --nodes 2 --mem 256M --ws 32M --duration "${run_s}s" \
		--timeout "$((run_s + 60))s" --scan-period 20ms --scan-size 8 --lazy-flush-delay 5ms \
		--migrate rate=5000/s --strategy "$strategy" --seed "$((runs + 1))" --json --quiet 2>"$build/soak.err")
	rc=$?
	if [ "$rc" -eq 3 ] || [ "$rc" -eq 2 ]; then
		echo "soak: --strategy $strategy cannot run here: $(cat "$build/soak.err")"
		exit "$rc"
	fi
	read -r d g w l c < <(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin); i = d["integrity"]; m = d["migration"]
print(m["done"], m["guard_flushes"], i["guest_writes"], i["guest_lost"] + i["host_lost"], i["guest_corrupt"] + i["host_corrupt"])')
	runs=$((runs + 1)); total=$((total + d)); guard=$((guard + g)); writes=$((writes + w))
	lost=$((lost + l)); corrupt=$((corrupt + c))
	[ "$rc" -eq 0 ] || failed=$((failed + 1))
	echo "soak run $runs: exit $rc, $d migrations ($g guard flushes), $w writes, $l lost, $c corrupt; total $total/$target migrations, $(( $(date +%s) - start )) s"
done
echo "soak ($strategy): $runs runs, $total guarded migrations, $guard guard flushes, $writes writes, $lost lost, $corrupt corrupt, $failed failed runs, $(( $(date +%s) - start )) s"
[ "$failed" -eq 0 ] && [ "$lost" -eq 0 ] && [ "$corrupt" -eq 0 ]
