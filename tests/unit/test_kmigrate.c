/* Unit tests for mmu/kmigrate.c (--migrator move-pages) and mmu/timeline.c
 * (placement over time), on a fake two-node kernel: each 2 MiB frame's host
 * node is a table entry that the fake move_pages(2) reads and changes, so
 * the outcomes (moved, already there, failed with errno, measured elsewhere)
 * and the frames seen moving are checked without a NUMA host. */
#define TAP_MAIN
#include "harness.h"
#include "mmu_env.h"
#include "mmu/kmigrate.h"
#include "mmu/timeline.h"

#include <errno.h>
#include <numaif.h>
#include <string.h>

#define FRAMES 64

static uint8_t *lo, *hi;           /* the pool's regions, for frame numbers */
static int node_of[2][FRAMES];     /* host node of each frame; -ENOENT absent */
static int busy_frame = -1;        /* this frame's move fails with EBUSY */
static int lie_frame = -1;         /* this frame's move "succeeds" but stays */
static int fail_call;              /* the next move call fails whole with this errno */
static int move_calls, query_calls;

static int *slot(void *addr, struct env *v)
{
	for (int g = 0; g < 2; g++) {
		uint8_t *base = v->pool.node[g].hva;

		if ((uint8_t *)addr >= base && (uint8_t *)addr < base + FRAMES * FRAME_SIZE)
			return &node_of[g][((uint8_t *)addr - base) / FRAME_SIZE];
	}
	return NULL;
}

static struct env v;

static long fake_move(unsigned long count, void **pages, const int *nodes, int *status, int flags)
{
	if (!nodes) {
		query_calls++;
		for (unsigned long i = 0; i < count; i++) {
			int *s = slot(pages[i], &v);

			status[i] = s ? *s : -EFAULT;
		}
		return 0;
	}
	move_calls++;
	if (!(flags & MPOL_MF_MOVE) || fail_call) {
		errno = fail_call ? fail_call : EINVAL;
		fail_call = 0;
		return -1;
	}
	for (unsigned long i = 0; i < count; i++) {
		int *s = slot(pages[i], &v);
		long f = s ? s - (s >= node_of[1] ? node_of[1] : node_of[0]) : -1;

		if (!s || *s < 0) {
			status[i] = -ENOENT;
		} else if (f == busy_frame) {
			status[i] = -EBUSY;
		} else if (f == lie_frame) {
			status[i] = nodes[i];
		} else {
			*s = nodes[i];
			status[i] = nodes[i];
		}
	}
	return 0;
}

/* The scheduler's way: where the frames are (one query), then the move. */
static int current(struct kmigrator *k, struct ws_page *pg)
{
	int h;

	kmig_where(k, &pg, 1, &h);
	return kmig_current_node(k, pg, h);
}

static size_t move(struct kmigrator *k, struct ws_page **pg, const int *to, size_t n)
{
	int where[8];

	kmig_where(k, pg, n, where);
	return kmig_move(k, pg, to, where, n);
}

static int fake_query(void **addrs, unsigned long n, int *status)
{
	return (int)fake_move(n, addrs, NULL, status, 0);
}

