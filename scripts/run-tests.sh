#!/usr/bin/env bash
# Runs numig's test programs and sums their TAP closing lines.
#   scripts/run-tests.sh unit|integration|all BUILD_DIR
# Prints every test's TAP output and, last, "N passed, N failed, N skipped".
# unit: the C unit tests, and the integration scripts marked "# needs-kvm: no"
# (they never open /dev/kvm); integration: everything that runs a guest.
set -uo pipefail
what=${1:-all}
build=${2:-build}
passed=0 failed=0 skipped=0 broken=0

run_one() {
	local name=$1; shift
	local out rc line
	echo "# ---- $name"
	out=$("$@" 2>&1); rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok - $name: no closing line (exit $rc)"
		broken=$((broken + 1))
		return
	fi
	set -- $(printf '%s' "$line" | tr -c '0-9\n' ' ')
	passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0}))
	if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
		echo "not ok - $name exited $rc"
		broken=$((broken + 1))
	fi
}

needs_no_kvm() { grep -q '^# needs-kvm: no' "$1"; }
if [ "$what" = unit ] || [ "$what" = all ]; then
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] && [ "${t%.d}" = "$t" ] && run_one "$(basename "$t")" "$t"
	done
	for t in tests/integration/test_*.sh; do
		needs_no_kvm "$t" && run_one "$(basename "$t")" bash "$t" "$build"
	done
fi
if [ "$what" = integration ] || [ "$what" = all ]; then
	for t in "$build"/kvmtests/test_*; do
		[ -x "$t" ] && [ "${t%.d}" = "$t" ] && run_one "$(basename "$t")" "$t" "$build"
	done
	for t in tests/integration/test_*.sh; do
		needs_no_kvm "$t" || run_one "$(basename "$t")" bash "$t" "$build"
	done
fi
failed=$((failed + broken))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
