/* The read-side view of the mmu (snapshot.h). */
#include "snapshot.h"

#include <string.h>

#include "mmu.h"

#define LD(x) atomic_load(&(x))

uint64_t mmu_migrations_done(struct mmu *m)
{
	return LD(m->mig.st.done) + (m->have_kmig ? LD(m->kmig.st.moved) : 0);
}

void mmu_snapshot(struct mmu *m, struct mmu_snapshot *s)
{
	struct mig_stats *st = &m->mig.st;

	memset(s, 0, sizeof(*s));
	s->ws_pages = m->ws.nr_pages;
	s->nr_nodes = m->pool.nr_nodes;
	s->hugetlb = m->pool.hugetlb;
	s->guard = m->cfg.guard;
	s->stop_the_world = m->cfg.strategy == STRATEGY_STOP_THE_WORLD;
	s->strategy = m->cfg.strategy;
	s->copy_threads = m->cfg.copy_threads ? m->cfg.copy_threads : 1;
	for (int i = 0; i < 4; i++)
		s->by_strategy[i] = LD(st->by_strategy[i]);
	s->precopy_rounds = LD(st->precopy_rounds);
	s->precopy_fallbacks = LD(st->precopy_fallbacks);
	s->precopy_errors = LD(st->precopy_errors);
	s->residue_pieces = LD(st->residue_pieces);
	s->first_dirty_pieces = LD(st->first_dirty_pieces);
	s->final_guard_skipped = LD(st->final_guard_skipped);
	s->injections = LD(st->injections);
	s->injected_stale = LD(st->injected_stale);
	s->copies_parallel = __atomic_load_n(&m->copier.parallel, __ATOMIC_RELAXED);
	s->copies_alone = __atomic_load_n(&m->copier.alone, __ATOMIC_RELAXED);
	s->batch_pages = schedule_batch_pages(&m->sched);
	s->done = LD(st->done);
	for (int r = 0; r < MIG_NR_REASONS; r++)
		s->by_reason[r] = LD(st->by_reason[r]);
	s->aborted_nomem = LD(st->aborted_nomem);
	s->aborted_not_huge = LD(st->aborted_not_huge);
	s->busy = LD(st->busy);
	s->errors = LD(st->errors);
	s->bytes_copied = LD(st->bytes_copied);
	s->collapsed = LD(st->collapsed);
	s->huge_verified = LD(st->huge_verified);
	s->huge_unknown = LD(st->huge_unknown);
	s->guard_flushes = LD(st->guard_flushes);
	s->guard_skipped = LD(st->guard_skipped);
	s->eager_unmaps = LD(st->eager_unmaps);
	s->no_invalidation = LD(st->no_invalidation);
	s->injected = LD(m->mig.injected);
	s->injected_page = m->mig.injected_page;
	s->injected_offset = m->mig.injected_offset;
	s->scan_windows = LD(m->scan.passes);
	s->scan_pages_marked = LD(m->scan.pages_marked);
	s->batched_flushes = LD(m->scan.batched_flushes);
	s->batched_flush_frames = LD(m->scan.frames_flushed);
	s->hint_faults = LD(m->faults.hint_faults);
	s->hint_restored = LD(m->faults.restored);
	s->hint_migrations = LD(m->faults.hint_migrations);
	s->fault_waits = LD(m->faults.waited);
	s->efaults = LD(m->faults.efaults);
	s->invalidation_calls = LD(m->tlb.invalidations);
	s->invalidated_frames = LD(m->tlb.frames_invalidated);
	s->mprotect_calls = LD(m->tlb.calls);
	s->lat = (struct mmu_latencies){
		.isolate = &st->isolate,
		.alloc = &st->alloc,
		.guard = &st->guard,
		.copy = &st->copy,
		.sw = &st->sw,
		.release = &st->release,
		.total = &st->total,
		.batch_total = &st->batch_total,
		.vcpu_stall = &m->faults.stall,
		.tlb_invalidate = &m->tlb.per_call,
		.stw_pause = &m->mig.pause,
		.precopy = &st->precopy,
	};
}

void mmu_node_figures(struct mmu *m, int node, struct mmu_node_figures *f)
{
	struct node_pool *np = &m->pool.node[node];
	const struct placement *after = &m->placed_after[node];

	f->host_node_asked = np->host_node;
	f->host_mask = np->host_mask;
	f->policy = np->policy;
	f->frames = np->nr_frames;
	f->before = m->placed_before[node];
	f->after = *after;
	f->region_start = (uintptr_t)np->hva;
	f->region_end = (uintptr_t)np->hva + np->bytes;
	pthread_mutex_lock(&np->lock);
	f->collapsed = np->collapse_ok + np->collapse_failed;
	f->free = np->nr_free;
	f->populated = 0;
	for (uint32_t i = 0; i < np->nr_frames; i++)
		f->populated += np->frames[i].populated;
	pthread_mutex_unlock(&np->lock);
	/* The pool knows only what it populated itself; the guest's first
	 * touches populate the rest. Once the kernel has answered for every
	 * frame (the "after" measurement), its count is what /proc shows. */
	if (after->present + after->absent == np->nr_frames)
		f->populated = after->present;
	f->pages_now = ws_pages_on_node(&m->ws, node);
}

void mmu_page_figures(struct mmu *m, uint32_t page, struct mmu_page_figures *f)
{
	struct ws_page *pg = &m->ws.pages[page];

	pthread_mutex_lock(&pg->lock); /* a migration switches pg->frame */
	f->node = pg->frame->node;
	pthread_mutex_unlock(&pg->lock);
	f->migrations = LD(pg->migrations);
	f->hint_faults = LD(pg->hint_faults);
}
