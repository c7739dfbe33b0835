#!/usr/bin/env bash
# The suites that need KVM, inside the emulated host (build/numig-emu): one
# boot runs them one after another, two when some need QEMU's parallel TCG.
#
#   scripts/check-emu.sh SET...
#
# Sets: gcc (test_shootdown and the tests/integration scripts that need KVM,
# on build/),
# asan (the documented subset on build/asan), clang (its guests), static
# (the static build's example guest), numa (tests/numa/suite.sh: two real
# NUMA nodes and NPT, `make check-numa`; tests/numa/race.sh: the race
# between them).
#
# Each suite says how QEMU runs the emulated CPUs: on one host thread
# (--tcg single, numig-emu's default) or in parallel (--tcg multi), which
# only the lazy-flush race needs: a vCPU must write through its stale
# translation while the migration thread copies on another CPU. Parallel
# TCG is also where precopy runs failed (issue 19, docs/design.md
# "Precopy"), and it is slower. The single-thread suites run first, in one
# boot; the race suites after them, in a second.
#
# The emulated host's kernel has, rarely, frozen or panicked under nested KVM
# (issue 19; docs/design.md "The emulated host"). numig-emu notices (the
# kernel's lockup or panic lines, a lost heartbeat) and ends with exit 125;
# then this script says which suite and which check were running, boots again
# and reruns that suite and the rest. A second failure in the same suite
# fails it. Nothing is hidden: every failure is a line with its count.
#
# Prints TAP and, last, "N passed, N failed, N skipped" like
# scripts/run-tests.sh. NUMIG_EMU_OPTIONAL=1 turns "cannot boot" into a skip;
# NUMIG_EMU_OPTS adds numig-emu options (e.g. "--tcg multi");
# NUMIG_EMU_SUITES=GLOB keeps only the suites whose name matches (e.g.
# 'gcc/test_stackclash.sh'), for rerunning one without the others.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

emu=build/numig-emu
logs=build/emu/logs
mkdir -p "$logs"
list=$(mktemp "${TMPDIR:-/tmp}/numig-check-emu.XXXXXX") || exit 1
trap 'rm -f "$list"' EXIT
t_start=$(date +%s)

# add NAME TIMEOUT_S TCG COMMAND
add() {
	# shellcheck disable=SC2254 # a glob on purpose
	case $1 in ${NUMIG_EMU_SUITES:-*}) ;; *) return 0 ;; esac
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$list"
}
for set in "$@"; do
	case $set in
	gcc)
		add gcc/test_shootdown 300 single "build/kvmtests/test_shootdown build"
		for t in tests/integration/test_*.sh; do
			# Scripts that never open /dev/kvm ran on this machine already.
			grep -q '^# needs-kvm: no' "$t" && continue
			tcg=single
			[ "$(basename "$t")" = test_integrity.sh ] && tcg=multi # the race
			add "gcc/$(basename "$t")" 1200 $tcg "bash $t build"
		done
		;;
	asan)
		# The sanitizer build runs 2-5 times slower under emulation: its
		# unit tests run on this machine (make check), and inside, the
		# suites that drive every exit path, hostile input and the
		# integrity checker (README "No KVM on this machine").
		asan_env="ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1"
		add asan/test_shootdown 600 single "$asan_env build/asan/kvmtests/test_shootdown build/asan"
		for t in test_guests test_hostile test_faults test_reports; do
			add "asan/$t.sh" 1200 single "$asan_env bash tests/integration/$t.sh build/asan"
		done
		;;
	clang) add clang/test_guests.sh 600 single "bash tests/integration/test_guests.sh build/clang" ;;
	static) add static/example 120 single "bash scripts/check-static.sh build/static" ;;
	numa)
		# With the gcc set, test_integrity.sh and test_strategy.sh run
		# the race and precopy with these very settings on these two
		# nodes: not twice.
		after=""
		case " $* " in *" gcc "*) after="NUMIG_NUMA_AFTER_INTEGRATION=1 " ;; esac
		add numa/two-nodes 1500 single "${after}bash tests/numa/suite.sh build"
		add numa/kernel 1200 single "bash tests/numa/kernel.sh build"
		[ -n "$after" ] || add numa/race 900 multi "bash tests/numa/race.sh build"
		;;
	*) echo "check-emu: unknown set '$set' (gcc, asan, clang, static, numa)" >&2; exit 2 ;;
	esac
