#!/usr/bin/env bash
# What the host did (docs/measurements.md "What the host did"): a real run
# reports /proc/vmstat deltas (system-wide) and, where the kernel has
# KVM_GET_STATS_FD (5.14+: 6.18 here, 6.1 in the emulated host), the VM's and
# vCPUs' own KVM statistics, in the text and the JSON, and they agree.
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! have_kvm; then
	for t in text json hello; do skip "$t" "/dev/kvm is absent or not accessible"; done
	done_testing; exit
fi
# Has this kernel the API? Then the KVM figures must be there.
api=no
[ -n "$(python3 -c 'import fcntl,os
fd=os.open("/dev/kvm",os.O_RDWR)
print("y" if fcntl.ioctl(fd,0xae03,203)>0 else "")' 2>/dev/null)" ] && api=yes
echo "# kernel $(uname -r), KVM_CAP_BINARY_STATS_FD: $api"
RUN=(run --guest integrity --vcpus 2 --nodes 2 --migrate rate=200/s --migrations 100 --duration 20s)

if [ $api = yes ]; then
	check "text: vmstat deltas marked system-wide, and the VM's and vCPUs' KVM statistics" 0 \
		'host: vmstat \(system-wide, every process\): pgmigrate_success [+-][0-9]+.*thp_migration_success' -- "${RUN[@]}"
	if printf '%s\n' "$LAST_OUT" | grep -Eq 'host: KVM \(this VM\): remote_tlb_flush \+[0-9]+.*pages_2m [0-9]+ -> [0-9]+.*; vCPUs \(sum of 2\): exits \+[1-9][0-9]*'; then
		ok "text: KVM line with remote_tlb_flush, pages_2m start -> end, exits > 0 summed over 2 vCPUs"
	else not_ok "text: KVM line" "$(printf '%s\n' "$LAST_OUT" | grep '^host')"; fi
else
	check "text: vmstat deltas, and one line saying KVM statistics are not available" 0 \
		'host: KVM statistics not available' -- "${RUN[@]}"
	skip "text: KVM line" "this kernel lacks KVM_CAP_BINARY_STATS_FD"
fi

json_check "json: host_counters as documented, and consistent" "
(lambda h, m: h['vmstat_scope'] == 'system-wide'
 and all(isinstance(h['vmstat'][k], int) for k in ('pgmigrate_success', 'pgmigrate_fail', 'numa_hint_faults'))
 and ('$api' == 'no' and h['kvm_stats'] is False and h['kvm_vm'] is None and 'BINARY_STATS_FD' in h['kvm_note']
  or '$api' == 'yes' and h['kvm_stats'] is True and h['kvm_note'] == ''
  and len(h['kvm_vcpu']) == 2
  and h['kvm_vcpus']['exits'] == sum(v['exits'] for v in h['kvm_vcpu']) > 0
  and h['kvm_vcpus']['exits'] >= sum(v['exits'] for v in d['vcpus'])
  and h['kvm_vcpus']['pf_taken'] == sum(v['pf_taken'] for v in h['kvm_vcpu'])
  and set(h['kvm_vm']['pages_2m']) == {'start', 'end'}
  and (m['done'] == 0 or h['kvm_vm']['remote_tlb_flush_requests'] > 0)))(d['host_counters'], d['migration'])" \
	-- "${RUN[@]}"
echo "# $(printf '%s' "$LAST_JSON" | python3 -c 'import json,sys; d=json.load(sys.stdin); h=d["host_counters"]; print("migrations", d["migration"]["done"], "| vmstat", h["vmstat"], "| kvm_vm", h["kvm_vm"] and {k: h["kvm_vm"][k] for k in ("remote_tlb_flush", "remote_tlb_flush_requests", "pages_2m") if k in h["kvm_vm"]}, "| numig exits", sum(v["exits"] for v in d["vcpus"]), "KVM exits", h["kvm_vcpus"] and h["kvm_vcpus"]["exits"])' 2>&1)"
check "a run without migration (hello) has the block too" 0 'host: vmstat \(system-wide' -- run --guest hello
done_testing
