#!/usr/bin/env bash
# `make check`: every test numig has, in every build it is checked in.
#  1. gcc build: unit tests (no KVM) and integration tests (real guests)
#  2. AddressSanitizer + UndefinedBehaviorSanitizer build: the same tests
#  3. ThreadSanitizer build of the concurrent mmu code: unit tests
#  4. clang build: must compile clean with -Werror, and its guests must boot
#  5. static build (LDFLAGS=-static): its guests keep their own link flags and boot
#  6. make check-model: the formal model of the guard protocol (SPIN)
#  7. the emulated host itself (tests/emu/test_numig_emu.sh), then the two-node
#     suite (make check-numa) inside it
#  8. make deb: the Debian packages, lintian, their contents (scripts/check-deb.sh)
#  9. make fuzz: each libFuzzer target for FUZZ_TIME seconds
# Without /dev/kvm (README "No KVM on this machine") the tests that need KVM
# (the integration tests of 1, a documented subset of 2's, 4's guests and
# 5's) run inside the emulated host, in the same boot as 7; unit tests and
# builds run here either way.
# Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
P=0 F=0 S=0
t_start=$(date +%s)
timings=""
# KVM here: the integration tests run on this machine. Without it, in the
# emulated host (scripts/check-emu.sh), never skipped.
have_kvm() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
if have_kvm; then where=all; else where=unit; fi

tally() { # reads run-tests.sh output on stdin, echoes it, adds its closing line
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
			last="${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[4]:-0}"
		fi
	done
	echo "$last" >"$tmp/last"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
phase() { # name, build dir, what
	local t0
	t0=$(date +%s)
	echo "# ==== $1"
	last="0 1 0"
	scripts/run-tests.sh "$3" "$2" | tally
	read -r p f s <"$tmp/last"
	P=$((P + p)); F=$((F + f)); S=$((S + s))
	timings="$timings, $1 $(($(date +%s) - t0)) s"
}
build_or_fail() { # name, make args...
	local name=$1; shift
	if make -s -j"$jobs" "$@" >"$tmp/build.log" 2>&1; then
		P=$((P + 1)); echo "ok - build: $name"
		return 0
	fi
	F=$((F + 1)); echo "not ok - build: $name"; sed 's/^/#   /' "$tmp/build.log" | tail -n 30
	return 1
}

t0=$(date +%s)
build_or_fail "gcc -Werror" all && phase "gcc build ($where)" build $where
build_or_fail "ASan+UBSan" BUILD=build/asan SAN=asan all && \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 phase "ASan+UBSan build ($where)" build/asan $where
# The unit tests that run threads: test_migrate (its concurrency test: two
# migrating threads and the scanner) and test_stats (concurrent lat_rec adds).
tsan_tests=$(cd tests/unit && ls test_migrate.c test_stats.c 2>/dev/null | sed 's/\.c$//')
if build_or_fail "TSan" BUILD=build/tsan SAN=tsan $(for t in $tsan_tests; do echo build/tsan/tests/$t; done); then
	# TSan needs a compatible address-space layout; say so instead of failing when it cannot start.
	if build/tsan/tests/test_stats >/dev/null 2>&1 || ! build/tsan/tests/test_stats 2>&1 | grep -q "ThreadSanitizer: unexpected memory mapping\|FATAL: ThreadSanitizer"; then
		echo "# ==== TSan build (concurrent mmu code)"
		for t in $tsan_tests; do
			out=$(TSAN_OPTIONS=halt_on_error=1 build/tsan/tests/$t 2>&1); rc=$?
			printf '%s\n' "$out" | tail -n 3
			if [ $rc -eq 0 ] && ! printf '%s' "$out" | grep -q "WARNING: ThreadSanitizer"; then P=$((P + 1)); echo "ok - tsan: $t"
			else F=$((F + 1)); echo "not ok - tsan: $t"; printf '%s\n' "$out" | grep -A20 "WARNING: ThreadSanitizer" | head -n 40 | sed 's/^/#   /'; fi
		done
	else
		S=$((S + 1)); echo "ok - tsan # SKIP ThreadSanitizer cannot map its shadow memory on this kernel"
	fi
fi
emu_sets=""
have_kvm || emu_sets="gcc"
if command -v clang >/dev/null; then
	if build_or_fail "clang -Werror" BUILD=build/clang CC=clang all; then
		# clang-built VMM and guests boot and crash the same way.
		if have_kvm; then
			echo "# ==== clang build: guests"
			last="0 1 0"
			bash tests/integration/test_guests.sh build/clang | tally
			read -r p f s <"$tmp/last"
			P=$((P + p)); F=$((F + f)); S=$((S + s))
		else
			emu_sets="$emu_sets clang"
		fi
	fi
else
	S=$((S + 1)); echo "ok - build: clang # SKIP clang not installed"
fi
# A static build is how numig travels to another machine: the host's
# LDFLAGS must never reach the guests' link.
if build_or_fail "static (LDFLAGS=-static)" BUILD=build/static LDFLAGS=-static build/static/numig \
	build/static/guests/example.elf; then
	if have_kvm; then
		echo "# ==== static build: the example guest"
		last="0 1 0"
		scripts/check-static.sh build/static | tally
		read -r p f s <"$tmp/last"
		P=$((P + p)); F=$((F + f)); S=$((S + s))
	else
		emu_sets="$emu_sets static"
	fi
fi
have_kvm || emu_sets="$emu_sets asan"
emu_sets="$emu_sets numa"
timings="$timings, builds and tests here $(($(date +%s) - t0)) s"
# The same code on two real NUMA nodes with nested-paging KVM, in the
# emulated host (README "Tested on two NUMA nodes"); without KVM here, the
# suites above that need it too, in the same boot.
suite() { # name, command...: runs a TAP suite and adds its closing line
	local name=$1 t0
	shift
	t0=$(date +%s)
	echo "# ==== $name"
	last="0 1 0"
	"$@" | tally
	read -r p f s <"$tmp/last"
	P=$((P + p)); F=$((F + f)); S=$((S + s))
	timings="$timings, $name $(($(date +%s) - t0)) s"
}
# The guard protocol for every interleaving of a bounded model, and its
# controls (docs/design.md "Proof").
suite "formal model (SPIN)" scripts/check-model.sh
# numig-emu itself: pass-through, exit codes, timeout, a frozen host noticed.
suite "the emulated host (numig-emu)" bash tests/emu/test_numig_emu.sh build
if have_kvm; then
	suite "two NUMA nodes, nested paging (emulated host; make check-numa)" scripts/check-emu.sh $emu_sets
else
	suite "no /dev/kvm here: $emu_sets in the emulated host" scripts/check-emu.sh $emu_sets
fi
# The Debian packages: make deb (dpkg-buildpackage, lintian) and their
# contents (README "Installing"); skipped, with the reason, without dpkg-buildpackage.
suite "Debian packages (make deb)" scripts/check-deb.sh build
# libFuzzer targets, FUZZ_TIME s each (docs/design.md "Hostile input").
suite "fuzzing (make fuzz)" make -s fuzz
echo "# make check: $(($(date +%s) - t_start)) s (${timings#, }); /dev/kvm $(have_kvm && echo present || echo absent)"
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
