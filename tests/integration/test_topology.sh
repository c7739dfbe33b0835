#!/usr/bin/env bash
# Guest topology and its host placement with real guests: vCPU pinning
# (measured by thread affinity in /proc), numatune modes (measured by query
# and /proc/PID/numa_maps), and libvirt domain XMLs under tests/data.
set -u
build=${1:-build}
NUMIG=$build/numig
DATA=tests/data
. "$(dirname "$0")/lib.sh"

if ! have_kvm; then
	skip "topology tests" "/dev/kvm is absent or not accessible"; done_testing; exit
fi
if ! command -v python3 >/dev/null; then
	skip "topology tests" "python3 (for reading --json) is not installed"; done_testing; exit
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
host_nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
[ "$host_nodes" -ge 1 ] || host_nodes=1
cpus=$(nproc)

# json_check NAME PY_EXPR -- numig args (as in test_migration.sh).
json_check() {
	local name=$1 expr=$2; shift 2; [ "$1" = -- ] && shift
	local out
	out=$(timeout 120 "$NUMIG" "$@" --json --quiet 2>"$tmp/err")
	if printf '%s' "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
ok = bool($expr)
if not ok:
    print('exit', d['exit_code'], d['result'], '| nodes', [(n['guest_node'], n.get('cell_id'), n.get('mode'), n.get('host_nodes_asked'), n.get('bytes')) for n in d['nodes']], '| vcpus', [(v['id'], v['guest_node'], v.get('host_cpus_asked'), v.get('host_cpus_measured')) for v in d['vcpus']], '|', d['host'].get('domain_note'))
sys.exit(0 if ok else 1)" >"$tmp/why" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$(cat "$tmp/why" "$tmp/err")"
	fi
}

# The affinity each vCPU thread really has, read from /proc while it runs:
# prints "numig-vcpu0 0" lines.
thread_affinity() {
	local pid=$1 t
	for t in /proc/"$pid"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in
		numig-vcpu*) echo "$(cat "$t/comm") $(awk '/^Cpus_allowed_list/{print $2}' "$t/status" 2>/dev/null)" ;;
		esac
	done | sort
}

run_bg() { # VCPUS numig args...: starts numig, waits until its VCPUS vCPU threads are pinned and named
	local want=$1 end
	shift
	"$NUMIG" "$@" --quiet >"$tmp/bg.out" 2>&1 &
	bg=$!
	# Up to 30 s while it runs: an emulated host takes seconds to create
	# the VM, and its shell forks slowly.
	end=$(($(date +%s) + 30))
	while kill -0 "$bg" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do
		[ "$(thread_affinity "$bg" | wc -l)" -ge "$want" ] && return 0
		sleep 0.05
	done
	return 1
}
# The runs above last until they are sampled: SIGTERM ends one at once.
stop_bg() { kill -TERM "$bg" 2>/dev/null; wait "$bg" 2>/dev/null; }

# --- pinning, measured by thread affinity -------------------------------------
if [ "$cpus" -ge 2 ]; then
	run_bg 2 run --guest idle --vcpus 2 --nodes 2 --duration 60s
	aff=$(thread_affinity "$bg"); stop_bg
	if [ "$(printf '%s\n' "$aff" | awk '{print $2}' | sort -u | wc -l)" -eq 2 ] &&
		! printf '%s\n' "$aff" | awk '{print $2}' | grep -q '[,-]'; then
		ok "--nodes 2 --vcpus 2: each vCPU thread on its own CPU (/proc: $(echo $aff))"
	else
		not_ok "--nodes 2 --vcpus 2: each vCPU thread on its own CPU" "$aff"
	fi
else
	skip "--nodes 2 --vcpus 2: each vCPU thread on its own CPU" "this host has one CPU"
