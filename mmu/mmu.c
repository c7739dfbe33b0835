/* Building and tearing down the memory manager (mmu.h). */
#include "mmu.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strategy.h"
#include "faultpoint.h"

/* Working-set pages start in blocks, in proportion to each node's memory
 * (page i on node i * nodes / pages when the nodes are of one size), so
 * that vCPUs of every node find both local and remote pages. */
static int initial_node(uint32_t page, uint32_t pages, int nodes, const struct pool_node_spec *spec)
{
	uint64_t total = 0, at, cum = 0;

	for (int g = 0; g < nodes; g++)
		total += spec[g].bytes >> 20;
	at = (uint64_t)page * total / pages;
	for (int g = 0; g < nodes; g++) {
		cum += spec[g].bytes >> 20;
		if (at < cum)
			return g;
	}
	return nodes - 1;
}

bool mmu_kernel_migrator(const struct mmu_config *c)
{
	return c->migrator != MIGRATOR_NUMIG;
}

const char *mmu_migrator_name(enum mig_migrator m)
{
	static const char *const names[] = { "numig", "move-pages", "numa-balancing", "watch" };

	return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

bool mmu_migrates(const struct mmu_config *c)
{
	return c->scan_period_ns || c->migrate.rate_per_s > 0 || (c->hint_migrate && c->nr_nodes > 1);
}

const char *mmu_strategy_name(const struct mmu_config *c)
{
	return mig_strategy_name(c->strategy);
}

bool mmu_dirty_logging(const struct mmu_config *c)
{
	return c->strategy == STRATEGY_PRECOPY || c->strategy == STRATEGY_AUTO;
}

int mmu_init(struct mmu *m, const struct mmu_config *cfg, const struct mmu_layout *layout,
	     const struct mig_hooks *hooks, struct nerr *e)
{
	const struct mmu_layout *l = layout;
	int *nodes = NULL;

	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->layout = *layout;
	cfg = &m->cfg; /* the parts keep pointers to the mmu's own copy */
	if (pt_init(&m->pt, l->sys_mem, l->pt_lo, l->pt_hi, e))
		return -1;
	for (uint64_t a = 0; a < l->identity_bytes; a += PT_HUGE)
		if (pt_map_2m(&m->pt, a, a, PTE_LEAF_2M, e))
			return -1;
	if (pool_create_nodes(&m->pool, cfg->nr_nodes, l->node, cfg->hugetlb, e))
		return -1;
	m->have_pool = 1;
	nodes = faultpoint_hit(FP_ALLOC) ? NULL : calloc(l->ws_pages ? l->ws_pages : 1, sizeof(*nodes));
	if (!nodes)
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for the working set's placement (%u pages)", l->ws_pages);
	for (uint32_t i = 0; i < l->ws_pages; i++)
		nodes[i] = initial_node(i, l->ws_pages, cfg->nr_nodes, l->node);
	m->have_ws = 1;
	if (ws_create(&m->ws, &m->pt, &m->pool, l->ws_base, l->ws_pages, nodes, e)) {
		free(nodes);
		return -1;
	}
	free(nodes);
	if (tlb_init(&m->tlb))
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for invalidation statistics");
	m->have_tlb = 1;
	if (migrator_init(&m->mig, &m->ws, &m->pool, &m->tlb, cfg, hooks))
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for migration statistics");
	m->have_mig = 1;
	if (lat_rec_init(&m->faults.stall, 1 << 20))
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for fault statistics");
	if (page_queue_init(&m->marked, l->ws_pages ? l->ws_pages : 1))
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for the marked-page queue");
	m->have_queue = 1;
	if (scanner_init(&m->scan, &m->ws, &m->tlb, cfg->migrate.rate_per_s > 0 ? &m->marked : NULL,
			 cfg->scan_period_ns, cfg->scan_size, cfg->lazy_delay_ns))
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for the scanner");
	m->have_scan = 1;
	if (cfg->migrator == MIGRATOR_MOVE_PAGES) {
		if (kmig_init(&m->kmig, &m->ws, &m->pool))
			return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for the kernel migrator's statistics");
		m->have_kmig = 1;
		m->sched.kmig = &m->kmig;
	}
	if (timeline_init(&m->tl, &m->pool, m->pool.host_nodes))
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for the placement timeline");
	m->have_tl = 1;
	m->sched.mig = &m->mig;
	m->sched.ws = &m->ws;
	m->sched.marked = cfg->scan_period_ns ? &m->marked : NULL;
	m->sched.cfg = cfg;
	return 0;
}

void mmu_destroy(struct mmu *m)
{
	mmu_stop(m);
	m->mig.copier = NULL;
	copier_stop(&m->copier);
	if (m->have_scan)
		scanner_destroy(&m->scan);
	if (m->have_queue)
		page_queue_free(&m->marked);
	lat_rec_free(&m->faults.stall);
	if (m->have_kmig)
		kmig_destroy(&m->kmig);
	if (m->have_tl)
		timeline_destroy(&m->tl);
	if (m->have_mig)
		migrator_destroy(&m->mig);
	if (m->have_tlb)
		tlb_destroy(&m->tlb);
	if (m->have_ws)
		ws_destroy(&m->ws);
	if (m->have_pool)
		pool_destroy(&m->pool);
	memset(m, 0, sizeof(*m));
}

/* Populating a free frame costs a huge-page allocation and zeroing (~0.2 ms
 * on bare metal, ~5 ms measured on the nested CI host): keep that off the
 * migration path. */
static void *keeper_main(void *arg)
{
	struct mmu *m = arg;

	do
		pool_refill(&m->pool, 4);
	while (!worker_sleep(&m->keeper, 2 * 1000 * 1000));
	return NULL;
}

static void measure_placement(struct mmu *m, struct placement *out)
{
	for (int g = 0; g < m->pool.nr_nodes; g++)
		pool_measure_placement(&m->pool, g, &out[g]);
}

void mmu_measure_placement_after(struct mmu *m)
{
	measure_placement(m, m->placed_after);
}

void mmu_timeline_look(struct mmu *m, double t_s)
{
	if (m->have_tl)
		(void)timeline_look(&m->tl, t_s); /* out of memory: the moves are still counted */
}

int mmu_start(struct mmu *m, struct nerr *e)
{
	int kernel = mmu_kernel_migrator(&m->cfg);
	/* numig's engine needs populated spare frames (and the keeper that
	 * refills them); the kernel moves only what is present, into frames
	 * of its own. */
	int spares = m->ws.nr_pages && mmu_migrates(&m->cfg) && !kernel;

	if (spares || (kernel && m->ws.nr_pages)) {
		/* Measurement runs: the guest's first touch of a page would
		 * otherwise populate it (~4.5 ms on a nested host) while pages
		 * migrate, and show up in the tails. */
		ws_populate(&m->ws);
		if (spares)
			pool_refill(&m->pool, UINT32_MAX);
	}
	/* Only memory that is really populated can be placed: measure now,
	 * before the keeper thread changes what is populated. */
	measure_placement(m, m->placed_before);
	mmu_timeline_look(m, 0);
	if (m->cfg.migrator == MIGRATOR_NUMA_BALANCING &&
	    pool_allow_balancing(&m->pool, &m->balancing_fallback, e))
		return -1;
	if (spares) {
		if (worker_start(&m->keeper, keeper_main, m))
			return nerr_set(e, NUMIG_EXIT_INTERNAL, "cannot start the frame keeper thread");
	}
	if (m->cfg.copy_threads > 1) {
		int host[POOL_MAX_NODES];

		for (int g = 0; g < m->pool.nr_nodes; g++)
			host[g] = m->pool.node[g].host_node;
		if (copier_start(&m->copier, m->cfg.copy_threads, m->pool.nr_nodes, host, e))
			return -1;
		m->mig.copier = &m->copier;
	}
	if (m->cfg.scan_period_ns && scanner_start(&m->scan))
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "cannot start the scanner thread");
	if (m->cfg.migrate.rate_per_s > 0 && schedule_start(&m->sched))
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "cannot start the migration thread");
	return 0;
}

void mmu_stop(struct mmu *m)
{
	schedule_stop(&m->sched);
	if (m->have_scan)
		scanner_stop(&m->scan);
	/* Hinting-fault migrations on vCPU threads may still copy: the crews
	 * stay until the mmu is destroyed. */
	worker_stop(&m->keeper);
}
