#!/usr/bin/env bash
# Guarded migration under the integrity checker: the integrity guest writes
# stamped values on 2 vCPUs while the hinting scanner defers its flushes and
# the migration thread ping-pongs pages; the guard must keep every write.
. "$(dirname "$0")/ksft_lib.sh"
dur=2s
ksft_emulated && dur=5s
run_numig --guest integrity --vcpus 2 --nodes 2 --mem 256M --ws 32M --duration $dur --scan-period 20ms \
	--scan-size 8 --lazy-flush-delay 10ms --migrate rate=500/s,pattern=pingpong
ksft_env_skip "guarded integrity run" $rc "$out"
ksft_plan 3
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^integrity: PASS'; then ksft_ok "integrity PASS with the guard (exit 0)"
else ksft_not_ok "integrity PASS with the guard (exit $rc)" "$out"; fi
m=$(migrations_done "$out")
if [ "${m:-0}" -gt 0 ]; then ksft_ok "pages migrated during the run: $m"; else ksft_not_ok "no migration done" "$out"; fi
g=$(printf '%s\n' "$out" | sed -n 's/^guard: ON: \([0-9]*\) guard flushes.*/\1/p')
if [ -n "$g" ]; then ksft_ok "the guard ran: $g guard flushes"; else ksft_not_ok "no guard line" "$out"; fi
ksft_finish
