#!/usr/bin/env bash
# A hostile guest never earns a PASS and is blamed precisely: a guest whose
# claimed layout is impossible is inconclusive (exit 6), a stack overflow and
# a ring-3 write to another vCPU's mailbox fail the run (exit 4) naming the
# vCPU that did it.
. "$(dirname "$0")/ksft_lib.sh"
H=$GUESTS/hostile.elf
[ -r "$H" ] || ksft_skip_all "hostile guest" "no $H"
run_numig --guest "$H" --vcpus 2 --ws 4M --write-pct 2
ksft_env_skip "hostile guest" $rc "$out"
ksft_plan 3
if [ $rc -eq 6 ] && printf '%s\n' "$out" | grep -q 'INCONCLUSIVE: host check not run: guest claims' &&
	! printf '%s\n' "$out" | grep -q PASS; then
	ksft_ok "an impossible claimed layout: inconclusive (exit 6), no PASS"
else
	ksft_not_ok "the liar (exit $rc, want 6)" "$out"
fi
run_numig --guest "$H" --vcpus 2 --write-pct 5
if [ $rc -eq 4 ] && printf '%s\n' "$out" | grep -q "vCPU 1: .*guard page below vCPU 1's user stack"; then
	ksft_ok "a stack overflow is caught by the guard page and blamed on vCPU 1 (exit 4)"
else
	ksft_not_ok "stack overflow (exit $rc, want 4)" "$out"
fi
run_numig --guest "$H" --vcpus 2 --write-pct 6
if [ $rc -eq 4 ] && printf '%s\n' "$out" | grep -q "vCPU 1: .*write to a protected page: vCPU 0's mailbox, from ring 3"; then
	ksft_ok "ring 3 cannot write another vCPU's mailbox (exit 4)"
else
	ksft_not_ok "mailbox write (exit $rc, want 4)" "$out"
fi
ksft_finish
