#!/usr/bin/env bash
# `make check-numa`'s suite: numig on a host with two real NUMA nodes and
# KVM with nested paging (NPT), unlike the one-node machines of `make check`.
# scripts/check-numa.sh runs it inside the emulated host (build/numig-emu,
# scripts/emu/numig-emu: QEMU/TCG, `-cpu max`, node 0 = CPU 0, node 1 = CPU 1),
# whose userland is this machine's own root filesystem. The lazy-flush race
# between the two nodes is tests/numa/race.sh's: it needs emulated CPUs that
# run in parallel (numig-emu --tcg multi), this suite runs on one host thread
# (--tcg single, the default: docs/design.md "Precopy").
#
#   bash tests/numa/suite.sh BUILD_DIR
#
# TAP, ending with "N passed, N failed, N skipped". Every program runs with
# a deadline (bounded): a hang becomes a failing line with the hung threads'
# kernel stacks, not a stuck CI.
# Knobs: NUMIG_NUMA_PRECOPY_RUNS (section 10's loop, default 50);
# NUMIG_NUMA_AFTER_INTEGRATION=1 (set by scripts/check-emu.sh when the
# integration suites ran in the same emulated host: section 9 is
# test_strategy.sh's then, with the same settings).
set -u
. "$(dirname "$0")/lib.sh" "${1:-build}" # N, T, TAP, bounded, run_json, jv, jsum, why, fold_tap
DATA=$(cd "$(dirname "$0")/../data" && pwd -P)

memused() { awk '/MemUsed/ { print $4; exit }' /sys/devices/system/node/node$1/meminfo; }
# in_cpulist CPU LIST: is CPU in a list like "0-3,8"?
in_cpulist() {
	echo "$2" | tr ',' '\n' | awk -v c="$1" -F- '{ hi = NF > 1 ? $2 : $1; if (c >= $1 && c <= hi) f = 1 } END { exit !f }'
}

# ---------------------------------------------------------------------------
section "1. host facts: two NUMA nodes, KVM with nested paging, numig's view of them"
with_mem=0 desc=""
for d in /sys/devices/system/node/node[0-9]*; do
	total=$(awk '/MemTotal/ { print $4; exit }' $d/meminfo)
	[ "${total:-0}" -gt 0 ] && with_mem=$((with_mem + 1))
	desc="$desc; ${d##*/}: CPUs $(cat $d/cpulist), $((${total:-0} / 1024)) MiB"
done
if [ $with_mem -eq 2 ]; then ok "2 NUMA nodes with memory${desc}"
else not_ok "2 NUMA nodes with memory (found $with_mem)${desc}"; fi

# numig-emu's init loaded kvm-amd (TCG's -cpu max emulates SVM, not VMX).
tdp=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || cat /sys/module/kvm_intel/parameters/ept 2>/dev/null)
if [ -c /dev/kvm ] && { [ "$tdp" = 1 ] || [ "$tdp" = Y ]; }; then
	ok "KVM present: /dev/kvm; nested paging on (npt/ept=$tdp; dmesg: $(dmesg | grep -m1 -o -E 'Nested Paging enabled|EPT.*enabled' || echo 'no line'))"
else
	not_ok "KVM present with nested paging: /dev/kvm $([ -c /dev/kvm ] && echo present || echo absent), npt/ept=${tdp:-unknown}" \
		"$(dmesg | grep -i -E 'kvm|svm|npt' | tail -n 8)"
fi

bounded 120 $T/hello.out $T/hello.err $N/numig run --guest hello --vcpus 2 --nodes 2
out=$(cat $T/hello.out $T/hello.err)
host_line=$(printf '%s\n' "$out" | grep -m1 '^host: ')
if [ $rc -eq 0 ] && echo "$host_line" | grep -q 'KVM MMU: [^,]*NPT' && ! echo "$host_line" | grep -qi shadow &&
	echo "$host_line" | grep -q ' 2 NUMA nodes' && ! printf '%s\n' "$out" | grep -q 'placement is emulated'; then
	ok "numig's report names two-dimensional paging (NPT) and 2 real host nodes: '$host_line'"
