#!/usr/bin/env bash
# --tap: TAP version 13 with the plan first, one test point, every other line
# a "# " diagnostic, and kselftest's exit codes (0 pass, 1 fail, 4 skip).
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# tap_run NAME WANT_RC POINT_REGEX -- numig args...: stdout must be valid TAP 13
tap_run() {
	local name=$1 want=$2 re=$3; shift 4
	local rc bad
	timeout 120 "$NUMIG" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	bad=$(awk 'NR==1 && $0!="TAP version 13" {print "line 1: " $0; next}
		NR==2 && $0!="1..1" {print "line 2 (plan): " $0; next}
		NR>2 && !/^# / && !/^(not )?ok 1 - / {print "line " NR " is not TAP: " $0}
		/^(not )?ok 1 - / {points++}
		END {if (points != 1) print points+0 " test points"}' "$tmp/out")
	if [ "$rc" -ne "$want" ]; then not_ok "$name (exit $rc, want $want)" "$(cat "$tmp/out" "$tmp/err")"
	elif [ -n "$bad" ]; then not_ok "$name: not TAP 13" "$bad"
	elif ! grep -Eq -- "$re" "$tmp/out"; then not_ok "$name (no /$re/)" "$(cat "$tmp/out")"
	else ok "$name"; fi
}
tap_run "usage error: not ok, exit 1 (kselftest fail)" 1 '^not ok 1 - numig run: exit 2: --vcpus' -- run --tap --vcpus 0
tap_run "--tap with --json is a usage error" 1 '^not ok 1 .*choose one' -- run --tap --json
tap_run "no KVM device: SKIP with the reason, exit 4" 4 '^ok 1 - numig run --guest hello # SKIP cannot open KVM device' \
	-- run --tap --kvm-device /nonexistent/kvm
if ! have_kvm; then
	skip "--tap pass" "/dev/kvm is absent or not accessible"; skip "--tap fail" "/dev/kvm is absent or not accessible"
	done_testing; exit
fi
tap_run "a passing run: ok, exit 0, guest output and report as diagnostics" 0 '^# \[vcpu 1\] hello from vCPU 1' \
	-- run --tap --guest hello --vcpus 2
grep -q '^ok 1 - numig run --guest hello$' "$tmp/out" && grep -q '^# result: ok' "$tmp/out" &&
	ok "... the point is the last line and the report is there" || not_ok "pass point" "$(cat "$tmp/out")"
tap_run "an integrity failure: not ok, exit 1" 1 '^not ok 1 - numig run --guest integrity: exit 1: integrity FAILED' \
	-- run --tap --guest integrity --ws 8M --migrate rate=500/s --inject corrupt-copy --inject-after 100 --duration 60s --migrations 200
tap_run "a guest crash: not ok, exit 1" 1 '^not ok 1 - .*: exit 4: vCPU 0: triple fault' -- run --tap --guest "$build/guests/triple.elf"
done_testing
