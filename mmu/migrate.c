/* Huge-page migration engine (migrate.h). The file reads in the order a
 * migration runs, the order of the race in docs/design.md "The engine":
 *
 *   1 claim  2 allocate targets  3 precopy (precopy only: page still mapped)
 *   4 isolate  5 lazy-flush guard / unmap  6 copy  7 switch  8 release
 *
 * then the undo paths, then the driver that times each phase at its call. */
#include "migrate.h"

#include <errno.h>
#include <string.h>

#include "faultpoint.h"
#include "inject.h"
#include "probes.h"
#include "strategy.h"

/* One page of a batch, through the phases. */
struct mig_item {
	struct ws_page *pg;
	int target;
	struct frame *old, *new;
	enum mig_strategy how;  /* unmap-copy or precopy (stop-the-world copies as unmap-copy) */
	int isolated;
	int was_present;
	int held;          /* old frame write-protected by us */
	int writing;       /* inside tlb_begin_vmm_write() on the new frame */
	uint64_t nr;       /* the migrator's nr-th migration (--inject-after) */
	struct precopy pc;
	enum mig_status status;
};

static void putback_page(struct ws_page *pg, int was_present);
static void unclaim(struct ws_page *pg);
static void copy_whole(void *migrator, struct frame *new, const struct frame *old);

int migrator_init(struct migrator *m, struct ws *ws, struct pool *pool, struct tlb *tlb, const struct mmu_config *cfg,
		  const struct mig_hooks *hooks)
{
	struct lat_rec *recs[] = { &m->st.isolate, &m->st.alloc,	 &m->st.guard,	 &m->st.copy, &m->st.sw,
				   &m->st.release, &m->st.total, &m->st.batch_total, &m->st.precopy, &m->pause };

	memset(m, 0, sizeof(*m));
	m->ws = ws;
	m->pool = pool;
	m->tlb = tlb;
	m->cfg = cfg;
	if (hooks)
		m->hooks = *hooks;
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		if (lat_rec_init(recs[i], 1 << 20))
			return -1;
	return 0;
}

void migrator_destroy(struct migrator *m)
{
	struct lat_rec *recs[] = { &m->st.isolate, &m->st.alloc,	 &m->st.guard,	 &m->st.copy, &m->st.sw,
				   &m->st.release, &m->st.total, &m->st.batch_total, &m->st.precopy, &m->pause };

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		lat_rec_free(recs[i]);
}

/* ---- 1. claim -------------------------------------------------------------- */

/* One migration per page: a precopy keeps the page mapped for a while, so
 * the page state alone cannot say that it is taken. */
static int claim_page(struct ws_page *pg)
{
	int expected = 0;

	if (atomic_load(&pg->state) == PAGE_MIGRATING)
		return 0;
	return atomic_compare_exchange_strong(&pg->claimed, &expected, 1);
}

static void claim_pages(struct migrator *m, struct mig_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		it[i].status = MIG_DONE;
		it[i].held = it[i].isolated = it[i].writing = 0;
		it[i].new = NULL;
		if (!claim_page(it[i].pg)) {
			it[i].status = MIG_BUSY;
			atomic_fetch_add(&m->st.busy, 1);
			mmu_step(&m->ws->step, STEP_CLAIM_BUSY, it[i].pg->index, NULL, 0);
			continue;
		}
		/* The frame changes only under a claim: ours now. */
		it[i].old = it[i].pg->frame;
		it[i].nr = atomic_fetch_add(&m->started, 1);
		it[i].how = strategy_for_page(m->cfg, it[i].pg);
		if (it[i].how == STRATEGY_STOP_THE_WORLD ||
		    (it[i].how == STRATEGY_PRECOPY && !(m->hooks.dirty_get && m->hooks.dirty_clear)))
			it[i].how = STRATEGY_UNMAP_COPY;
		mmu_step(&m->ws->step, STEP_CLAIM_PAGE, it[i].pg->index, NULL, 0);
	}
}

