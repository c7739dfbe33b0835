/* numig guest/VMM protocol: the one header both sides compile against.
 *
 * The guest runs its workloads in ring 3 (natively fast on software KVM
 * backends, where ring 0 is emulated) and calls the VMM with `out` to a numig
 * port (RFLAGS.IOPL=3 makes that legal at CPL3). Arguments travel in the
 * vCPU's mailbox, a 4 KiB page in the never-migrating system area whose
 * address is also the vCPU's FS base, so `%fs:0` always finds it.
 *
 * Ring-0 handlers (exceptions, page faults) pass their data in registers
 * instead: the VMM reads them with KVM_GET_REGS on the I/O exit, so the
 * emulated ring-0 path touches as little memory as possible.
 *
 * Everything here is freestanding: fixed-width types only, no libc.
 */
#ifndef NUMIG_ABI_H
#define NUMIG_ABI_H

#ifdef __ASSEMBLER__
#define NUMIG_ULL(x) x
#else
#include <stdint.h>
#define NUMIG_ULL(x) x##ULL
#endif

#define NUMIG_ABI_VERSION 1

/* ---- I/O ports --------------------------------------------------------- */
/* Ring 3: `out %eax, (NUMIG_PORT_HCALL)` with eax = hypercall number. */
#define NUMIG_PORT_HCALL 0x0510
/* Ring 0 #PF handler: rdi = CR2, rsi = error code, rcx = faulting RIP.
 * The VMM resolves the fault (hinting fault, wait for a migration) and
 * re-enters; the handler then returns with iretq and the access retries. */
#define NUMIG_PORT_PFAULT 0x0511
/* Ring 0 fatal exception: rdi = vector, rsi = error code, rcx = RIP,
 * r8 = CR2, r9 = CS, r10 = RFLAGS, r11 = RSP at the exception.
 * (dx carries the port number, so no argument travels in rdx.) */
#define NUMIG_PORT_EXCEPTION 0x0512

/* ---- hypercalls (eax at NUMIG_PORT_HCALL) ------------------------------- */
#define NUMIG_HC_PRINT 1   /* print mailbox->msg (NUL-terminated) */
#define NUMIG_HC_DONE 2    /* this vCPU is finished: arg[0] = exit code */
#define NUMIG_HC_PANIC 3   /* guest-detected fatal error: msg = reason */
#define NUMIG_HC_REPORT 4  /* results are in mailbox->result[] (final) */
#define NUMIG_HC_BARRIER 5 /* wait until every vCPU reached the barrier */
/* A guest's check found a bad word (numig_report_bad_word/_lost_write):
 * arg[0] = NUMIG_BAD_LOST or NUMIG_BAD_CORRUPT, arg[1] = working-set page
 * index, arg[2] = byte offset in that page, arg[3] = expected value,
 * arg[4] = value found. The VMM counts every call and keeps the first
 * examples; a page or offset outside the working set fails the vCPU. */
#define NUMIG_HC_BAD_WORD 6
#define NUMIG_HC_YIELD 7   /* let the VMM run (no-op exit, for benchmarks) */
/* This vCPU's check is complete (numig_report_verdict): arg[0] = words it
 * compared. The VMM takes the first verdict of each vCPU. */
#define NUMIG_HC_VERDICT 8
#define NUMIG_HC_MAX 8

#define NUMIG_BAD_LOST 1     /* an older value of the same writer: a lost write */
#define NUMIG_BAD_CORRUPT 2  /* any other wrong value */
/* The runtime makes a NUMIG_HC_BAD_WORD call for the first this many bad
 * words of a vCPU; later ones only raise NUMIG_CNT_LOST/NUMIG_CNT_CORRUPT
 * (an exit per bad word would stall a guest that finds millions). */
#define NUMIG_BAD_WORD_CALLS 16

/* ---- guest virtual / physical layout ------------------------------------ */
/* The system area is identity-mapped (GVA == GPA) with 2 MiB pages and never
 * migrates: page tables, GDT/TSS/IDT, mailboxes, stacks, the guest image and a
 * scratch area for guest records. */
