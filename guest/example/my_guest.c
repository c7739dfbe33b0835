/* An example of a user's own guest, built outside numig's source tree the
 * way README "Writing your own guest" describes: it sums the working set
 * after writing a pattern into it, and checks the result. */
#include <numig_guest.h>

int guest_main(struct numig_mailbox *mb)
{
	uint64_t *ws = (uint64_t *)mb->ws_base, words = mb->ws_pages * NUMIG_HUGE_PAGE / 8, sum = 0;

	if (mb->vcpu_id == 0) {
		for (uint64_t i = 0; i < words; i++)
			ws[i] = i;
		for (uint64_t i = 0; i < words; i++)
			sum += ws[i];
		if (sum != words * (words - 1) / 2)
			numig_panic("sum %lu, expected %lu", sum, words * (words - 1) / 2);
		numig_printf("example guest: %lu words written and summed correctly", words);
	}
	return 0;
}
