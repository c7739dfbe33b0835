/* The migration engine: moves one guest huge page to a frame on another
 * node while vCPUs run, in the phases of Linux's mm/migrate.c:
 *
 *   isolate -> allocate target -> guard / unmap -> copy -> switch -> release
 *
 * The guard is the 2013 fix ("mm,numa: fix memory corrupter race between THP
 * NUMA unmap and migrate"): when the page's leaf was changed with its TLB
 * flush still deferred, vCPUs may keep writing the old frame through
 * translations they cached before; the engine drops those translations on
 * every vCPU, synchronously, before it copies, and keeps the old frame
 * write-protected during the copy. */
#ifndef NUMIG_MMU_MIGRATE_H
#define NUMIG_MMU_MIGRATE_H

#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "copier.h"
#include "pool.h"
#include "precopy.h"
#include "stats.h"
#include "tlb.h"
#include "ws.h"

enum mig_reason { MIG_REASON_HINT_FAULT, MIG_REASON_SCHEDULE, MIG_REASON_SCANNED, MIG_NR_REASONS };

enum mig_status {
	MIG_DONE = 0,
	MIG_ABORT_NOMEM,  /* no free frame on the target node: page untouched */
	MIG_BUSY,         /* another migration of the page is in flight */
	MIG_ERROR,        /* a host call failed: page restored, see errno */
	MIG_ABORT_NOT_HUGE, /* a frame is not one host huge page and could not be collapsed */
};

/* Most pages one migrate_huge_pages() call moves. */
#define MIG_BATCH_MAX 64

struct mig_stats {
	/* Per page. In a batch, isolate, alloc, guard, release and total are
	 * the batch's time divided by its pages; copy and switch are measured
	 * per page; batch_total is the whole batch. */
	struct lat_rec isolate, alloc, guard, copy, sw, release, total, batch_total;
	atomic_uint_fast64_t done, aborted_nomem, busy, errors;
	atomic_uint_fast64_t aborted_not_huge;   /* host split a frame; MADV_COLLAPSE failed */
	atomic_uint_fast64_t collapsed;          /* frames made huge again before migrating */
	atomic_uint_fast64_t huge_verified;      /* frames checked: one host huge page */
	atomic_uint_fast64_t huge_unknown;       /* frames that could not be checked */
	atomic_uint_fast64_t by_reason[MIG_NR_REASONS];
	atomic_uint_fast64_t guard_flushes;      /* guard ran: a flush was pending */
	atomic_uint_fast64_t guard_skipped;      /* --no-guard skipped a needed guard */
	atomic_uint_fast64_t eager_unmaps;       /* leaf was present: invalidated at once */
	atomic_uint_fast64_t no_invalidation;    /* already unreachable: nothing to do */
	atomic_uint_fast64_t bytes_copied;
	atomic_uint_fast64_t release_failed;     /* old frames left write-protected, kept out of the pool */
	/* strategies (docs/measurements.md "Strategies") */
	atomic_uint_fast64_t by_strategy[4];     /* pages moved, per enum mig_strategy */
	atomic_uint_fast64_t precopy_rounds;     /* copies while mapped, all precopied pages */
	atomic_uint_fast64_t precopy_fallbacks;  /* did not converge: whole copy under the guard */
	atomic_uint_fast64_t precopy_errors;     /* a dirty-log call failed: fell back */
	atomic_uint_fast64_t residue_pieces;     /* 4 KiB pieces copied by final rounds that converged */
	atomic_uint_fast64_t first_dirty_pieces; /* pieces dirtied during the full copies */
	atomic_uint_fast64_t final_guard_skipped;/* --inject no-final-guard */
	atomic_uint_fast64_t injections;         /* precopy injections applied */
	atomic_uint_fast64_t injected_stale;     /* pieces skip-final-harvest left stale */
	struct lat_rec precopy;                  /* per precopied page: its rounds while mapped */
};

/* What the engine asks of the VMM. Stop-the-world (what a naive VMM does):
 * every vCPU is paused around each migration. Precopy: KVM's dirty log of
 * the 512 4 KiB pieces of the frame at `gpa` (bit i: piece i); get reads the
 * pieces written since their last clear, clear resets the given bits and
 * write-protects those pieces again. Both return 0 or -errno. */
struct mig_hooks {
	void (*pause_all)(void *ctx);
	void (*resume_all)(void *ctx);
	int (*dirty_get)(void *ctx, uint64_t gpa, uint64_t bits[PIECES / 64]);
	int (*dirty_clear)(void *ctx, uint64_t gpa, const uint64_t bits[PIECES / 64]);
	void *ctx;                    /* of pause_all, resume_all */
	void *dirty_ctx;              /* of dirty_get, dirty_clear */
};

struct migrator {
	struct ws *ws;
	struct pool *pool;
	struct tlb *tlb;
	const struct mmu_config *cfg; /* guard, strategy, inject: read at each migration */
	struct mig_hooks hooks;
	struct copier *copier;        /* --copy-threads; NULL: memcpy */
	atomic_uint_fast64_t started;
	atomic_int injected;
	uint32_t injected_page;       /* where the injection went */
	uint64_t injected_offset;
	struct mig_stats st;
	struct lat_rec pause;         /* time to get every vCPU out of the guest */
};

/* `cfg` must outlive the migrator; `hooks` may be NULL. */
int migrator_init(struct migrator *m, struct ws *ws, struct pool *pool, struct tlb *tlb, const struct mmu_config *cfg,
		  const struct mig_hooks *hooks);
void migrator_destroy(struct migrator *m);

/* Migrates `pg` to a new frame on guest node `target` (the same node is
 * allowed: it moves the page to another frame, which exercises the same
 * path on a one-node guest). */
enum mig_status migrate_huge_page(struct migrator *m, struct ws_page *pg, int target, enum mig_reason why);

/* Migrates up to MIG_BATCH_MAX pages as one batch: one invalidation of all
 * their old frames (contiguous frames cost one host call), copies, switches,
 * one release. pages[i] goes to targets[i]; status[i] (may be NULL) says what
 * happened to it. Returns the number migrated. */
size_t migrate_huge_pages(struct migrator *m, struct ws_page **pages, const int *targets, size_t n,
			  enum mig_reason why, enum mig_status *status);

/* Blocks until the migration of `pg` that was in flight when `seq` was read
 * has finished. Returns the nanoseconds waited. */
uint64_t wait_for_migration(struct ws_page *pg, uint64_t seq);

#endif