#define NUMIG_PT_POOL NUMIG_ULL(0x1000)      /* page-table pages, built by the VMM */
#define NUMIG_PT_POOL_END NUMIG_ULL(0x50000) /* 79 pages: ~76 GiB of working set */
#define NUMIG_GDT NUMIG_ULL(0x50000)
#define NUMIG_TSS NUMIG_ULL(0x51000)        /* per vCPU, NUMIG_TSS_STRIDE apart */
#define NUMIG_TSS_STRIDE 0x140                /* TSS + I/O bitmap for ports 0..0x5ff */
#define NUMIG_TSS_IOMAP 0x68
#define NUMIG_TSS_LIMIT (NUMIG_TSS_IOMAP + 0x600 / 8)  /* + the 0xff terminator byte */
#define NUMIG_IDT NUMIG_ULL(0x57000)
#define NUMIG_MAILBOX NUMIG_ULL(0x60000)    /* per vCPU, 4 KiB each */
#define NUMIG_MAILBOX_SIZE 0x1000
#define NUMIG_MAX_VCPUS 64
/* Isolation: each vCPU runs on its own tables (CR3), which map the first
 * 8 MiB with 4 KiB pages: page 0, the lowest page of every stack (a guard
 * page) and everything past the last stack are unmapped; only the vCPU's own
 * mailbox and its own user stack are reachable from ring 3; tables, GDT,
 * TSS, IDT, kernel stacks, the other mailboxes and the other vCPUs' user
 * stacks are supervisor-only, so a frame larger than its stack faults on its
 * first store outside it (docs/design.md "Stack clash"). */
#define NUMIG_STACK_PTS NUMIG_ULL(0xa0000)   /* 3 shared 4 KiB tables: the stacks, all supervisor */
/* Per vCPU, copies of the 1 or 2 stack tables its user stack lies in, with
 * that stack user-writable: NUMIG_MAX_VCPUS + 2 pages at most. */
#define NUMIG_OWN_STACK_PTS NUMIG_ULL(0xa3000)
#define NUMIG_VCPU_TABLES NUMIG_ULL(0x100000) /* per vCPU: PML4, PDPT, PD, table of 0..2 MiB */
#define NUMIG_VCPU_TABLES_SIZE NUMIG_ULL(0x4000)
#define NUMIG_GUARD_SIZE NUMIG_ULL(0x1000)  /* below each kernel and user stack */
#define NUMIG_STACKS NUMIG_ULL(0x200000)    /* per vCPU: kernel then user stack */
#define NUMIG_KSTACK_SIZE NUMIG_ULL(0x4000)
#define NUMIG_USTACK_SIZE NUMIG_ULL(0x10000)
#define NUMIG_IMAGE_BASE NUMIG_ULL(0x800000) /* guests are linked here */
#define NUMIG_IMAGE_MAX NUMIG_ULL(0x800000)  /* 8 MiB of code and data */
#define NUMIG_SCRATCH NUMIG_ULL(0x1000000)   /* guest records; size in mailbox */
#define NUMIG_WS_GVA NUMIG_ULL(0x8000000000) /* 512 GiB: PML4[1] */
#define NUMIG_HUGE_PAGE NUMIG_ULL(0x200000)

#ifndef __ASSEMBLER__
/* ---- per-vCPU mailbox ------------------------------------------------- */
#define NUMIG_MAILBOX_MAGIC NUMIG_ULL(0x6d6f6f62676d756e) /* "numgboom" */
#define NUMIG_MSG_LEN 1024
#define NUMIG_NR_ARGS 8
#define NUMIG_NR_COUNTERS 16
#define NUMIG_NR_RESULTS 32
#define NUMIG_NR_PARAMS 16
#define NUMIG_NR_USER_PARAMS 8    /* --param NAME=VALUE */
#define NUMIG_PARAM_NAME_LEN 16   /* NUL included */

/* Counters the guest updates while it runs and the VMM samples (relaxed).
 * OPS + WRITES drive the progress line's ops/s, the time series'
 * guest_ops_per_s and the plot's throughput panel; LOST and CORRUPT the
 * progress line's "lost"/"corrupt" (the runtime raises them in
 * numig_report_lost_write/_bad_word). */
#define NUMIG_CNT_OPS 0        /* workload operations (hammer: 8-byte accesses) */
#define NUMIG_CNT_WRITES 1     /* stamped writes (integrity) */
#define NUMIG_CNT_SWEEPS 2     /* verification sweeps completed */
#define NUMIG_CNT_LOST 3       /* lost writes seen by the guest */
#define NUMIG_CNT_CORRUPT 4    /* corrupted words seen by the guest */
#define NUMIG_CNT_PASSES 5     /* passes over the working set */

