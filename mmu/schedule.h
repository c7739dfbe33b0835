/* The VMM's migration thread (CPU B of the 2013 race when it picks pages
 * the scanner just marked): migrates working-set pages at a fixed rate, with
 * the same engine the hinting-fault path uses. */
#ifndef NUMIG_MMU_SCHEDULE_H
#define NUMIG_MMU_SCHEDULE_H

#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "kmigrate.h"
#include "migrate.h"
#include "policy.h"
#include "scan.h"
#include "worker.h"

struct mig_schedule {
	struct migrator *mig;
	struct kmigrator *kmig;      /* --migrator move-pages: the kernel moves pages instead; else NULL */
	struct ws *ws;
	struct page_queue *marked;   /* scanner-marked pages go first; may be NULL */
	const struct mmu_config *cfg; /* migrate (rate, pattern, to_node), migrate_batch, nr_nodes, seed */
	uint64_t max_migrations;     /* 0 = until stopped */
	struct worker worker;
	atomic_uint_fast64_t attempted, from_marked, behind;
};

/* Pages per batch: 1 (one at a time) up to MIG_BATCH_MAX. */
uint32_t schedule_batch_pages(const struct mig_schedule *s);

int schedule_start(struct mig_schedule *s);
void schedule_stop(struct mig_schedule *s);

/* One step, for tests and for the thread: choose a page and a target and
 * migrate it. */
enum mig_status schedule_step(struct mig_schedule *s, uint64_t *rng);

/* One batch of cfg->migrate_batch pages: scanner-marked pages first, then
 * consecutive pages from a random start. Returns the number migrated. */
size_t schedule_batch_step(struct mig_schedule *s, uint64_t *rng);

#endif
