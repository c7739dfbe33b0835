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

int guest_gap_hist(const struct numig_mailbox *mb, struct gap_hist *h, char *why, size_t whylen)
{
	struct numig_gap_hist g;
	uint64_t sum = 0;
	uint32_t top = NUMIG_GAP_BUCKETS; /* none */

	memcpy(&g, (const void *)&mb->gaps, sizeof(g)); /* once: the guest may change it meanwhile */
	memset(h, 0, sizeof(*h));
	if (g.magic != NUMIG_GAP_MAGIC)
		return 0;
	if (!g.stride || g.stride > NUMIG_GAP_STRIDE_MAX) {
		snprintf(why, whylen, "stride %llu outside 1..%d", (unsigned long long)g.stride, NUMIG_GAP_STRIDE_MAX);
		return -1;
	}
	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++) {
		if (__builtin_add_overflow(sum, g.bucket[b], &sum)) {
			snprintf(why, whylen, "bucket counts overflow 64 bits (at bucket %u)", b);
			return -1;
		}
		if (g.bucket[b])
			top = b;
	}
	if (sum != g.samples) {
		snprintf(why, whylen, "buckets sum to %llu, samples says %llu", (unsigned long long)sum,
			 (unsigned long long)g.samples);
		return -1;
	}
	if (top == NUMIG_GAP_BUCKETS ? g.max != 0 : numig_gap_bucket(g.max) != top) {
		if (top == NUMIG_GAP_BUCKETS)
			snprintf(why, whylen, "max %llu cycles with no samples", (unsigned long long)g.max);
		else
			snprintf(why, whylen, "max %llu cycles is not in the highest non-empty bucket (%u)",
				 (unsigned long long)g.max, top);
		return -1;
	}
	h->samples = sum;
	h->max = g.max;
	h->stride = g.stride;
	memcpy(h->bucket, g.bucket, sizeof(h->bucket));
	return 1;
}