/* Workload parameters the VMM passes to every vCPU (param[]). */
#define NUMIG_PARAM_RUN_NS 0       /* desired run length, 0 = guest decides */
#define NUMIG_PARAM_SLOTS 1        /* integrity: slots per vCPU per 4 KiB */
#define NUMIG_PARAM_SWEEP_EVERY 2  /* integrity: passes between sweeps */
#define NUMIG_PARAM_SEED 3
#define NUMIG_PARAM_WRITE_PCT 4    /* hammer: percentage of writes */
#define NUMIG_PARAM_COUNT 5        /* hcbench: hypercalls to make */
#define NUMIG_PARAM_WRITE_SET 6    /* hammer: % of each page's 4 KiB pieces written (0 = 100) */

/* ---- what the guest felt: gaps between a vCPU's consecutive writes ----- */
/* A log-linear histogram of TSC cycles: gaps below NUMIG_GAP_SUBS cycles
 * have a bucket each; above, every power of two [2^e, 2^(e+1)) is cut into
 * NUMIG_GAP_SUBS equal sub-buckets, so a bucket is at most 1/NUMIG_GAP_SUBS
 * (25 %) wide relative to its lower bound, over the whole 64-bit range, in
 * 2 KiB: it fits the mailbox's free space with 64-bit counts, which never
 * wrap. The exact max is kept beside it. */
#define NUMIG_GAP_SUB_BITS 2
#define NUMIG_GAP_SUBS (1u << NUMIG_GAP_SUB_BITS)
#define NUMIG_GAP_BUCKETS ((64 - NUMIG_GAP_SUB_BITS + 1) * NUMIG_GAP_SUBS) /* 252 */
#define NUMIG_GAP_MAGIC NUMIG_ULL(0x3174736968706167) /* "gaphist1": published */

/* Reading the TSC costs more than a write of the integrity guest, so a
 * guest times every stride-th operation of its write loop (integrity: 64
 * writes): a gap is the time from one timed point to the next. */
#define NUMIG_GAP_STRIDE_MAX 65536     /* the most a guest may claim */

struct numig_gap_hist {
	uint64_t magic;                /* NUMIG_GAP_MAGIC once published, else 0 */
	uint64_t samples;              /* sum of bucket[], set when published */
	uint64_t max;                  /* the largest gap, cycles */
	uint64_t last;                 /* TSC at the last timed point (the guest's own state) */
	uint64_t stride;               /* operations per gap, as the guest declared it */
	uint64_t bucket[NUMIG_GAP_BUCKETS];
};

/* The bucket of a gap of `cycles` TSC cycles (guest and VMM alike). */
static inline uint32_t numig_gap_bucket(uint64_t cycles)
{
	uint32_t e;

	if (cycles < NUMIG_GAP_SUBS)
		return (uint32_t)cycles;
	e = 63u - (uint32_t)__builtin_clzll(cycles); /* >= NUMIG_GAP_SUB_BITS */
	return ((e - NUMIG_GAP_SUB_BITS + 1) << NUMIG_GAP_SUB_BITS) +
	       (uint32_t)((cycles >> (e - NUMIG_GAP_SUB_BITS)) & (NUMIG_GAP_SUBS - 1));
}

/* The smallest gap that falls in bucket b (b < NUMIG_GAP_BUCKETS); the
 * bucket ends where bucket b + 1 begins (the last one at 2^64). */
static inline uint64_t numig_gap_bucket_low(uint32_t b)
{
	uint32_t e;

	if (b < NUMIG_GAP_SUBS)
		return b;
	e = (b >> NUMIG_GAP_SUB_BITS) + NUMIG_GAP_SUB_BITS - 1;
	return (uint64_t)(NUMIG_GAP_SUBS + (b & (NUMIG_GAP_SUBS - 1))) << (e - NUMIG_GAP_SUB_BITS);
}