/* ---- 2. allocate targets --------------------------------------------------- */

static int frame_huge_or_collapsed(struct migrator *m, struct frame *f)
{
	switch (frame_huge_state(m->pool, f)) {
	case FRAME_HUGE:
		atomic_fetch_add(&m->st.huge_verified, 1);
		return 1;
	case FRAME_HUGE_UNKNOWN:
		atomic_fetch_add(&m->st.huge_unknown, 1);
		return 1;
	case FRAME_NOT_HUGE:
		break;
	}
	if (frame_make_huge(m->pool, f) == 0) {
		atomic_fetch_add(&m->st.collapsed, 1);
		return 1;
	}
	return 0;
}

static int frames_huge(struct migrator *m, struct frame *old, struct frame *new)
{
	return frame_huge_or_collapsed(m, old) && frame_huge_or_collapsed(m, new);
}

/* A contiguous run when the whole batch goes to one node, so that the next
 * batched invalidation of these pages is one call. A page without a target
 * is put back. */
static void alloc_targets(struct migrator *m, struct mig_item *it, size_t n)
{
	struct frame *run[MIG_BATCH_MAX];
	size_t live = 0;
	int same = 1, node = -1;

	for (size_t i = 0; i < n; i++) {
		if (it[i].status != MIG_DONE)
			continue;
		if (node < 0)
			node = it[i].target;
		same &= it[i].target == node;
		live++;
	}
	if (faultpoint_hit(FP_NO_FREE_FRAME)) {
		for (size_t i = 0; i < n; i++)
			it[i].new = NULL;
	} else if (live > 1 && same && frame_alloc_run(m->pool, node, (uint32_t)live, run) == 0) {
		for (size_t i = 0, k = 0; i < n; i++)
			if (it[i].status == MIG_DONE)
				it[i].new = run[k++];
	} else {
		for (size_t i = 0; i < n; i++)
			if (it[i].status == MIG_DONE)
				it[i].new = frame_alloc(m->pool, it[i].target);
	}
	for (size_t i = 0; i < n; i++) {
		if (it[i].status != MIG_DONE)
			continue;
		if (!it[i].new) {
			it[i].status = MIG_ABORT_NOMEM;
			atomic_fetch_add(&m->st.aborted_nomem, 1);
			mmu_step(&m->ws->step, STEP_ALLOC_NOMEM, it[i].pg->index, NULL, 0);
		} else if (!frames_huge(m, it[i].old, it[i].new)) {
			/* Host safety (docs/design.md "Host safety"): only move
			 * between frames that are one host huge page each. */
			frame_free(m->pool, it[i].new);
			it[i].new = NULL;
			it[i].status = MIG_ABORT_NOT_HUGE;
			atomic_fetch_add(&m->st.aborted_not_huge, 1);
		} else {
			mmu_step(&m->ws->step, STEP_ALLOC_TARGET, it[i].pg->index, it[i].new, 0);
		}
		if (it[i].status != MIG_DONE)
			unclaim(it[i].pg);
	}
}

/* ---- 3. precopy ------------------------------------------------------------ */

/* What precopy.c uses, from the settings of this migration. */
static struct precopy_env precopy_env_of(struct migrator *m)
{
	return (struct precopy_env){
		.dirty_get = m->hooks.dirty_get,
		.dirty_clear = m->hooks.dirty_clear,
		.dirty_ctx = m->hooks.dirty_ctx,
		.copy_whole = copy_whole,
		.copy_ctx = m,
		.max_rounds = m->cfg->precopy_rounds,
		.residue = m->cfg->precopy_residue,
		.step = &m->ws->step,
	};
}

/* Precopied pages are copied while they stay mapped and writable, one page
 * after the other, before the batch is isolated (precopy.c). */
