/* ud: executes an undefined opcode on vCPU 0 (#UD, vector 6). */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	if (mb->vcpu_id == 0)
		__asm__ volatile("ud2");
	return 0;
}
