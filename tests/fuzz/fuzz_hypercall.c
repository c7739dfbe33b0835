/* libFuzzer target: the exit and hypercall dispatcher (vmm/vm/exits.c) with
 * random exit reasons, I/O ports, hypercall numbers and mailbox contents.
 * No KVM: the vCPU fd is -1, so register reads fail as they would on a
 * dead vCPU, and must be reported, never crash. Input: 16 header bytes
 * (exit reason, port, size, count, direction, value), then the mailbox. */
#include <linux/kvm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vm/exits.h"
#include "vmm/vm/machine.h"

static const uint32_t reasons[] = { KVM_EXIT_IO, KVM_EXIT_HLT, KVM_EXIT_MMIO, KVM_EXIT_SHUTDOWN,
				    KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_INTR, 0xdead };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct machine m;
	static union {
		struct kvm_run run;
		uint8_t bytes[8192];
	} r;
	static uint8_t mbox[NUMIG_MAILBOX_SIZE] __attribute__((aligned(64)));
	struct vcpu *v = &m.vcpus[0];
	uint16_t port;
	uint32_t value;

	if (size < 16)
		return 0;
	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	memset(mbox, 0, sizeof(mbox));
	memcpy(mbox, data + 16, size - 16 < sizeof(mbox) ? size - 16 : sizeof(mbox));
	m.cfg.nr_vcpus = 1;
	m.cfg.console = NULL;
	v->m = &m;
	v->fd = -1;
	v->run = &r.run;
	v->mb = (struct numig_mailbox *)mbox;
	r.run.exit_reason = reasons[data[0] % (sizeof(reasons) / sizeof(reasons[0]))];
	/* Mostly numig's ports, sometimes any port. */
	memcpy(&port, data + 1, 2);
	r.run.io.port = data[3] & 1 ? port : (uint16_t)(NUMIG_PORT_HCALL + data[3] % 4);
	r.run.io.size = data[4] % 9;
	r.run.io.count = data[5] & 0x80 ? data[5] : 1;
	r.run.io.direction = data[6] & 1 ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	r.run.io.data_offset = 4096 + (data[7] & 0x3f);
	memcpy(&value, data + 8, 4);
	if (!(data[12] & 1))
		value %= NUMIG_HC_MAX + 2;
	memcpy(r.bytes + r.run.io.data_offset, &value, 4);
	r.run.mmio.len = data[13];
	handle_exit(v);
	/* A failed vCPU must say why, in printable text. */
	if (atomic_load(&v->end) == VCPU_FAILED && !v->fail[0])
		abort();
	for (const char *p = v->fail; *p; p++)
		if ((unsigned char)*p < 0x20)
			abort();
	/* Bad-word reports outside the (empty) working set are refused. */
	if (m.checks.lost || m.checks.corrupt || m.checks.nr_ex)
		abort();
	return 0;
}