static void precopy_pages(struct migrator *m, struct mig_item *it, size_t n)
{
	struct precopy_env env = precopy_env_of(m);

	for (size_t i = 0; i < n; i++) {
		uint64_t t;

		if (it[i].status != MIG_DONE || it[i].how != STRATEGY_PRECOPY)
			continue;
		tlb_begin_vmm_write(m->tlb, it[i].new);
		it[i].writing = 1;
		t = now_ns();
		env.page = it[i].pg->index;
		precopy_rounds(&env, it[i].old, it[i].new, &it[i].pc);
		lat_rec_add(&m->st.precopy, now_ns() - t);
	}
}

/* ---- 4. isolate ------------------------------------------------------------ */

/* Takes the page out of use. Its leaf is cleared so that a vCPU that walks
 * the tables from now on faults and waits for this migration. */
static void isolate_page(struct ws_page *pg, int *was_present)
{
	uint64_t old;

	pthread_mutex_lock(&pg->lock);
	atomic_store(&pg->state, PAGE_MIGRATING);
	atomic_fetch_add(&pg->seq, 1); /* odd: in flight */
	old = pte_clear_present(pg->leaf);
	pthread_mutex_unlock(&pg->lock);
	*was_present = !!(old & PTE_P);
}

static void isolate_pages(struct migrator *m, struct mig_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (it[i].status != MIG_DONE)
			continue;
		isolate_page(it[i].pg, &it[i].was_present);
		it[i].isolated = 1;
		mmu_step(&m->ws->step, STEP_ISOLATE_PAGE, it[i].pg->index, NULL, 0);
	}
}

/* ---- 5. lazy-flush guard and unmap ----------------------------------------- */

/* One invalidation of every old frame a vCPU may still reach, for the whole
 * batch; the frames stay write-protected (held) until release. Returns 0 or
 * -errno. */
static int lazy_flush_guard_and_unmap(struct migrator *m, struct mig_item *it, size_t n, size_t *nr_held)
{
	struct frame *inval[MIG_BATCH_MAX];
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		enum mmu_step step;

		if (it[i].status != MIG_DONE)
			continue;
		if (it[i].how == STRATEGY_PRECOPY && m->cfg->inject == INJECT_NO_FINAL_GUARD && migrator_inject_due(m)) {
			atomic_fetch_add(&m->st.final_guard_skipped, 1);
			step = STEP_FINAL_GUARD_SKIPPED;
		} else if (atomic_load(&it[i].pg->stale)) {
			/* The guard: the leaf was changed with its flush deferred,
			 * so vCPUs may hold translations of the old frame and write
			 * it during the copy. */
			if (!m->cfg->guard) {
				atomic_fetch_add(&m->st.guard_skipped, 1);
				step = STEP_GUARD_SKIPPED;
			} else {
				atomic_fetch_add(&m->st.guard_flushes, 1);
				NUMIG_PROBE(guard_flush, it[i].pg->index, it[i].old->hva, it[i].old->node);
				inval[k++] = it[i].old;
				it[i].held = 1;
				step = STEP_LAZY_FLUSH_GUARD;
			}
		} else if (it[i].was_present) {
			/* Eager unmap, as for any present page. */
			atomic_fetch_add(&m->st.eager_unmaps, 1);
			inval[k++] = it[i].old;
			it[i].held = 1;
			step = STEP_EAGER_UNMAP;
		} else {
			/* Not present and already flushed: unreachable. */
			atomic_fetch_add(&m->st.no_invalidation, 1);
			step = STEP_NO_INVALIDATION;
		}
		mmu_step(&m->ws->step, step, it[i].pg->index, NULL, 0);
	}
	*nr_held = k;
	if (!k)
		return 0;
	rc = tlb_invalidate_frames(m->tlb, inval, k, 1);
	if (rc)
		return rc;
	mmu_step(&m->ws->step, STEP_TLB_INVALIDATE_FRAMES, STEP_NO_PAGE, NULL, k);
	for (size_t i = 0; i < n; i++)
		if (it[i].held)
			atomic_store(&it[i].pg->stale, 0);
	mmu_step(&m->ws->step, STEP_STALE_CLEARED, STEP_NO_PAGE, NULL, 0);
	return 0;
}

