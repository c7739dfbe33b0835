#!/usr/bin/env bash
# The emulated host's freeze, without numig (issue 19; docs/design.md "The
# emulated host"): kernel text patched by text_poke_bp() while the other CPU
# switches tasks. Run it inside, without the VM holder:
#
#   build/numig-emu --no-kvm-hold --log /tmp/k.log exec -- scripts/emu/repro-text-poke.sh kvm [SECONDS]
#   build/numig-emu --no-kvm-hold --log /tmp/k.log exec -- scripts/emu/repro-text-poke.sh schedstats [SECONDS]
#
# kvm: create and destroy a VM with one vCPU in a loop (each flips KVM's
# preempt-notifier and no-APIC static keys); schedstats: flip the
# sched_schedstats static key in a loop, no KVM at all. Both keep two
# `yes | cat` pipes running so that both CPUs pass the patched call sites in
# __schedule. Measured: the emulated host froze in 3 of 3 boots with kvm
# (within 90 s) and in 1 of 1 with schedstats (35 s); with the holder, or
# with --tcg single, 0 freezes in 5 minutes. numig-emu then ends with exit
# 125 and shows one CPU in asm_exc_int3 (or at the patched site,
# __schedule+0x2ab) and the other waiting in smp_call_function_many_cond or
# on a spinlock.
set -u
mode=${1:-kvm} secs=${2:-240}
yes | cat >/dev/null &
yes | cat >/dev/null &
trap 'kill $(jobs -p) 2>/dev/null' EXIT
end=$(($(date +%s) + secs))
n=0
case $mode in
kvm)
	command -v python3 >/dev/null || { echo "repro: the kvm mode needs python3" >&2; exit 2; }
	python3 -u - "$end" <<'PY'
import fcntl, os, sys, time
KVM_CREATE_VM, KVM_CREATE_VCPU = 0xAE01, 0xAE41
end, n = int(sys.argv[1]), 0
while time.time() < end:
    for _ in range(50):
        kvm = os.open("/dev/kvm", os.O_RDWR)
        vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
        vcpu = fcntl.ioctl(vm, KVM_CREATE_VCPU, 0)
        for fd in (vcpu, vm, kvm):
            os.close(fd)
    n += 50
    print(f"{n} VMs created and destroyed", flush=True)
PY
	;;
schedstats)
	while [ "$(date +%s)" -lt $end ]; do
		for _ in $(seq 50); do
			echo 1 >/proc/sys/kernel/sched_schedstats && echo 0 >/proc/sys/kernel/sched_schedstats || exit 1
		done
		n=$((n + 50))
		echo "$n flips of sched_schedstats"
	done
	;;
*) echo "repro: mode kvm or schedstats" >&2; exit 2 ;;
esac
echo "repro: no freeze in $secs s"
