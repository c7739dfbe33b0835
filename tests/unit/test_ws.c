/* Unit tests for the working set (mmu/ws.c): page layout and leaves, lookup,
 * refusals, in the environment of mmu_env.h (host memory, real mprotect, no KVM). */
#define TAP_MAIN
#include "harness.h"
#include "unit/mmu_env.h"

#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_ws();
	return tap_done();
}
