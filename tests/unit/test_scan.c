/* Unit tests for the NUMA-hinting scanner (mmu/scan.c): marking windows,
 * the deferred batched flush and its interplay with the guard, and the
 * marked-page queue, in the environment of mmu_env.h (host memory, real mprotect, no KVM). */
#define TAP_MAIN
#include "harness.h"
#include "unit/mmu_env.h"
#include "mmu/scan.h"

#include <inttypes.h>

static int page_marked(struct ws_page *pg)
{
	return atomic_load(&pg->state) == PAGE_HINTING && !(atomic_load(pg->leaf) & PTE_P);
}

static void test_scanner(void)
{
	static struct env v;
	static struct scanner s;
	struct page_queue q;
	int init[10] = { 0 };
	uint64_t gpa, inv0, fi0, calls0;
	uint32_t idx;
	int ok;

	if (env_init(&v, 2, 32 * MB, 10, init, 1) || page_queue_init(&q, 16)) {
		OK(0, "scanner: environment");
		return;
	}
	OK(scanner_init(&s, &v.ws, &v.tlb, &q, 0, 4, 0) == 0 && s.scan_size == 4 && s.cursor == 0,
	   "scanner_init: 4 pages per window over 10");
	for (int i = 0; i < 10; i++)
		fill(v.ws.pages[i].frame->hva, 200 + i);

	OK(scan_mark_window(&s) == 4, "window 1 marks 4 pages");
	ok = 1;
	for (int i = 0; i < 10; i++) {
		struct ws_page *pg = &v.ws.pages[i];

		if (i < 4)
			ok &= page_marked(pg) && atomic_load(&pg->stale) == 1 && pt_translate(&v.pt, pg->gva, &gpa) == -1;
		else
			ok &= atomic_load(&pg->state) == PAGE_PRESENT && (atomic_load(pg->leaf) & PTE_P) &&
			      atomic_load(&pg->stale) == 0;
	}
	OK(ok, "pages 0-3: HINTING, P clear, stale, no translation; 4-9 untouched");
	OK(atomic_load(&s.flush_pending) == 1 && s.cursor == 4 && s.batch_len == 4 && ld(&s.pages_marked) == 4,
	   "during the window: flush_pending 1, cursor 4, 4 frames batched");
	OK(ld(&v.tlb.invalidations) == 0, "marking defers the invalidation");
	OK(writable(v.ws.pages[0].frame->hva) == 1, "the frames stay writable until the flush (deferred)");
	ok = 1;
	for (uint32_t k = 0; k < 4; k++)
		ok &= page_queue_pop(&q, &idx) && idx == k;
	OK(ok && !page_queue_pop(&q, &idx), "the marked queue holds 0,1,2,3 in order");

	inv0 = ld(&v.tlb.invalidations);
	fi0 = ld(&v.tlb.frames_invalidated);
	calls0 = ld(&v.tlb.calls);
	OK(scan_flush_window(&s) == 0, "scan_flush_window");
	ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= atomic_load(&v.ws.pages[i].stale) == 0 && page_marked(&v.ws.pages[i]);
	OK(ok, "the flush clears stale; the pages stay HINTING");
	OK(atomic_load(&s.flush_pending) == 0 && ld(&s.batched_flushes) == 1 && ld(&s.frames_flushed) == 4 &&
		   s.batch_len == 0,
	   "flush_pending 0, batched_flushes 1, frames_flushed 4");
	OK(ld(&v.tlb.invalidations) == inv0 + 1 && ld(&v.tlb.frames_invalidated) == fi0 + 4,
	   "one tlb invalidation covered the 4 frames");
	{
		int contig = 1;

		for (int i = 1; i < 4; i++)
			contig &= v.ws.pages[i].frame->hva == v.ws.pages[i - 1].frame->hva + FRAME_SIZE;
		if (contig)
			OK(ld(&v.tlb.calls) == calls0 + 2, "contiguous frames: one protect and one unprotect call (%" PRIu64 ")",
			   ld(&v.tlb.calls) - calls0);
		else
			tap_skip("one mprotect per direction", "frames not contiguous");
	}
	ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= writable(v.ws.pages[i].frame->hva) == 1 && v.ws.pages[i].frame->ro_holds == 0;
	OK(ok, "flushed frames are writable again (the flush holds nothing)");

	/* Window 2: page 5 is migrating (by hand) and must be skipped. */
	atomic_store(&v.ws.pages[5].state, PAGE_MIGRATING);
	OK(scan_mark_window(&s) == 3 && s.cursor == 8, "window 2 (4-7) marks 3: page 5 is not PRESENT");
	OK(page_marked(&v.ws.pages[4]) && page_marked(&v.ws.pages[6]) && page_marked(&v.ws.pages[7]) &&
		   atomic_load(&v.ws.pages[5].stale) == 0 && (atomic_load(v.ws.pages[5].leaf) & PTE_P),
	   "4,6,7 marked; 5 untouched");
	scan_flush_window(&s);
	atomic_store(&v.ws.pages[5].state, PAGE_PRESENT);

	/* Window 3 wraps: 8, 9, then 0, 1 which are HINTING already. */
	OK(scan_mark_window(&s) == 2 && s.cursor == 2, "window 3 wraps (8,9,0,1): marks 8,9; cursor 2");
	OK(page_marked(&v.ws.pages[8]) && page_marked(&v.ws.pages[9]), "8 and 9 marked");
	scan_flush_window(&s);

	/* A window with nothing to mark: an empty flush invalidates nothing. */
	inv0 = ld(&v.tlb.invalidations);
	{
		uint32_t n = scan_mark_window(&s); /* 2,3,4,5: only 5 is PRESENT */

		OK(n == 1 && page_marked(&v.ws.pages[5]), "window 4 (2-5) marks only page 5");
		scan_flush_window(&s);
		n = scan_mark_window(&s); /* 6,7,8,9: all HINTING */
		OK(n == 0 && s.cursor == 0, "window 5 marks nothing, cursor wraps to 0");
		inv0 = ld(&v.tlb.invalidations);
		OK(scan_flush_window(&s) == 0 && ld(&v.tlb.invalidations) == inv0 && atomic_load(&s.flush_pending) == 0,
		   "an empty flush makes no invalidation; flush_pending 0");
	}

	/* Migration of a marked page before the flush: the guard flushes it,
	 * and the later batched flush must not disturb the new placement. */
	{
		struct ws_page *pg = &v.ws.pages[0];
		struct frame *old;

		/* Make 0-3 present again by migrating them (no pending flush). */
		for (int i = 0; i < 4; i++)
			migrate_huge_page(&v.m, &v.ws.pages[i], 1, MIG_REASON_SCHEDULE);
		OK(ld(&v.m.st.no_invalidation) == 4, "migrating flushed HINTING pages needs no invalidation");
		OK(scan_mark_window(&s) == 4 && atomic_load(&pg->stale) == 1, "window marks 0-3 again");
		old = pg->frame;
		OK(migrate_huge_page(&v.m, pg, 0, MIG_REASON_HINT_FAULT) == MIG_DONE &&
			   ld(&v.m.st.guard_flushes) == 1 && atomic_load(&pg->stale) == 0,
		   "migrating a marked page before the batched flush runs the guard");
		OK(scan_flush_window(&s) == 0 && writable(old->hva) == 1 && writable(pg->frame->hva) == 1 &&
			   old->ro_holds == 0,
		   "the batched flush of the moved page's old frame leaves every frame writable");
		OK(atomic_load(&pg->state) == PAGE_PRESENT && (atomic_load(pg->leaf) & PTE_P),
		   "the migrated page is PRESENT (the flush does not re-mark it)");
	}
	ok = 1;
	for (int i = 0; i < 10; i++)
		ok &= pattern_diffs(v.ws.pages[i].frame->hva, 200 + i) == 0;
	OK(ok, "every page kept its content through marking, flushing and migrating");
	while (page_queue_pop(&q, &idx))
		;
	scanner_destroy(&s);

	/* scan_size larger than the working set is capped. */
	OK(scanner_init(&s, &v.ws, &v.tlb, NULL, 0, 100, 0) == 0 && s.scan_size == 10, "scan_size capped to 10");
	scanner_destroy(&s);
	page_queue_free(&q);
	env_destroy(&v);
}

