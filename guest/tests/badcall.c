/* badcall: issues a hypercall number the VMM does not know. */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	(void)mb;
	numig_hcall(0x7777);
	return 0;
}
