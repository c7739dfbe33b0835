/* hostile: a guest that lies to the VMM, one way per --write-pct value.
 *   1  exits with code 2^32 (truncated to 32 bits it would read as 0)
 *   2  claims an integrity layout of 256 slots per vCPU (every word a slot)
 *      and counters that wrap when summed, and writes nothing
 *   3  claims the configured layout and fills the pages, but never writes
 *      a stamp or sweeps: nothing was tested
 *   4  floods the VMM with hypercalls whose message is 1024 bytes of
 *      escape sequences and newlines without a NUL
 *   5  vCPU 1 overflows its stack (the others spin)
 *   6  vCPU 1 writes vCPU 0's mailbox
 *   7  vCPU 1 writes the GDT
 *   8  vCPU 1 writes the page tables
 *   9  publishes write-gap histograms that lie (numig_gap_*): vCPU 0 a
 *      sample count its buckets do not sum to, vCPU 1 a max above its
 *      buckets, others counts that wrap when summed */
#include "../rt/numig_guest.h"

#define FILL_GEN 1

static void fill(struct numig_mailbox *mb, uint64_t slots)
{
	for (uint64_t p = mb->vcpu_id; p < mb->ws_pages; p += mb->nr_vcpus) {
		uint64_t *w = (uint64_t *)(mb->ws_base + p * NUMIG_HUGE_PAGE);

		for (uint64_t off = 0; off < NUMIG_HUGE_PAGE; off += 8)
			w[off / 8] = (off % 4096) / 8 < mb->nr_vcpus * slots ? 0 : numig_fill_word(p, off, FILL_GEN);
	}
}

static void claim(struct numig_mailbox *mb, uint64_t slots)
{
	if (mb->vcpu_id)
		return;
	mb->result[NUMIG_RES_SLOTS] = slots;
	mb->result[NUMIG_RES_FILL_GEN] = FILL_GEN;
	mb->result[NUMIG_RES_KIND] = NUMIG_KIND_INTEGRITY;
}

/* Recurses until the guard page stops it (depth from the mailbox, which
 * the compiler cannot see through). */
static uint64_t __attribute__((noinline)) recurse(struct numig_mailbox *mb, volatile uint64_t *prev)
{
	volatile uint64_t frame[64];

	frame[0] = prev ? prev[0] + 1 : 1;
	if (frame[0] > mb->param[NUMIG_PARAM_COUNT] + (1ull << 40))
		return frame[0];
	return recurse(mb, frame) + frame[0];
}

/* vCPU 1 does the damage, the others wait to be stopped. */
static void wild(struct numig_mailbox *mb, uint64_t addr)
{
	if (mb->vcpu_id == 1) {
		if (addr)
			*(volatile uint64_t *)addr = 0x4141414141414141ull;
		else
			recurse(mb, 0);
	}
	while (!numig_should_stop(mb))
		numig_pause();
}

int guest_main(struct numig_mailbox *mb)
{
	uint64_t slots = mb->param[NUMIG_PARAM_SLOTS] ? mb->param[NUMIG_PARAM_SLOTS] : 1;

	switch (mb->param[NUMIG_PARAM_WRITE_PCT]) {
	case 1:
		mb->arg[0] = 1ull << 32;
		numig_hcall(NUMIG_HC_DONE);
		return 0;
	case 2:
		claim(mb, 4096 / 8 / mb->nr_vcpus);
		mb->counter[NUMIG_CNT_WRITES] = 1ull << 63;
		mb->counter[NUMIG_CNT_SWEEPS] = 1ull << 63;
		break;
	case 3:
		fill(mb, slots);
		claim(mb, slots);
		break;
	case 4:
		for (int i = 0; i < 2000; i++) {
			for (int j = 0; j < NUMIG_MSG_LEN; j++)
				mb->msg[j] = "\033[2J\n\r\a\x9b"[j % 8];
			numig_hcall(i % 2 ? NUMIG_HC_PRINT : NUMIG_HC_YIELD);
		}
		for (int i = 0; i < NUMIG_NR_ARGS; i++)
			mb->arg[i] = ~0ull;
		numig_hcall(NUMIG_HC_YIELD);
		break;
	case 5:
		wild(mb, 0);
		break;
	case 6:
		wild(mb, NUMIG_MAILBOX + 64);
		break;
	case 7:
		wild(mb, NUMIG_GDT);
		break;
	case 8:
		wild(mb, NUMIG_PT_POOL);
		break;
	case 9:
		numig_gap_start(64);
		mb->gaps.bucket[numig_gap_bucket(1000)] = mb->vcpu_id < 2 ? 5 : ~0ull;
		mb->gaps.bucket[numig_gap_bucket(2000)] = mb->vcpu_id < 2 ? 0 : 2;
		mb->gaps.max = mb->vcpu_id == 1 ? 1000000 : mb->vcpu_id ? 2000 : 1000;
		numig_gap_publish();
		if (mb->vcpu_id == 0)
			mb->gaps.samples = 6;
		break;
	}
	numig_barrier();
	return 0;
}
