/* Unit tests for the migration engine (mmu/migrate.c): one migration and its
 * counters, aborts, busy pages, the lazy-flush guard cases, stop-the-world
 * hooks and batches, in the environment of mmu_env.h (host memory, real mprotect, no KVM).
 *
 * The last test migrates pages from two threads while a third runs the
 * scanner; it is meant to pass under -fsanitize=thread as well (make check
 * runs it so). */
#define TAP_MAIN
#include "harness.h"
#include "unit/mmu_env.h"
#include "mmu/scan.h"
#include "mmu/schedule.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void test_migrate_basic(void)
{
	static struct env v;
	const int init[2] = { 0, 0 };
	struct ws_page *pg;
	struct frame *old, *new;
	uint64_t seq0, gpa, leaf;
	uint32_t free0, free1, tot;

	if (env_init(&v, 2, 16 * MB, 2, init, 1)) {
		OK(0, "basic: environment");
		return;
	}
	pg = &v.ws.pages[0];
	old = pg->frame;
	fill(old->hva, 42);
	fill(v.ws.pages[1].frame->hva, 43);
	seq0 = atomic_load(&pg->seq);
	free0 = pool_free_frames(&v.pool, 0);
	free1 = pool_free_frames(&v.pool, 1);
	tot = total_free(&v.pool);
	OK(pt_translate(&v.pt, pg->gva, &gpa) == 0 && gpa == old->gpa && old->node == 0,
	   "page 0 starts on node 0, mapped to its frame");

	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE) == MIG_DONE, "migrate page 0 to node 1");
	new = pg->frame;
	OK(new != old && new->node == 1 && new->in_use, "page->frame changed to an in-use frame on node 1");
	OK(pattern_diffs(new->hva, 42) == 0, "content arrived intact");
	leaf = atomic_load(pg->leaf);
	OK(pte_frame(leaf) == new->gpa && leaf == (new->gpa | PTE_LEAF_2M), "leaf points at the new frame, flags kept");
	OK(pt_translate(&v.pt, pg->gva + 0x1234, &gpa) == 0 && gpa == new->gpa + 0x1234, "translation follows");
	OK(atomic_load(&pg->state) == PAGE_PRESENT, "state PRESENT");
	OK(atomic_load(&pg->seq) == seq0 + 2 && !(atomic_load(&pg->seq) & 1), "seq advanced by 2, even");
	OK(atomic_load(&pg->migrations) == 1 && ld(&v.m.st.done) == 1 &&
		   ld(&v.m.st.by_reason[MIG_REASON_SCHEDULE]) == 1 && ld(&v.m.st.bytes_copied) == FRAME_SIZE,
	   "counters: page migrations 1, done 1, by reason, 2 MiB copied");
	OK(ld(&v.m.st.eager_unmaps) == 1 && ld(&v.m.st.guard_flushes) == 0 && ld(&v.m.st.no_invalidation) == 0,
	   "a present page without a pending flush is eagerly unmapped");
	OK(ld(&v.tlb.invalidations) == 1 && ld(&v.tlb.frames_invalidated) == 1, "one invalidation of the old frame");
	OK(old->ro_holds == 0 && !old->in_use, "old frame: no hold left, back in the pool");
	OK(writable(old->hva) == 1 && writable(old->hva + FRAME_SIZE - 1) == 1, "old frame is writable again");
	old->hva[0] ^= 1; /* a real store must not fault either */
	OK(pool_free_frames(&v.pool, 0) == free0 + 1 && pool_free_frames(&v.pool, 1) == free1 - 1 &&
		   total_free(&v.pool) == tot,
	   "node 0 one more free, node 1 one less, total unchanged");
	OK(pattern_diffs(v.ws.pages[1].frame->hva, 43) == 0 && v.ws.pages[1].frame->node == 0,
	   "the other page is untouched");
	OK(ws_pages_on_node(&v.ws, 0) == 1 && ws_pages_on_node(&v.ws, 1) == 1, "ws_pages_on_node 1/1");
	{
		struct lat_summary s;

		lat_rec_summarize(&v.m.st.total, &s);
		OK(s.count == 1 && v.m.st.guard.count == 1, "one total sample, one guard (hold) sample");
	}

	/* Back, and to the same node: another frame, same path. */
	OK(migrate_huge_page(&v.m, pg, 0, MIG_REASON_HINT_FAULT) == MIG_DONE && pg->frame->node == 0 &&
		   pattern_diffs(pg->frame->hva, 42) == 0,
	   "migrate back to node 0, intact");
	old = pg->frame;
	OK(migrate_huge_page(&v.m, pg, 0, MIG_REASON_SCANNED) == MIG_DONE && pg->frame != old &&
		   pg->frame->node == 0 && pattern_diffs(pg->frame->hva, 42) == 0,
	   "same-node migration moves to another frame of node 0, intact");
	OK(atomic_load(&pg->seq) == seq0 + 6 && atomic_load(&pg->migrations) == 3 &&
		   ld(&v.m.st.by_reason[MIG_REASON_HINT_FAULT]) == 1 && ld(&v.m.st.by_reason[MIG_REASON_SCANNED]) == 1,
	   "seq +6 after three migrations, reasons counted");
	OK(total_free(&v.pool) == tot, "total free frames unchanged");
	{
		uint64_t w = wait_for_migration(pg, atomic_load(&pg->seq));

		OK(w == 0, "wait_for_migration with an even seq returns at once");
	}
	env_destroy(&v);
}

