/* idle: spins in ring 3 until the VMM asks it to stop; a baseline guest for
 * measuring what the VMM itself costs. */
#include "rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	while (!numig_should_stop(mb))
		numig_pause();
	return 0;
}
