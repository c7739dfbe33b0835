/* Dropping vCPU translations of guest frames.
 *
 * A host-side edit of a guest page-table entry is not seen by a vCPU that
 * cached the old translation (on shadow paging, ever; on EPT/NPT, until its
 * TLB is flushed). What removes every vCPU's translation of a frame,
 * synchronously and on both, is a change of the frame's *host* mapping:
 * mprotect(PROT_READ) runs KVM's MMU notifier, which zaps the frame's
 * entries and flushes all vCPUs before mprotect returns. While the frame
 * stays read-only, a write that still reaches it turns into an EFAULT exit
 * instead of a lost write.
 *
 * Contiguous frames are invalidated with one call: measured ~2 us per frame
 * at 64 frames against ~70 us one at a time. */
#ifndef NUMIG_MMU_TLB_H
#define NUMIG_MMU_TLB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "pool.h"
#include "stats.h"

struct tlb {
	pthread_mutex_t lock;       /* serializes protection changes and ro_holds */
	atomic_uint_fast64_t seq;   /* bumped after every invalidation completes */
	atomic_int in_progress;     /* invalidations running now */
	atomic_uint_fast64_t calls; /* mprotect calls made */
	atomic_uint_fast64_t invalidations;
	atomic_uint_fast64_t frames_invalidated;
	struct lat_rec per_call;    /* ns per tlb_invalidate_frames() */
	/* Stands in for KVM's MMU notifier in tests: told of each frame an
	 * invalidation write-protected, whose translations every vCPU has
	 * dropped when mprotect returns. NULL in numig; called under `lock`. */
	void (*notify)(void *ctx, const struct frame *f);
	void *notify_ctx;
};

int tlb_init(struct tlb *t);
void tlb_destroy(struct tlb *t);

/* Returns when no vCPU holds a translation, cached before the call, of any
 * of the `n` frames. With `keep_ro` the frames stay write-protected (one
 * hold each) until tlb_release(). Returns 0 or -errno from mprotect. */
int tlb_invalidate_frames(struct tlb *t, struct frame **frames, size_t n, int keep_ro);

/* Brackets the VMM's own writes to a frame (a migration's copy target):
 * invalidations skip it meanwhile, so a concurrent batched flush cannot
 * make the copy fault. Safe because a frame the VMM writes is a free frame
 * whose translations were dropped when it was freed. */
void tlb_begin_vmm_write(struct tlb *t, struct frame *f);
void tlb_end_vmm_write(struct tlb *t, struct frame *f);

/* Drops one write-protect hold; the frame becomes writable again when the
 * last hold goes. */
int tlb_release(struct tlb *t, struct frame *f);

/* tlb_release() for n frames, with one host call per contiguous run. */
int tlb_release_frames(struct tlb *t, struct frame **frames, size_t n);

#endif