static void test_abort_nomem(void)
{
	static struct env v;
	const int init[2] = { 0, 0 };
	struct frame *hog[16];
	struct ws_page *pg;
	struct frame *old;
	uint64_t leaf0, seq0, fails0, tinv;
	int n = 0;

	if (env_init(&v, 2, 8 * MB, 2, init, 1)) {
		OK(0, "nomem: environment");
		return;
	}
	pg = &v.ws.pages[0];
	old = pg->frame;
	fill(old->hva, 7);
	while (n < 16 && (hog[n] = frame_alloc(&v.pool, 1)))
		n++;
	OK(n == 4 && pool_free_frames(&v.pool, 1) == 0, "node 1 exhausted (%d frames taken)", n);
	leaf0 = atomic_load(pg->leaf);
	seq0 = atomic_load(&pg->seq);
	fails0 = v.pool.node[1].alloc_failures;
	tinv = ld(&v.tlb.invalidations);

	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE) == MIG_ABORT_NOMEM, "migration to a full node aborts");
	OK(pg->frame == old && pattern_diffs(old->hva, 7) == 0, "frame and data untouched");
	OK(atomic_load(pg->leaf) == leaf0 && (leaf0 & PTE_P), "leaf restored exactly, P set");
	OK(atomic_load(&pg->state) == PAGE_PRESENT && atomic_load(&pg->seq) == seq0 && !atomic_load(&pg->claimed),
	   "state PRESENT, seq unchanged: targets are allocated before isolation; claim dropped");
	OK(ld(&v.m.st.aborted_nomem) == 1 && ld(&v.m.st.done) == 0 && v.pool.node[1].alloc_failures == fails0 + 1,
	   "aborted_nomem 1, done 0, one more alloc failure");
	OK(ld(&v.tlb.invalidations) == tinv && old->ro_holds == 0 && writable(old->hva),
	   "no invalidation was made; frame writable");
	OK(ld(&v.m.st.bytes_copied) == 0, "nothing copied");

	/* Abort of a page whose leaf was not present (hinting): it stays so. */
	pthread_mutex_lock(&pg->lock);
	pte_clear_present(pg->leaf);
	atomic_store(&pg->state, PAGE_HINTING);
	pthread_mutex_unlock(&pg->lock);
	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_HINT_FAULT) == MIG_ABORT_NOMEM, "abort of a hinting page");
	OK(atomic_load(pg->leaf) == (leaf0 & ~PTE_P) && atomic_load(&pg->state) == PAGE_HINTING,
	   "it stays HINTING with P clear");
	pte_set_present(pg->leaf);
	atomic_store(&pg->state, PAGE_PRESENT);

	for (int i = 0; i < n; i++)
		frame_free(&v.pool, hog[i]);
	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE) == MIG_DONE && pattern_diffs(pg->frame->hva, 7) == 0,
	   "after frames are freed the migration succeeds, intact");
	env_destroy(&v);
}

