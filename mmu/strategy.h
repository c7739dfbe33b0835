/* Which strategy moves a page (docs/design.md "Strategies"): the names the
 * CLI and the reports use, and auto's per-page rule. */
#ifndef NUMIG_MMU_STRATEGY_H
#define NUMIG_MMU_STRATEGY_H

#include "config.h"
#include "ws.h"

/* auto: a page whose last precopy saw more than this many 4 KiB pieces
 * dirtied during its first full copy is a dense writer. On this host a
 * dirty-tracking fault costs ~11 us, so precopy loses to unmap-copy's
 * ~85 us stall beyond about 6-22 pieces (dirty-log-probe/NOTES.md). */
#define AUTO_DENSE_PIECES 12
/* auto: after this many unmap-copies (which see no dirty bits), a page is
 * precopied again to learn whether it is still dense. */
#define AUTO_REPROBE 8

const char *mig_strategy_name(enum mig_strategy s);
/* The strategy named `name`; -1 if none. */
int mig_strategy_of(const char *name);

/* The strategy for this migration of `pg`: cfg->strategy, or auto's choice
 * from what the page's last precopy saw. Never returns STRATEGY_AUTO. */
enum mig_strategy strategy_for_page(const struct mmu_config *cfg, struct ws_page *pg);

/* What a precopy of `pg` saw: `dirty` pieces dirtied during its first full
 * copy, and whether it fell back to unmap-copy; an unmap-copy of it. */
void strategy_saw_precopy(struct ws_page *pg, uint32_t dirty, int fell_back);
void strategy_saw_unmap_copy(struct ws_page *pg);

#endif
