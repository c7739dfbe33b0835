#!/usr/bin/env bash
# On a machine with two NUMA nodes: guest node 0 on host node 0 and guest
# node 1 on host node 1, measured there, while pages migrate between them
# with the guard, integrity PASS. Skipped, with the reason, on one node.
. "$(dirname "$0")/ksft_lib.sh"
nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
[ "$nodes" -ge 2 ] || ksft_skip_all "two-node checks" "this machine has $nodes NUMA node(s); the checks need 2"
[ -d /sys/devices/system/node/node1 ] || ksft_skip_all "two-node checks" "no host node 1 (nodes: $(ls /sys/devices/system/node | grep -o 'node[0-9]*' | tr '\n' ' '))"
dur=2s
ksft_emulated && dur=5s
run_numig --guest integrity --vcpus 2 --nodes 2 --mem 256M --ws 32M --host-nodes 0=0 --host-nodes 1=1 \
	--duration $dur --migrate rate=200/s,pattern=pingpong
ksft_env_skip "two-node checks" $rc "$out"
ksft_plan 3
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^integrity: PASS'; then ksft_ok "integrity PASS while pages move between host nodes 0 and 1"
else ksft_not_ok "integrity between two host nodes (exit $rc)" "$out"; fi
if printf '%s\n' "$out" | grep -qE '^  guest node 0 -> host node 0 asked \(strict\), 0 measured' &&
	printf '%s\n' "$out" | grep -qE '^  guest node 1 -> host node 1 asked \(strict\), 1 measured'; then
	ksft_ok "guest node g measured on host node g"
else
	ksft_not_ok "placement on two host nodes" "$(printf '%s\n' "$out" | grep 'guest node')"
fi
m=$(migrations_done "$out")
if [ "${m:-0}" -gt 0 ]; then ksft_ok "$m pages moved between the nodes"; else ksft_not_ok "no migration" "$out"; fi
ksft_finish
