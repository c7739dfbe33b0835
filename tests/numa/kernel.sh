#!/usr/bin/env bash
# The host kernel's own migration of a live numig guest (README "Checking the
# kernel's own migration"), on the two real NUMA nodes of the emulated host:
# move_pages(2) driven by numig (--migrator move-pages), the kernel's
# automatic NUMA balancing (--migrator numa-balancing), and migratepages(8)
# from outside while numig only watches (--migrator watch). Each must end
# with integrity PASS and an account of what moved.
#
#   bash tests/numa/kernel.sh BUILD_DIR
#
# TAP, ending with "N passed, N failed, N skipped"; every run is bounded.
set -u
. "$(dirname "$0")/lib.sh" "${1:-build}" # N, T, TAP, bounded, run_json, jv, jsum, why

vm() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' /proc/vmstat; }
clean() { [ "$rc" -eq 0 ] && [ "$(jv $1 integrity.pass)" = true ] &&
	[ "$(jsum $1 integrity.guest_lost integrity.guest_corrupt integrity.host_lost integrity.host_corrupt)" -eq 0 ]; }
G="--guest integrity --vcpus 2 --nodes 2 --mem 256M --ws 32M"

# ---------------------------------------------------------------------------
section "1. --migrator move-pages: the kernel ping-pongs the guest's frames between host nodes 0 and 1"
t0=$(vm thp_migration_success) p0=$(vm pgmigrate_success)
run_json mp 600 $G --duration 300s --migrations 300 --migrator move-pages --migrate rate=200/s,pattern=pingpong
thp=$(($(vm thp_migration_success) - t0)) pgm=$(($(vm pgmigrate_success) - p0))
moved=$(jv mp kernel_migrator.moved) split=$(jv mp kernel_migrator.split)
echo "# move-pages: exit $rc; $(jv mp kernel_migrator.calls) calls, moved $moved, already $(jv mp kernel_migrator.already_there), split $split, failed $(jv mp kernel_migrator.failed); call p50 $(jv mp kernel_migrator.call.p50_us) us (TCG); vmstat: thp_migration_success +$thp, pgmigrate_success +$pgm"
if clean mp && [ "${moved:-0}" -ge 300 ]; then
	ok "move-pages, $moved moves between host nodes: integrity PASS ($(jv mp integrity.guest_writes) guest writes, 0 lost, 0 corrupt)"
else
	not_ok "move-pages, at least 300 moves: integrity PASS (exit $rc, moved ${moved:-none})" "$(why mp)"
fi
if [ "${moved:-0}" -gt 0 ] && [ "$thp" -ge $((moved - ${split:-0})) ]; then
	ok "the kernel's own count agrees: thp_migration_success +$thp >= $moved moved - $split split"
else
	not_ok "the kernel's own count: thp_migration_success +$thp, want >= ${moved:-?} moved - ${split:-?} split"
fi
agree=$(jv mp kernel_migrator.placement_agrees) pages=$(jv mp kernel_migrator.pages_moved_once_or_more)
if [ "${pages:-0}" -gt 0 ] && [ "$agree" = "$pages" ]; then
	ok "placement after, measured, is what the kernel did: $agree of $pages moved pages on the node of their last move"
else
	not_ok "placement after equals the kernel's last moves: ${agree:-?} of ${pages:-?}" "$(why mp)"
fi
# The timeline's last look and the per-node measurement at the end are two
# queries of the same frames: in-use frames per host node must match.
last=$(grep -E '^placement_timeline\.samples\.[0-9]+\.t_s=' $T/mp.kv | tail -n 1 | sed -E 's/^placement_timeline\.samples\.([0-9]+)\..*/\1/')
tl_ok=1 tl=""
for g in 0 1; do
	for h in 0 1; do
		a=$(jv mp placement_timeline.samples.$last.in_use.$g.$h)
		b=$(jv mp nodes.$g.placement_after.on_node.$h)
		tl="$tl guest node $g on N$h: timeline ${a:-?}, after ${b:-0};"
		[ "${a:-x}" = "${b:-0}" ] || tl_ok=0
	done
done
if [ $tl_ok = 1 ] && [ "$(jv mp placement_timeline.looks)" -ge 3 ] && [ "$(jv mp placement_timeline.moved_by_kernel)" -gt 0 ]; then
	ok "placement over time: $(jv mp placement_timeline.looks) looks, $(jv mp placement_timeline.moved_by_kernel) frames seen moved; last look agrees with the end:$tl"
else
	not_ok "placement over time: looks $(jv mp placement_timeline.looks), moved $(jv mp placement_timeline.moved_by_kernel), last look = end:$tl"
fi
huge_ok=1
for g in 0 1; do
	[ "$(jv mp nodes.$g.placement_after.huge)" = "$(jv mp nodes.$g.placement_after.present)" ] || huge_ok=0
done
if [ $huge_ok = 1 ] && [ "${split:-1}" = 0 ]; then
	ok "numig's huge-page checks hold after the kernel's moves: every present frame one THP (node 0 $(jv mp nodes.0.placement_after.huge), node 1 $(jv mp nodes.1.placement_after.huge)), 0 split"
else
	not_ok "numig's huge-page checks after the kernel's moves: split $split; huge/present node 0 $(jv mp nodes.0.placement_after.huge)/$(jv mp nodes.0.placement_after.present), node 1 $(jv mp nodes.1.placement_after.huge)/$(jv mp nodes.1.placement_after.present)"
fi

