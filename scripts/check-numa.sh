#!/usr/bin/env bash
# `make check-numa`: numig's own tests on a host with two real NUMA nodes and
# KVM with nested paging (NPT): tests/numa/suite.sh inside the emulated host
# (build/numig-emu: QEMU/TCG, `-cpu max`, node 0 = CPU 0, node 1 = CPU 1,
# this machine's root filesystem over 9p), then tests/numa/race.sh in a
# second boot with parallel TCG, through scripts/check-emu.sh, which boots
# again once if the emulated host's kernel fails and says so.
#
# Every other test runs on whatever the machine is: in CI, one NUMA node and
# a software KVM with shadow paging, or no KVM at all.
#
# Prints TAP and "N passed, N failed, N skipped". A host that cannot boot the
# emulated host fails unless NUMIG_EMU_OPTIONAL=1 (then a skip).
# Knobs, read inside: NUMIG_NUMA_RACE_RUNS (unguarded race runs, default 10),
# NUMIG_NUMA_PRECOPY_RUNS (the precopy loop, default 50).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
log=$(mktemp) || exit 1
if ! make -s -j"$jobs" all >"$log" 2>&1; then
	echo "not ok - build for the two-node suite"
	sed 's/^/#   /' "$log" | tail -n 30
	rm -f "$log"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
rm -f "$log"
exec scripts/check-emu.sh numa
