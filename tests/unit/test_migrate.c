/* Unit tests for the migration engine (mmu/migrate.c), the hinting scanner
 * (mmu/scan.c), invalidation (mmu/tlb.c), the policy and one schedule step,
 * on host memory only: real translation tables over a host buffer, a real
 * pool of anonymous mmaps, no KVM and no vCPU. Invalidation is still real
 * (mprotect of the frames), so write protection can be observed.
 *
 * The last test migrates pages from two threads while a third runs the
 * scanner; it is meant to pass under -fsanitize=thread as well. */
#define TAP_MAIN
#include "harness.h"
#include "mmu/migrate.h"
#include "mmu/policy.h"
#include "mmu/scan.h"
#include "mmu/schedule.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MB (1ull << 20)
#define WS_BASE (1ull << 30)

struct env {
	uint8_t *mem; /* guest memory holding the tables */
	struct pt pt;
	struct pool pool;
	struct ws ws;
	struct tlb tlb;
	struct mmu_config cfg; /* what the migrator and schedulers read */
	struct migrator m;
};

static int env_init(struct env *v, int nodes, uint64_t bytes_per_node, uint32_t pages, const int *initial,
		    int guard)
{
	const int host[4] = { 0, 0, 0, 0 };
	struct nerr e = { 0 };

	memset(v, 0, sizeof(*v));
	v->cfg.nr_nodes = nodes;
	v->cfg.guard = guard;
	v->mem = aligned_alloc(PT_HUGE, PT_HUGE);
	if (!v->mem || pt_init(&v->pt, v->mem, 0x1000, 0x100000, &e) ||
	    pool_create(&v->pool, nodes, bytes_per_node, host, 0, &e) ||
	    ws_create(&v->ws, &v->pt, &v->pool, WS_BASE, pages, initial, &e) || tlb_init(&v->tlb) ||
	    migrator_init(&v->m, &v->ws, &v->pool, &v->tlb, &v->cfg, NULL)) {
		tap_diag("environment set-up failed: %s", e.msg);
		return -1;
	}
	return 0;
}

static void env_destroy(struct env *v)
{
	migrator_destroy(&v->m);
	tlb_destroy(&v->tlb);
	ws_destroy(&v->ws);
	pool_destroy(&v->pool);
	free(v->mem);
}

/* ---- content helpers ---------------------------------------------------- */

static uint64_t word_of(uint64_t seed, uint64_t i)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ull ^ (i * 0xbf58476d1ce4e5b9ull);

	x ^= x >> 31;
	return x * 0x94d049bb133111ebull;
}

static void fill(uint8_t *hva, uint64_t seed)
{
	uint64_t *w = (uint64_t *)hva;

	for (uint64_t i = 0; i < FRAME_SIZE / 8; i++)
		w[i] = word_of(seed, i);
}

/* Number of 8-byte words that differ from the pattern. */
static uint64_t pattern_diffs(const uint8_t *hva, uint64_t seed)
{
	const uint64_t *w = (const uint64_t *)hva;
	uint64_t n = 0;

	for (uint64_t i = 0; i < FRAME_SIZE / 8; i++)
		n += w[i] != word_of(seed, i);
	return n;
}

static uint64_t byte_diffs(const uint8_t *a, const uint8_t *b, uint64_t *first)
{
	uint64_t n = 0;

	*first = UINT64_MAX;
	for (uint64_t i = 0; i < FRAME_SIZE; i++)
		if (a[i] != b[i]) {
			if (!n)
				*first = i;
			n++;
		}
	return n;
}

/* Can the process write to `p`? Asks the kernel (read(2) into it gives
 * EFAULT on a read-only page) instead of faulting. The byte is rewritten
 * with its own value, so content is preserved. */
static int writable(uint8_t *p)
{
	int fds[2], ok;
	uint8_t c = *(volatile uint8_t *)p;

	if (pipe(fds))
		return -1;
	ok = write(fds[1], &c, 1) == 1 && read(fds[0], p, 1) == 1;
	close(fds[0]);
	close(fds[1]);
	return ok;
}

