/* Strategy names and auto's rule (strategy.h). */
#include "strategy.h"

#include <string.h>

static const char *const names[] = {
	[STRATEGY_UNMAP_COPY] = "unmap-copy",
	[STRATEGY_STOP_THE_WORLD] = "stop-the-world",
	[STRATEGY_PRECOPY] = "precopy",
	[STRATEGY_AUTO] = "auto",
};

const char *mig_strategy_name(enum mig_strategy s)
{
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int mig_strategy_of(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

enum mig_strategy strategy_for_page(const struct mmu_config *cfg, struct ws_page *pg)
{
	int dirty;

	if (cfg->strategy != STRATEGY_AUTO)
		return cfg->strategy;
	dirty = atomic_load(&pg->precopy_dirty);
	/* Never precopied, or unmap-copied long enough to have forgotten:
	 * a precopy is the only way to see how the page is written. */
	if (dirty < 0 || atomic_load(&pg->unmap_copies_since_probe) >= AUTO_REPROBE)
		return STRATEGY_PRECOPY;
	return dirty > AUTO_DENSE_PIECES ? STRATEGY_UNMAP_COPY : STRATEGY_PRECOPY;
}

void strategy_saw_precopy(struct ws_page *pg, uint32_t dirty, int fell_back)
{
	atomic_store(&pg->precopy_dirty, fell_back ? 512 : (int)dirty);
	atomic_store(&pg->unmap_copies_since_probe, 0);
}

void strategy_saw_unmap_copy(struct ws_page *pg)
{
	atomic_fetch_add(&pg->unmap_copies_since_probe, 1);
}
