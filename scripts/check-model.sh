#!/usr/bin/env bash
# `make check-model`: the formal model of the migration protocol
# (formal/migrate.pml, docs/design.md "Proof"), checked with SPIN.
#  1. unmap-copy and precopy: every interleaving, no lost write, no failed
#     assertion, no deadlock, and every actor finishes: one run with the
#     all_finish claim (pan -a), which checks the assertions on the way and
#     sees a deadlock as an execution that never finishes. States and time
#     are printed.
#  2. the controls: each breaks one rule and must produce a counterexample
#     trail (breadth first, so the shortest), printed step by step;
#     NO_WRITE_PROTECT must not (the hold is redundant: docs/design.md
#     "Proof" says why, with KVM's code).
#  3. the witness WITNESS_STALE_WALK: the shortest way to a store made
#     after KVM refused a walk in flight (its frame held by the guard).
#  4. the three trails tests/unit/test_replay.c replays on the real code
#     must be the ones the model gives now (--update rewrites them), and
#     every step the model prints must be named in the code (mmu/step.c) or
#     in the replay's fake vCPUs and KVM (tests/unit/replay.c).
# TAP output, ending with "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
model=formal/migrate.pml
out=${MODEL_BUILD:-build/model}
update=0
[ "${1:-}" = --update ] && update=1
P=0 F=0 S=0 n=0
t_start=$(date +%s.%N)

# Results are files, one per check, printed in order at the end: the checks
# run in two lanes at once (MODEL_JOBS=1 for one).
res=$out/results
ok() { echo "ok - $*" >"$res/$id"; }
notok() { echo "not ok - $*" >"$res/$id"; }
diag() { sed 's/^/#   /' >>"$res/$id"; }
finish() {
	local f line
	for f in $(ls "$res" 2>/dev/null | sort -n); do
		while IFS= read -r line; do
			case $line in
			"ok - "*) n=$((n + 1)); P=$((P + 1)); echo "ok $n - ${line#ok - }" ;;
			"not ok - "*) n=$((n + 1)); F=$((F + 1)); echo "not ok $n - ${line#not ok - }" ;;
			*) echo "$line" ;;
			esac
		done <"$res/$f"
	done
	echo "# model check: $(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s in all"
	echo "1..$n"
	echo "$P passed, $F failed, $S skipped"
	[ "$F" -eq 0 ]
	exit
}

rm -rf "$res" && mkdir -p "$res" || exit 1
for tool in spin gcc; do
	if ! command -v $tool >/dev/null; then
		id=0 notok "$tool is installed (scripts/deps.sh installs it; Debian package: $tool)"
		finish
	fi
done

# build NAME CFLAGS DEFINES...: pan for the model with DEFINES, in $out/NAME.
build() {
	local name=$1 cflags=$2; shift 2
	local d=$out/$name
	rm -rf "$d" && mkdir -p "$d" && cp $model "$d/" || return 1
	(cd "$d" && spin -a "$@" migrate.pml >spin.log 2>&1 && gcc $cflags -w -o pan pan.c >gcc.log 2>&1) || {
		cat "$d/spin.log" "$d/gcc.log" 2>/dev/null | tail -n 20 | diag
		return 1
	}
}

# The numbers pan printed: "STATES states, SECONDS s".
figures() {
	awk '/states, stored/ { s = $1 } /pan: elapsed time/ { t = $4 } END { printf "%s states, %s s", s, t }' "$1"
}

# A complete search: no error, and nothing cut short (depth, memory).
complete() {
	grep -q "errors: 0" "$1" && ! grep -q "max search depth too small\|out of memory\|search not completed" "$1"
}

# Readable steps of a trail: "vcpu0 write 0 0 1", one per line.
steps() {
	grep -o '@@@ .*' | sed 's/^@@@ //' | awk '{ a = $1 == 2 ? "mig" : $1 == 3 ? "scan" : "vcpu" $1; $1 = a; print }'
}