else
	not_ok "numig's report names two-dimensional paging (NPT) and 2 real host nodes (exit $rc)" "$out"
fi
printf '%s\n' "$out" | grep -E 'guest node|note:' | sed 's/^/#   /'

# numig refuses to migrate only where KVM shadow-pages guest memory (kvm_pvm,
# or kvm_intel ept=N / kvm_amd npt=0) on a kernel older than the stable
# releases with the 2026 shadow-MMU use-after-free fixes: that bug lives in
# the shadow page tables, which a two-dimensional-paging MMU does not build
# for its guests. So here a migrating run must be allowed whatever the kernel.
run_json safety 120 --guest integrity --vcpus 2 --nodes 2 --mem 64M --ws 8M --duration 1s --migrate rate=100/s
if [ $rc -eq 0 ] && [ "$(jv safety host.shadow_paging)" = false ] && jv safety host.kvm_mmu | grep -q NPT; then
	ok "host-safety check: NPT is not shadow paging, migration allowed (exit 0): kvm_mmu '$(jv safety host.kvm_mmu)', shadow_paging $(jv safety host.shadow_paging), kernel $(jv safety host.kernel)"
else
	not_ok "host-safety check: NPT is not shadow paging, migration allowed (exit $rc, want 0; 3 means refused)" "$(why safety)"
fi
# Debian's uname -r (6.1.0-57) is the ABI name; the real version, the one
# the stable fixes are dated by, is only in /proc/version ("Debian 6.1.192-3").
real=$(sed -n 's/.* Debian \([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' /proc/version)
kernel="$(jv safety host.kernel_version) (per $(jv safety host.kernel_version_source)), uname $(jv safety host.kernel)"
if [ -z "$real" ]; then
	skip "numig reads the kernel version from /proc/version" "no Debian version in /proc/version"
elif [ "$(jv safety host.kernel_version)" = "$real" ]; then
	ok "numig judges the kernel by its real version $real, not by uname -r ($(uname -r)): report says kernel $kernel"
else
	not_ok "numig judges the kernel by its real version $real from /proc/version, not by uname -r ($(uname -r)): report says kernel $kernel"
fi

# ---------------------------------------------------------------------------
section "2. pools: guest node 0 -> host node 0, guest node 1 -> host node 1 (get_mempolicy, numa_maps, MemUsed)"
fold_tap test_placement 180 $N/numatests/test_placement

# ---------------------------------------------------------------------------
section "3. + 7. --nodes 2 --migrate pattern=pingpong between two real nodes; vCPU pinning"
# Run in the background: while it runs, sample what the kernel says about the
# process (numa_maps, per-node MemUsed); pinning has its own run (7.).
m0=$(memused 0) m1=$(memused 1)
peak0=$m0 peak1=$m1
i=0
sample() {
	i=$((i + 1))
	timeout 5 cat /proc/$1/numa_maps >$T/nm.$i 2>/dev/null # takes the mmap lock: bounded too
	u=$(memused 0); [ "$u" -gt "$peak0" ] && peak0=$u
	u=$(memused 1); [ "$u" -gt "$peak1" ] && peak1=$u
}
ON_TICK=sample
bounded 120 $T/pp.json $T/pp.err $N/numig run --guest integrity --vcpus 2 --nodes 2 --mem 256M --ws 32M \
	--duration 4s --migrate rate=200/s,pattern=pingpong --json --quiet
ON_TICK=
jflat <$T/pp.json >$T/pp.kv
echo "# pingpong run: exit $rc, $(jv pp migration.done) migrations ($(jv pp migration.per_s)/s), $i samples of the running process"

