/* A read-side view of the mmu for reporting (the human and JSON reports,
 * the progress line, sampling, numig-bench): the figures they need, so
 * that the mmu's internals can change without touching the reporting. */
#ifndef NUMIG_MMU_SNAPSHOT_H
#define NUMIG_MMU_SNAPSHOT_H

#include <stdint.h>

#include "migrate.h"
#include "pool.h"
#include "stats.h"

struct mmu;

/* The latency recorders, per phase (docs/measurements.md). Summarize them
 * only once the recording threads are stopped. */
struct mmu_latencies {
	const struct lat_rec *isolate, *alloc, *guard, *copy, *sw, *release, *total, *batch_total;
	const struct lat_rec *vcpu_stall;      /* per resolved fault */
	const struct lat_rec *tlb_invalidate;  /* per invalidation call */
	const struct lat_rec *stw_pause;       /* stop-the-world: all vCPUs out */
	const struct lat_rec *precopy;         /* precopy rounds while mapped, per page */
};

struct mmu_snapshot {
	/* settings */
	uint32_t ws_pages;
	int nr_nodes;
	int hugetlb;
	int guard;
	int stop_the_world;
	enum mig_strategy strategy;
	uint32_t copy_threads;
	uint32_t batch_pages;
	/* migrations */
	uint64_t done, by_reason[MIG_NR_REASONS];
	uint64_t aborted_nomem, aborted_not_huge, busy, errors, bytes_copied;
	uint64_t collapsed, huge_verified, huge_unknown;
	uint64_t guard_flushes, guard_skipped, eager_unmaps, no_invalidation;
	/* strategies (docs/measurements.md "Strategies") */
	uint64_t by_strategy[4];       /* pages moved by unmap-copy, (stop-the-world), precopy */
	uint64_t precopy_rounds, precopy_fallbacks, precopy_errors, residue_pieces, first_dirty_pieces;
	uint64_t final_guard_skipped, injections, injected_stale;
	uint64_t copies_parallel, copies_alone;
	int injected;
	uint32_t injected_page;
	uint64_t injected_offset;
	/* scanner and faults */
	uint64_t scan_windows, scan_pages_marked, batched_flushes, batched_flush_frames;
	uint64_t hint_faults, hint_restored, hint_migrations, fault_waits, efaults;
	/* invalidation */
	uint64_t invalidation_calls, invalidated_frames, mprotect_calls;
	struct mmu_latencies lat;
};

/* One guest node's memory. */
struct mmu_node_figures {
	int host_node_asked;      /* the lowest of host_mask */
	uint64_t host_mask;       /* host nodes asked for */
	enum pool_policy policy;
	uint32_t frames;
	struct placement before;  /* once mmu_start's population was done */
	struct placement after;   /* mmu_measure_placement_after() */
	uint64_t collapsed;       /* frames made huge again, or tried */
	uint32_t pages_now;       /* working-set pages on the node now */
	/* For matching /proc/PID/numa_maps and smaps (README "Matching
	 * numig's figures with /proc"): the region's host virtual addresses,
	 * and its frames by state. in use = frames - free; populated counts
	 * frames numig populated or the guest touched first (the keeper's
	 * spares included), which /proc shows as present. */
	uint64_t region_start, region_end;
	uint32_t free, populated;
};

/* One working-set page. */
struct mmu_page_figures {
	int node;
	uint64_t migrations, hint_faults;
};

/* Counters are read atomically, each on its own: safe while the mmu runs. */
void mmu_snapshot(struct mmu *m, struct mmu_snapshot *s);
/* Migrations done so far: one atomic load, for a run's end condition. */
uint64_t mmu_migrations_done(struct mmu *m);
/* Locks each page briefly to count pages_now. */
void mmu_node_figures(struct mmu *m, int node, struct mmu_node_figures *f);
/* Locks the page briefly: safe while the mmu runs. */
void mmu_page_figures(struct mmu *m, uint32_t page, struct mmu_page_figures *f);

#endif
