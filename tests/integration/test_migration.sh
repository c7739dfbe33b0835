#!/usr/bin/env bash
# Migration with real guests: pages move between nodes while every vCPU
# writes them, nothing is lost, placement is verified, hinting faults pull
# pages to the vCPU that touches them.
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"

if ! have_kvm; then
	for t in pingpong placement placement-before-after placement-nothing-populated hinting random to-node stw hugetlb; do skip "$t" "/dev/kvm is absent or not accessible"; done
	done_testing; exit
fi
if ! command -v python3 >/dev/null; then
	skip "migration tests" "python3 (for reading --json) is not installed"; done_testing; exit
fi

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

W="--guest integrity --vcpus 2 --nodes 2 --mem 256M --ws 32M"
# Checks that count migrations ask numig for that amount of work
# (--migrations N, with a generous --duration as the cap), not for a time:
# an emulated host migrates about 5 times fewer pages per second.
json_check "ping-pong: >= 1500 migrations, every page migrated >= 20 times while both vCPUs write; host and guest checks clean" \
	"d['exit_code']==0 and d['migration']['done']>=1500 and d['page_migrations_min']>=20 and d['integrity']['pass'] and d['integrity']['host_checked'] and d['integrity']['host_lost']==0 and d['integrity']['host_corrupt']==0 and d['integrity']['guest_writes']>1000000" \
	-- run $W --duration 60s --migrations 1500 --migrate rate=1000/s,pattern=pingpong
json_check "--migrations 300 ends the run once 300 are done, long before --duration 60s" \
	"d['exit_code']==0 and 300<=d['migration']['done']<400 and d['run_s']<50 and d['integrity']['pass']" \
	-- run $W --duration 60s --migrations 300 --migrate rate=1000/s
json_check "placement verified by query: each guest node measured on the host node it asked for" \
	"all(n['host_node_measured']==n['host_node_asked'] and n['misplaced_frames']==0 for n in d['nodes'])" \
	-- run $W --duration 1s --migrate rate=200/s
# Only present frames are measured, before and after; nothing is faulted in to
# measure it, so no frame is split by the measurement (issue: zero-page reads).
json_check "placement before and after: every working-set page present and measured, none misplaced, none split or collapsed" \
	"all(n['placement_before']['present']>=n['pages_before'] and n['placement_after']['present']>=n['pages_after'] and n['placement_before']['present']+n['placement_before']['absent']+n['placement_before']['unknown']==n['frames'] and n['placement_after']['misplaced']==0 and n['placement_after']['split']==0 and n['frames_collapsed']==0 and n['placement_after']['host_node_measured']==n['host_node_asked'] for n in d['nodes'])" \
	-- run $W --duration 1s --migrate rate=200/s,pattern=pingpong
json_check "a run that populates nothing up front measures nothing before it (absent frames are not guessed)" \
	"all(n['placement_before']['present']==0 and n['placement_before']['host_node_measured']==-1 and n['placement_before']['absent']==n['frames'] for n in d['nodes'])" \
	-- run --guest hello --vcpus 1 --nodes 1 --mem 64M --ws 16M --no-hint-migrate
json_check "report says when guest nodes share a host node" \
	"('placement is emulated' in d['host']['placement_note']) == (d['host']['numa_nodes'] < 2)" \
	-- run $W --duration 1s
json_check "hinting faults move each page to the node of the vCPU that touches it" \
	"d['exit_code']==0 and d['migration']['hint_migrations']>=8 and all(p['node']==p['index']%2 for p in d['pages'])" \
	-- run --guest "$build/guests/affinity.elf" --vcpus 2 --nodes 2 --ws 32M --duration 2s --scan-period 10ms --scan-size 8
json_check "random pattern, 4 vCPUs on 4 guest nodes: data intact" \
	"d['exit_code']==0 and d['migration']['done']>=500 and d['integrity']['pass']" \
	-- run --guest integrity --vcpus 4 --nodes 4 --mem 256M --ws 32M --duration 60s --migrations 500 --migrate rate=1000/s,pattern=random
json_check "pattern=to:1 drains node 0" \
	"d['exit_code']==0 and d['nodes'][1]['pages_after']==d['ws_pages'] and d['integrity']['pass']" \
	-- run $W --duration 2s --migrate rate=500/s,pattern=to:1
