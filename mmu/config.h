/* The memory manager's settings, one struct: the CLI fills it (it is
 * embedded in the run config), mmu_init() takes it, and every part of the
 * mmu reads its setting from it where the setting is used. */
#ifndef NUMIG_MMU_CONFIG_H
#define NUMIG_MMU_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

/* Test hook (--inject): break one copy on purpose, to prove the integrity
 * checker catches it. */
enum mig_inject {
	INJECT_NONE,
	INJECT_CORRUPT_COPY,   /* flip one byte of one copy */
	INJECT_SKIP_COPY_LINE, /* leave one 64-byte line of one copy uncopied */
	/* precopy only, every precopied page from inject_after on: */
	INJECT_SKIP_FINAL_HARVEST, /* switch without recopying the last dirty pieces */
	INJECT_NO_FINAL_GUARD,     /* switch without invalidating the old frame first */
};

/* How a page is moved (docs/design.md "Strategies"). */
enum mig_strategy {
	STRATEGY_UNMAP_COPY,    /* Linux's: unmap and write-protect, copy, switch */
	STRATEGY_STOP_THE_WORLD,/* baseline: every vCPU paused for each whole migration */
	STRATEGY_PRECOPY,       /* copy while mapped, 4 KiB dirty logging, guarded residue */
	STRATEGY_AUTO,          /* per page: precopy for sparse writers, unmap-copy for dense */
};

/* Who moves guest memory (docs/design.md "Kernel migrators"): numig's own
 * engine, or the host kernel, which numig then only drives or watches. */
enum mig_migrator {
	MIGRATOR_NUMIG,          /* numig's engine: copy to another frame, switch the guest's leaf */
	MIGRATOR_MOVE_PAGES,     /* move_pages(2) of the host frame behind a page; tables unchanged */
	MIGRATOR_NUMA_BALANCING, /* the kernel's automatic NUMA balancing, allowed on the guest regions */
	MIGRATOR_WATCH,          /* nothing: numig reports what others moved (migratepages, numad, ...) */
};

struct mmu_config {
	int nr_nodes;                  /* guest NUMA nodes */
	int hugetlb;                   /* hugetlb frames instead of THP */
	int guard;                     /* lazy-flush guard; 0 only with --no-guard (UNSAFE) */
	enum mig_strategy strategy;    /* --strategy */
	enum mig_migrator migrator;    /* --migrator */
	uint32_t precopy_rounds;       /* most recopy rounds before the final guarded one */
	uint32_t precopy_residue;      /* 4 KiB pieces left dirty that end the rounds early */
	uint32_t copy_threads;         /* threads per 2 MiB copy (1: the migrating thread alone) */
	enum mig_inject inject;
	uint64_t inject_after;         /* inject into the first migration after this many */
	int hint_migrate;              /* hinting faults move pages to the vCPU's node */
	uint64_t scan_period_ns;       /* 0: no scanner */
	uint32_t scan_size;            /* pages per scanner window */
	uint64_t lazy_delay_ns;        /* the scanner's flush is held back this long */
	struct migrate_spec migrate;   /* --migrate; rate 0: no migration thread */
	uint32_t migrate_batch;        /* pages per batch of the migration thread */
	uint64_t seed;                 /* page and node choices */
};

/* Are pages migrating in this run: by the scanner's hinting faults, the
 * migration thread, or hinting faults between nodes? */
bool mmu_migrates(const struct mmu_config *c);

/* Does the host kernel, not numig's engine, move pages in this run? */
bool mmu_kernel_migrator(const struct mmu_config *c);
/* "numig", "move-pages", "numa-balancing" or "watch". */
const char *mmu_migrator_name(enum mig_migrator m);

/* The migration strategy's name, for reports: "unmap-copy" (the engine,
 * with or without the guard) or "stop-the-world". */
const char *mmu_strategy_name(const struct mmu_config *c);
/* Does this run need KVM's dirty logging on the guest nodes' memory? */
bool mmu_dirty_logging(const struct mmu_config *c);

#endif