# The run's own account of what the host did and what the guest felt.
rthp=$(jv mp host_counters.vmstat.thp_migration_success) rflush=$(jv mp host_counters.kvm_vm.remote_tlb_flush)
felt=$(jv mp guest_felt.all.samples)
if [ "${rthp:-0}" -ge $((${moved:-1} - ${split:-0})) ] && [ "${felt:-0}" -gt 0 ] && [ -n "$rflush" ]; then
	ok "the report's account: vmstat thp_migration_success +$rthp, KVM remote_tlb_flush +$rflush, pages_2m $(jv mp host_counters.kvm_vm.pages_2m.start) -> $(jv mp host_counters.kvm_vm.pages_2m.end); guest felt $felt gaps, p99 $(jv mp guest_felt.all.p99_us) us, max $(jv mp guest_felt.all.max_us) us"
else
	not_ok "the report's account: vmstat thp_migration_success ${rthp:-absent} >= moved - split, KVM statistics present (remote_tlb_flush ${rflush:-absent}), guest-felt samples ${felt:-absent}" "$(why mp)"
fi

# ---------------------------------------------------------------------------
section "2. --migrator numa-balancing: both vCPUs on host node 1, guest node 0's memory on host node 0"
nb=$(cat /proc/sys/kernel/numa_balancing)
# The emulated host is a throwaway machine: scan at once and often, so
# balancing has a chance within the run (defaults: 1000 ms and 1000 ms).
D=/sys/kernel/debug/sched/numa_balancing
[ -d $D ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
[ -w $D/scan_delay_ms ] && echo 100 >$D/scan_delay_ms && echo 100 >$D/scan_period_min_ms
h0=$(vm numa_hint_faults) n0=$(vm numa_pages_migrated)
run_json nb 300 $G --duration 20s --migrator numa-balancing --pin 1,1
hints=$(($(vm numa_hint_faults) - h0)) nmig=$(($(vm numa_pages_migrated) - n0))
on1=$(jv nb nodes.0.placement_after.on_node.1)
echo "# numa-balancing: kernel.numa_balancing=$nb, scan delay $(cat $D/scan_delay_ms 2>/dev/null || echo ?) ms; vmstat numa_hint_faults +$hints, numa_pages_migrated +$nmig; guest node 0 frames on N1 after: ${on1:-0}; timeline: $(jv nb placement_timeline.moved_by_kernel) frames moved"
if clean nb && [ "$nmig" -gt 0 ] && [ "${on1:-0}" -gt 0 ]; then
	ok "numa-balancing moved guest node 0 toward its vCPUs: ${on1} frames on host node 1 after, numa_pages_migrated +$nmig (the report: +$(jv nb host_counters.vmstat.numa_pages_migrated)), guest felt $(jv nb guest_felt.all.samples) gaps, integrity PASS"
else
	not_ok "numa-balancing: numa_pages_migrated > 0 (+$nmig), a guest node 0 frame on host node 1 (${on1:-0}), integrity PASS (exit $rc)" "$(why nb)"
fi

# ---------------------------------------------------------------------------
section "3. --migrator watch while migratepages(8) moves numig from node 0 to node 1"
if ! command -v migratepages >/dev/null; then
	not_ok "migratepages from numactl is installed (scripts/deps.sh installs it)"
else
	bounded_bg() { $N/numig run "$@" --json --quiet >$T/w.json 2>$T/w.err & wpid=$!; }
	bounded_bg $G --duration 40s --migrator watch
	# Wait until the guest runs: its regions are in numa_maps.
	end=$(($(cut -d. -f1 /proc/uptime) + 60))
	while kill -0 $wpid 2>/dev/null && ! grep -q ' bind:0 .*N0=' /proc/$wpid/numa_maps 2>/dev/null &&
		[ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do sleep 0.2; done
	sleep 2
	m0=$(cut -d' ' -f1 /proc/uptime)
	timeout 120 migratepages $wpid 0 1
	mrc=$?
	echo "# migratepages $wpid 0 1: exit $mrc, $(awk -v a="$m0" '{ printf "%.1f", $1 - a }' /proc/uptime) s (TCG)"
	end=$(($(cut -d. -f1 /proc/uptime) + 120))
	while kill -0 $wpid 2>/dev/null && [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do sleep 0.5; done
	kill -KILL $wpid 2>/dev/null
	wait $wpid
	rc=$?
	jflat <$T/w.json >$T/w.kv
	seen=$(jv w placement_timeline.moved_by_kernel) on1=$(jv w nodes.0.placement_after.on_node.1)
	if [ $mrc -eq 0 ] && clean w && [ "${seen:-0}" -gt 0 ] && [ "${on1:-0}" -gt 0 ] &&
		[ "$(jv w nodes.0.placement_after.on_node.0)" = "" ]; then
		ok "watch saw migratepages move guest node 0: ${seen} frames moved by the kernel, ${on1} on host node 1 after, none left on 0; integrity PASS"
	else
		not_ok "watch reports what migratepages moved (migratepages exit $mrc, numig exit $rc, moved ${seen:-?}, guest node 0 on N1 ${on1:-0}, on N0 $(jv w nodes.0.placement_after.on_node.0))" "$(why w)"
	fi
fi

# ---------------------------------------------------------------------------
section "4. make bench's numig-vs-kernel section runs both migrators alike (correctness only under TCG)"
bounded 600 $T/vs.out $T/vs.err $N/numig-bench --numig $N/numig --only numig-vs-kernel --runs 1
cat $T/vs.err >>$T/vs.out
sed 's/^/#   /' $T/vs.out
if [ $rc -eq 0 ] && grep -q 'not performance data' $T/vs.out && grep -q -E '^  kernel / numig, per page p50 .* x ' $T/vs.out &&
	! grep -q -E 'skipped:|FAILED' $T/vs.out; then
	ok "numig-bench numig-vs-kernel: both migrators measured, the ratio printed and labelled not performance data"
else
	not_ok "numig-bench numig-vs-kernel: both migrators measured and the ratio printed (exit $rc)"
fi

done_testing