static void test_busy(void)
{
	static struct env v;
	const int init[1] = { 0 };
	struct ws_page *pg;
	struct frame *old;
	uint64_t leaf0, seq0;
	uint32_t tot;

	if (env_init(&v, 1, 8 * MB, 1, init, 1)) {
		OK(0, "busy: environment");
		return;
	}
	pg = &v.ws.pages[0];
	old = pg->frame;
	fill(old->hva, 9);
	tot = total_free(&v.pool);
	pthread_mutex_lock(&pg->lock);
	atomic_store(&pg->state, PAGE_MIGRATING);
	pthread_mutex_unlock(&pg->lock);
	leaf0 = atomic_load(pg->leaf);
	seq0 = atomic_load(&pg->seq);
	OK(migrate_huge_page(&v.m, pg, 0, MIG_REASON_SCHEDULE) == MIG_BUSY, "a MIGRATING page gives MIG_BUSY");
	OK(ld(&v.m.st.busy) == 1 && ld(&v.m.st.done) == 0, "busy counted");
	OK(pg->frame == old && atomic_load(pg->leaf) == leaf0 && atomic_load(&pg->seq) == seq0 &&
		   atomic_load(&pg->state) == PAGE_MIGRATING,
	   "frame, leaf, seq and state untouched");
	OK(total_free(&v.pool) == tot && ld(&v.tlb.invalidations) == 0, "no frame allocated, nothing invalidated");
	atomic_store(&pg->state, PAGE_PRESENT);
	OK(migrate_huge_page(&v.m, pg, 0, MIG_REASON_SCHEDULE) == MIG_DONE && pattern_diffs(pg->frame->hva, 9) == 0,
	   "once PRESENT again it migrates");
	env_destroy(&v);
}

/* The scanner's view of a page: leaf cleared, flush deferred. */
static void mark_by_hand(struct ws_page *pg, int present, int stale)
{
	pthread_mutex_lock(&pg->lock);
	atomic_store(&pg->stale, stale);
	if (!present) {
		pte_clear_present(pg->leaf);
		atomic_store(&pg->state, PAGE_HINTING);
	}
	pthread_mutex_unlock(&pg->lock);
}

struct guard_case {
	const char *name;
	int guard, present, stale;
	int flushes, skipped, eager, none; /* expected counter deltas */
	int invalidations, stale_after;
};