int main(void)
{
	const int initial[8] = { 0, 0, 0, 0, 1, 1, 1, 1 };
	struct kmigrator k;
	struct timeline tl;
	struct ws_page *pg[8];
	int to[8];
	size_t moved;
	int rc;

	if (env_init(&v, 2, FRAMES * FRAME_SIZE, 8, initial, 1))
		return tap_done();
	v.cfg.nr_nodes = 2;
	v.cfg.migrator = MIGRATOR_MOVE_PAGES;
	/* A fake two-node host: guest node g on host node g, every frame absent
	 * but the working set's. */
	v.pool.node[1].host_node = 1;
	v.pool.host_nodes = 2;
	v.pool.query = fake_query;
	lo = v.pool.node[0].hva;
	hi = v.pool.node[1].hva;
	for (int g = 0; g < 2; g++)
		for (int f = 0; f < FRAMES; f++)
			node_of[g][f] = -ENOENT;
	for (int i = 0; i < 8; i++) {
		int *s = slot(v.ws.pages[i].frame->hva, &v);

		if (s)
			*s = v.ws.pages[i].frame->node;
	}
	OK(kmig_init(&k, &v.ws, &v.pool) == 0, "kmig_init");
	k.move = fake_move;
	OK(timeline_init(&tl, &v.pool, 2) == 0 && tl.nr_frames == 2 * FRAMES, "timeline_init: 2 host nodes, every frame");
	/* Each look comes before its check: the check's message reads it. */
	rc = timeline_look(&tl, 0);
	OK(rc == 0 && tl.n == 1 && timeline_at(&tl, 0, 0, 0) == 4 && timeline_at(&tl, 0, 1, 1) == 4 &&
		   timeline_at(&tl, 0, 0, 1) == 0 && tl.moved == 0,
	   "first look: guest node 0's 4 in-use frames on N0, guest node 1's on N1, nothing moved");

	OK(current(&k, &v.ws.pages[0]) == 0 && current(&k, &v.ws.pages[5]) == 1,
	   "current node: the guest node whose host node holds the frame");
	pg[0] = &v.ws.pages[0];
	to[0] = 1;
	moved = move(&k, pg, to, 1);
	OK(moved == 1 && atomic_load(&k.st.moved) == 1 && atomic_load(&k.st.calls) == 1 &&
		   *slot(v.ws.pages[0].frame->hva, &v) == 1,
	   "one page moved to host node 1, one call, the frame is there (moved %zu)", moved);
	OK(current(&k, &v.ws.pages[0]) == 1 && v.ws.pages[0].frame->node == 0,
	   "the page now counts as on guest node 1; numig's frame (guest node 0) did not change");
	OK(move(&k, pg, to, 1) == 0 && atomic_load(&k.st.already) == 1 && atomic_load(&k.st.calls) == 1,
	   "asked again: already there, no call made");

	/* A batch: one moves, one is busy, one is reported moved but stays. */
	for (int i = 0; i < 3; i++) {
		pg[i] = &v.ws.pages[1 + i];
		to[i] = 1;
	}
	busy_frame = (int)v.ws.pages[2].frame->index;
	lie_frame = (int)v.ws.pages[3].frame->index;
	moved = move(&k, pg, to, 3);
	OK(moved == 1 && atomic_load(&k.st.calls) == 2 && atomic_load(&k.st.failed) == 2 &&
		   atomic_load(&k.st.by_errno[KMIG_EBUSY]) == 1 && atomic_load(&k.st.elsewhere) == 1,
	   "batch of 3 in one call: 1 moved, EBUSY counted, 1 reported done but measured elsewhere (moved %zu, "
	   "failed %llu)", moved, (unsigned long long)atomic_load(&k.st.failed));
	busy_frame = lie_frame = -1;
	fail_call = ENOMEM;
	pg[0] = &v.ws.pages[2];
	OK(move(&k, pg, to, 1) == 0 && atomic_load(&k.st.call_failed) == 1 &&
		   atomic_load(&k.st.by_errno[KMIG_ENOMEM]) == 1,
	   "a call that fails whole counts each page under its errno (ENOMEM)");
	OK(kmig_errno_index(EACCES) == KMIG_EACCES && kmig_errno_index(E2BIG) == KMIG_EOTHER &&
		   !strcmp(kmig_errno_name(KMIG_EBUSY), "EBUSY"),
	   "errno table: EACCES counted by name, E2BIG as other");

	{
		struct kmig_check c;

		kmig_check_placement(&k, &c);
		OK(c.pages == 2 && c.agree == 2 && c.absent == 0,
		   "placement check: the 2 moved pages lie where their last move put them (%u of %u)", c.agree, c.pages);
		*slot(v.ws.pages[0].frame->hva, &v) = 0; /* someone else moved it back */
		kmig_check_placement(&k, &c);
		OK(c.pages == 2 && c.agree == 1, "... and a frame moved back by someone else is seen (%u of %u)", c.agree,
		   c.pages);
	}

	/* Timeline: frames 0 (moved, then moved back: no change since the
	 * last look) and 1 moved; guest node 0 now has 3 on N0, 1 on N1. */
	rc = timeline_look(&tl, 1.0);
	OK(rc == 0 && tl.n == 2 && tl.moved == 1 && tl.moved_by_node[0] == 1 &&
		   timeline_at(&tl, 1, 0, 0) == 3 && timeline_at(&tl, 1, 0, 1) == 1,
	   "second look: 1 frame seen moved (a move and its undo between looks are not seen), guest node 0: N0=%u "
	   "N1=%u", timeline_at(&tl, 1, 0, 0), timeline_at(&tl, 1, 0, 1));
	*slot(v.ws.pages[5].frame->hva, &v) = 0;
	*slot(v.ws.pages[6].frame->hva, &v) = -ENOENT;
	rc = timeline_look(&tl, 2.0);
	OK(rc == 0 && tl.moved == 2 && tl.moved_by_node[1] == 1 && tl.s[2].absent == 1 &&
		   timeline_at(&tl, 2, 1, 0) == 1 && timeline_at(&tl, 2, 1, 1) == 2,
	   "third look: guest node 1's frame on N0 counted, an absent in-use frame is absent, not moved");
	*slot(v.ws.pages[6].frame->hva, &v) = 1;
	rc = timeline_look(&tl, 3.0);
	OK(rc == 0 && tl.moved == 2 && tl.looks == 4,
	   "a frame present again on its old node is no move (looks %llu)", (unsigned long long)tl.looks);

	timeline_destroy(&tl);
	kmig_destroy(&k);
	env_destroy(&v);
	return tap_done();
}