/* ---- 6. copy --------------------------------------------------------------- */

/* A whole 2 MiB copy, split over the copy threads of the target's node. */
static void copy_whole(void *migrator, struct frame *new, const struct frame *old)
{
	struct migrator *m = migrator;

	copier_copy(m->copier, new->node, new->hva, old->hva, FRAME_SIZE);
}

/* Bracketed so that a concurrent batched flush never write-protects the
 * target under the copy (docs/design.md "Invalidation"); a precopy's
 * bracket opened before its first round. */
static void copy_frame(struct migrator *m, struct mig_item *it)
{
	if (!it->writing)
		tlb_begin_vmm_write(m->tlb, it->new);
	if (it->how == STRATEGY_PRECOPY) {
		struct precopy_env env = precopy_env_of(m);
		/* Asked only of a converged page: a fallback is never broken. */
		int skip = it->pc.converged && m->cfg->inject == INJECT_SKIP_FINAL_HARVEST && migrator_inject_due(m);

		env.page = it->pg->index;
		precopy_finish(&env, it->old, it->new, &it->pc, skip);
		atomic_fetch_add(&m->st.bytes_copied, it->pc.bytes);
	} else {
		if (!inject_copy(m, it->pg, it->new, it->old, it->nr))
			copy_whole(m, it->new, it->old);
		atomic_fetch_add(&m->st.bytes_copied, FRAME_SIZE);
		mmu_step(&m->ws->step, STEP_COPY_FRAME, it->pg->index, NULL, 0);
	}
	tlb_end_vmm_write(m->tlb, it->new);
	it->writing = 0;
}

/* What one page's migration teaches auto, and the report. */
static void account_strategy(struct migrator *m, struct mig_item *it)
{
	atomic_fetch_add(&m->st.by_strategy[it->how], 1);
	if (it->how != STRATEGY_PRECOPY) {
		strategy_saw_unmap_copy(it->pg);
		return;
	}
	atomic_fetch_add(&m->st.precopy_rounds, it->pc.rounds);
	atomic_fetch_add(&m->st.first_dirty_pieces, it->pc.first_dirty);
	if (it->pc.error)
		atomic_fetch_add(&m->st.precopy_errors, 1);
	if (it->pc.converged)
		atomic_fetch_add(&m->st.residue_pieces, it->pc.residue);
	else
		atomic_fetch_add(&m->st.precopy_fallbacks, 1);
	if (it->pc.left_stale)
		atomic_fetch_add(&m->st.injected_stale, it->pc.left_stale);
	strategy_saw_precopy(it->pg, it->pc.first_dirty, !it->pc.converged);
}

/* ---- 7. switch ------------------------------------------------------------- */

/* The leaf points at the new frame, present again; waiters wake. */
static void switch_leaf(struct ws_page *pg, struct frame *new)
{
	pthread_mutex_lock(&pg->lock);
	pte_switch_frame(pg->leaf, new->gpa);
	pg->frame = new;
	atomic_store(&pg->state, PAGE_PRESENT);
	atomic_fetch_add(&pg->migrations, 1);
	atomic_fetch_add(&pg->seq, 1); /* even: done */
	atomic_store(&pg->claimed, 0);
	pthread_cond_broadcast(&pg->changed);
	pthread_mutex_unlock(&pg->lock);
}

/* ---- 8. release ------------------------------------------------------------ */

/* Drops the write-protect holds (one host call per contiguous run) and
 * returns the old frames to the pool. If the holds cannot be dropped, the
 * held frames stay out of the pool: a write-protected frame must never
 * become a copy target. */