static void test_guard(void)
{
	const struct guard_case cases[] = {
		{ "stale, guard on", 1, 0, 1, 1, 0, 0, 0, 1, 0 },
		{ "stale, guard on, leaf present", 1, 1, 1, 1, 0, 0, 0, 1, 0 },
		{ "stale, guard off", 0, 0, 1, 0, 1, 0, 0, 0, 1 },
		{ "not stale, present", 1, 1, 0, 0, 0, 1, 0, 1, 0 },
		{ "not stale, not present", 1, 0, 0, 0, 0, 0, 1, 0, 0 },
		{ "not stale, not present, guard off", 0, 0, 0, 0, 0, 0, 1, 0, 0 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		static struct env v;
		const struct guard_case *k = &cases[c];
		const int init[2] = { 0, 1 };
		struct ws_page *pg;
		struct frame *old;
		uint32_t tot;
		uint64_t seq0;

		if (env_init(&v, 2, 8 * MB, 2, init, k->guard)) {
			OK(0, "guard: environment");
			return;
		}
		pg = &v.ws.pages[0];
		old = pg->frame;
		fill(old->hva, 100 + c);
		tot = total_free(&v.pool);
		mark_by_hand(pg, k->present, k->stale);
		seq0 = atomic_load(&pg->seq);
		OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCANNED) == MIG_DONE, "%s: migration done", k->name);
		OK(ld(&v.m.st.guard_flushes) == (uint64_t)k->flushes && ld(&v.m.st.guard_skipped) == (uint64_t)k->skipped &&
			   ld(&v.m.st.eager_unmaps) == (uint64_t)k->eager &&
			   ld(&v.m.st.no_invalidation) == (uint64_t)k->none,
		   "%s: guard_flushes %" PRIu64 " guard_skipped %" PRIu64 " eager_unmaps %" PRIu64
		   " no_invalidation %" PRIu64,
		   k->name, ld(&v.m.st.guard_flushes), ld(&v.m.st.guard_skipped), ld(&v.m.st.eager_unmaps),
		   ld(&v.m.st.no_invalidation));
		OK(ld(&v.tlb.invalidations) == (uint64_t)k->invalidations && v.m.st.guard.count == (uint64_t)k->invalidations,
		   "%s: %d invalidation(s) of the old frame", k->name, k->invalidations);
		OK(atomic_load(&pg->stale) == k->stale_after, "%s: stale is %d afterwards", k->name, k->stale_after);
		OK(pattern_diffs(pg->frame->hva, 100 + c) == 0 && pg->frame->node == 1, "%s: content intact on node 1",
		   k->name);
		OK(atomic_load(&pg->state) == PAGE_PRESENT && (atomic_load(pg->leaf) & PTE_P) &&
			   pte_frame(atomic_load(pg->leaf)) == pg->frame->gpa && atomic_load(&pg->seq) == seq0 + 2,
		   "%s: PRESENT, P set, leaf on the new frame, seq +2", k->name);
		OK(old->ro_holds == 0 && !old->in_use && writable(old->hva) == 1 &&
			   writable(old->hva + FRAME_SIZE - 64) == 1,
		   "%s: old frame released, writable and free", k->name);
		OK(total_free(&v.pool) == tot, "%s: total free frames unchanged", k->name);
		env_destroy(&v);
	}
}

/* ---- stop-the-world hooks ------------------------------------------------- */

struct stw {
	struct ws_page *pg;
	int pauses, resumes, paused;
	int state_at_pause, state_at_resume;
	uint64_t seq_at_resume;
};

static void stw_pause(void *ctx)
{
	struct stw *h = ctx;

	h->pauses++;
	h->paused = 1;
	h->state_at_pause = atomic_load(&h->pg->state);
}

static void stw_resume(void *ctx)
{
	struct stw *h = ctx;

	h->resumes++;
	h->paused = 0;
	h->state_at_resume = atomic_load(&h->pg->state);
	h->seq_at_resume = atomic_load(&h->pg->seq);
}

static void test_stop_the_world(void)
{
	static struct env v;
	const int init[2] = { 0, 0 };
	struct stw h;
	struct ws_page *pg;
	struct frame *hog[8];
	int n = 0;

	if (env_init(&v, 2, 8 * MB, 2, init, 1)) {
		OK(0, "stw: environment");
		return;
	}
	pg = &v.ws.pages[0];
	fill(pg->frame->hva, 77);
	memset(&h, 0, sizeof(h));
	h.pg = pg;
	h.state_at_pause = h.state_at_resume = -1;
	v.m.hooks.ctx = &h;
	v.m.hooks.pause_all = stw_pause;
	v.m.hooks.resume_all = stw_resume;
	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE) == MIG_DONE && h.pauses == 0 && h.resumes == 0,
	   "hooks set but stop_the_world off: no pause");
	v.cfg.strategy = STRATEGY_STOP_THE_WORLD;
	OK(migrate_huge_page(&v.m, pg, 0, MIG_REASON_SCHEDULE) == MIG_DONE && h.pauses == 1 && h.resumes == 1 &&
		   !h.paused,
	   "stop_the_world: one pause and one resume around the migration");
	OK(h.state_at_pause == PAGE_PRESENT && h.state_at_resume == PAGE_PRESENT && !(h.seq_at_resume & 1),
	   "paused before isolation, resumed after the switch (seq even)");
	OK(v.m.pause.count == 1 && pattern_diffs(pg->frame->hva, 77) == 0, "pause time recorded once; data intact");
	while (n < 8 && (hog[n] = frame_alloc(&v.pool, 1)))
		n++;
	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE) == MIG_ABORT_NOMEM && h.pauses == 2 && h.resumes == 2,
	   "an aborted migration resumes the vCPUs too");
	for (int i = 0; i < n; i++)
		frame_free(&v.pool, hog[i]);
	v.m.hooks.pause_all = NULL;
	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE) == MIG_DONE && h.pauses == 2 && h.resumes == 2,
	   "stop_the_world without a pause hook migrates without pausing");
	env_destroy(&v);
}

