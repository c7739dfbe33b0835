/* gp: loads from a non-canonical address on vCPU 0 (#GP, vector 13). */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	if (mb->vcpu_id == 0) {
		uint64_t v;
		__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(0x8000000000000000ull) : "memory");
		(void)v;
	}
	return 0;
}