static void release_old_frames(struct migrator *m, struct mig_item *it, size_t n)
{
	struct frame *held[MIG_BATCH_MAX];
	size_t nr_held = 0, moved = 0;
	int failed;

	for (size_t i = 0; i < n; i++)
		if (it[i].status == MIG_DONE && it[i].held)
			held[nr_held++] = it[i].old;
	failed = nr_held && tlb_release_frames(m->tlb, held, nr_held) != 0;
	for (size_t i = 0; i < n; i++) {
		if (it[i].status != MIG_DONE)
			continue;
		moved++;
		if (failed && it[i].held) {
			atomic_fetch_add(&m->st.release_failed, 1);
			continue;
		}
		frame_free(m->pool, it[i].old);
	}
	mmu_step(&m->ws->step, STEP_RELEASE_OLD_FRAMES, STEP_NO_PAGE, NULL, moved);
}

/* ---- undo ------------------------------------------------------------------ */

/* Undo of claim_page(), before isolation. */
static void unclaim(struct ws_page *pg)
{
	atomic_store(&pg->claimed, 0);
}

/* Undo of isolate_page() and the claim for an abort: the page keeps its
 * frame. */
static void putback_page(struct ws_page *pg, int was_present)
{
	pthread_mutex_lock(&pg->lock);
	if (was_present)
		pte_set_present(pg->leaf);
	atomic_store(&pg->state, was_present ? PAGE_PRESENT : PAGE_HINTING);
	atomic_fetch_add(&pg->seq, 1);
	atomic_store(&pg->claimed, 0);
	pthread_cond_broadcast(&pg->changed);
	pthread_mutex_unlock(&pg->lock);
}

/* The invalidation failed: every page of the batch keeps its old frame. */
static void abort_batch(struct migrator *m, struct mig_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (it[i].status != MIG_DONE)
			continue;
		if (it[i].held && tlb_release(m->tlb, it[i].old))
			atomic_fetch_add(&m->st.release_failed, 1);
		if (it[i].writing)
			tlb_end_vmm_write(m->tlb, it[i].new);
		frame_free(m->pool, it[i].new);
		putback_page(it[i].pg, it[i].was_present);
		it[i].status = MIG_ERROR;
		atomic_fetch_add(&m->st.errors, 1);
	}
}

/* ---- the driver ------------------------------------------------------------ */

/* Per page: the batch's shared phases are divided among its pages; copy and
 * switch are timed per page. */