# 1. the protocol, exhaustively: the all_finish claim, with every assertion
# and deadlock on the way. model ID NAME DEFINES...
model() {
	local id=$1 name=$2; shift 2
	if ! build "$name" "-O1 -DCOLLAPSE -DNOFAIR" "$@"; then
		notok "$name: spin -a and gcc pan.c"
		return
	fi
	(cd "$out/$name" && ./pan -a -m100000 -n >pan.out 2>&1)
	if complete "$out/$name/pan.out"; then
		ok "$name: every interleaving: no lost write, no failed assertion, no deadlock, and every actor, so every migration, finishes (claim all_finish) ($(figures "$out/$name/pan.out"))"
	else
		notok "$name: a lost write, a failed assertion, a deadlock or an actor that never finishes"
		grep -E "assert|acceptance|error|depth" "$out/$name/pan.out" | head -n 10 | diag
		if [ -f "$out/$name/migrate.pml.trail" ]; then
			(cd "$out/$name" && spin -t -k migrate.pml.trail "$@" migrate.pml 2>&1) | steps | diag
		fi
	fi
}

# A breadth-first safety run whose assertion is expected to fail: the
# shortest trail then goes to $out/NAME/steps. Returns 1 when it cannot be
# built. bfs_run NAME DEFINES...
bfs_run() {
	local name=$1; shift
	build "$name" "-O0 -DNOCLAIM -DSAFETY -DBFS" "$@" || return 1
	(cd "$out/$name" && ./pan -n -w20 >pan.out 2>&1)
	rm -f "$out/$name/steps"
	if [ -f "$out/$name/migrate.pml.trail" ]; then
		(cd "$out/$name" && spin -t -k migrate.pml.trail "$@" migrate.pml >trail.out 2>&1)
		steps <"$out/$name/trail.out" >"$out/$name/steps"
	fi
	return 0
}

# 2. a control: it breaks one rule and must fail, with the shortest trail.
# control ID NAME WHAT DEFINES...
control() {
	local id=$1 name=$2 what=$3; shift 3
	bfs_run "$name" "$@" || { notok "control $name: spin -a and gcc pan.c"; return; }
	if grep -q "errors: 1" "$out/$name/pan.out" && [ -f "$out/$name/steps" ]; then
		ok "control $name ($what) fails: $(grep -o 'assertion violated.*' "$out/$name/pan.out" | head -n 1), trail of $(wc -l <"$out/$name/steps") steps ($(figures "$out/$name/pan.out"))"
		diag <"$out/$name/steps"
	else
		notok "control $name ($what) must fail, and passed"
	fi
}

# A witness: no rule broken; the "counterexample" of an assertion made to
# fail is the shortest way to an event, here a store made after KVM found
# the frame of a walk in flight held (EFAULT), for test_replay to replay.
# witness ID NAME WHAT DEFINES...
witness() {
	local id=$1 name=$2 what=$3; shift 3
	bfs_run "$name" "$@" || { notok "witness $name: spin -a and gcc pan.c"; return; }
	if grep -q "assertion violated *!(stale_walk)" "$out/$name/pan.out" && [ -f "$out/$name/steps" ]; then
		ok "witness $name ($what): reached in $(wc -l <"$out/$name/steps") steps ($(figures "$out/$name/pan.out"))"
		diag <"$out/$name/steps"
	else
		notok "witness $name ($what): not reached"
		grep -E "assert|error" "$out/$name/pan.out" | head -n 5 | diag
	fi
}

# The write-protect hold: once isolate_page() has cleared the leaf and the
# invalidation has returned, no cached translation of the old frame is left,
# and a walk that read the leaf before is re-checked by KVM before it
# installs anything (NO_GPTE_CHANGED shows that this re-check, not the hold,
# is what keeps such a walk out). So without the hold nothing is lost
# either; without the hold and the cleared leaf both, writes are lost
# (ISOLATE_KEEPS_LEAF+NO_WRITE_PROTECT).
no_write_protect() {
	local id=$1 name=NO_WRITE_PROTECT
	if ! build $name "-O1 -DNOCLAIM -DSAFETY -DCOLLAPSE" -D$name; then
		notok "$name: spin -a and gcc pan.c"
		return
	fi
	(cd "$out/$name" && ./pan -m100000 -n >pan.out 2>&1)
	if complete "$out/$name/pan.out"; then
		ok "$name (no hold on the old frame during the copy): no counterexample, walks in flight included: the hold is a second line of defence ($(figures "$out/$name/pan.out"))"
	else
		notok "$name: a counterexample: the hold is needed, and docs/design.md \"Proof\" is out of date"
		(cd "$out/$name" && spin -t -k migrate.pml.trail -D$name migrate.pml 2>&1) | steps | diag
	fi
}

