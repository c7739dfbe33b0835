/* Step points: the places where the code passes a step of the formal model
 * (formal/migrate.pml, docs/design.md "Proof"), under the names the model
 * prints. A test sets a hook to drive this code through a model trail in
 * the trail's order and to check that the code passes the model's steps
 * (tests/unit/test_replay.c). Without a hook a point costs one predictable
 * branch; it is never called with a lock held. */
#ifndef NUMIG_MMU_STEP_H
#define NUMIG_MMU_STEP_H

#include <stddef.h>
#include <stdint.h>

struct frame;

enum mmu_step {
	/* migrate.c */
	STEP_CLAIM_PAGE,
	STEP_CLAIM_BUSY,
	STEP_ALLOC_TARGET,     /* f: the target */
	STEP_ALLOC_NOMEM,
	STEP_ISOLATE_PAGE,
	STEP_LAZY_FLUSH_GUARD,
	STEP_GUARD_SKIPPED,
	STEP_EAGER_UNMAP,
	STEP_NO_INVALIDATION,
	STEP_FINAL_GUARD_SKIPPED,
	STEP_TLB_INVALIDATE_FRAMES, /* n: frames */
	STEP_STALE_CLEARED,
	STEP_COPY_FRAME,
	STEP_SWITCH_LEAF,
	STEP_RELEASE_OLD_FRAMES,    /* n: pages moved */
	/* precopy.c */
	STEP_DIRTY_GET,             /* n: dirty pieces */
	STEP_DIRTY_CLEAR,
	STEP_COPY_WHOLE,
	STEP_COPY_PIECES,
	STEP_FINAL_HARVEST_SKIPPED,
	/* fault.c */
	STEP_FAULT_WAIT,
	STEP_FAULT_SPURIOUS,
	STEP_FAULT_RESTORE,
	STEP_FAULT_MIGRATE,
	/* scan.c */
	STEP_SCAN_MARK,
	STEP_SCAN_FLUSH,            /* n: pages */
	STEP_NR
};

#define STEP_NO_PAGE UINT32_MAX

struct step_hook {
	/* page: the page's index or STEP_NO_PAGE; f and n as the step says. */
	void (*fn)(void *ctx, enum mmu_step s, uint32_t page, const struct frame *f, uint64_t n);
	void *ctx;
};

/* The model's name of the step: "claim_page", ... */
const char *mmu_step_name(enum mmu_step s);

static inline void mmu_step(const struct step_hook *h, enum mmu_step s, uint32_t page, const struct frame *f,
			    uint64_t n)
{
	if (__builtin_expect(h->fn != NULL, 0))
		h->fn(h->ctx, s, page, f, n);
}

#endif