/* ---- batches -------------------------------------------------------------- */

static void test_batch(void)
{
	static struct env v;
	int init[8], targets[8];
	struct ws_page *pages[8];
	enum mig_status st[8];
	uint64_t inval0, calls0;
	size_t done;

	for (int i = 0; i < 8; i++) {
		init[i] = 0;
		targets[i] = 1;
	}
	if (env_init(&v, 2, 32 * MB, 8, init, 1)) {
		OK(0, "batch: environment");
		return;
	}
	for (int i = 0; i < 8; i++) {
		pages[i] = &v.ws.pages[i];
		fill(pages[i]->frame->hva, 100 + (uint64_t)i);
	}
	/* Two pages with a deferred flush, one already flushed, five present. */
	mark_by_hand(pages[1], 0, 1);
	mark_by_hand(pages[2], 0, 1);
	mark_by_hand(pages[3], 0, 0);
	inval0 = ld(&v.tlb.invalidations);
	calls0 = ld(&v.tlb.calls);
	done = migrate_huge_pages(&v.m, pages, targets, 8, MIG_REASON_SCHEDULE, st);
	OK(done == 8, "batch of 8 pages to node 1: all migrated (%zu)", done);
	for (int i = 0; i < 8; i++)
		if (st[i] != MIG_DONE || pages[i]->frame->node != 1 || pattern_diffs(pages[i]->frame->hva, 100 + (uint64_t)i) ||
		    atomic_load(&pages[i]->state) != PAGE_PRESENT || atomic_load(&pages[i]->stale))
			OK(0, "batch: page %d done, on node 1, intact, present, not stale", i);
	OK(ld(&v.tlb.invalidations) == inval0 + 1, "one invalidation call for the whole batch");
	OK(ld(&v.tlb.frames_invalidated) >= 7 && ld(&v.m.st.guard_flushes) == 2 && ld(&v.m.st.eager_unmaps) == 5 &&
		   ld(&v.m.st.no_invalidation) == 1,
	   "guard for the 2 stale pages, eager unmap for the 5 present ones, nothing for the flushed one");
	/* The old frames were contiguous: one mprotect to protect, one to release. */
	OK(ld(&v.tlb.calls) - calls0 <= 4, "contiguous old frames cost few host calls (%llu)",
	   (unsigned long long)(ld(&v.tlb.calls) - calls0));
	for (int i = 1; i < 8; i++)
		if (pages[i]->frame->hva != pages[i - 1]->frame->hva + FRAME_SIZE)
			OK(0, "batch targets form one contiguous run (page %d)", i);
	for (int i = 0; i < 8; i++)
		if (!writable(pages[i]->frame->hva))
			OK(0, "batch: new frame %d writable", i);
	OK(pool_free_frames(&v.pool, 0) == 16 && pool_free_frames(&v.pool, 1) == 8,
	   "old frames back in node 0's pool, 8 in use on node 1");
	OK(v.m.st.batch_total.count == 1 && v.m.st.total.count == 8 && v.m.st.copy.count == 8,
	   "one batch_total sample, eight per-page total and copy samples");
	env_destroy(&v);
}

/* ---- concurrency ---------------------------------------------------------- */

#define CC_PAGES 12
#define CC_MIGRATIONS 1000

struct cc {
	struct env v;
	struct scanner scan;
	struct page_queue marked;
	atomic_int stop;
	atomic_uint_fast64_t done, busy, nomem, errors, windows;
};

