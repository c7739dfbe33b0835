/* Huge-page migration engine (migrate.h). Each phase is its own function so
 * the path reads top to bottom like the race description. */
#include "migrate.h"

#include <errno.h>
#include <string.h>

int migrator_init(struct migrator *m, struct ws *ws, struct pool *pool, struct tlb *tlb, const struct mmu_config *cfg,
		  const struct mig_hooks *hooks)
{
	struct lat_rec *recs[] = { &m->st.isolate, &m->st.alloc, &m->st.guard,       &m->st.copy, &m->st.sw,
				   &m->st.release, &m->st.total, &m->st.batch_total, &m->pause };

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
	struct lat_rec *recs[] = { &m->st.isolate, &m->st.alloc, &m->st.guard,       &m->st.copy, &m->st.sw,
				   &m->st.release, &m->st.total, &m->st.batch_total, &m->pause };

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		lat_rec_free(recs[i]);
}

/* Phase 1: take the page out of use. Its leaf is cleared so that a vCPU that
 * walks the tables from now on faults and waits for this migration. Returns
 * the old leaf, or 0 when the page is already migrating. */
static uint64_t isolate_page(struct ws_page *pg, int *was_present)
{
	uint64_t old;

	pthread_mutex_lock(&pg->lock);
	if (atomic_load(&pg->state) == PAGE_MIGRATING) {
		pthread_mutex_unlock(&pg->lock);
		return 0;
	}
	atomic_store(&pg->state, PAGE_MIGRATING);
	atomic_fetch_add(&pg->seq, 1); /* odd: in flight */
	old = pte_clear_present(pg->leaf);
	pthread_mutex_unlock(&pg->lock);
	*was_present = !!(old & PTE_P);
	return old | 1; /* never 0, even for a leaf that was not present */
}

/* Undo of isolate_page() for an abort: the page keeps its frame. */
static void putback_page(struct ws_page *pg, int was_present)
{
	pthread_mutex_lock(&pg->lock);
	if (was_present)
		pte_set_present(pg->leaf);
	atomic_store(&pg->state, was_present ? PAGE_PRESENT : PAGE_HINTING);
	atomic_fetch_add(&pg->seq, 1);
	pthread_cond_broadcast(&pg->changed);
	pthread_mutex_unlock(&pg->lock);
}

/* Test hook (--inject): decides once whether this copy is the faulty one. */
static int inject_due(struct migrator *m, uint64_t nr)
{
	int expected = 0;

	if (m->cfg->inject == INJECT_NONE || nr < m->cfg->inject_after)
		return 0;
	return atomic_compare_exchange_strong(&m->injected, &expected, 1);
}

/* The first line of a sub-page (the slots of the first vCPUs) whose content
 * in the target frame differs from the source: skipping it loses data. */
static uint64_t line_to_skip(const struct frame *new, const struct frame *old)
{
	for (uint64_t off = 3 * 4096; off < FRAME_SIZE; off += 4096)
		if (memcmp(new->hva + off, old->hva + off, 64) != 0)
			return off;
	return 3 * 4096;
}

/* Phase 4: the copy. */
static void copy_frame(struct migrator *m, struct ws_page *pg, struct frame *new, struct frame *old, uint64_t nr)
{
	if (inject_due(m, nr)) {
		m->injected_page = pg->index;
		if (m->cfg->inject == INJECT_SKIP_COPY_LINE) {
			uint64_t off = line_to_skip(new, old);

			m->injected_offset = off;
			memcpy(new->hva, old->hva, off);
			memcpy(new->hva + off + 64, old->hva + off + 64, FRAME_SIZE - off - 64);
		} else {
			/* One bit pattern flipped in a fill word of sub-page 7. */
			m->injected_offset = 7 * 4096 + 2048 + 5;
			memcpy(new->hva, old->hva, FRAME_SIZE);
			new->hva[m->injected_offset] ^= 0x5a;
		}
	} else {
		memcpy(new->hva, old->hva, FRAME_SIZE);
	}
	atomic_fetch_add(&m->st.bytes_copied, FRAME_SIZE);
}

/* Phase 5: point the leaf at the new frame, present again. */
static void switch_leaf(struct ws_page *pg, struct frame *new)
{
	pthread_mutex_lock(&pg->lock);
	pte_switch_frame(pg->leaf, new->gpa);
	pg->frame = new;
	atomic_store(&pg->state, PAGE_PRESENT);
	atomic_fetch_add(&pg->migrations, 1);
	atomic_fetch_add(&pg->seq, 1); /* even: done */
	pthread_cond_broadcast(&pg->changed);
	pthread_mutex_unlock(&pg->lock);
}


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

/* One page of a batch, through the phases. */
struct mig_item {
	struct ws_page *pg;
	int target;
	struct frame *old, *new;
	int was_present;
	int held;          /* old frame write-protected by us */
	enum mig_status status;
};

/* Phase 2: target frames. A contiguous run when the whole batch goes to one
 * node, so that the next batched invalidation of these pages is one call. */
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
	if (live > 1 && same && frame_alloc_run(m->pool, node, (uint32_t)live, run) == 0) {
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
		} else if (!frames_huge(m, it[i].old, it[i].new)) {
			/* Host safety (DESIGN.md 2.4): only move between frames that
			 * are one host huge page each. */
			frame_free(m->pool, it[i].new);
			it[i].new = NULL;
			it[i].status = MIG_ABORT_NOT_HUGE;
			atomic_fetch_add(&m->st.aborted_not_huge, 1);
		}
		if (it[i].status != MIG_DONE)
			putback_page(it[i].pg, it[i].was_present);
	}
}