done
# One boot per TCG mode at most: the single-thread suites first.
sort -s -t "$(printf '\t')" -k3,3r "$list" -o "$list"
mapfile -t names < <(cut -f1 "$list")
mapfile -t limits < <(cut -f2 "$list")
mapfile -t tcgs < <(cut -f3 "$list")
total=${#names[@]}

P=0 F=0 S=0 first=0 boots=0 host_failures=0
declare -A failures=() walls=()
summary=""
while [ "$first" -lt "$total" ]; do
	boots=$((boots + 1))
	# This boot runs the suites from FIRST to LAST, all of one TCG mode.
	last=$first budget=300
	while [ $((last + 1)) -lt "$total" ] && [ "${tcgs[last + 1]}" = "${tcgs[first]}" ]; do last=$((last + 1)); done
	for ((i = first; i <= last; i++)); do budget=$((budget + limits[i])); done
	cur=-1 last_check="" p=0 f=0 s=0 closing="" emu_rc=""
	log=$logs/console.$boots.log
	echo "# emu: boot $boots: suites $((first + 1))-$((last + 1)) of $total, --tcg ${tcgs[first]} (kernel log: $log)"
	while IFS= read -r line; do
		case $line in
		"# emu-suite begin "*)
			read -r _ _ _ cur _ <<<"$line"
			p=0 f=0 s=0 closing="" last_check=""
			echo "# ==== ${names[cur]}"
			continue
			;;
		"# emu-suite end "*)
			rc=$(sed -n 's/.* rc=\([0-9]*\).*/\1/p' <<<"$line")
			walls[${names[cur]}]=$(sed -n 's/.* wall=\([0-9]*\).*/\1/p' <<<"$line")
			if [ -z "$closing" ]; then
				F=$((F + 1)); echo "not ok - ${names[cur]}: no closing line (exit $rc$([ "$rc" = 124 ] && echo ", ended after ${limits[cur]} s"))"
			else
				read -r p f s <<<"$closing"
				P=$((P + p)); F=$((F + f)); S=$((S + s))
				if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then F=$((F + 1)); echo "not ok - ${names[cur]} exited $rc"; fi
			fi
			echo "# ${names[cur]}: ${walls[${names[cur]}]} s"
			first=$((cur + 1)) cur=-1
			continue
			;;
		"# emu-rc "*) emu_rc=${line#\# emu-rc }; continue ;;
		"ok "* | "not ok "*) last_check=$line ;;
		numig-emu:*) line="# $line" ;;
		"  | "* | "  qemu: "*) line="#$line" ;;
		esac
		if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
			closing="${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[4]:-0}"
		fi
		printf '%s\n' "$line"
	# shellcheck disable=SC2086 # the options are words
	done < <("$emu" --tcg "${tcgs[first]}" ${NUMIG_EMU_OPTS:-} --log "$log" --timeout "$budget" exec -- bash scripts/emu/suites.sh "$list" "$first" "$last" 2>&1
		echo "# emu-rc $?")
	[ "$first" -ge "$total" ] && break
	if [ "$first" -gt "$last" ]; then
		[ "$emu_rc" = 0 ] || echo "# emu: the emulated host ended with exit $emu_rc after its last suite"
		continue
	fi
	# The emulated host ended before every suite did.
	if [ "$cur" -lt 0 ] && [ "$emu_rc" = 3 ]; then
		if [ "${NUMIG_EMU_OPTIONAL:-0}" = 1 ]; then
			S=$((S + 1)); echo "ok - the suites that need KVM, in the emulated host # SKIP it cannot run here (exit 3, reasons above)"
		else
			F=$((F + 1)); echo "not ok - the suites that need KVM, in the emulated host: it cannot run here (exit 3, reasons above; NUMIG_EMU_OPTIONAL=1 makes this a skip)"
		fi
		break
	fi
	host_failures=$((host_failures + 1))
	# Between two suites: the next one is the one to run again.
	[ "$cur" -lt 0 ] && cur=$first
	name=${names[cur]}
	failures[$name]=$((${failures[$name]:-0} + 1))
	what=$(case $emu_rc in 124) echo "timed out" ;; 125) echo "its kernel failed or froze" ;; *) echo "it ended with exit $emu_rc" ;; esac)
	summary="$summary; $name: $what (boot $boots, last check: ${last_check:-none})"
	if [ "${failures[$name]}" -ge 2 ]; then
		F=$((F + 1))
		echo "not ok - $name: the emulated host failed in it twice: $what (kernel logs: $logs/console.$((boots - 1)).log, $log); last check: ${last_check:-none}"
		first=$((cur + 1))
	else
		S=$((S + 1))
		echo "ok - $name ran to its end on boot $boots # SKIP the emulated host failed: $what (kernel log: $log); last check: ${last_check:-none}; its checks above are not counted, it runs again on a new boot"
		first=$cur
	fi
done
times=""
for n in "${names[@]}"; do [ -n "${walls[$n]:-}" ] && times="$times, $n ${walls[$n]} s"; done
echo "# emu: $total suites in $boots boot(s), $(($(date +%s) - t_start)) s in all; emulated-host failures: $host_failures${summary}"
echo "# emu: wall time per suite: ${times#, }"
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
