/* The VMM's own integrity check of the guest's memory, done from the host
 * side after the guest stopped, without trusting the guest's verdict. */
#ifndef NUMIG_VMM_VERIFY_H
#define NUMIG_VMM_VERIFY_H

#include <stdint.h>

#include "vmm/vm/machine.h"

#define VERIFY_EXAMPLES 8

struct verify_example {
	uint32_t page;
	uint64_t offset;
	uint64_t expected, found;
	int vcpu;              /* writer of the expected stamp, -1 for fill words */
	uint64_t seq;
	uint64_t page_migrations;
	int lost;              /* 1 lost write, 0 corruption */
};

struct verify_result {
	int ran;
	char skipped_why[256];
	uint64_t slots_checked, fill_words_checked;
	uint64_t lost, corrupt, pages_affected;
	struct verify_example ex[VERIFY_EXAMPLES];
	int nr_ex;
};

/* Runs when vCPU 0 declared an integrity workload (result[NUMIG_RES_KIND]). */
void verify_guest_memory(struct machine *m, struct verify_result *r);

#endif
