#!/usr/bin/env bash
# Runs test suites one after another inside the emulated host (called by
# scripts/check-emu.sh through numig-emu exec).
#
#   bash scripts/emu/suites.sh LIST FIRST
#
# LIST has one suite a line, "NAME<TAB>TIMEOUT_S<TAB>SHELL COMMAND"; suites
# from number FIRST (0-based) on run. Each is framed on stdout by
#   # emu-suite begin I NAME
#   # emu-suite end I NAME rc=RC wall=S
# so that the host can tell which suite was running if the emulated host
# fails, and boot again from there.
set -u
list=$1 first=${2:-0}
i=0
while IFS=$'\t' read -r name to cmd; do
	if [ "$i" -ge "$first" ]; then
		echo "# emu-suite begin $i $name"
		t0=$(date +%s)
		# A suite that hangs is ended here, inside: the host's own limit
		# is for the emulated host itself.
		timeout -k 10 "$to" bash -c "$cmd" </dev/null 2>&1
		rc=$?
		echo "# emu-suite end $i $name rc=$rc wall=$(($(date +%s) - t0))"
	fi
	i=$((i + 1))
done <"$list"