/* Phase 3 for the whole batch: one invalidation of every old frame that a
 * vCPU may still reach. Returns 0 or -errno. */
static int unmap_old_frames(struct migrator *m, struct mig_item *it, size_t n, size_t *nr_held)
{
	struct frame *inval[MIG_BATCH_MAX];
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (it[i].status != MIG_DONE)
			continue;
		if (atomic_load(&it[i].pg->stale)) {
			/* The leaf was changed with its flush deferred: vCPUs may hold
			 * translations of the old frame and write it during the copy. */
			if (!m->cfg->guard) {
				atomic_fetch_add(&m->st.guard_skipped, 1);
				continue;
			}
			atomic_fetch_add(&m->st.guard_flushes, 1);
			inval[k++] = it[i].old;
			it[i].held = 1;
		} else if (it[i].was_present) {
			/* Eager unmap, as for any present page. */
			atomic_fetch_add(&m->st.eager_unmaps, 1);
			inval[k++] = it[i].old;
			it[i].held = 1;
		} else {
			/* Not present and already flushed: unreachable. */
			atomic_fetch_add(&m->st.no_invalidation, 1);
		}
	}
	*nr_held = k;
	if (!k)
		return 0;
	rc = tlb_invalidate_frames(m->tlb, inval, k, 1);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (it[i].held)
			atomic_store(&it[i].pg->stale, 0);
	return 0;
}

static void abort_batch(struct migrator *m, struct mig_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (it[i].status != MIG_DONE)
			continue;
		if (it[i].held)
			tlb_release(m->tlb, it[i].old);
		frame_free(m->pool, it[i].new);
		putback_page(it[i].pg, it[i].was_present);
		it[i].status = MIG_ERROR;
		atomic_fetch_add(&m->st.errors, 1);
	}
}

static size_t migrate_batch(struct migrator *m, struct mig_item *it, size_t n, enum mig_reason why)
{
	uint64_t t0 = now_ns(), t1, t2, t3, t5, t6;
	struct frame *release[MIG_BATCH_MAX];
	size_t done = 0, nr_held = 0, nr_release = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		it[i].status = MIG_DONE;
		it[i].held = 0;
		it[i].new = NULL;
		if (!isolate_page(it[i].pg, &it[i].was_present)) {
			it[i].status = MIG_BUSY;
			atomic_fetch_add(&m->st.busy, 1);
			continue;
		}
		it[i].old = it[i].pg->frame;
	}
	t1 = now_ns();
	alloc_targets(m, it, n);
	t2 = now_ns();
	rc = unmap_old_frames(m, it, n, &nr_held);
	t3 = now_ns();
	if (rc) {
		abort_batch(m, it, n);
		errno = -rc;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t a, b, c;

		if (it[i].status != MIG_DONE)
			continue;
		a = now_ns();
		tlb_begin_vmm_write(m->tlb, it[i].new);
		copy_frame(m, it[i].pg, it[i].new, it[i].old, atomic_fetch_add(&m->started, 1));
		tlb_end_vmm_write(m->tlb, it[i].new);
		b = now_ns();
		switch_leaf(it[i].pg, it[i].new);
		c = now_ns();
		lat_rec_add(&m->st.copy, b - a);
		lat_rec_add(&m->st.sw, c - b);
		if (it[i].held)
			release[nr_release++] = it[i].old;
		done++;
	}
	t5 = now_ns();
	if (nr_release)
		tlb_release_frames(m->tlb, release, nr_release);
	for (size_t i = 0; i < n; i++)
		if (it[i].status == MIG_DONE)
			frame_free(m->pool, it[i].old);
	t6 = now_ns();
	if (!done)
		return 0;
	/* Per page: a batch's shared phases are divided among its pages. */
	lat_rec_add(&m->st.isolate, (t1 - t0) / n);
	lat_rec_add(&m->st.alloc, (t2 - t1) / n);
	if (nr_held)
		lat_rec_add(&m->st.guard, (t3 - t2) / nr_held);
	lat_rec_add(&m->st.release, (t6 - t5) / done);
	for (size_t i = 0; i < done; i++)
		lat_rec_add(&m->st.total, (t6 - t0) / done);
	lat_rec_add(&m->st.batch_total, t6 - t0);
	atomic_fetch_add(&m->st.done, done);
	atomic_fetch_add(&m->st.by_reason[why], done);
	return done;
}

size_t migrate_huge_pages(struct migrator *m, struct ws_page **pages, const int *targets, size_t n,
			  enum mig_reason why, enum mig_status *status)
{
	struct mig_item it[MIG_BATCH_MAX];
	int stw = m->cfg->stop_the_world && m->hooks.pause_all && m->hooks.resume_all;
	size_t done;
	uint64_t t0;

	if (n > MIG_BATCH_MAX)
		n = MIG_BATCH_MAX;
	for (size_t i = 0; i < n; i++) {
		it[i].pg = pages[i];
		it[i].target = targets[i];
	}
	if (stw) {
		t0 = now_ns();
		m->hooks.pause_all(m->hooks.ctx);
		lat_rec_add(&m->pause, now_ns() - t0);
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