fi
run_bg 2 run --guest idle --vcpus 2 --pin none --duration 60s
aff=$(thread_affinity "$bg"); stop_bg
all=$(awk '/^Cpus_allowed_list/{print $2}' /proc/self/status)
if [ "$(printf '%s\n' "$aff" | awk -v a="$all" '$2 != a' | wc -l)" -eq 0 ] && [ -n "$aff" ]; then
	ok "--pin none: vCPU threads keep the process's CPUs ($all)"
else
	not_ok "--pin none: vCPU threads keep the process's CPUs" "$aff"
fi
run_bg 3 run --guest idle --vcpus 3 --pin 0 --duration 60s
aff=$(thread_affinity "$bg"); stop_bg
if [ "$(printf '%s\n' "$aff" | awk '$2 == "0"' | wc -l)" -eq 3 ]; then
	ok "--pin 0: all three vCPU threads on CPU 0"
else
	not_ok "--pin 0: all three vCPU threads on CPU 0" "$aff"
fi
json_check "the JSON shows each vCPU's CPUs asked and measured, and they agree" \
	"all(v['host_cpus_measured'] == v['host_cpus_asked'] != '' for v in d['vcpus']) and len({v['host_cpus_measured'] for v in d['vcpus']}) == min(2, $cpus)" \
	-- run --guest hello --vcpus 2 --nodes 2
check "--pin with a CPU this host lacks: exit 2" 2 "--pin '4095'" -- run --pin 4095
check "--numatune with numactl's word: exit 2 with libvirt's" 2 'strict, preferred, interleave, restrictive' -- run --numatune bind
check "--host-nodes G=LIST for a guest node the guest lacks: exit 2" 2 'guest node 3' -- run --host-nodes 3=0
check "--host-nodes all works (numactl syntax)" 0 'result: ok' -- run --guest hello --host-nodes all
check "--host-nodes naming a node this host lacks: exit 2, named" 2 "--host-nodes '63'" -- run --host-nodes 63

# --- numatune modes, measured by query and numa_maps --------------------------
json_check "--numatune interleave: both guest nodes interleave over every host node, nothing misplaced" \
	"all(n['mode'] == 'interleave' and n['policy'] == 'interleave' and n['placement_after']['misplaced'] == 0 and n['placement_after']['present'] > 0 for n in d['nodes']) and d['integrity']['pass']" \
	-- run --guest integrity --vcpus 2 --nodes 2 --numatune interleave --duration 1s --migrate rate=200/s
json_check "--numatune 1=preferred --host-nodes 1=0: a per-node mode" \
	"d['nodes'][0]['mode'] == 'strict' and d['nodes'][1]['mode'] == 'preferred' and d['nodes'][1]['policy'] == 'preferred' and d['nodes'][1]['host_nodes_asked'] == '0'" \
	-- run --guest hello --nodes 2 --numatune 1=preferred --host-nodes 1=0
# numa_maps shows the kernel's view of each region's policy.
run_bg 2 run --guest idle --vcpus 2 --nodes 2 --numatune interleave --mem 128M --ws 16M --duration 60s
maps=$(grep -E 'interleave:|bind:|prefer' /proc/"$bg"/numa_maps 2>/dev/null); stop_bg
if [ "$(printf '%s\n' "$maps" | grep -c 'interleave:0')" -ge 2 ]; then
	ok "numa_maps: both guest-node regions carry the interleave policy"
else
	not_ok "numa_maps: both guest-node regions carry the interleave policy" "$maps"
fi

# --- libvirt domain XMLs --------------------------------------------------------
json_check "two cells of 256 and 128 MiB on one host node: cell ids, sizes, vCPUs per cell, integrity PASS" \
	"d['guest_nodes'] == 2 and d['vcpus_count'] == 2 and [n['cell_id'] for n in d['nodes']] == [0, 1] and [n['bytes'] >> 20 for n in d['nodes']] == [256, 128] and [v['guest_node'] for v in d['vcpus']] == [0, 1] and all(n['mode'] == 'strict' and n['host_nodes_asked'] == '0' and n['placement_after']['misplaced'] == 0 for n in d['nodes']) and d['integrity']['pass'] and 'db01-small-host' in d['host']['domain_note']" \
	-- run --domain-xml $DATA/two-cells-one-host-node.xml --guest integrity --duration 1s --migrate rate=200/s