struct cc_worker {
	struct cc *c;
	struct mig_schedule s;
	uint64_t seed, target;
};

static void *cc_migrate(void *arg)
{
	struct cc_worker *w = arg;
	uint64_t rng = w->seed, done = 0, attempts = 0;

	while (done < w->target && attempts < 50 * w->target) {
		attempts++;
		switch (schedule_step(&w->s, &rng)) {
		case MIG_DONE:
			done++;
			atomic_fetch_add(&w->c->done, 1);
			break;
		case MIG_BUSY:
			atomic_fetch_add(&w->c->busy, 1);
			break;
		case MIG_ABORT_NOMEM:
			atomic_fetch_add(&w->c->nomem, 1);
			break;
		default:
			atomic_fetch_add(&w->c->errors, 1);
		}
	}
	return NULL;
}

/* Marks a window, then holds its flush back (a lazy flush) until the
 * migrators have finished two more migrations or 5 ms passed, so that
 * migrations of just-marked pages overlap the deferred flush at any speed
 * (also under ThreadSanitizer); every other window flushes at once. */
static void *cc_scan(void *arg)
{
	struct cc *c = arg;
	struct timespec tick = { 0, 20000 };
	uint64_t n = 0;

	while (!atomic_load(&c->stop)) {
		uint64_t done0 = ld(&c->done), t0;

		scan_mark_window(&c->scan);
		t0 = now_ns();
		if (n++ % 2 == 0)
			while (ld(&c->done) < done0 + 2 && now_ns() - t0 < 5000000 && !atomic_load(&c->stop))
				nanosleep(&tick, NULL);
		if (scan_flush_window(&c->scan))
			atomic_fetch_add(&c->errors, 1);
		atomic_fetch_add(&c->windows, 1);
		sched_yield();
	}
	return NULL;
}

/* A store into a write-protected frame is a bug; count it, and let the
 * faulting store retry once the protection is gone so the test can report
 * instead of dying. */
static atomic_int segv_count;
static void *volatile segv_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	struct timespec ts = { 0, 100000 };

	(void)sig;
	(void)uc;
	segv_addr = si->si_addr;
	if (atomic_fetch_add(&segv_count, 1) > 10000) {
		static const char msg[] = "Bail out! a frame stayed write-protected under a VMM store\n";

		if (write(1, msg, sizeof(msg) - 1) < 0)
			_exit(98);
		_exit(99);
	}
	nanosleep(&ts, NULL);
}