struct numig_mailbox {
	uint64_t self;                 /* GVA of this mailbox (read via %fs:0) */
	uint64_t magic;
	uint32_t abi_version;
	uint32_t vcpu_id;
	uint32_t nr_vcpus;
	uint32_t node;                 /* guest NUMA node of this vCPU */
	uint32_t nr_nodes;
	uint32_t pad0;
	uint64_t ws_base;              /* GVA of the working set */
	uint64_t ws_pages;             /* number of 2 MiB pages */
	uint64_t scratch_base;         /* never-migrating memory for guest records */
	uint64_t scratch_size;         /* bytes, shared by all vCPUs */
	volatile uint64_t stop;        /* set by the VMM: finish up and report */
	uint64_t param[NUMIG_NR_PARAMS];
	uint64_t arg[NUMIG_NR_ARGS];   /* hypercall arguments */
	volatile uint64_t counter[NUMIG_NR_COUNTERS];
	uint64_t result[NUMIG_NR_RESULTS];
	char msg[NUMIG_MSG_LEN];
	/* --param NAME=VALUE, in command-line order (numig_param()). Appended
	 * after msg, so the offsets above are those of ABI 1 as before. */
	uint32_t nr_user_params;
	uint32_t pad1;
	struct {
		char name[NUMIG_PARAM_NAME_LEN]; /* [a-z0-9_], NUL-terminated */
		uint64_t value;
	} user_param[NUMIG_NR_USER_PARAMS];
	/* What the guest felt (numig_gap_*()): appended after user_param, so
	 * every offset above is unchanged. */
	struct numig_gap_hist gaps;
};

_Static_assert(sizeof(struct numig_mailbox) <= NUMIG_MAILBOX_SIZE, "mailbox fits its page");

/* Integrity workload: stamps and records, shared with the host checker.
 * A stamp is (vcpu << 48) | sequence, never 0; a slot that was never written
 * holds 0. The record of the last stamp written to each slot lives in the
 * scratch area at NUMIG_SCRATCH + 8 * slot_index(vcpu, page, sub, k). */
#define NUMIG_STAMP(vcpu, seq) (((uint64_t)(vcpu) << 48) | ((seq) & NUMIG_ULL(0xffffffffffff)))
#define NUMIG_STAMP_VCPU(s) ((uint32_t)((s) >> 48))
#define NUMIG_STAMP_SEQ(s) ((s) & NUMIG_ULL(0xffffffffffff))
#define NUMIG_SUBPAGES 512             /* 4 KiB sub-pages per 2 MiB page */
#define NUMIG_SLOT_BYTES 8
/* Slot k (0 <= k < slots) of vCPU v in sub-page s sits at byte offset
 * s * 4096 + (v * slots + k) * 8 from the page start; every other word of the
 * page holds the fill pattern. */
#define NUMIG_SLOT_OFFSET(sub, vcpu, slots, k) \
	((uint64_t)(sub) * 4096 + ((uint64_t)(vcpu) * (slots) + (k)) * NUMIG_SLOT_BYTES)

/* Where the guest keeps its record of slot k of vCPU v in sub-page s of
 * page p (an index of 8-byte words from NUMIG_SCRATCH). */
#define NUMIG_RECORD_INDEX(v, pages, p, s, slots, k) \
	((((uint64_t)(v) * (pages) + (p)) * NUMIG_SUBPAGES + (s)) * (slots) + (k))

/* result[] of a workload that wants the VMM to check its memory too. */
#define NUMIG_RES_KIND 0
#define NUMIG_KIND_INTEGRITY NUMIG_ULL(0x494e544547524954) /* "INTEGRIT" */
#define NUMIG_RES_SLOTS 1      /* slots per vCPU per sub-page */
#define NUMIG_RES_FILL_GEN 2   /* generation of the fill pattern */

/* Fill pattern: a function of page index, byte offset and generation that no
 * stamp can equal (bit 63 set, stamps never have it). */
static inline uint64_t numig_fill_word(uint64_t page, uint64_t offset, uint64_t gen)
{
	uint64_t x = (page << 32) ^ offset ^ (gen * NUMIG_ULL(0x9e3779b97f4a7c15));

	x ^= x >> 29;
	x *= NUMIG_ULL(0xbf58476d1ce4e5b9);
	x ^= x >> 32;
	return x | (NUMIG_ULL(1) << 63);
}

/* Descriptor the runtime places in the ELF section ".numig_rt" so the VMM can
 * find the ring-0 entry points without a symbol table. */
struct numig_rt_desc {
	uint64_t magic;
	uint64_t abi_version;
	uint64_t exc_stubs;    /* 256 stubs, NUMIG_EXC_STUB_SIZE bytes apart */
	uint64_t pf_handler;   /* vector 14 */
	uint64_t user_entry;   /* ring-3 entry point */
};
#endif /* !__ASSEMBLER__ */

#define NUMIG_EXC_STUB_SIZE 16
#define NUMIG_RT_MAGIC NUMIG_ULL(0x3174725f6769756e) /* "numig_rt1" */

#endif
