/* spin: loops forever and ignores the stop request (for --timeout). */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	(void)mb;
	for (;;)
		numig_pause();
}