static uint32_t total_free(struct pool *p)
{
	uint32_t n = 0;

	for (int g = 0; g < p->nr_nodes; g++)
		n += pool_free_frames(p, g);
	return n;
}

static uint64_t ld(atomic_uint_fast64_t *a)
{
	return (uint64_t)atomic_load(a);
}

/* ---- tlb ---------------------------------------------------------------- */

static void test_tlb(void)
{
	static struct env v;
	const int init[2] = { 0, 0 };
	struct frame *f0, *f1, *list[3];
	uint64_t calls;

	if (env_init(&v, 1, 8 * MB, 2, init, 1)) {
		OK(0, "tlb: environment");
		return;
	}
	f0 = v.ws.pages[0].frame;
	f1 = v.ws.pages[1].frame;
	OK(writable(f0->hva) == 1 && writable(f1->hva + FRAME_SIZE - 1) == 1, "frames start writable");
	OK(tlb_invalidate_frames(&v.tlb, NULL, 0, 1) == 0 && ld(&v.tlb.invalidations) == 0 && ld(&v.tlb.calls) == 0,
	   "invalidating 0 frames does nothing and counts nothing");

	list[0] = f0;
	list[1] = f1;
	list[2] = f0; /* duplicates count once */
	OK(tlb_invalidate_frames(&v.tlb, list, 3, 1) == 0, "invalidate 2 frames (one listed twice), keep_ro");
	OK(f0->ro_holds == 1 && f1->ro_holds == 1, "one hold each despite the duplicate");
	OK(ld(&v.tlb.invalidations) == 1 && ld(&v.tlb.frames_invalidated) == 2 && ld(&v.tlb.seq) == 1,
	   "1 invalidation of 2 frames, seq bumped");
	OK(f1->hva == f0->hva + FRAME_SIZE ? ld(&v.tlb.calls) == 1 : ld(&v.tlb.calls) == 2,
	   "contiguous frames take one mprotect call (%" PRIu64 ")", ld(&v.tlb.calls));
	OK(writable(f0->hva) == 0 && writable(f1->hva + 4096) == 0, "held frames are read-only");
	OK(atomic_load(&v.tlb.in_progress) == 0, "in_progress back to 0");

	calls = ld(&v.tlb.calls);
	OK(tlb_invalidate_frames(&v.tlb, &f0, 1, 1) == 0 && f0->ro_holds == 2 && ld(&v.tlb.calls) == calls,
	   "a second hold on a held frame makes no host call");
	OK(tlb_invalidate_frames(&v.tlb, &f0, 1, 0) == 0 && f0->ro_holds == 2 && writable(f0->hva) == 0,
	   "a flush without keep_ro leaves a held frame read-only and its holds alone");
	OK(tlb_release(&v.tlb, f0) == 0 && f0->ro_holds == 1 && writable(f0->hva) == 0,
	   "releasing one of two holds keeps it read-only");
	OK(tlb_release(&v.tlb, f0) == 0 && f0->ro_holds == 0 && writable(f0->hva) == 1,
	   "releasing the last hold makes it writable");
	OK(tlb_release(&v.tlb, f0) == 0 && f0->ro_holds == 0, "releasing with no hold is a no-op");
	OK(tlb_release(&v.tlb, f1) == 0 && writable(f1->hva) == 1, "f1 writable after its release");

	OK(tlb_invalidate_frames(&v.tlb, &f1, 1, 0) == 0 && f1->ro_holds == 0 && writable(f1->hva) == 1,
	   "a plain flush (no keep_ro) leaves the frame writable");

	/* A frame the VMM is writing (a copy target) is never protected. */
	tlb_begin_vmm_write(&v.tlb, f1);
	calls = ld(&v.tlb.calls);
	OK(tlb_invalidate_frames(&v.tlb, list, 2, 1) == 0 && f1->ro_holds == 0 && writable(f1->hva) == 1,
	   "during a VMM write: keep_ro adds no hold and the frame stays writable");
	OK(f0->ro_holds == 1 && writable(f0->hva) == 0, "the other frame of the same call is held read-only");
	OK(ld(&v.tlb.calls) == calls + 1, "one host call, for the other frame only");
	OK(tlb_invalidate_frames(&v.tlb, &f1, 1, 0) == 0 && writable(f1->hva) == 1,
	   "a batched flush skips the frame too");
	tlb_end_vmm_write(&v.tlb, f1);
	OK(f1->vmm_writes == 0, "vmm_writes back to 0");
	OK(tlb_invalidate_frames(&v.tlb, &f1, 1, 1) == 0 && f1->ro_holds == 1 && writable(f1->hva) == 0,
	   "after the write an invalidation protects it again");
	tlb_release(&v.tlb, f1);
	tlb_release(&v.tlb, f0);
	OK(writable(f0->hva) == 1 && writable(f1->hva) == 1, "both writable after release");
	env_destroy(&v);
}