static size_t migrate_batch(struct migrator *m, struct mig_item *it, size_t n, enum mig_reason why)
{
	uint64_t t_start = now_ns(), t, t_isolate, t_alloc, t_guard, t_release;
	size_t done = 0, nr_held = 0;
	/* The batch phases' probe arguments: pages, the first page, its target.
	 * Probes sit outside the timed spans, so a traced run's report does not
	 * count the probes' traps (probes.h). */
	uint64_t pg0 = it[0].pg->index;
	int node0 = it[0].target;
	int rc;

	NUMIG_PROBE(claim_start, n, pg0, node0);
	claim_pages(m, it, n);
	NUMIG_PROBE(claim_end, n, pg0, node0);

	NUMIG_PROBE(alloc_start, n, pg0, node0);
	t = now_ns();
	alloc_targets(m, it, n);
	t_alloc = now_ns() - t;
	NUMIG_PROBE(alloc_end, n, pg0, node0);

	precopy_pages(m, it, n);

	NUMIG_PROBE(isolate_start, n, pg0, node0);
	t = now_ns();
	isolate_pages(m, it, n);
	t_isolate = now_ns() - t;
	NUMIG_PROBE(isolate_end, n, pg0, node0);

	NUMIG_PROBE(guard_start, n, pg0, node0);
	t = now_ns();
	rc = lazy_flush_guard_and_unmap(m, it, n, &nr_held);
	t_guard = now_ns() - t;
	NUMIG_PROBE(guard_end, n, pg0, node0, nr_held, rc);
	if (rc) {
		abort_batch(m, it, n);
		errno = -rc;
		return 0;
	}

	for (size_t i = 0; i < n; i++) {
		uint64_t t_copy, t_switch, page = it[i].pg->index;

		if (it[i].status != MIG_DONE)
			continue;
		NUMIG_PROBE(copy_start, page, it[i].old->hva, it[i].new->hva, it[i].old->node, it[i].new->node);
		t = now_ns();
		copy_frame(m, &it[i]);
		t_copy = now_ns() - t;
		NUMIG_PROBE(copy_end, page, it[i].old->hva, it[i].new->hva, it[i].old->node, it[i].new->node);

		NUMIG_PROBE(switch_start, page, it[i].old->hva, it[i].new->hva, it[i].old->node, it[i].new->node);
		t = now_ns();
		switch_leaf(it[i].pg, it[i].new);
		t_switch = now_ns() - t;
		NUMIG_PROBE(switch_end, page, it[i].old->hva, it[i].new->hva, it[i].old->node, it[i].new->node);
		mmu_step(&m->ws->step, STEP_SWITCH_LEAF, it[i].pg->index, NULL, 0);

		lat_rec_add(&m->st.copy, t_copy);
		lat_rec_add(&m->st.sw, t_switch);
		account_strategy(m, &it[i]);
		done++;
	}

	NUMIG_PROBE(release_start, n, pg0, node0);
	t = now_ns();
	release_old_frames(m, it, n);
	t_release = now_ns() - t;
	NUMIG_PROBE(release_end, n, pg0, node0, done);

	if (!done)
		return 0;
	lat_rec_add(&m->st.isolate, t_isolate / n);
	lat_rec_add(&m->st.alloc, t_alloc / n);
	if (nr_held)
		lat_rec_add(&m->st.guard, t_guard / nr_held);
	lat_rec_add(&m->st.release, t_release / done);
	t = now_ns() - t_start;
	for (size_t i = 0; i < done; i++)
		lat_rec_add(&m->st.total, t / done);
	lat_rec_add(&m->st.batch_total, t);
	atomic_fetch_add(&m->st.done, done);
	atomic_fetch_add(&m->st.by_reason[why], done);
	return done;
}

size_t migrate_huge_pages(struct migrator *m, struct ws_page **pages, const int *targets, size_t n,
			  enum mig_reason why, enum mig_status *status)
{
	struct mig_item it[MIG_BATCH_MAX];
	int stw = m->cfg->strategy == STRATEGY_STOP_THE_WORLD && m->hooks.pause_all && m->hooks.resume_all;
	size_t done;
	uint64_t t;

	if (n > MIG_BATCH_MAX)
		n = MIG_BATCH_MAX;
	for (size_t i = 0; i < n; i++) {
		it[i].pg = pages[i];
		it[i].target = targets[i];
	}
	if (stw) {
		t = now_ns();
		m->hooks.pause_all(m->hooks.ctx);
		lat_rec_add(&m->pause, now_ns() - t);
	}
	done = migrate_batch(m, it, n, why);
	if (stw)
		m->hooks.resume_all(m->hooks.ctx);
	if (status)
		for (size_t i = 0; i < n; i++)
			status[i] = it[i].status;
	return done;
}

enum mig_status migrate_huge_page(struct migrator *m, struct ws_page *pg, int target, enum mig_reason why)
{
	enum mig_status st;

	migrate_huge_pages(m, &pg, &target, 1, why, &st);
	return st;
}

uint64_t wait_for_migration(struct ws_page *pg, uint64_t seq)
{
	uint64_t t0 = now_ns();

	if (!(seq & 1))
		return 0;
	/* Sleep, do not spin: with more threads than host CPUs a spinning
	 * waiter takes CPU time from the copy it waits for (measured: stall
	 * p50 1.96 ms spinning with sched_yield, 0.16 ms sleeping). */
	pthread_mutex_lock(&pg->lock);
	while (atomic_load(&pg->seq) == seq)
		pthread_cond_wait(&pg->changed, &pg->lock);
	pthread_mutex_unlock(&pg->lock);
	return now_ns() - t0;
}
