/* triple: ring 3 cannot reach the IDT or the kernel stacks (docs/design.md,
 * "Isolation"), but the image is its own: it rewrites its #UD stub to load a
 * wild kernel stack pointer and push, then raises #UD. In ring 0 the push
 * faults, the #PF cannot be delivered on that stack, nor the double fault,
 * and the vCPU shuts down (triple fault). */
#include "../rt/numig_guest.h"

extern uint8_t numig_exc_stubs[];

int guest_main(struct numig_mailbox *mb)
{
	/* mov $0, %rsp; push %rax */
	static const uint8_t code[] = { 0x48, 0xc7, 0xc4, 0x00, 0x00, 0x00, 0x00, 0x50 };

	if (mb->vcpu_id == 0) {
		memcpy(numig_exc_stubs + 6 * NUMIG_EXC_STUB_SIZE, code, sizeof(code));
		__asm__ volatile("ud2");
	}
	return 0;
}
