/* triple: wipes its own IDT, then faults: #GP cannot be delivered, the
 * double fault cannot either, and the vCPU shuts down (triple fault). */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	if (mb->vcpu_id == 0) {
		memset((void *)NUMIG_IDT, 0, 4096);
		__asm__ volatile("ud2");
	}
	return 0;
}
