#!/usr/bin/env bash
# Placement is measured, never assumed: each guest node's frames are where
# numig asked (move_pages(2) queries), none misplaced, and each vCPU thread
# is pinned to a CPU of its node.
. "$(dirname "$0")/ksft_lib.sh"
run_numig --guest hello --vcpus 2 --nodes 2 --duration 300ms
ksft_env_skip "placement" $rc "$out"
ksft_plan 3
if [ $rc -eq 0 ]; then ksft_ok "hello on 2 vCPUs and 2 guest nodes (exit 0)"; else ksft_not_ok "hello run (exit $rc)" "$out"; fi
lines=$(printf '%s\n' "$out" | grep -E '^  guest node [0-9]+ -> host node')
bad=$(printf '%s\n' "$lines" | awk '{ asked = $7; measured = $10; if (asked != measured || $0 !~ / 0 misplaced/) print }')
if [ "$(printf '%s\n' "$lines" | grep -c .)" -eq 2 ] && [ -z "$bad" ]; then
	ksft_ok "both guest nodes measured on the host node asked, 0 frames misplaced"
else
	ksft_not_ok "placement measured" "${bad:-$out}"
fi
if printf '%s\n' "$out" | grep -qE '^  pinning \(node\): vCPU 0 \(node 0\) -> CPU [0-9]+, vCPU 1 \(node 1\) -> CPU [0-9]+'; then
	ksft_ok "vCPU threads pinned to their nodes' CPUs"
else
	ksft_not_ok "pinning line" "$out"
fi
ksft_finish
