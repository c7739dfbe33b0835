/* Unit tests for --inject (mmu/inject.c): one corrupted byte or one skipped
 * cache line in one copy, on purpose, in the environment of mmu_env.h (host memory, real mprotect, no KVM). */
#define TAP_MAIN
#include "harness.h"
#include "unit/mmu_env.h"

#include <inttypes.h>
#include <string.h>

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

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_inject_corrupt();
	test_inject_skip_line();
	return tap_done();
}