/* ---- working set ---------------------------------------------------------- */

static void test_ws(void)
{
	static struct env v;
	static struct pool p2;
	static struct ws w2;
	static struct pt t2;
	const int init[3] = { 0, 1, 0 };
	const int host[1] = { 0 };
	struct nerr e = { 0 };
	uint8_t *mem2;
	int ok = 1;

	if (env_init(&v, 2, 8 * MB, 3, init, 1)) {
		OK(0, "ws: environment");
		return;
	}
	for (uint32_t i = 0; i < 3; i++) {
		struct ws_page *pg = &v.ws.pages[i];
		uint64_t gpa;

		ok &= pg->index == i && pg->gva == WS_BASE + i * FRAME_SIZE && pg->frame->node == init[i] &&
		      pg->leaf == pt_leaf(&v.pt, pg->gva) && atomic_load(pg->leaf) == (pg->frame->gpa | PTE_LEAF_2M) &&
		      pt_translate(&v.pt, pg->gva + 5, &gpa) == 0 && gpa == pg->frame->gpa + 5 &&
		      atomic_load(&pg->state) == PAGE_PRESENT && atomic_load(&pg->seq) == 0 &&
		      atomic_load(&pg->stale) == 0 && pg->frame->in_use;
	}
	OK(ok, "ws_create: page i at base + i*2M, on its node, mapped by a present leaf, PRESENT, seq 0");
	OK(ws_pages_on_node(&v.ws, 0) == 2 && ws_pages_on_node(&v.ws, 1) == 1 && ws_pages_on_node(&v.ws, 2) == 0,
	   "ws_pages_on_node 2/1/0");
	OK(ws_page_of(&v.ws, WS_BASE) == &v.ws.pages[0] && ws_page_of(&v.ws, WS_BASE + 2 * FRAME_SIZE + 77) == &v.ws.pages[2],
	   "ws_page_of finds the page of an address");
	OK(ws_page_of(&v.ws, WS_BASE - 1) == NULL && ws_page_of(&v.ws, WS_BASE + 3 * FRAME_SIZE) == NULL,
	   "ws_page_of is NULL outside the working set");
	OK(pool_free_frames(&v.pool, 0) == 2 && pool_free_frames(&v.pool, 1) == 3, "frames taken from the right nodes");
	env_destroy(&v);

	/* More pages than frames: an error naming the node. */
	mem2 = aligned_alloc(PT_HUGE, PT_HUGE);
	if (!mem2 || pt_init(&t2, mem2, 0x1000, 0x100000, &e) || pool_create(&p2, 1, 4 * MB, host, 0, &e)) {
		OK(0, "ws: second environment (%s)", e.msg);
		free(mem2);
		return;
	}
	{
		const int three[3] = { 0, 0, 0 };

		OK(ws_create(&w2, &t2, &p2, WS_BASE, 3, three, &e) == -1 && strstr(e.msg, "guest node 0"),
		   "3 pages on a 2-frame node: refused (%s)", e.msg);
		ws_destroy(&w2);
	}
	memset(&e, 0, sizeof(e));
	OK(ws_create(&w2, &t2, &p2, WS_BASE, 0, NULL, &e) == 0 && w2.nr_pages == 0 && ws_page_of(&w2, WS_BASE) == NULL,
	   "an empty working set is allowed");
	ws_destroy(&w2);
	pool_destroy(&p2);
	free(mem2);
}

