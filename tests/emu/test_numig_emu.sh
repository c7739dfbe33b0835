#!/usr/bin/env bash
# The emulated host itself (scripts/emu/numig-emu): usage errors before any
# boot; the command's arguments, directory, environment, stdout, stderr and
# exit code passed through exactly; numig run inside, which says it is
# emulated; a timeout; a frozen host noticed (its heartbeat stopped) with
# where each CPU stood; SIGINT and SIGTERM sent to numig-emu alone, from a
# script that started it in the background, end it and QEMU at once. Boots
# six times (about 2 minutes).
#   bash tests/emu/test_numig_emu.sh [BUILD_DIR]
set -u
build=${1:-build}
EMU=$build/numig-emu
. "$(dirname "$0")/../integration/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- usage, judged before anything is installed or booted (exit 2, at once)
usage() { # name, regex, args...
	local name=$1 re=$2 out rc
	shift 2
	out=$(timeout 10 "$EMU" "$@" 2>&1); rc=$?
	if [ $rc -eq 2 ] && grep -Eq -- "$re" <<<"$out"; then ok "usage: $name (exit 2)"
	else not_ok "usage: $name (exit $rc, want 2)" "$out"; fi
}
usage "no command" 'no command' 
usage "unknown option" "unknown option or command '--frob'" --frob exec true
usage "exec without a command" 'no command to run' exec --
usage "--numa-nodes 0" 'numa-nodes wants 1 to 8' --numa-nodes 0 exec true
usage "--node-mem without a unit" 'node-mem wants a size' --node-mem 512 exec true
usage "--tcg other" 'tcg wants multi or single' --tcg fast exec true
# Precopy under parallel TCG: the emulator's failures are named before the boot.
out=$(timeout 20 "$EMU" --tcg multi --timeout 1 run --guest hello --strategy=precopy 2>&1)
if grep -q 'note: with --tcg multi, 5 of 140 precopy and auto runs failed' <<<"$out"; then ok "run --strategy=precopy with --tcg multi: the emulator's precopy failures are named first"
else not_ok "run --strategy=precopy with --tcg multi: a note on the emulator's precopy failures" "$out"; fi

# ---- one boot: everything passes through exactly
export NUMIG_EMU_TEST_VAR="two words and a 'quote'"
mkdir -p "$tmp/dir with space"
cd "$tmp/dir with space" || exit 1
"$OLDPWD/$EMU" --quiet --numa-nodes 3 --cpus 3 exec -- bash -c '
	for a in "$@"; do printf "arg<%s>\n" "$a"; done
	echo "cwd<$PWD>"
	echo "var<$NUMIG_EMU_TEST_VAR>"
	echo "emu<$NUMIG_EMU> tcg<$NUMIG_EMU_TCG>"
	echo "nodes<$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)> cpus<$(nproc)>"
	[ -c /dev/kvm ] && echo "kvm<yes>"
	echo "to stderr" >&2
	exit 7' argv0 "a b" "it's" "" '$HOME' >"$tmp/out" 2>"$tmp/err"
rc=$?
cd "$OLDPWD" || exit 1
want='arg<a b>
arg<it'"'"'s>
arg<>
arg<$HOME>'
if [ $rc -eq 7 ]; then ok "exec: the command's exit code (7)"; else not_ok "exec: the command's exit code (got $rc, want 7)" "$(cat "$tmp/err")"; fi
if [ "$(grep '^arg<' "$tmp/out")" = "$want" ]; then ok "exec: arguments with spaces, quotes, an empty one and a \$ pass through exactly"
else not_ok "exec: arguments pass through exactly" "$(cat "$tmp/out")"; fi
if grep -qxF "cwd<$tmp/dir with space>" "$tmp/out"; then ok "exec: the current directory (with a space) passes through"
else not_ok "exec: the current directory passes through" "$(grep cwd "$tmp/out")"; fi
if grep -qxF "var<$NUMIG_EMU_TEST_VAR>" "$tmp/out" && grep -qx 'emu<1> tcg<single>' "$tmp/out"; then ok "exec: the environment passes through, and NUMIG_EMU=1 NUMIG_EMU_TCG=single say where it runs (one TCG thread by default)"
else not_ok "exec: the environment passes through" "$(grep -E 'var|emu' "$tmp/out")"; fi
if grep -qx 'nodes<3> cpus<3>' "$tmp/out" && grep -qx 'kvm<yes>' "$tmp/out"; then ok "exec: --numa-nodes 3 --cpus 3 give 3 NUMA nodes and 3 CPUs, with /dev/kvm"
else not_ok "exec: 3 NUMA nodes, 3 CPUs and /dev/kvm" "$(grep -E 'nodes|kvm' "$tmp/out")"; fi
if grep -qx 'to stderr' "$tmp/err" && ! grep -q 'to stderr' "$tmp/out" && ! grep -qiE 'kvm:|\[ *[0-9]+\.[0-9]+\]' "$tmp/out" "$tmp/err"; then
	ok "exec: stdout and stderr stay apart, and no kernel message mixes with them"
else not_ok "exec: stdout and stderr stay apart, no kernel messages" "$(cat "$tmp/out" "$tmp/err")"; fi

