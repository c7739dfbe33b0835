/* Failure reporting as a hostile or careless guest might use it; the
 * mode comes from --param mode=N (tests/integration/test_reports.sh). */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	uint64_t mode = numig_param("mode", 0);

	if (mode == 7) { /* busy until --duration ends, then print (the progress line's test) */
		while (!numig_should_stop(mb))
			mb->counter[NUMIG_CNT_OPS]++;
		numig_printf("vCPU %u done", mb->vcpu_id);
		return 0;
	}
	if (mb->vcpu_id != 0)
		return 0;
	switch (mode) {
	case 0: /* one bad word, then an honest verdict */
		numig_report_bad_word(1, 0x18, 0x1111, 0x2222);
		numig_report_verdict(4096);
		return 1;
	case 1: /* a bad word, then the guest tries to take it back */
		numig_report_bad_word(1, 0x18, 0x1111, 0x2222);
		mb->counter[NUMIG_CNT_CORRUPT] = 0;
		numig_report_verdict(4096);
		return 0;
	case 2: /* a page outside the working set */
		numig_report_bad_word(mb->ws_pages, 0, 1, 2);
		return 0;
	case 3: /* a verdict that compared nothing earns no PASS */
		numig_report_verdict(0);
		return 0;
	case 4: /* a clean check */
		numig_report_verdict(4096);
		return 0;
	case 5: /* many bad words: the first few are calls, the rest counters */
		for (uint64_t i = 0; i < 100; i++)
			numig_report_lost_write(0, i * 8, i + 1, i);
		numig_report_verdict(100);
		return 1;
	case 6: /* an unknown kind, straight through the hypercall */
		mb->arg[0] = 99;
		mb->arg[1] = mb->arg[2] = 0;
		numig_hcall(NUMIG_HC_BAD_WORD);
		return 0;
	}
	numig_panic("unknown mode %lu", mode);
}