lost=$(jsum pp integrity.guest_lost integrity.guest_corrupt integrity.host_lost integrity.host_corrupt)
if [ $rc -eq 0 ] && [ "$(jv pp integrity.pass)" = true ] && [ "$lost" -eq 0 ] && [ "$(jv pp migration.done)" -gt 0 ]; then
	ok "integrity PASS guarded, pages ping-ponged between host nodes 0 and 1: $(jv pp migration.done) migrations, $(jv pp integrity.guest_writes) writes, 0 lost, 0 corrupt"
else
	not_ok "integrity PASS guarded with migrations between host nodes 0 and 1 (exit $rc)" "$(why pp)"
fi

# numig's "measured" column, from the frames really populated. A node may be
# unmeasured (-1) at start-up, when none of its frames is populated yet; then
# a later measurement (at the end of the run) must name it.
measured_ok=1 shown=""
for g in 0 1; do
	vals=$(grep -E "^nodes\.$g\.[a-z_.]*measured[a-z_.]*=" $T/pp.kv | sed 's/.*=//' | tr '\n' ' ')
	shown="$shown; guest node $g -> host node $(jv pp nodes.$g.host_node_asked) asked, measured: ${vals:-none}"
	[ "$(jv pp nodes.$g.host_node_asked)" = $g ] || measured_ok=0
	echo " $vals " | grep -q " $g " || measured_ok=0
	for v in $vals; do [ "$v" -ge 0 ] 2>/dev/null && [ "$v" -ne $g ] && measured_ok=0; done
done
if [ $measured_ok = 1 ]; then ok "numig's report measures both host nodes${shown}"
else not_ok "numig's report measures both host nodes, each guest node on its own${shown}"; fi
# Every frame of each region, queried by numig at the end of the run
# (placement_after: move_pages, nodes=NULL, nothing faulted in), is on its
# node; and no placement count numig reports, before or after, names a
# misplaced, split, collapsed or unknown frame.
after_ok=1 after=""
for g in 0 1; do
	pa=placement_after
	after="$after; guest node $g: $(jv pp nodes.$g.$pa.present) present, $(jv pp nodes.$g.$pa.absent) absent, measured $(jv pp nodes.$g.$pa.host_node_measured)"
	[ "$(jv pp nodes.$g.$pa.host_node_measured)" = $g ] && [ "$(jv pp nodes.$g.$pa.present)" -gt 0 ] 2>/dev/null || after_ok=0
done
counts=$(grep -E '^nodes\.[0-9]+\.[a-z_.]*(misplaced|collapsed|split|unknown)[a-z_.]*=' $T/pp.kv | tr '\n' ' ')
echo "$counts" | grep -q -E '=[1-9]' && after_ok=0
if [ $after_ok = 1 ] && [ -n "$counts" ]; then
	ok "every frame on its target host node by numig's query at the end${after}; all zero: $counts"
else
	not_ok "every frame on its target host node by numig's query at the end${after:-: no placement_after in the report}; want zero: ${counts:-no per-node counts in the report}"
fi
huge="migrations: verified huge $(jv pp migration.frames_verified_huge), unknown $(jv pp migration.frames_huge_unknown), collapsed $(jv pp migration.frames_collapsed), aborted (not huge) $(jv pp migration.aborted_not_huge); at the end: node 0 $(jv pp nodes.0.placement_after.huge) of $(jv pp nodes.0.placement_after.present) present frames huge, node 1 $(jv pp nodes.1.placement_after.huge) of $(jv pp nodes.1.placement_after.present)"
if [ "$(jv pp host.backing)" = thp ] && [ "$(jv pp migration.frames_verified_huge)" -gt 0 ] &&
	[ "$(jsum pp migration.frames_huge_unknown migration.frames_collapsed migration.aborted_not_huge)" -eq 0 ] &&
	[ "$(jv pp nodes.0.placement_after.huge)" = "$(jv pp nodes.0.placement_after.present)" ] &&
	[ "$(jv pp nodes.1.placement_after.huge)" = "$(jv pp nodes.1.placement_after.present)" ]; then
	ok "THP backing verified for every migrated frame (pagemap + kpageflags): $huge"
