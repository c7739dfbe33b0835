#!/usr/bin/env bash
# Runs test suites one after another inside the emulated host (called by
# scripts/check-emu.sh through numig-emu exec).
#
#   bash scripts/emu/suites.sh LIST FIRST [LAST]
#
# LIST has one suite a line, "NAME<TAB>TIMEOUT_S<TAB>TCG<TAB>SHELL COMMAND";
# suites number FIRST to LAST (0-based; LAST defaults to the last) run.
# Each is framed on stdout by
#   # emu-suite begin I NAME
#   # emu-suite end I NAME rc=RC wall=S
# so that the host can tell which suite was running if the emulated host
# fails, and boot again from there. A suite still running at its TIMEOUT_S
# is ended here (rc 124), after its processes' states and kernel stacks are
# printed: a hang must say where it hung.
set -u
list=$1 first=${2:-0} last=${3:-999999}

# Every process below PID, with its threads' states, wait channels and
# kernel stacks.
show_tree() {
	local pid=$1 kid t
	for t in /proc/"$pid"/task/*; do
		echo "#   pid $pid thread ${t##*/} $(cat "$t/comm" 2>/dev/null): $(awk '/^State/ { print $2, $3 }' "$t/status" 2>/dev/null), wchan $(cat "$t/wchan" 2>/dev/null)"
		sed 's/^/#     /' "$t/stack" 2>/dev/null | head -n 12
	done
	for kid in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do show_tree "$kid"; done
}

i=0
while IFS=$'\t' read -r name to _ cmd; do
	if [ "$i" -ge "$first" ] && [ "$i" -le "$last" ]; then
		echo "# emu-suite begin $i $name"
		t0=$(date +%s)
		setsid bash -c "$cmd" </dev/null 2>&1 &
		pid=$!
		(
			sleep "$to" &
			trap 'kill $! 2>/dev/null; exit 0' TERM
			wait $!
			echo "# emu-suite: $name still running after $to s: where its processes stand"
			show_tree "$pid"
			kill -KILL -- -"$pid" 2>/dev/null
		) &
		dog=$!
		wait "$pid"
		rc=$?
		# The watchdog gone already means it fired.
		kill "$dog" 2>/dev/null || rc=124
		wait "$dog" 2>/dev/null
		echo "# emu-suite end $i $name rc=$rc wall=$(($(date +%s) - t0))"
	fi
	i=$((i + 1))
done <"$list"
