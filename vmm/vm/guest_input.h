/* The one place where values the guest wrote (its mailbox: messages, exit
 * codes, counters, the integrity layout it claims) are read and validated,
 * with overflow-safe arithmetic, before the VMM uses them. Everything in a
 * mailbox is hostile input: any vCPU can write any mailbox at any time. */
#ifndef NUMIG_VMM_GUEST_INPUT_H
#define NUMIG_VMM_GUEST_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include <numig/abi.h>

/* mb->msg, copied once (the guest may change it meanwhile), cut at the
 * first NUL or NUMIG_MSG_LEN, control bytes escaped. */
const char *guest_msg(const struct numig_mailbox *mb, char *out, size_t outlen);

/* NUMIG_HC_DONE's exit code, full width: any non-zero value stays non-zero. */
uint64_t guest_exit_code(const struct numig_mailbox *mb);

/* a + b, saturating at UINT64_MAX (guest counters may hold anything). */
uint64_t guest_sat_add(uint64_t a, uint64_t b);

/* The ring-3 RSP of a #PF, from the frame the runtime's handler (entry.S:
 * five pushes above the CPU's error code, RIP, CS, RFLAGS, RSP, SS) left at
 * krsp, the RSP it exited with. The guest owns krsp: -1 unless the whole
 * frame lies in [lo, hi), the vCPU's kernel stack in the system area sys. */
#define GUEST_PF_FRAME_RSP (5 * 8 + 4 * 8)
int guest_pf_user_rsp(const uint8_t *sys, uint64_t lo, uint64_t hi, uint64_t krsp, uint64_t *user_rsp);

/* The integrity layout the host check uses: numig's own configuration,
 * never the guest's claim. */
struct integrity_layout {
	uint64_t vcpus, pages, slots;   /* as numig configured them */
	uint64_t fill_gen;              /* from the guest: only ever compared */
	uint64_t records;               /* 8-byte records in the scratch area */
};

/* Fills l from numig's configuration and checks that the guest's claim
 * (result[]) agrees and that every record fits the scratch area, without
 * wrapping. 0, or -1 with the reason in why. */
int guest_integrity_layout(const struct numig_mailbox *mb0, uint64_t vcpus, uint64_t pages, uint64_t slots,
			   uint64_t scratch_bytes, struct integrity_layout *l, char *why, size_t whylen);

/* What the guest felt: a vCPU's write-gap histogram (struct numig_gap_hist),
 * as numig uses it: cycles, one stride, buckets whose sum is samples. */
struct gap_hist {
	uint64_t samples;       /* gaps recorded: the buckets' sum */
	uint64_t max;           /* cycles, in the highest non-empty bucket */
	uint64_t stride;        /* operations per gap, 1..NUMIG_GAP_STRIDE_MAX */
	uint64_t bucket[NUMIG_GAP_BUCKETS];
};

/* Copies mb->gaps once and checks it: published (magic), a stride in
 * 1..NUMIG_GAP_STRIDE_MAX, bucket counts whose sum neither wraps nor
 * differs from samples, a max in the highest non-empty bucket (0 with no
 * samples). 1 and h filled; 0 when the guest published none (a guest that
 * does not time its writes, or a vCPU stopped before it finished); -1 with
 * the reason in why. */
int guest_gap_hist(const struct numig_mailbox *mb, struct gap_hist *h, char *why, size_t whylen);

#endif
