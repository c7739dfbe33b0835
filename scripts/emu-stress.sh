#!/usr/bin/env bash
# Many migration runs in the emulated host, counted by outcome (issue 19:
# failures under nested paging). Each boot runs the strategies in turn, one
# run each, until RUNS runs of each are done; a boot whose kernel fails or
# freezes counts that run as such and the next boot goes on.
#
#   scripts/emu-stress.sh [-n RUNS] [-s "precopy auto unmap-copy"] [-b BUILD] [-o "NUMIG-EMU OPTIONS"]
#                         [-- NUMIG RUN ARGS...]
#
# Outcomes: pass, integrity-fail (exit 1), triple-fault, guest-fail (other
# exit 4), inconclusive (6), other exit, kernel (the emulated host's kernel
# failed or froze: numig-emu 125), hang (no answer: numig-emu 124). The
# console logs of failed boots stay in BUILD/emu/logs/stress.*.
# Default run: README's check-numa precopy settings (3 s, pingpong 200/s).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

if [ "${1:-}" = --inside ]; then
	# One boot: the "STRATEGY INDEX" lines of TODO say what to run (the
	# emulated host's stdin is /dev/null; the file is the host's, over 9p).
	shift
	build=$1 todo=$2; shift 2
	while read -r strat idx; do
		echo "# stress begin $strat $idx"
		args=(--strategy "$strat")
		out=$(timeout 300 "$build/numig" run "$@" "${args[@]}" --quiet 2>&1 </dev/null); rc=$?
		kind=other
		case $rc in
		0) kind=pass ;;
		1) kind=integrity-fail ;;
		6) kind=inconclusive ;;
		4) if grep -q "triple fault" <<<"$out"; then kind=triple-fault; else kind=guest-fail; fi ;;
		124) kind=hang ;;
		esac
		echo "# stress end $strat $idx rc=$rc $kind"
		[ "$kind" = pass ] || printf '%s\n' "$out" | grep -E "numig:|vCPU|integrity:|result:" | head -n 8 | sed 's/^/#   /'
	done <"$todo"
	exit 0
fi

runs=20 strategies="precopy auto unmap-copy" build=build emu_opts=""
while getopts "n:s:b:o:" o; do
	case $o in
	n) runs=$OPTARG ;;
	s) strategies=$OPTARG ;;
	b) build=$OPTARG ;;
	o) emu_opts=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--guest integrity --vcpus 2 --nodes 2 --mem 256M --ws 32M --duration 3s --migrate rate=200/s,pattern=pingpong)
mkdir -p "$build/emu/logs"
declare -A count=() done_runs=()
todo=$(mktemp) && trap 'rm -f "$todo"' EXIT
for ((i = 1; i <= runs; i++)); do for s in $strategies; do echo "$s $i"; done; done >"$todo"
boots=0 t0=$(date +%s)
while [ -s "$todo" ]; do
	boots=$((boots + 1))
	log=$build/emu/logs/stress.$boots.log
	cur=""
	while IFS= read -r line; do
		case $line in
		"# stress begin "*) cur=${line#\# stress begin } ;;
		"# stress end "*)
			set -- $line
			k=$7
			count[$4 $k]=$((${count[$4 $k]:-0} + 1))
			done_runs[$4]=$((${done_runs[$4]:-0} + 1))
			echo "$4 run $5: $k (exit ${6#rc=})"
			sed -i "1{/^$4 $5\$/d}" "$todo"
			cur=""
			;;
		"#   "*) echo "$line" ;;
		"numig-emu: the emulated host"* | "numig-emu: where"* | "  CPU "* | "    kernel addresses"* | "  | "*) echo "# $line" ;;
		esac
	# shellcheck disable=SC2086 # the options are words
	done < <(build/numig-emu --quiet $emu_opts --log "$log" --timeout 3600 exec -- bash scripts/emu-stress.sh --inside "$build" "$todo" "${args[@]}" 2>&1
		echo "# emu-rc $?")
	if [ -n "$cur" ]; then
		set -- $cur
		count[$1 kernel]=$((${count[$1 kernel]:-0} + 1))
		done_runs[$1]=$((${done_runs[$1]:-0} + 1))
		echo "$1 run $2: the emulated host failed or froze during it (boot $boots, log $log)"
		sed -i "1{/^$1 $2\$/d}" "$todo"
	else
		rm -f "$log" "$log.monitor"
	fi
done
echo "# $((boots)) boots, $(($(date +%s) - t0)) s; numig-emu ${emu_opts:-(defaults)}; runs of: ${args[*]}"
for s in $strategies; do
	line="$s: ${done_runs[$s]:-0} runs:"
	for k in pass integrity-fail triple-fault guest-fail inconclusive other kernel hang; do
		[ -n "${count[$s $k]:-}" ] && line="$line $k ${count[$s $k]}"
	done
	echo "$line"
done