/* ---- the engine --------------------------------------------------------- */

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
	OK(atomic_load(&pg->state) == PAGE_PRESENT && atomic_load(&pg->seq) == seq0 + 2,
	   "state PRESENT, seq +2 (even)");
	OK(ld(&v.m.st.aborted_nomem) == 1 && ld(&v.m.st.done) == 0 && v.pool.node[1].alloc_failures == fails0 + 1,
	   "aborted_nomem 1, done 0, one more alloc failure");
	OK(ld(&v.tlb.invalidations) == tinv && old->ro_holds == 0 && writable(old->hva),
	   "no invalidation was made; frame writable");
	OK(ld(&v.m.started) == 0 && ld(&v.m.st.bytes_copied) == 0, "no copy started");

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
	v.cfg.stop_the_world = 1;
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

/* ---- injections --------------------------------------------------------- */

static void test_inject_corrupt(void)
{
	static struct env v;
	const int init[2] = { 0, 0 };
	struct ws_page *pg;
	uint64_t first, n;
	static uint8_t ref[FRAME_SIZE];

	if (env_init(&v, 2, 8 * MB, 2, init, 1)) {
		OK(0, "inject: environment");
		return;
	}
	pg = &v.ws.pages[1];
	fill(v.ws.pages[0].frame->hva, 1);
	fill(pg->frame->hva, 2);
	memcpy(ref, pg->frame->hva, FRAME_SIZE);
	v.cfg.inject = INJECT_CORRUPT_COPY;
	v.cfg.inject_after = 0;
	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE) == MIG_DONE, "migration with INJECT_CORRUPT_COPY");
	n = byte_diffs(pg->frame->hva, ref, &first);
	OK(n == 1, "exactly one byte differs from the source (%" PRIu64 ")", n);
	OK(first == v.m.injected_offset && v.m.injected_offset < FRAME_SIZE,
	   "at m->injected_offset (%#" PRIx64 " vs %#" PRIx64 ")", first, v.m.injected_offset);
	OK(atomic_load(&v.m.injected) == 1 && v.m.injected_page == 1, "injected once, into page 1");
	memcpy(ref, pg->frame->hva, FRAME_SIZE);
	OK(migrate_huge_page(&v.m, pg, 0, MIG_REASON_SCHEDULE) == MIG_DONE &&
		   byte_diffs(pg->frame->hva, ref, &first) == 0,
	   "the next migration is a faithful copy (injection happens once)");
	env_destroy(&v);

	/* inject_after = 2: the third migration is the faulty one. */
	if (env_init(&v, 2, 8 * MB, 1, init, 1)) {
		OK(0, "inject: environment");
		return;
	}
	pg = &v.ws.pages[0];
	fill(pg->frame->hva, 3);
	v.cfg.inject = INJECT_CORRUPT_COPY;
	v.cfg.inject_after = 2;
	for (int i = 0; i < 2; i++)
		migrate_huge_page(&v.m, pg, (i + 1) % 2, MIG_REASON_SCHEDULE);
	OK(pattern_diffs(pg->frame->hva, 3) == 0 && atomic_load(&v.m.injected) == 0,
	   "inject_after=2: the first two migrations are clean");
	migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE);
	OK(atomic_load(&v.m.injected) == 1 && pattern_diffs(pg->frame->hva, 3) == 1,
	   "the third migration is corrupted (one word differs)");
	env_destroy(&v);

	/* INJECT_NONE: never injected. */
	if (env_init(&v, 1, 8 * MB, 1, init, 1)) {
		OK(0, "inject: environment");
		return;
	}
	pg = &v.ws.pages[0];
	fill(pg->frame->hva, 4);
	for (int i = 0; i < 5; i++)
		migrate_huge_page(&v.m, pg, 0, MIG_REASON_SCHEDULE);
	OK(atomic_load(&v.m.injected) == 0 && pattern_diffs(pg->frame->hva, 4) == 0 && ld(&v.m.st.done) == 5,
	   "INJECT_NONE: 5 migrations, all faithful");
	env_destroy(&v);
}