json_check "stop-the-world baseline migrates correctly too" \
	"d['exit_code']==0 and d['migration']['stop_the_world'] and d['migration']['done']>=100 and d['integrity']['pass'] and d['migration']['phases']['stw_pause']['count']>=100" \
	-- run $W --duration 60s --migrations 100 --migrate rate=200/s --stop-the-world
json_check "batched migration (--migrate-batch 16) with the scanner: data intact, fewer invalidation calls than pages" \
	"d['exit_code']==0 and d['migration']['batch_pages']==16 and d['migration']['done']>=1000 and d['migration']['invalidation_calls']*4 < d['migration']['done'] and d['integrity']['pass'] and d['integrity']['host_lost']==0" \
	-- run $W --duration 60s --migrations 1000 --scan-period 20ms --scan-size 8 --lazy-flush-delay 10ms --migrate rate=1000/s --migrate-batch 16
json_check "a target node without free frames aborts cleanly (counted, data intact)" \
	"d['exit_code']==0 and d['migration']['aborted_nomem']>0 and d['integrity']['pass']" \
	-- run --guest integrity --vcpus 2 --nodes 2 --mem 64M --ws 48M --duration 1s --migrate rate=500/s,pattern=to:1

# Ops in every sample from the guest's first write on (an emulated host
# spends its first few samples populating the working set).
json_check "time series in --json: one sample per 100 ms with ops, migrations and guard flushes per second" \
	"len(d['time_series'])>=12 and [t['guest_ops_per_s']>0 for t in d['time_series']].count(True)>=3 and all(t['guest_ops_per_s']>0 for t in d['time_series'][[t['guest_ops_per_s']>0 for t in d['time_series']].index(True):]) and sum(t['migrations_per_s'] for t in d['time_series'])>0 and all('guard_flushes_per_s' in t for t in d['time_series'])" \
	-- run --guest hammer --vcpus 2 --nodes 2 --ws 32M --duration 1.5s --migrate rate=200/s --sample 100ms
if timeout 60 "$NUMIG" run --guest hammer --vcpus 2 --ws 32M --duration 1s --migrate rate=200/s --quiet --plot "$tmp/run.svg" >/dev/null 2>&1 &&
	head -c 200 "$tmp/run.svg" | grep -q '<svg' && tail -c 20 "$tmp/run.svg" | grep -q '</svg>' &&
	grep -q 'copy 2 MiB' "$tmp/run.svg" && grep -q 'guest throughput' "$tmp/run.svg"; then
	ok "--plot writes an SVG with the phase histograms and the throughput series"
else
	not_ok "--plot writes an SVG with the phase histograms and the throughput series"
fi
check "--plot into a missing directory: refused before the guest runs" 2 'numig: --plot: ' -- \
	run --guest hello --plot /nonexistent/dir/run.svg
if grep -q 'hello from' <<<"$LAST_OUT"; then not_ok "... and the guest did not run" "$LAST_OUT"; else ok "... and the guest did not run"; fi

# hugetlb backing, when huge pages can be reserved (root).
if [ -w /proc/sys/vm/nr_hugepages ]; then
	old=$(cat /proc/sys/vm/nr_hugepages)
	echo $((old + 64)) >/proc/sys/vm/nr_hugepages 2>/dev/null
	if [ "$(cat /proc/sys/vm/nr_hugepages)" -ge $((old + 64)) ]; then
		json_check "--hugetlb backing: migrations with data intact" \
			"d['exit_code']==0 and d['host']['backing']=='hugetlb' and d['migration']['done']>=200 and d['integrity']['pass']" \
			-- run --guest integrity --vcpus 2 --nodes 2 --mem 128M --ws 32M --duration 60s --migrations 200 --migrate rate=500/s --hugetlb
	else
		skip "--hugetlb backing" "could not reserve 64 huge pages"
	fi
	echo "$old" >/proc/sys/vm/nr_hugepages
	check "--hugetlb without reserved pages: clear error, exit 3" 3 'nr_hugepages' -- run --guest hello --hugetlb --mem 64G --ws 2M
else
	skip "--hugetlb backing" "needs root to reserve huge pages"
fi
done_testing