# ---- numig run inside: it says the host is emulated
out=$(timeout 300 "$EMU" --quiet run --guest hello --vcpus 2 --nodes 2 --json 2>"$tmp/err"); rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '"emulated": true' && printf '%s' "$out" | grep -q '"hypervisor": "TCGTCGTCGTCG"' &&
	printf '%s' "$out" | grep -q '"kvm_mmu": "two-dimensional paging (NPT, kvm_amd)"'; then
	ok "run: numig inside reports an emulated host (TCG) with NPT, and --json stays one document on stdout"
else not_ok "run: numig inside reports an emulated host with NPT (exit $rc)" "$(printf '%s\n' "$out" | head -n 30; cat "$tmp/err")"; fi

# ---- its own timeout, said even with --quiet; parallel TCG on request
s=$(date +%s)
timeout 300 "$EMU" --quiet --tcg multi --timeout 25 exec -- bash -c 'echo "tcg<$NUMIG_EMU_TCG>"; exec sleep 600' >"$tmp/out" 2>"$tmp/err"; rc=$?
e=$(($(date +%s) - s))
if grep -qx 'tcg<multi>' "$tmp/out"; then ok "--tcg multi: NUMIG_EMU_TCG=multi inside"
else not_ok "--tcg multi: NUMIG_EMU_TCG=multi inside" "$(cat "$tmp/out" "$tmp/err")"; fi
if [ $rc -eq 124 ] && [ $e -lt 60 ] && grep -q 'timed out after 25 s' "$tmp/err"; then ok "--timeout 25 ends a command that sleeps: exit 124 after $e s"
else not_ok "--timeout 25: exit $rc after $e s (want 124 and 'timed out after 25 s' on stderr)" "$(cat "$tmp/err")"; fi

# ---- a frozen host: its heartbeat stops, numig-emu notices and shows the CPUs
s=$(date +%s)
NUMIG_EMU_HEARTBEAT_S=15 timeout 300 "$EMU" --quiet exec -- bash -c 'kill -STOP $(cat /run/numig-emu/heartbeat.pid); sleep 600' \
	>"$tmp/out" 2>"$tmp/err"; rc=$?
e=$(($(date +%s) - s))
if [ $rc -eq 125 ] && grep -q 'froze: no heartbeat for 15 s' "$tmp/err" && grep -Eq '^  CPU 0: RIP [0-9a-f]{16} <[a-z_]' "$tmp/err"; then
	ok "a lost heartbeat is a frozen host: exit 125 after $e s, with each CPU's RIP named ($(grep -m1 '^  CPU 0' "$tmp/err" | sed 's/^ *//'))"
else not_ok "a lost heartbeat: exit $rc after $e s (want 125, the CPUs shown)" "$(cat "$tmp/err")"; fi
# ---- SIGINT and SIGTERM to numig-emu alone (not its process group), which
# this script started in the background: bash starts it with SIGINT ignored
# (issue 23: it ran on, QEMU and the command too, 11 s later).
# A process is gone once it is no more, or a zombie nobody reaped yet.
alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]; }
for sig in INT TERM; do
	# A file of its own: the wait below must not read the last boot's lines.
	: >"$tmp/err.$sig"
	want=130 said=interrupted like="Ctrl-C's"
	[ $sig = TERM ] && want=143 said=terminated like="128 + SIGTERM"
	"$EMU" exec -- sleep 600 >/dev/null 2>"$tmp/err.$sig" &
	emu=$!
	for ((i = 0; i < 300; i++)); do grep -q 'running: sleep 600' "$tmp/err.$sig" && break; sleep 1; done
	qemu=$(pgrep -P "$emu" -x qemu-system-x86)
	s=$(date +%s%N)
	kill -$sig "$emu"
	for ((i = 0; i < 100; i++)); do kill -0 "$emu" 2>/dev/null || break; sleep 0.1; done
	ms=$((($(date +%s%N) - s) / 1000000))
	if kill -0 "$emu" 2>/dev/null; then
		not_ok "SIG$sig to numig-emu alone: still running after $ms ms" "$(cat "$tmp/err.$sig")"
		kill -KILL "$emu" ${qemu:+"$qemu"} 2>/dev/null
		wait "$emu" 2>/dev/null
		continue
	fi
	wait "$emu"; rc=$?
	for ((i = 0; i < 30; i++)); do [ -n "$qemu" ] && alive "$qemu" && sleep 0.1; done
	if [ -z "$qemu" ]; then not_ok "SIG$sig to numig-emu alone: no QEMU found under it before the signal" "$(cat "$tmp/err.$sig")"
	elif [ $rc -eq $want ] && ! alive "$qemu" && grep -q "numig-emu: $said" "$tmp/err.$sig"; then
		ok "SIG$sig to numig-emu alone ends it in $ms ms with exit $want ($like), and QEMU with it"
	else not_ok "SIG$sig to numig-emu alone: exit $rc (want $want) after $ms ms, QEMU $(alive "$qemu" && echo "still running" || echo gone)" "$(cat "$tmp/err.$sig")"; fi
done
done_testing