static void test_queue(void)
{
	struct page_queue q;
	uint32_t v = 0;
	int ok = 1;

	OK(page_queue_init(&q, 3) == 0 && q.cap == 3, "queue of 3");
	OK(!page_queue_pop(&q, &v), "empty queue pops nothing");
	page_queue_push(&q, 10);
	page_queue_push(&q, 11);
	OK(page_queue_pop(&q, &v) && v == 10 && page_queue_pop(&q, &v) && v == 11 && !page_queue_pop(&q, &v),
	   "FIFO: 10 then 11, then empty");
	for (uint32_t i = 1; i <= 4; i++)
		page_queue_push(&q, i);
	OK(q.count == 3, "full queue stays at capacity");
	OK(page_queue_pop(&q, &v) && v == 2 && page_queue_pop(&q, &v) && v == 3 && page_queue_pop(&q, &v) &&
		   v == 4 && !page_queue_pop(&q, &v),
	   "push into a full queue drops the oldest (1)");
	for (uint32_t i = 0; i < 100; i++) {
		page_queue_push(&q, i);
		page_queue_push(&q, i + 1000);
		ok &= page_queue_pop(&q, &v) && v == i;
		ok &= page_queue_pop(&q, &v) && v == i + 1000;
	}
	OK(ok && !page_queue_pop(&q, &v), "FIFO order holds across many wrap-arounds");
	page_queue_free(&q);

	OK(page_queue_init(&q, 0) == 0 && q.cap == 1, "capacity 0 becomes 1");
	page_queue_push(&q, 1);
	page_queue_push(&q, 2);
	OK(page_queue_pop(&q, &v) && v == 2 && !page_queue_pop(&q, &v), "capacity 1 keeps the newest");
	page_queue_free(&q);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_scanner();
	test_queue();
	return tap_done();
}