/* Fills every free frame of `node` with `byte` (the next target is one). */
static void fill_free_frames(struct pool *p, int node, int byte)
{
	struct node_pool *np = &p->node[node];

	for (uint32_t i = 0; i < np->nr_frames; i++)
		if (!np->frames[i].in_use)
			memset(np->frames[i].hva, byte, FRAME_SIZE);
}

static void test_inject_skip_line(void)
{
	static struct env v;
	static uint8_t ref[FRAME_SIZE];
	const int init[1] = { 0 };
	struct ws_page *pg;
	uint64_t first, n, lines = 0, off;
	int other_line_ok = 1;

	if (env_init(&v, 2, 8 * MB, 1, init, 1)) {
		OK(0, "skip-line: environment");
		return;
	}
	pg = &v.ws.pages[0];
	fill(pg->frame->hva, 5);
	memcpy(ref, pg->frame->hva, FRAME_SIZE);
	fill_free_frames(&v.pool, 1, 0xee);
	v.cfg.inject = INJECT_SKIP_COPY_LINE;
	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE) == MIG_DONE, "migration with INJECT_SKIP_COPY_LINE");
	off = v.m.injected_offset;
	for (uint64_t l = 0; l < FRAME_SIZE; l += 64)
		if (memcmp(pg->frame->hva + l, ref + l, 64)) {
			lines++;
			if (l != off)
				other_line_ok = 0;
		}
	OK(lines == 1 && other_line_ok, "exactly one 64-byte line differs from the source (%" PRIu64 ")", lines);
	OK(off % 64 == 0 && off >= 3 * 4096 && off + 64 <= FRAME_SIZE, "the line is at injected_offset %#" PRIx64,
	   off);
	{
		int stale_line = 1;

		for (int i = 0; i < 64; i++)
			stale_line &= pg->frame->hva[off + i] == 0xee;
		OK(stale_line, "the line holds what the target frame held before (0xee)");
	}
	n = byte_diffs(pg->frame->hva, ref, &first);
	OK(n >= 1 && n <= 64 && first >= off && first < off + 64, "%" PRIu64 " differing bytes, all in that line", n);
	env_destroy(&v);

	/* Target already holds the same data: skipping a line loses nothing. */
	if (env_init(&v, 2, 8 * MB, 1, init, 1)) {
		OK(0, "skip-line: environment");
		return;
	}
	pg = &v.ws.pages[0];
	fill(pg->frame->hva, 6);
	for (uint32_t i = 0; i < v.pool.node[1].nr_frames; i++)
		fill(v.pool.node[1].frames[i].hva, 6);
	v.cfg.inject = INJECT_SKIP_COPY_LINE;
	OK(migrate_huge_page(&v.m, pg, 1, MIG_REASON_SCHEDULE) == MIG_DONE && atomic_load(&v.m.injected) == 1 &&
		   pattern_diffs(pg->frame->hva, 6) == 0,
	   "skip-line into a frame that already held the same data: content intact");
	env_destroy(&v);
}

/* ---- scanner ------------------------------------------------------------ */

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

/* ---- policy and one schedule step ---------------------------------------- */

