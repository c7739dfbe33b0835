/* Failure reporting for any guest's own check (numig_guest.h): numig
 * counts the reports, prints the first ones and exits 1. */
#include "numig_guest.h"

static void report(uint64_t kind, int counter, uint64_t page, uint64_t offset, uint64_t expected, uint64_t found)
{
	struct numig_mailbox *mb = numig_mb();

	mb->counter[counter]++;
	/* Past the first few, the counters carry the count without an exit. */
	if (mb->counter[NUMIG_CNT_LOST] + mb->counter[NUMIG_CNT_CORRUPT] > NUMIG_BAD_WORD_CALLS)
		return;
	mb->arg[0] = kind;
	mb->arg[1] = page;
	mb->arg[2] = offset;
	mb->arg[3] = expected;
	mb->arg[4] = found;
	numig_hcall(NUMIG_HC_BAD_WORD);
}

void numig_report_bad_word(uint64_t page, uint64_t offset, uint64_t expected, uint64_t found)
{
	report(NUMIG_BAD_CORRUPT, NUMIG_CNT_CORRUPT, page, offset, expected, found);
}

void numig_report_lost_write(uint64_t page, uint64_t offset, uint64_t expected, uint64_t found)
{
	report(NUMIG_BAD_LOST, NUMIG_CNT_LOST, page, offset, expected, found);
}

void numig_report_verdict(uint64_t words_checked)
{
	struct numig_mailbox *mb = numig_mb();

	mb->arg[0] = words_checked;
	numig_hcall(NUMIG_HC_VERDICT);
}

uint64_t numig_param(const char *name, uint64_t dflt)
{
	const struct numig_mailbox *mb = numig_mb();

	for (uint32_t i = 0; i < mb->nr_user_params && i < NUMIG_NR_USER_PARAMS; i++) {
		const char *n = mb->user_param[i].name;
		uint32_t k = 0;

		while (k < NUMIG_PARAM_NAME_LEN && n[k] && n[k] == name[k])
			k++;
		if (k < NUMIG_PARAM_NAME_LEN && n[k] == name[k])
			return mb->user_param[i].value;
	}
	return dflt;
}
