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
};

struct mmu_config {
	int nr_nodes;                  /* guest NUMA nodes */
	int hugetlb;                   /* hugetlb frames instead of THP */
	int guard;                     /* lazy-flush guard; 0 only with --no-guard (UNSAFE) */
	int stop_the_world;            /* baseline: pause every vCPU around each migration */
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

/* The migration strategy's name, for reports: "unmap-copy" (the engine,
 * with or without the guard) or "stop-the-world". */
const char *mmu_strategy_name(const struct mmu_config *c);

#endif
