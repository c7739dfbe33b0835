/* hammer: read/write streams over the whole working set, for measuring what
 * migration costs the guest. counter[OPS] counts 8-byte accesses; the VMM
 * samples it. param[WRITE_PCT] sets the share of writes (default 50);
 * param[WRITE_SET] the percentage of each page's 4 KiB pieces that are
 * ever written (default 100): accesses to the other pieces are reads, so
 * a small write set makes a sparse writer for precopy. The loop is timed
 * every 256 accesses (numig_gap_tick), pct % of them writes in the pieces
 * it writes: the gaps are what the guest felt. */
#include "rt/numig_guest.h"

#define STRIPE (64 * 1024)
#define LINES_PER_STRIPE (STRIPE / 64)
#define GAP_LINES 256 /* accesses per timed gap (4 pieces of 4 KiB) */

int guest_main(struct numig_mailbox *mb)
{
	uint64_t pct = mb->param[NUMIG_PARAM_WRITE_PCT] ? mb->param[NUMIG_PARAM_WRITE_PCT] : 50;
	uint64_t set = mb->param[NUMIG_PARAM_WRITE_SET] ? mb->param[NUMIG_PARAM_WRITE_SET] : 100;
	uint64_t pages = mb->ws_pages, ops = 0, sum = 0, stripe = 0;
	/* Each vCPU uses its own word of every line. */
	uint64_t lane = mb->vcpu_id % 8;
	struct numig_gap_hist *gaps = numig_gaps();
	int writes;

	if (!pages)
		numig_panic("hammer needs a working set (--ws)");
	if (pct > 100)
		pct = 100;
	writes = pct && set; /* a loop that never writes has no write gaps */
	numig_barrier();
	numig_gap_start(GAP_LINES);
	while (!numig_should_stop(mb)) {
		for (uint64_t n = 0; n < pages && !numig_should_stop(mb); n++) {
			uint64_t p = (n + mb->vcpu_id) % pages;
			volatile uint64_t *w = (volatile uint64_t *)(mb->ws_base + p * NUMIG_HUGE_PAGE +
								    (stripe % (NUMIG_HUGE_PAGE / STRIPE)) * STRIPE);

			uint64_t piece0 = (stripe % (NUMIG_HUGE_PAGE / STRIPE)) * (STRIPE / 4096);

			for (uint64_t i = 0; i < LINES_PER_STRIPE; i++) {
				/* Written pieces are spread over the page, one in 100/set. */
				uint64_t piece = piece0 + i / 64;

				if (i % 100 < pct && (piece * 37) % 100 < set)
					w[i * 8 + lane] = ops + i;
				else
					sum += w[i * 8 + lane];
				/* Timed every GAP_LINES lines: an access here costs a few
				 * cycles, a TSC read and a bucket about 50. */
				if (i % GAP_LINES == GAP_LINES - 1 && writes)
					numig_gap_tick(gaps);
			}
			ops += LINES_PER_STRIPE;
			mb->counter[NUMIG_CNT_OPS] = ops;
		}
		stripe++;
		mb->counter[NUMIG_CNT_PASSES]++;
	}
	numig_gap_publish();
	mb->result[1] = sum;
	return 0;
}
