/* pagefault: touches an unmapped address (#PF outside the working set). */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	if (mb->vcpu_id == 0)
		*(volatile uint64_t *)0x4000000000ull = 1; /* 256 GiB: not mapped */
	return 0;
}
