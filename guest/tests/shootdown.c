/* shootdown: writes an ever-increasing counter to word 0 of working-set
 * page 0 and publishes it in counter[OPS], so a test can see which host
 * frame the writes land in while it switches and invalidates the leaf. */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	volatile uint64_t *w = (volatile uint64_t *)mb->ws_base;
	uint64_t n = 0;

	if (mb->vcpu_id != 0 || !mb->ws_pages)
		return 0;
	while (!numig_should_stop(mb)) {
		w[0] = ++n;
		mb->counter[NUMIG_CNT_OPS] = n;
	}
	return 0;
}