static void test_policy(void)
{
	uint64_t rng = 12345, rng2 = 12345, zero = 0;
	int seen[3] = { 0 }, in_range = 1, same = 1;

	OK(policy_schedule_target(SCHED_PINGPONG, 0, 0, 2, &rng) == 1 &&
		   policy_schedule_target(SCHED_PINGPONG, 0, 1, 2, &rng) == 0,
	   "pingpong on 2 nodes: 0->1, 1->0");
	OK(policy_schedule_target(SCHED_PINGPONG, 0, 0, 1, &rng) == 0, "pingpong on 1 node stays on 0");
	OK(policy_schedule_target(SCHED_PINGPONG, 0, 2, 3, &rng) == 0 &&
		   policy_schedule_target(SCHED_PINGPONG, 0, 1, 3, &rng) == 2,
	   "pingpong on 3 nodes cycles 1->2->0");
	OK(rng == 12345, "pingpong does not consume randomness");
	OK(policy_schedule_target(SCHED_TO_NODE, 1, 0, 2, &rng) == 1 &&
		   policy_schedule_target(SCHED_TO_NODE, 1, 1, 2, &rng) == 1,
	   "to_node always returns the fixed node");
	for (int i = 0; i < 3000; i++) {
		int t = policy_schedule_target(SCHED_RANDOM, 0, 0, 3, &rng);
		int t2 = policy_schedule_target(SCHED_RANDOM, 0, 0, 3, &rng2);

		in_range &= t >= 0 && t < 3;
		same &= t == t2;
		if (t >= 0 && t < 3)
			seen[t]++;
	}
	OK(in_range, "random targets are in [0, 3)");
	OK(seen[0] > 800 && seen[1] > 800 && seen[2] > 800, "random covers every node (%d %d %d)", seen[0], seen[1],
	   seen[2]);
	OK(same, "the same seed gives the same sequence");
	OK(policy_rand(&zero) != 0 && zero != 0, "a zero rng state is not stuck at zero");
	OK(policy_hint_target(0, 0) == -1 && policy_hint_target(1, 1) == -1, "hint fault on the local node: stay");
	OK(policy_hint_target(0, 1) == 1 && policy_hint_target(1, 0) == 0, "hint fault from another node: move there");
}

static void test_schedule_step(void)
{
	static struct env v;
	static struct mig_schedule s;
	struct page_queue q;
	const int init[4] = { 0, 0, 1, 1 };
	uint64_t rng = 99;

	if (env_init(&v, 2, 16 * MB, 4, init, 1) || page_queue_init(&q, 4)) {
		OK(0, "schedule: environment");
		return;
	}
	for (int i = 0; i < 4; i++)
		fill(v.ws.pages[i].frame->hva, 300 + i);
	memset(&s, 0, sizeof(s));
	s.mig = &v.m;
	s.ws = &v.ws;
	s.marked = &q;
	s.cfg = &v.cfg;
	v.cfg.migrate.pattern = SCHED_PINGPONG;
	page_queue_push(&q, 2);
	OK(schedule_step(&s, &rng) == MIG_DONE && v.ws.pages[2].frame->node == 0 && ld(&s.from_marked) == 1 &&
		   ld(&v.m.st.by_reason[MIG_REASON_SCANNED]) == 1,
	   "schedule_step takes the marked page first and ping-pongs it 1->0");
	OK(schedule_step(&s, &rng) == MIG_DONE && ld(&s.from_marked) == 1 &&
		   ld(&v.m.st.by_reason[MIG_REASON_SCHEDULE]) == 1 && ld(&s.attempted) == 2,
	   "with the queue empty it picks a random page");
	v.cfg.migrate.pattern = SCHED_TO_NODE;
	v.cfg.migrate.to_node = 1;
	for (int i = 0; i < 20; i++)
		schedule_step(&s, &rng);
	{
		int ok = 1;

		for (int i = 0; i < 4; i++)
			ok &= pattern_diffs(v.ws.pages[i].frame->hva, 300 + i) == 0;
		OK(ok, "22 scheduled migrations kept every page intact");
	}
	OK(ws_pages_on_node(&v.ws, 1) + ws_pages_on_node(&v.ws, 0) == 4, "4 pages placed");
	page_queue_free(&q);
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

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_tlb();
	test_ws();
	test_migrate_basic();
	test_abort_nomem();
	test_busy();
	test_guard();
	test_stop_the_world();
	test_inject_corrupt();
	test_inject_skip_line();
	test_scanner();
	test_queue();
	test_policy();
	test_schedule_step();
	test_batch();
	test_concurrency();
	return tap_done();
}
