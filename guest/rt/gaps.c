/* What the guest felt: the runtime's side of the write-gap histogram
 * (numig_guest.h). The hot part, numig_gap_tick(), is inline in the header;
 * these run once per phase. */
#include "numig_guest.h"

void numig_gap_start(uint64_t stride)
{
	struct numig_gap_hist *g = numig_gaps();

	g->magic = 0;
	g->samples = 0;
	g->max = 0;
	g->stride = stride;
	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++)
		g->bucket[b] = 0;
	g->last = numig_rdtsc();
}

void numig_gap_resume(void)
{
	struct numig_gap_hist *g = numig_gaps();

	g->last = numig_rdtsc();
}

/* samples is the buckets' sum, so numig can check the two agree. */
void numig_gap_publish(void)
{
	struct numig_gap_hist *g = numig_gaps();
	uint64_t n = 0;

	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++)
		n += g->bucket[b];
	g->samples = n;
	__asm__ volatile("" ::: "memory"); /* the magic last: the VMM trusts nothing before it */
	g->magic = NUMIG_GAP_MAGIC;
}