else
	not_ok "THP backing verified for every migrated frame, none split: backing $(jv pp host.backing), $huge"
fi

# The kernel's own count, per VMA, of numig's regions: the last sample in
# which both regions were mapped.
best=0
for s in $(seq "$i" -1 1); do
	grep -q ' bind:0 .*N0=' $T/nm.$s 2>/dev/null && grep -q ' bind:1 .*N1=' $T/nm.$s && { best=$s; break; }
done
if [ $best -gt 0 ]; then
	nm=$(awk '$2 ~ /^bind:/ { for (f = 3; f <= NF; f++) if ($f ~ /^N[0-9]+=/) { split(substr($f, 2), a, "="); s[$2 " N" a[1]] += a[2] } }
		END { printf "%d %d %d %d", s["bind:0 N0"], s["bind:0 N1"], s["bind:1 N1"], s["bind:1 N0"] }' $T/nm.$best)
	set -- $nm
	if [ "$1" -gt 0 ] && [ "$2" -eq 0 ] && [ "$3" -gt 0 ] && [ "$4" -eq 0 ]; then
		ok "/proc/PID/numa_maps of the running numig: bind:0 regions N0=$1 N1=$2, bind:1 regions N1=$3 N0=$4 (4 KiB pages)"
	else
		not_ok "/proc/PID/numa_maps of the running numig: bind:0 regions N0=$1 N1=$2 (want N1=0), bind:1 regions N1=$3 N0=$4 (want N0=0)" \
			"$(grep bind: $T/nm.$best)"
	fi
else
	not_ok "/proc/PID/numa_maps of the running numig shows both bound regions ($i samples)" "$(cat $T/nm.$i 2>/dev/null | head -n 20)"
fi
# Per-node MemUsed: each node holds at least its guest node's first pages.
d0=$(((peak0 - m0) / 1024)) d1=$(((peak1 - m1) / 1024))
w0=$(($(jv pp nodes.0.pages_before) * 2 * 9 / 10)) w1=$(($(jv pp nodes.1.pages_before) * 2 * 9 / 10))
if [ "$d0" -ge "$w0" ] && [ "$d1" -ge "$w1" ] && [ "$w0" -gt 0 ] && [ "$w1" -gt 0 ]; then
	ok "MemUsed while numig ran: node 0 +$d0 MiB, node 1 +$d1 MiB (at least $w0 and $w1 MiB for the guest nodes' first pages)"
else
	not_ok "MemUsed while numig ran: node 0 +$d0 MiB, node 1 +$d1 MiB (want at least $w0 and $w1 MiB)"
fi

# 7. Each vCPU thread runs on a CPU of its guest node's host node, read from
# /proc/PID/task/*/status of a run of its own: the pingpong run above keeps
# both emulated CPUs so busy that a sampler may see none of its named threads.
# An idle guest runs until every vCPU thread is named and pinned (at most
# 30 s), then SIGTERM ends it with its report.
$N/numig run --guest idle --vcpus 2 --nodes 2 --duration 60s --json --quiet >$T/pin.json 2>$T/pin.err &
pin=$!
end=$(($(cut -d. -f1 /proc/uptime) + 30))
while kill -0 $pin 2>/dev/null && [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
	for t in /proc/$pin/task/*; do
		echo "${t##*/} $(awk '/Cpus_allowed_list/ { print $2 }' $t/status 2>/dev/null) $(cat $t/comm 2>/dev/null)"
	done >$T/tasks.pin
	[ "$(grep -c ' numig-vcpu[0-9]*$' $T/tasks.pin)" -ge 2 ] && break
	sleep 0.05
done
kill -TERM $pin 2>/dev/null
wait $pin
jflat <$T/pin.json >$T/pin.kv
nv=$(jv pin vcpus_count)
v=0
while [ $v -lt "${nv:-0}" ]; do
	g=$(jv pin vcpus.$v.guest_node)
	h=$(jv pin nodes.$g.host_node_asked)
	cpu=$(jv pin vcpus.$v.host_cpu)
	cpus=$(cat /sys/devices/system/node/node$h/cpulist)
	got=$(awk -v n="numig-vcpu$v" '$3 == n { print $2 }' $T/tasks.pin)
	if [ "$cpu" -ge 0 ] 2>/dev/null && in_cpulist "$cpu" "$cpus" && [ "$got" = "$cpu" ]; then
		ok "vCPU $v (guest node $g -> host node $h, CPUs $cpus) pinned to CPU $cpu: its thread numig-vcpu$v has Cpus_allowed_list $got"
	else
		not_ok "vCPU $v (guest node $g -> host node $h, CPUs $cpus) pinned to a CPU of host node $h: report says CPU ${cpu:-?}, its thread's Cpus_allowed_list is ${got:-not found}" "$(cat $T/tasks.pin $T/pin.err)"
	fi
	v=$((v + 1))
done
[ "${nv:-0}" -ge 2 ] || not_ok "vCPU pinning run: a report with 2 vCPUs (got ${nv:-none})" "$(cat $T/pin.err)"

# ---------------------------------------------------------------------------
section "5. the invalidation proof (test_shootdown) under NPT"
fold_tap test_shootdown 300 $N/kvmtests/test_shootdown $N

# ---------------------------------------------------------------------------
section "6. make bench's kernel reference: move_pages of a 2 MiB THP between the two nodes (correctness only)"
bounded 300 $T/bench.out $T/bench.err $N/numig-bench --numig $N/numig --only kernel --runs 1
cat $T/bench.err >>$T/bench.out
sed 's/^/#   /' $T/bench.out
moved=$(grep -m1 -E '^ *nodes [0-9]+ <-> [0-9]+' $T/bench.out | sed 's/^ *//')
thp=$(echo "$moved" | sed -n 's/.*one 2 MiB THP in \([0-9]*\) of \([0-9]*\).*/\1 \2/p')
took=$(grep -m1 'kernel move_pages of 2 MiB between nodes' $T/bench.out | awk '{ for (f = 1; f <= NF; f++) if ($f == "us") { print $(f - 1) " us"; exit } }')
# The bench itself must say that emulated timings are no performance data.
if [ $rc -eq 0 ] && [ -n "$thp" ] && [ "${thp% *}" = "${thp#* }" ] && [ "${thp% *}" -gt 0 ] &&
	! grep -q -E 'skipped:|FAILED' $T/bench.out && grep -q 'not performance data' $T/bench.out; then
	ok "kernel reference: move_pages moved one 2 MiB THP between nodes 0 and 1, verified on both sides in ${thp% *} of ${thp#* } moves (${took:-?} per move under TCG: the bench says these timings are not performance data)"
else
	not_ok "kernel reference: move_pages of one 2 MiB THP between the two nodes, a THP on both sides every time, and the bench says TCG timings are not performance data (exit $rc): ${moved:-no 'nodes A <-> B' line}"
fi

echo "# guest vmstat: $(grep -E '^(pgmigrate_success|thp_migration_success|numa_hint_faults) ' /proc/vmstat | tr '\n' ' ')"
# ---------------------------------------------------------------------------
section "8. a libvirt domain XML: two cells of different sizes, each strict on its own host node"
# tests/data/two-cells.xml: cell 0 (256 MiB, vCPU 0) -> host node 0, cell 1
# (128 MiB, vCPU 1) -> host node 1, <memnode> strict.
run_json dom 180 --domain-xml $DATA/two-cells.xml --guest integrity --duration 3s --migrate rate=200/s
placed=$(for g in 0 1; do echo "cell $(jv dom nodes.$g.cell_id): $(jv dom nodes.$g.bytes) bytes, $(jv dom nodes.$g.mode) on host node $(jv dom nodes.$g.host_nodes_asked), measured $(jv dom nodes.$g.placement_after.host_node_measured), misplaced $(jv dom nodes.$g.placement_after.misplaced);"; done | tr "\n" " ")
if [ $rc -eq 0 ] && [ "$(jv dom integrity.pass)" = true ] &&
	[ "$(jv dom nodes.0.host_nodes_asked)" = 0 ] && [ "$(jv dom nodes.1.host_nodes_asked)" = 1 ] &&
	[ "$(jv dom nodes.0.mode)" = strict ] && [ "$(jv dom nodes.1.mode)" = strict ] &&
	[ "$(jv dom nodes.0.bytes)" = 268435456 ] && [ "$(jv dom nodes.1.bytes)" = 134217728 ] &&
	[ "$(jv dom nodes.0.placement_after.host_node_measured)" = 0 ] &&
	[ "$(jv dom nodes.1.placement_after.host_node_measured)" = 1 ] &&
	[ "$(jsum dom nodes.0.placement_after.misplaced nodes.1.placement_after.misplaced)" -eq 0 ] &&
	[ "$(jv dom vcpus.0.host_cpus_measured)" = 0 ] && [ "$(jv dom vcpus.1.host_cpus_measured)" = 1 ]; then
	ok "--domain-xml two-cells.xml: $placed vCPU 0 on CPU 0, vCPU 1 on CPU 1; integrity PASS with $(jv dom migration.done) migrations"
else
	not_ok "--domain-xml two-cells.xml: each cell strict on its own host node, measured there, integrity PASS (exit $rc)" "$(why dom)"
fi

# ---------------------------------------------------------------------------
section "9. migration strategies under NPT: precopy with KVM dirty logging, auto, their injections"
# The shadow-paging CI host refuses precopy (its 4 KiB shadow entries survive
# numig's leaf switches and lose writes); under two-dimensional paging dirty
# logging is sound, so this is where precopy is checked for real. It was
# opt-in until issue 19: its triple faults and resets came with QEMU's
# parallel TCG, and this suite runs with one TCG thread (section 10;
# docs/design.md "Precopy"). Runs ask for an amount of work (--migrations),
# and precopy's guest writes slowly here (every dirty-logging fault is an
# exit).
if [ "${NUMIG_NUMA_AFTER_INTEGRATION:-0}" = 1 ]; then
	skip "precopy, auto and their injections under NPT" "scripts/check-emu.sh ran gcc/test_strategy.sh in the same emulated host: precopy and auto between these two nodes, skip-final-harvest caught by the guest in every run and by the host's end check, no-final-guard reported"
else
	PC="--guest integrity --vcpus 2 --nodes 2 --mem 256M --ws 32M --duration 60s --migrations 300 --migrate rate=200/s,pattern=pingpong"
	for strat in precopy auto; do
		run_json $strat 240 $PC --strategy $strat
		if [ $rc -eq 0 ] && [ "$(jv $strat integrity.pass)" = true ] && [ "$(jv $strat migration.pages_precopy)" -gt 0 ] &&
			[ "$(jsum $strat integrity.guest_lost integrity.guest_corrupt integrity.host_lost integrity.host_corrupt)" -eq 0 ]; then
			ok "--strategy $strat between host nodes 0 and 1: integrity PASS, $(jv $strat migration.done) migrations ($(jv $strat migration.pages_precopy) by precopy), $(jv $strat migration.precopy_rounds) rounds, $(jv $strat migration.precopy_fallbacks) fallbacks, $(jv $strat migration.precopy_residue_pieces) residue pieces"
		else
			not_ok "--strategy $strat between host nodes 0 and 1: integrity PASS (exit $rc)" "$(why $strat)"
		fi
	done
	for inj in skip-final-harvest no-final-guard; do
		run_json $inj 240 $PC --strategy precopy --inject $inj --inject-after 20
		bad=$(jsum $inj integrity.guest_lost integrity.guest_corrupt integrity.host_lost integrity.host_corrupt)
		if [ $rc -eq 1 ] && [ "$bad" -gt 0 ]; then
			ok "--inject $inj with precopy: caught (exit 1, $bad bad words: guest $(jv $inj integrity.guest_lost) lost $(jv $inj integrity.guest_corrupt) corrupt, host $(jv $inj integrity.host_lost) lost $(jv $inj integrity.host_corrupt) corrupt)"
		elif [ $inj = skip-final-harvest ]; then
			# The pieces written after the last harvest are left behind: the
			# writers need no stale translation for that, so it must be caught.
			not_ok "--inject $inj with precopy: caught (exit $rc, $bad bad words)" "$(why $inj)"
		else
			# Without the final guard, only a vCPU still holding the old
			# translation writes the old frame; under TCG one dies at the
			# vCPU's next exit (section 4). tests/unit/test_replay.c shows
			# the loss on the real code.
			skip "--inject $inj with precopy caught" "nothing lost in this run (exit $rc, $bad bad words): under TCG no stale translation outlived the switch"
		fi
	done
fi


# ---------------------------------------------------------------------------
PRECOPY_RUNS=${NUMIG_NUMA_PRECOPY_RUNS:-50}
section "10. precopy, many times: $PRECOPY_RUNS runs between host nodes 0 and 1, every one PASS"
# Issue 19: in the emulated host with parallel TCG (--tcg multi), 4 of 70
# precopy runs with these settings failed (2 triple faults, 1 hang, 1 reset
# of the emulated host itself), 1 of 70 auto runs; with one TCG thread none
# has (docs/design.md "Precopy"). Every run must pass: a triple fault, a lost
# or corrupt word or a hang fails this check, with the runs named.
PL="--guest integrity --vcpus 2 --nodes 2 --mem 256M --ws 32M --duration 3s --migrate rate=200/s,pattern=pingpong --strategy precopy"
passed=0 bad="" migs=0 pre=0 rounds=0 writes=0
r=1
while [ $r -le "$PRECOPY_RUNS" ]; do
	run_json loop 120 $PL
	l=$(jsum loop integrity.guest_lost integrity.guest_corrupt integrity.host_lost integrity.host_corrupt)
	if [ $rc -eq 0 ] && [ "$(jv loop integrity.pass)" = true ] && [ "$l" -eq 0 ] && [ "$(jv loop migration.pages_precopy)" -gt 0 ]; then
		passed=$((passed + 1))
		migs=$((migs + $(jv loop migration.done))) pre=$((pre + $(jv loop migration.pages_precopy)))
		rounds=$((rounds + $(jv loop migration.precopy_rounds))) writes=$((writes + $(jv loop integrity.guest_writes)))
	else
		kind="exit $rc"
		grep -q 'triple fault' $T/loop.err && kind="triple fault (exit $rc)"
		[ "$l" -gt 0 ] && kind="$kind, $l lost or corrupt words"
		[ "$(jv loop migration.pages_precopy)" = 0 ] && kind="$kind, nothing precopied"
		bad="$bad run $r: $kind;"
		echo "# precopy run $r: $kind"
		why loop | head -n 12 | sed 's/^/#   /'
	fi
	r=$((r + 1))
done
if [ $passed -eq "$PRECOPY_RUNS" ]; then
	ok "--strategy precopy, $PRECOPY_RUNS runs: all PASS, 0 triple faults, 0 lost, 0 corrupt; $migs migrations ($pre by precopy, $rounds rounds), $writes guest writes checked"
else
	not_ok "--strategy precopy, $PRECOPY_RUNS runs: $passed PASS, want all;$bad"
fi

done_testing