# 3. the trails tests/unit/test_replay.c drives the real code through.
# trail ID NAME FILE
trail() {
	local id=$1 name=$2 file=$3
	if [ ! -s "$out/$name/steps" ]; then
		notok "trail of $name for $file: none"
		return
	fi
	{
		echo "/* The shortest trail of formal/migrate.pml -D$name, one step a line"
		echo " * (\"ACTOR STEP ARGS\"; ACTOR 0, 1: vCPUs, 2: migration thread, 3:"
		echo " * scanner). Written by scripts/check-model.sh --update; do not edit. */"
		grep -o '@@@ .*' "$out/$name/trail.out" | sed 's/^@@@ \(.*\)$/"\1",/'
	} >"$out/$name/trail.h"
	if [ $update = 1 ]; then
		cp "$out/$name/trail.h" "$file"
		ok "trail of $name written to $file"
	elif cmp -s "$out/$name/trail.h" "$file"; then
		ok "trail of $name is the one $file holds (test_replay replays it on the real code)"
	else
		notok "trail of $name differs from $file: the model changed; check test_replay, then scripts/check-model.sh --update"
		diff "$file" "$out/$name/trail.h" | head -n 30 | diag
	fi
}

# 4. every step the model prints is a step point of the code (mmu/step.c) or
# one the replay takes itself (tests/unit/replay.c: the fake vCPUs' stores
# and the migration thread's choice of targets).
step_names() {
	local id=$1 missing=""
	for s in $(grep -o '"@@@ %d [a-z_]*' $model | awk '{ print $3 }' | sort -u); do
		grep -q "\"$s\"" mmu/step.c tests/unit/replay.c || missing="$missing $s"
	done
	if [ -z "$missing" ]; then
		ok "every step of the model is a step point of the code, or a step of the replay's own actors"
	else
		notok "steps of the model that the code does not name:$missing"
	fi
}

# Two lanes: the largest run alone, and the rest (about the same time on
# a loaded host, where the large run slows down most).
lane1() {
	model 10 unmap-copy
}
lane2() {
	model 12 precopy -DPRECOPY
	no_write_protect 30
	control 20 NO_GUARD "--no-guard: a stale page copied unguarded" -DNO_GUARD
	control 21 GUARD_AFTER_COPY "the guard after the copy instead of before" -DGUARD_AFTER_COPY
	control 22 ISOLATE_KEEPS_LEAF+NO_WRITE_PROTECT "the old frame neither unmapped nor write-protected during the copy" -DISOLATE_KEEPS_LEAF -DNO_WRITE_PROTECT
	control 23 STALE_CLEAR_ALL "a batched flush clears stale for a page it did not invalidate" -DSTALE_CLEAR_ALL
	control 24 NO_FINAL_HARVEST "precopy without the last harvest" -DPRECOPY -DNO_FINAL_HARVEST
	control 25 NO_FINAL_GUARD "precopy without the final guard" -DPRECOPY -DNO_FINAL_GUARD
	control 26 CLEAR_AFTER_COPY "a dirty bit cleared after its piece was copied" -DPRECOPY -DCLEAR_AFTER_COPY
	control 27 NO_GPTE_CHANGED "KVM installs a walked frame without reading the leaf again; the hold kept" -DNO_GPTE_CHANGED
	witness 28 WITNESS_STALE_WALK "precopy: a walk in flight across the final guard" -DPRECOPY -DWITNESS_STALE_WALK
	trail 40 NO_GUARD tests/unit/trail_no_guard.h
	trail 41 NO_FINAL_GUARD tests/unit/trail_no_final_guard.h
	trail 42 WITNESS_STALE_WALK tests/unit/trail_stale_walk.h
	step_names 50
}
if [ "${MODEL_JOBS:-2}" -gt 1 ]; then
	lane1 &
	lane2
	wait
else
	lane1
	lane2
fi
finish
