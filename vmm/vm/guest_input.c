/* Validation of guest-written values (guest_input.h). */
#include "guest_input.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"

const char *guest_msg(const struct numig_mailbox *mb, char *out, size_t outlen)
{
	char copy[NUMIG_MSG_LEN + 1];

	memcpy(copy, (const void *)mb->msg, NUMIG_MSG_LEN);
	copy[NUMIG_MSG_LEN] = 0;
	return text_escape(out, outlen, copy);
}

uint64_t guest_exit_code(const struct numig_mailbox *mb)
{
	return *(const volatile uint64_t *)&mb->arg[0];
}

uint64_t guest_sat_add(uint64_t a, uint64_t b)
{
	uint64_t s;

	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

int guest_pf_user_rsp(const uint8_t *sys, uint64_t lo, uint64_t hi, uint64_t krsp, uint64_t *user_rsp)
{
	if (hi < lo || hi - lo < GUEST_PF_FRAME_RSP + 8 || krsp < lo || krsp > hi - GUEST_PF_FRAME_RSP - 8)
		return -1;
	memcpy(user_rsp, sys + krsp + GUEST_PF_FRAME_RSP, 8);
	return 0;
}

int guest_integrity_layout(const struct numig_mailbox *mb0, uint64_t vcpus, uint64_t pages, uint64_t slots,
			   uint64_t scratch_bytes, struct integrity_layout *l, char *why, size_t whylen)
{
	uint64_t claimed = *(const volatile uint64_t *)&mb0->result[NUMIG_RES_SLOTS], words, bytes;

	memset(l, 0, sizeof(*l));
	l->vcpus = vcpus;
	l->pages = pages;
	l->slots = slots;
	l->fill_gen = *(const volatile uint64_t *)&mb0->result[NUMIG_RES_FILL_GEN];
	if (claimed != slots) {
		snprintf(why, whylen, "guest claims %llu slots per vCPU, numig configured %llu",
			 (unsigned long long)claimed, (unsigned long long)slots);
		return -1;
	}
	/* Slots must leave fill words in every sub-page, or a guest that wrote
	 * nothing would match its own all-zero records everywhere. */
	if (!pages || !slots || __builtin_mul_overflow(vcpus, slots, &words) || words >= 4096 / NUMIG_SLOT_BYTES) {
		snprintf(why, whylen, "impossible layout: %llu vCPUs x %llu slots over %llu pages",
			 (unsigned long long)vcpus, (unsigned long long)slots, (unsigned long long)pages);
		return -1;
	}
	if (__builtin_mul_overflow(words, pages, &l->records) ||
	    __builtin_mul_overflow(l->records, (uint64_t)NUMIG_SUBPAGES, &l->records) ||
	    __builtin_mul_overflow(l->records, (uint64_t)8, &bytes) || bytes > scratch_bytes) {
		snprintf(why, whylen, "the records of %llu vCPUs x %llu slots x %llu pages do not fit the %llu-byte scratch area",
			 (unsigned long long)vcpus, (unsigned long long)slots, (unsigned long long)pages,
			 (unsigned long long)scratch_bytes);
		return -1;
	}
	return 0;
}
