# TAP helpers for numig's integration tests (sourced).
n=0 pass=0 fail=0 skip=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /' | head -n 40; }
skip() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }
done_testing() { echo "1..$n"; echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; }

# check NAME EXPECTED_RC REGEX -- numig args...: runs numig, checks the exit
# code and that stdout+stderr match REGEX (grep -E).
check() {
	local name=$1 want=$2 re=$3; shift 3
	[ "$1" = -- ] && shift
	local out rc
	out=$(timeout 120 "$NUMIG" "$@" 2>&1); rc=$?
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name (exit $rc, want $want)" "$out"
	elif ! printf '%s\n' "$out" | grep -Eq -- "$re"; then
		not_ok "$name (output does not match /$re/)" "$out"
	else
		ok "$name"
	fi
	LAST_OUT=$out
}

have_kvm() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
# Inside the emulated host (numig-emu sets NUMIG_EMU=1): QEMU/TCG, where the
# vCPUs run about 100 times slower. A check whose bound depends on that says
# so in its own line (README "No KVM on this machine").
emulated_host() { [ "${NUMIG_EMU:-0}" = 1 ]; }
# The emulated host runs its CPUs by turns on one host thread (numig-emu
# --tcg single, NUMIG_EMU_TCG): the lazy-flush race, which needs a vCPU that
# writes while the migration thread copies on another CPU, is not seen there
# (caught in 4 of 10 runs). Its checks skip with this reason.
emulated_by_turns() { emulated_host && [ "${NUMIG_EMU_TCG:-}" = single ]; }
BY_TURNS_WHY="the emulated host runs its CPUs on one host thread (numig-emu --tcg single): the race needs vCPUs that run in parallel, --tcg multi"

# json_check NAME PY_EXPR -- numig args: run with --json, evaluate PY_EXPR on d
# (needs python3 and a scratch directory in $tmp).
json_check() {
	local name=$1 expr=$2; shift 2; [ "$1" = -- ] && shift
	local out
	out=$(timeout 120 "$NUMIG" "$@" --json --quiet 2>/dev/null)
	if printf '%s' "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
ok = bool($expr)
if not ok:
    m = d.get('migration', {}); i = d.get('integrity') or {}
    print('exit', d['exit_code'], d['result'], '| done', m.get('done'), 'min/page', d.get('page_migrations_min'), '| lost', i.get('guest_lost'), i.get('host_lost'), 'corrupt', i.get('guest_corrupt'), i.get('host_corrupt'))
sys.exit(0 if ok else 1)" >"$tmp/why" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$(cat "$tmp/why")"
	fi
	LAST_JSON=$out
}