if [ "$host_nodes" -ge 2 ]; then
	json_check "two-cells.xml: cell 0 on host node 0, cell 1 on host node 1, strict, measured there, integrity PASS" \
		"[n['host_nodes_asked'] for n in d['nodes']] == ['0', '1'] and all(n['placement_after']['host_node_measured'] == n['host_node_asked'] and n['placement_after']['misplaced'] == 0 for n in d['nodes']) and d['integrity']['pass']" \
		-- run --domain-xml $DATA/two-cells.xml --guest integrity --duration 2s --migrate rate=500/s
else
	check "two-cells.xml on a one-node host: exit 2 naming the element and line" 2 \
		"two-cells.xml:9: <memory>: nodeset '0-1'" -- run --domain-xml $DATA/two-cells.xml --guest hello
fi
json_check "the command line overrides the XML, and the report says which" \
	"d['vcpus_count'] == 1 and d['guest_nodes'] == 1 and 'overrides <vcpu> <cell>' in d['host']['domain_note']" \
	-- run --domain-xml $DATA/two-cells-one-host-node.xml --guest hello --vcpus 1
json_check "one-cell.xml: unmodelled elements listed once as ignored" \
	"d['vcpus_count'] == 2 and d['nodes'][0]['cell_id'] == 0 and sorted(d['host']['domain_note'].split('ignored (not modelled): ')[1].split(', ')) == sorted('uuid metadata os features cpu/topology clock on_poweroff on_reboot on_crash devices'.split())" \
	-- run --domain-xml $DATA/one-cell.xml --guest hello
json_check "interleave.xml: 4 vCPUs, 1 GiB, interleave over all host nodes" \
	"d['vcpus_count'] == 4 and d['mem_bytes'] == 1 << 30 and d['nodes'][0]['mode'] == 'interleave'" \
	-- run --domain-xml $DATA/interleave.xml --guest hello --ws 16M
json_check "preferred.xml: preferred on host node 0, the cell keeps libvirt id 3" \
	"d['nodes'][0]['mode'] == 'preferred' and d['nodes'][0]['cell_id'] == 3" \
	-- run --domain-xml $DATA/preferred.xml --guest hello --ws 16M
if [ "$cpus" -ge 2 ]; then
	json_check "vcpupin.xml: vCPUs 0, 1, 2 on CPUs 0, 1, 0-1 (measured), vCPU 3 on its node's CPUs" \
		"[v['host_cpus_measured'] for v in d['vcpus']][:3] == ['0', '1', '0-1'] and [v['guest_node'] for v in d['vcpus']] == [0, 0, 1, 1]" \
		-- run --domain-xml $DATA/vcpupin.xml --guest hello --ws 16M
else
	skip "vcpupin.xml" "this host has one CPU"
fi
nr_huge=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$nr_huge" -ge 32 ]; then
	check "hugepages.xml: hugetlb backing" 0 'hugetlb backing' -- run --domain-xml $DATA/hugepages.xml --guest hello --ws 16M
else
	check "hugepages.xml without reserved huge pages: exit 3 with the hint" 3 'nr_hugepages' \
		-- run --domain-xml $DATA/hugepages.xml --guest hello --ws 16M
fi
for f in $DATA/broken/*.xml; do
	check "$(basename "$f"): exit 2 with a message naming the file" 2 "$(basename "$f")" -- run --domain-xml "$f" --guest hello
done
check "a directory as --domain-xml: exit 2" 2 'not a regular file' -- run --domain-xml $DATA --guest hello
check "an external entity is never expanded" 0 'domain \(unnamed\)' -- run --domain-xml $DATA/hostile-entity.xml --guest hello
mkfifo "$tmp/fifo"
check "a FIFO as --domain-xml does not block: exit 2" 2 'not a regular file' -- run --domain-xml "$tmp/fifo" --guest hello

done_testing
