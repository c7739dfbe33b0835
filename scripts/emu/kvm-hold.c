/* kvm-hold: the emulated host's init runs this once, before any command.
 * It creates one KVM VM with one vCPU (no in-kernel irqchip) and keeps it
 * until the emulated host powers off.
 *
 * Why (docs/design.md "The emulated host"): KVM turns two static keys on when
 * the first VM (preempt notifiers) and the first vCPU without a local APIC
 * (kvm_has_noapic_vcpu) appear, and off when the last goes away. Each change
 * patches kernel text with text_poke_bp(), and under QEMU 7.2's
 * multi-threaded TCG another CPU can keep executing the int3 of a patch that
 * has completed: it loops in the int3 handler with interrupts off and the
 * emulated host freezes (seen 3 times in 3 boots that created VMs in a loop;
 * 0 times in 7,100 VMs with this holder). Held here, the keys never change
 * while numig starts and ends its VMs.
 *
 * Built statically by numig-emu into the initramfs (busybox has no libc). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm, vcpu;

	if (kvm < 0) {
		fprintf(stderr, "kvm-hold: /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		fprintf(stderr, "kvm-hold: KVM_CREATE_VM: %s\n", strerror(errno));
		return 1;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		fprintf(stderr, "kvm-hold: KVM_CREATE_VCPU: %s\n", strerror(errno));
		return 1;
	}
	printf("kvm-hold: holding one VM and one vCPU\n");
	fflush(stdout);
	for (;;)
		pause();
}
