# TAP and kselftest exit codes for numig's kselftest collection (sourced).
# README "A kselftest collection": `make kselftest-install INSTALL_PATH=DIR`
# puts numig, the guests these tests run and this file in DIR/numig.
# Exit: 0 pass, 1 fail, 4 skip (kselftest's KSFT_PASS, KSFT_FAIL, KSFT_SKIP).
here=$(cd "$(dirname "$0")" && pwd)
NUMIG=${NUMIG:-$here/numig}
GUESTS=${NUMIG_GUESTS:-$here/guests}
ksft_n=0 ksft_pass=0 ksft_fail=0 ksft_skip=0
echo "TAP version 13"
ksft_plan() { echo "1..$1"; }
ksft_ok() { ksft_n=$((ksft_n + 1)); ksft_pass=$((ksft_pass + 1)); echo "ok $ksft_n - $1"; }
ksft_not_ok() {
	ksft_n=$((ksft_n + 1)); ksft_fail=$((ksft_fail + 1)); echo "not ok $ksft_n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | tail -n 30 | sed 's/^/# /'
	return 0
}
ksft_skip_point() { ksft_n=$((ksft_n + 1)); ksft_skip=$((ksft_skip + 1)); echo "ok $ksft_n - $1 # SKIP $2"; }
# The whole test skipped: one point, exit 4.
ksft_skip_all() { ksft_plan 1; ksft_skip_point "$1" "$2"; exit 4; }
ksft_finish() {
	echo "# totals: pass:$ksft_pass fail:$ksft_fail skip:$ksft_skip"
	[ "$ksft_fail" -gt 0 ] && exit 1
	[ "$ksft_pass" -eq 0 ] && exit 4
	exit 0
}
# The emulated host (numig-emu) runs guests about 100 times slower; with one
# host thread for its CPUs (--tcg single) the lazy-flush race is not seen.
ksft_emulated() { [ "${NUMIG_EMU:-0}" = 1 ]; }
# Environment problems (numig's exit 3: no /dev/kvm, a missing capability,
# an unsafe host) are a skip, with numig's own reason.
ksft_env_skip() { # name, rc, output
	[ "$2" -eq 3 ] || return 0
	ksft_skip_all "$1" "$(printf '%s\n' "$3" | grep -m1 '^numig: ' | sed 's/^numig: //' | tr -d '#')"
}
[ -x "$NUMIG" ] || ksft_skip_all "$(basename "$0")" "no numig at $NUMIG"
# run_numig ARGS...: output in $out, exit code in $rc; bounded by --timeout
# and, should numig itself hang, by timeout(1).
run_numig() { out=$(timeout 300 "$NUMIG" run "$@" 2>&1); rc=$?; }
# The largest "N lost" of the integrity line (guest's and host's check).
lost_writes() { printf '%s\n' "$1" | grep -m1 '^integrity:' | grep -oE '[0-9]+ lost' | sort -n | tail -n 1 | cut -d' ' -f1; }
migrations_done() { printf '%s\n' "$1" | sed -n 's/^migration: \([0-9]*\) done.*/\1/p' | head -n 1; }
