/* exitcode: vCPU 0 returns 3, the others 0 (the VMM reports a guest failure). */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	return mb->vcpu_id == 0 ? 3 : 0;
}