static void test_concurrency(void)
{
	static struct cc c;
	static struct cc_worker w[2];
	int init[CC_PAGES];
	pthread_t mt[2], st;
	struct sigaction sa, old_sa;
	uint64_t t0 = now_ns();
	int ok;

	for (int i = 0; i < CC_PAGES; i++)
		init[i] = i % 2;
	memset(&c, 0, sizeof(c));
	if (env_init(&c.v, 2, 32 * MB, CC_PAGES, init, 1) || page_queue_init(&c.marked, 8) ||
	    scanner_init(&c.scan, &c.v.ws, &c.v.tlb, &c.marked, 0, 4, 0)) {
		OK(0, "concurrency: environment");
		return;
	}
	for (int i = 0; i < CC_PAGES; i++)
		fill(c.v.ws.pages[i].frame->hva, 1000 + i);
	for (int i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].c = &c;
		w[i].seed = 0x1234567ull * (i + 1);
		w[i].target = CC_MIGRATIONS / 2;
		w[i].s.mig = &c.v.m;
		w[i].s.ws = &c.v.ws;
		w[i].s.marked = &c.marked; /* scanner-marked pages first: the 2013 race */
		w[i].s.cfg = &c.v.cfg; /* two nodes, ping-pong */
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_sa);

	pthread_create(&st, NULL, cc_scan, &c);
	for (int i = 0; i < 2; i++)
		pthread_create(&mt[i], NULL, cc_migrate, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(mt[i], NULL);
	atomic_store(&c.stop, 1);
	pthread_join(st, NULL);
	sigaction(SIGSEGV, &old_sa, NULL);

	tap_diag("concurrency: %" PRIu64 " done, %" PRIu64 " busy, %" PRIu64 " nomem, %" PRIu64
		 " scanner windows, guard flushes %" PRIu64 ", %.2f s",
		 ld(&c.done), ld(&c.busy), ld(&c.nomem), ld(&c.windows), ld(&c.v.m.st.guard_flushes),
		 (now_ns() - t0) / 1e9);
	OK(ld(&c.done) == CC_MIGRATIONS && ld(&c.v.m.st.done) == CC_MIGRATIONS, "%d migrations done (%" PRIu64 ")",
	   CC_MIGRATIONS, ld(&c.done));
	OK(ld(&c.errors) == 0 && ld(&c.v.m.st.errors) == 0 && ld(&c.scan.errors) == 0, "no errors");
	OK(ld(&c.nomem) == 0, "no allocation failure (room for every page on either node)");
	OK(atomic_load(&segv_count) == 0,
	   "no store hit a write-protected frame (%d faults, last at %p)", atomic_load(&segv_count), segv_addr);
	OK(ld(&c.windows) > 0 && ld(&c.scan.batched_flushes) == ld(&c.windows), "the scanner ran (%" PRIu64 " windows)",
	   ld(&c.windows));

	ok = 1;
	for (int i = 0; i < CC_PAGES; i++)
		ok &= pattern_diffs(c.v.ws.pages[i].frame->hva, 1000 + i) == 0;
	OK(ok, "every page's content equals the pattern it was given");
	ok = 1;
	for (int i = 0; i < CC_PAGES; i++) {
		struct ws_page *pg = &c.v.ws.pages[i];
		int st = atomic_load(&pg->state);
		uint64_t leaf = atomic_load(pg->leaf);

		ok &= (st == PAGE_PRESENT && (leaf & PTE_P)) || (st == PAGE_HINTING && !(leaf & PTE_P));
		ok &= !(atomic_load(&pg->seq) & 1) && pte_frame(leaf) == pg->frame->gpa && pg->frame->in_use;
	}
	OK(ok, "every page is PRESENT (P set) or HINTING (P clear), never MIGRATING; seq even; leaf on its frame");
	ok = 1;
	for (int i = 0; i < CC_PAGES; i++)
		for (int j = 0; j < i; j++)
			ok &= c.v.ws.pages[i].frame != c.v.ws.pages[j].frame;
	OK(ok, "no two pages share a frame");
	for (int g = 0; g < 2; g++) {
		struct node_pool *np = &c.v.pool.node[g];
		uint32_t in_use = 0;

		for (uint32_t i = 0; i < np->nr_frames; i++)
			in_use += np->frames[i].in_use;
		OK(np->nr_frames - pool_free_frames(&c.v.pool, g) == ws_pages_on_node(&c.v.ws, g) &&
			   in_use == ws_pages_on_node(&c.v.ws, g),
		   "node %d: frames in use (%u) == pages on the node (%u), nr_free %u", g, in_use,
		   ws_pages_on_node(&c.v.ws, g), pool_free_frames(&c.v.pool, g));
	}
	ok = 1;
	for (int g = 0; g < 2; g++)
		for (uint32_t i = 0; i < c.v.pool.node[g].nr_frames; i++) {
			struct frame *f = &c.v.pool.node[g].frames[i];

			ok &= f->ro_holds == 0 && f->vmm_writes == 0 && writable(f->hva) == 1;
		}
	OK(ok, "no frame is left write-protected, held or marked as VMM-written");
	OK(atomic_load(&c.scan.flush_pending) == 0 && atomic_load(&c.v.tlb.in_progress) == 0,
	   "no flush pending, no invalidation in progress");

	scanner_destroy(&c.scan);
	page_queue_free(&c.marked);
	env_destroy(&c.v);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_migrate_basic();
	test_abort_nomem();
	test_busy();
	test_guard();
	test_stop_the_world();
	test_batch();
	test_concurrency();
	return tap_done();
}
