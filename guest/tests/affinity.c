/* affinity: vCPU i writes only pages p with p % nr_vcpus == i, until told to
 * stop. With the hinting scanner on, each page should end up on the node of
 * the one vCPU that touches it. */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	uint64_t n = 0;

	while (!numig_should_stop(mb)) {
		for (uint64_t p = mb->vcpu_id; p < mb->ws_pages; p += mb->nr_vcpus) {
			volatile uint64_t *w = (volatile uint64_t *)(mb->ws_base + p * NUMIG_HUGE_PAGE);

			for (uint64_t off = 0; off < NUMIG_HUGE_PAGE / 8; off += 512)
				w[off] = ++n;
		}
		mb->counter[NUMIG_CNT_OPS] = n;
	}
	return 0;
}
