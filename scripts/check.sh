#!/usr/bin/env bash
# `make check`: every test numig has, in every build it is checked in.
#  1. gcc build: unit tests (no KVM) and integration tests (real guests)
#  2. AddressSanitizer + UndefinedBehaviorSanitizer build: the same tests
#  3. ThreadSanitizer build of the concurrent mmu code: unit tests
#  4. clang build: must compile clean with -Werror, and its guests must boot (when clang is installed)
#  5. static build (LDFLAGS=-static): its guests keep their own link flags and boot
#  6. make check-numa: the suite inside a QEMU guest with two NUMA nodes and NPT
#  7. make fuzz: each libFuzzer target for FUZZ_TIME seconds
# Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
P=0 F=0 S=0

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
	echo "# ==== $1"
	last="0 1 0"
	scripts/run-tests.sh "$3" "$2" | tally
	read -r p f s <"$tmp/last"
	P=$((P + p)); F=$((F + f)); S=$((S + s))
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

build_or_fail "gcc -Werror" all && phase "gcc build" build all
build_or_fail "ASan+UBSan" BUILD=build/asan SAN=asan all && \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 phase "ASan+UBSan build" build/asan all
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
if command -v clang >/dev/null; then
	if build_or_fail "clang -Werror" BUILD=build/clang CC=clang all; then
		# clang-built VMM and guests boot and crash the same way.
		echo "# ==== clang build: guests"
		last="0 1 0"
		bash tests/integration/test_guests.sh build/clang | tally
		read -r p f s <"$tmp/last"
		P=$((P + p)); F=$((F + f)); S=$((S + s))
	fi
else
	S=$((S + 1)); echo "ok - build: clang # SKIP clang not installed"
fi
# A static build is how numig travels to another machine (the two-node QEMU
# guest): the host's LDFLAGS must never reach the guests' link.
if build_or_fail "static (LDFLAGS=-static)" BUILD=build/static LDFLAGS=-static build/static/numig \
	build/static/guests/example.elf; then
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		S=$((S + 1)); echo "ok - static build: the example guest runs # SKIP /dev/kvm is absent or not accessible"
	else
	out=$(build/static/numig run --guest build/static/guests/example.elf --vcpus 2 2>&1); rc=$?
	if [ $rc -eq 0 ] && grep -q "summed correctly" <<<"$out"; then
		P=$((P + 1)); echo "ok - static build: the example guest (linked with its own script) runs"
	else
		F=$((F + 1)); echo "not ok - static build: the example guest (exit $rc)"; printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 10
	fi
	fi
fi
# The same code on two real NUMA nodes with nested-paging KVM, in a QEMU
# guest (README, "Tested on two NUMA nodes"): a skip fails unless
# NUMIG_NUMA_OPTIONAL=1.
suite() { # name, command...: runs a TAP suite and adds its closing line
	local name=$1; shift
	echo "# ==== $name"
	last="0 1 0"
	"$@" | tally
	read -r p f s <"$tmp/last"
	P=$((P + p)); F=$((F + f)); S=$((S + s))
}
suite "two NUMA nodes, nested paging (QEMU; make check-numa)" scripts/check-numa.sh
# libFuzzer targets, FUZZ_TIME s each (docs/design.md "Hostile input").
suite "fuzzing (make fuzz)" make -s fuzz
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
