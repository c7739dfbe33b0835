/* What a guest's own check reported (NUMIG_HC_BAD_WORD, NUMIG_HC_VERDICT),
 * counted by the VMM itself: a guest cannot take a report back by lowering
 * its counters later. */
#ifndef NUMIG_VMM_CHECKS_H
#define NUMIG_VMM_CHECKS_H

#include <stdint.h>

#define GUEST_BAD_EXAMPLES 8

struct vcpu;

struct guest_bad_word {
	int vcpu;
	int lost;                 /* 1 lost write, 0 corrupt word */
	uint32_t page;
	uint64_t offset, expected, found;
	uint64_t page_migrations; /* of that page when the report came */
	int node;                 /* guest node of that page then */
};

struct guest_checks {
	uint64_t lost, corrupt;       /* NUMIG_HC_BAD_WORD calls, by kind */
	uint64_t verdict_vcpus;       /* bit v: vCPU v gave its verdict */
	int verdicts;
	uint64_t words_checked;       /* sum of the verdicts' counts (saturating) */
	struct guest_bad_word ex[GUEST_BAD_EXAMPLES];
	int nr_ex;
};

/* Hypercall handlers, on the vCPU's thread. Return 0, or 1 when the
 * arguments were invalid and the vCPU was failed. */
int guest_checks_bad_word(struct vcpu *v);
int guest_checks_verdict(struct vcpu *v);

#endif
