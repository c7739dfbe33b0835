#!/usr/bin/env bash
# Real guests on KVM: boot, exits, exceptions, timeouts.
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"

if ! have_kvm; then
	for t in hello-1 hello-2 hello-8 triple ud gp pf badcall timeout exitcode example json; do
		skip "$t" "/dev/kvm is absent or not accessible"
	done
	done_testing
	exit
fi

hello_ids() { # vcpus: every id reported exactly once
	local v=$1
	check "hello on $v vCPU(s)" 0 'result: ok' -- run --guest hello --vcpus "$v"
	local ids
	ids=$(printf '%s\n' "$LAST_OUT" | sed -n 's/^\[vcpu \([0-9]*\)\] hello from vCPU \([0-9]*\) of '"$v"' .*/\1=\2/p' | sort -t= -n -k1)
	local want
	want=$(seq 0 $((v - 1)) | awk '{print $1"="$1}')
	if [ "$ids" = "$want" ]; then ok "hello on $v vCPU(s): each id reported exactly once"
	else not_ok "hello on $v vCPU(s): ids" "$ids"; fi
}
hello_ids 1
hello_ids 2
hello_ids 8
check "--host-nodes all (numactl syntax, through libnuma)" 0 'result: ok' -- run --guest hello --nodes 2 --host-nodes all --quiet
check "--host-nodes naming a missing node names it" 2 "host node 63 does not exist" -- run --host-nodes 63
check "--host-nodes garbage quotes libnuma and the syntax" 2 "not a node list .*numactl syntax" -- run --host-nodes x
check "more vCPUs than host CPUs (16)" 0 'result: ok' -- run --guest hello --vcpus 16 --quiet
check "triple fault: exit 4, names vCPU and RIP" 4 'vCPU 0: triple fault.*RIP 0x[0-9a-f]+' -- run --guest "$build/guests/triple.elf" --vcpus 2
check "#UD reported with vector and RIP" 4 'vCPU 0: guest exception #UD invalid opcode \(vector 6\) at RIP 0x8' -- run --guest "$build/guests/ud.elf"
check "#GP reported with vector and RIP" 4 'vCPU 0: guest exception #GP general protection \(vector 13\) at RIP 0x8' -- run --guest "$build/guests/gp.elf"
check "#PF outside the working set" 4 'vector 14.*CR2 0x4000000000' -- run --guest "$build/guests/pagefault.elf"
check "unknown hypercall" 4 'unknown hypercall 0x7777' -- run --guest "$build/guests/badcall.elf"
start=$(date +%s%N)
check "guest looping forever is stopped by --timeout" 4 'did not finish within the 1 s timeout' -- run --guest "$build/guests/spin.elf" --timeout 1s --duration 0
el=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$el" -lt 5000 ]; then ok "timeout took ${el} ms (< 5 s)"; else not_ok "timeout took ${el} ms"; fi
check "guest exit code is reported" 4 'vCPU 0: guest exited with code 3' -- run --guest "$build/guests/exitcode.elf" --vcpus 2
check "user-built example guest" 0 'example guest: 8388608 words written and summed correctly' -- run --guest "$build/guests/example.elf"
check "--json report is one JSON document" 0 '"exit_code": 0' -- run --guest hello --vcpus 2 --json
if command -v python3 >/dev/null; then
	if "$NUMIG" run --guest hello --vcpus 2 --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["vcpus_count"]==2 and len(d["vcpus"])==2 and all(v["end"]=="done" for v in d["vcpus"])'; then
		ok "--json parses and lists both vCPUs as done"
	else
		not_ok "--json parses and lists both vCPUs as done"
	fi
else
	skip "--json parses" "python3 not installed"
fi
# SIGTERM stops the VM cleanly.
"$NUMIG" run --guest idle --vcpus 2 --duration 60s --timeout 60s >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"; rc=$?
if [ "$rc" -eq 4 ]; then ok "SIGTERM stops the VM cleanly (exit 4)"; else not_ok "SIGTERM stops the VM (exit $rc)"; fi
done_testing
