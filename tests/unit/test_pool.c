/* Unit tests for mmu/pool.c: per-node host regions (anonymous mmaps bound
 * with libnuma) and the 2 MiB frame allocator. No KVM needed. */
#define TAP_MAIN
#include "harness.h"
#include "mmu/pool.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#define MB (1ull << 20)

static int has_msg(const struct nerr *e)
{
	return e->msg[0] != '\0' && strlen(e->msg) > 5;
}

static struct pool pool; /* large: keep it off the stack */

static void test_create(void)
{
	const int host[2] = { 0, 0 };
	struct nerr e = { 0 };
	int good = 1;

	OK(pool_create(&pool, 2, 16 * MB, host, 0, &e) == 0, "pool_create 2 nodes x 16 MiB (%s)", e.msg);
	tap_diag("numa_ok %d, host nodes %d, keep_free %u", pool.numa_ok, pool.host_nodes, pool.keep_free);
	OK(pool.nr_nodes == 2 && pool.hugetlb == 0, "2 nodes, not hugetlb");
	for (int g = 0; g < 2; g++) {
		struct node_pool *np = &pool.node[g];

		OK(np->nr_frames == 8 && np->nr_free == 8 && np->nr_populated_free == 0 && np->bytes == 16 * MB,
		   "node %d: 8 frames, all free, none populated", g);
		OK(np->guest_node == g && np->host_node == 0, "node %d: guest node %d on host node 0", g, g);
		OK(((uintptr_t)np->hva & (FRAME_SIZE - 1)) == 0 && np->hva >= np->map &&
			   np->hva + np->bytes <= np->map + np->map_len,
		   "node %d: region start is 2 MiB aligned and inside the mapping", g);
		OK(np->gpa >= POOL_GPA_BASE && (np->gpa & (FRAME_SIZE - 1)) == 0, "node %d: gpa %#" PRIx64 " aligned",
		   g, np->gpa);
		for (uint32_t i = 0; i < np->nr_frames; i++) {
			struct frame *f = &np->frames[i];

			good &= f->gpa == np->gpa + i * FRAME_SIZE && f->hva == np->hva + i * FRAME_SIZE &&
				f->index == i && f->node == g && !f->in_use && !f->populated && f->ro_holds == 0 &&
				((uintptr_t)f->hva & (FRAME_SIZE - 1)) == 0;
		}
	}
	OK(good, "every frame: gpa/hva = node base + index * 2 MiB, aligned, free, unpopulated");
	OK(pool.node[0].gpa + pool.node[0].bytes <= pool.node[1].gpa, "guest-physical ranges do not overlap");
	OK(pool.node[0].hva + pool.node[0].bytes <= pool.node[1].hva ||
		   pool.node[1].hva + pool.node[1].bytes <= pool.node[0].hva,
	   "host ranges do not overlap");
}

static void test_alloc_free(void)
{
	struct node_pool *np = &pool.node[0];
	struct frame *got[9] = { 0 };
	uint64_t fail0 = np->alloc_failures, allocs0 = np->allocs;
	int n = 0, distinct = 1, ok_frames = 1;

	for (int i = 0; i < 9; i++) {
		got[i] = frame_alloc(&pool, 0);
		if (!got[i])
			break;
		n++;
	}
	OK(n == 8 && got[8] == NULL, "frame_alloc gives exactly 8 frames, then NULL (got %d)", n);
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < i; j++)
			distinct &= got[i] != got[j];
		ok_frames &= got[i]->node == 0 && got[i]->in_use && got[i]->populated;
		/* The frame is real memory: write both ends. */
		got[i]->hva[0] = (uint8_t)i;
		got[i]->hva[FRAME_SIZE - 1] = (uint8_t)~i;
	}
	OK(distinct, "the 8 frames are distinct");
	OK(ok_frames, "each is on node 0, in use and populated");
	OK(np->nr_free == 0 && pool_free_frames(&pool, 0) == 0, "node 0 has no free frame");
	OK(np->alloc_failures == fail0 + 1, "exhaustion counted in alloc_failures (%" PRIu64 ")", np->alloc_failures);
	OK(np->allocs == allocs0 + 8 && np->populations == 8, "8 allocs, 8 populations");
	OK(pool_free_frames(&pool, 1) == 8 && pool.node[1].allocs == 0, "node 1 unaffected");
	OK(frame_alloc(&pool, 0) == NULL && np->alloc_failures == fail0 + 2, "a second failed alloc counts too");
	OK(frame_alloc(&pool, -1) == NULL && frame_alloc(&pool, 2) == NULL && frame_alloc(&pool, 64) == NULL,
	   "frame_alloc of a node outside the pool is NULL");

	frame_free(&pool, got[3]);
	OK(np->nr_free == 1 && np->nr_populated_free == 1 && !got[3]->in_use && got[3]->populated,
	   "frame_free: one free again, still populated");
	frame_free(&pool, got[3]);
	OK(np->nr_free == 1 && np->frees == 1, "a double free is ignored");
	{
		struct frame *again = frame_alloc(&pool, 0);

		OK(again == got[3], "the freed frame is the one allocated next");
		OK(np->populations == 8, "reusing a populated frame does not populate again");
		OK(again->hva[0] == 3 && again->hva[FRAME_SIZE - 1] == (uint8_t)~3,
		   "a reused frame keeps its content (it is not zeroed)");
	}
	for (int i = 0; i < n; i++)
		frame_free(&pool, got[i]);
	OK(np->nr_free == 8 && np->nr_populated_free == 8 && pool_free_frames(&pool, 0) == 8,
	   "after freeing all: 8 free, 8 populated free (no leak)");
	{
		int none_used = 1;

		for (uint32_t i = 0; i < np->nr_frames; i++)
			none_used &= !np->frames[i].in_use;
		OK(none_used, "no frame is marked in use");
	}
	OK(np->allocs - np->frees == 0, "allocs == frees (%" PRIu64 " / %" PRIu64 ")", np->allocs, np->frees);
}

static void test_alloc_lazy(void)
{
	struct node_pool *np = &pool.node[1];
	uint64_t pops = np->populations;
	struct frame *f = frame_alloc_lazy(&pool, 1);

	/* Regression (two-node QEMU run): a lazy frame counted as populated was
	 * measured before anything backed it. */
	OK(f && f->node == 1 && f->in_use && !f->populated,
	   "frame_alloc_lazy: in use, not counted as populated (nothing backs it yet)");
	OK(np->populations == pops && np->nr_free == 7, "it did not populate (populations %" PRIu64 ")",
	   np->populations);
	OK(f && frame_populate(&pool, f) == 0 && f->populated && np->populations == pops + 1,
	   "frame_populate backs it and marks it populated");
	frame_free(&pool, f);
	OK(np->nr_free == 8 && np->nr_populated_free == 1, "the freed, populated frame counts as populated free");
	f = frame_alloc_lazy(&pool, 1);
	OK(f && f->populated, "frame_alloc_lazy prefers the populated free frame");
	frame_free(&pool, f);
	OK(frame_alloc_lazy(&pool, 5) == NULL, "frame_alloc_lazy of a bad node is NULL");
}

static void test_run(void)
{
	struct frame *out[8] = { 0 };
	struct node_pool *np = &pool.node[1];
	uint64_t fails;
	int contiguous = 1;

	OK(frame_alloc_run(&pool, 1, 3, out) == 0, "frame_alloc_run of 3 on a free node");
	for (int i = 0; i < 3; i++)
		contiguous &= out[i] && out[i]->in_use && out[i]->populated && out[i]->node == 1;
	for (int i = 1; i < 3 && contiguous; i++)
		contiguous &= out[i]->hva == out[i - 1]->hva + FRAME_SIZE && out[i]->gpa == out[i - 1]->gpa + FRAME_SIZE;
	OK(contiguous, "the 3 frames are physically contiguous (hva and gpa)");
	OK(np->nr_free == 5, "5 free left");
	for (int i = 0; i < 3; i++)
		frame_free(&pool, out[i]);

	OK(frame_alloc_run(&pool, 1, 0, out) == -1, "a run of 0 is refused");
	OK(frame_alloc_run(&pool, 1, 9, out) == -1, "a run longer than the node is refused");
	OK(frame_alloc_run(&pool, 2, 1, out) == -1 && frame_alloc_run(&pool, -1, 1, out) == -1,
	   "a run on a node outside the pool is refused");

	/* Take the whole node, then free every third frame's neighbours so
	 * that the longest free run is 2: frames 0,1 3,4 6,7 free. */
	OK(frame_alloc_run(&pool, 1, 8, out) == 0 && np->nr_free == 0, "a run of the whole node");
	for (int i = 0; i < 8; i++)
		if (i % 3 != 2)
			frame_free(&pool, out[i]);
	OK(np->nr_free == 6, "fragmented: 6 free frames, longest run 2");
	fails = np->alloc_failures;
	{
		struct frame *r[3] = { 0 };

		OK(frame_alloc_run(&pool, 1, 3, r) == -1, "no run of 3 in a fragmented node: -1");
		OK(np->nr_free == 6 && np->alloc_failures == fails + 1, "the failure took nothing and was counted");
		OK(r[0] == NULL, "nothing written to out on failure");
		OK(frame_alloc_run(&pool, 1, 2, r) == 0 && r[0] == &np->frames[0] && r[1] == &np->frames[1],
		   "a run of 2 is found (first fit: frames 0,1)");
		frame_free(&pool, r[0]);
		frame_free(&pool, r[1]);
		/* Freeing frame 5 leaves 3,4,5,6,7 as a run of 5. */
		frame_free(&pool, out[5]);
	}
	{
		struct frame *r[8] = { 0 };

		OK(np->nr_free == 7, "only frame 2 in use");
		OK(frame_alloc_run(&pool, 1, 6, r) == -1, "no run of 6 around frame 2");
		OK(frame_alloc_run(&pool, 1, 5, r) == 0 && r[0] == &np->frames[3] && r[4] == &np->frames[7],
		   "a run of 5 after frame 2: frames 3..7");
		for (int i = 0; i < 5; i++)
			frame_free(&pool, r[i]);
	}
	frame_free(&pool, out[2]);
	OK(np->nr_free == 8, "all frames of node 1 free again");
}

static void test_frame_of_gpa(void)
{
	struct node_pool *n0 = &pool.node[0], *n1 = &pool.node[1];

	OK(pool_frame_of_gpa(&pool, n0->frames[5].gpa) == &n0->frames[5], "gpa of frame 5 -> frame 5");
	OK(pool_frame_of_gpa(&pool, n0->frames[5].gpa + 0x12345) == &n0->frames[5], "an address inside it too");
	OK(pool_frame_of_gpa(&pool, n0->frames[5].gpa - 1) == &n0->frames[4], "the byte before is frame 4");
	OK(pool_frame_of_gpa(&pool, n1->gpa) == &n1->frames[0], "node 1 base -> node 1 frame 0");
	OK(pool_frame_of_gpa(&pool, n1->gpa + n1->bytes - 1) == &n1->frames[7], "node 1 last byte -> frame 7");
	OK(pool_frame_of_gpa(&pool, n1->gpa + n1->bytes) == NULL, "one past node 1 -> NULL");
	OK(pool_frame_of_gpa(&pool, POOL_GPA_BASE - 1) == NULL && pool_frame_of_gpa(&pool, 0) == NULL,
	   "below the pool -> NULL");
	if (n0->gpa + n0->bytes < n1->gpa)
		OK(pool_frame_of_gpa(&pool, n0->gpa + n0->bytes) == NULL, "the gap between nodes -> NULL");
}

static void test_host_node(void)
{
	struct frame *f = frame_alloc(&pool, 0);
	int h;

	h = f ? pool_query_host_node(&pool, f->hva) : -1;
	if (h < 0) {
		tap_skip("pool_query_host_node of a populated frame is host node 0",
			 "move_pages(nodes=NULL) not available here");
	} else {
		OK(h == 0, "pool_query_host_node of a populated frame is host node 0 (got %d)", h);
	}
	OK(pool_query_host_node(&pool, (void *)8) == -1, "pool_query_host_node of an unmapped address is -1");
	if (f)
		frame_free(&pool, f);
	{
		enum frame_huge s = f ? frame_huge_state(&pool, f) : FRAME_HUGE_UNKNOWN;

		OK(s == FRAME_HUGE || s == FRAME_NOT_HUGE || s == FRAME_HUGE_UNKNOWN, "frame_huge_state answers (%d)",
		   (int)s);
	}
}

static void test_refill(void)
{
	const int host[2] = { 0, 0 };
	struct nerr e = { 0 };
	struct node_pool *n0, *n1;
	struct frame *held[2];
	uint32_t got;

	pool_destroy(&pool);
	OK(pool_create(&pool, 2, 16 * MB, host, 0, &e) == 0, "fresh pool for refill");
	n0 = &pool.node[0];
	n1 = &pool.node[1];
	pool.keep_free = 3;

	got = pool_refill(&pool, 100);
	OK(got == 6, "pool_refill populates keep_free=3 per node: 6 (got %u)", got);
	OK(n0->nr_populated_free == 3 && n1->nr_populated_free == 3 && n0->populations == 3 &&
		   n1->populations == 3,
	   "3 populated free frames per node");
	OK(n0->nr_free == 8 && n1->nr_free == 8, "refill leaves every frame free");
	OK(pool_refill(&pool, 100) == 0, "a second refill has nothing to do");

	pool.keep_free = 5;
	got = pool_refill(&pool, 1);
	OK(got == 1 && n0->nr_populated_free == 4 && n1->nr_populated_free == 3, "refill respects max=1 (got %u)",
	   got);
	OK(pool_refill(&pool, 0) == 0, "refill with max=0 does nothing");
	got = pool_refill(&pool, 100);
	OK(got == 3 && n0->nr_populated_free == 5 && n1->nr_populated_free == 5, "refill tops up to 5 (got %u)",
	   got);

	/* Allocation prefers populated frames. */
	held[0] = frame_alloc(&pool, 0);
	OK(held[0] && n0->populations == 5, "frame_alloc picks a populated frame (no new population)");

	/* Populate everything on node 0, keep 2 in use: 6 populated free. */
	{
		struct frame *all[8];
		int n = 0;

		while (n < 7 && (all[n] = frame_alloc(&pool, 0)))
			n++;
		OK(n == 7 && n0->nr_free == 0, "node 0 fully allocated");
		for (int i = 0; i < n; i++)
			all[i]->hva[100] = 0x77;
		held[1] = all[0];
		for (int i = 1; i < n; i++)
			frame_free(&pool, all[i]);
	}
	held[0]->hva[100] = 0x55;
	held[1]->hva[100] = 0x66;
	OK(n0->nr_free == 6 && n0->nr_populated_free == 6, "node 0: 2 in use, 6 populated free");

	frame_free(&pool, held[0]);
	frame_free(&pool, held[1]);
	OK(n0->nr_free == 8 && n1->nr_free == 8, "everything free at the end");
}

/* Host nodes, or 0 when libnuma is unusable. */
static int numa_ok_here(void)
{
	struct pool p;
	struct nerr e = { 0 };
	int n = 0;

	if (pool_create(&p, 1, 2 * MB, NULL, 0, &e) == 0) {
		n = p.numa_ok ? p.host_nodes : 0;
		pool_destroy(&p);
	}
	return n;
}

static void test_bad_create(void)
{
	struct pool p;
	struct nerr e;
	const int host[2] = { 0, 0 };

	memset(&e, 0, sizeof(e));
	OK(pool_create(&p, 2, 3 * MB, host, 0, &e) == -1 && has_msg(&e) && strstr(e.msg, "2 MiB"),
	   "3 MiB per node rejected (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(pool_create(&p, 2, 1 * MB, host, 0, &e) == -1 && has_msg(&e), "1 MiB per node rejected (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(pool_create(&p, 2, 0, host, 0, &e) == -1 && has_msg(&e), "0 bytes per node rejected (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(pool_create(&p, 0, 16 * MB, host, 0, &e) == -1 && has_msg(&e), "0 nodes rejected (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(pool_create(&p, -1, 16 * MB, host, 0, &e) == -1 && has_msg(&e), "-1 nodes rejected (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(pool_create(&p, POOL_MAX_NODES + 1, 16 * MB, NULL, 0, &e) == -1 && has_msg(&e),
	   "%d nodes rejected (%s)", POOL_MAX_NODES + 1, e.msg);
	OK(e.code != 0, "the error carries an exit-code class");
	/* A host node this host does not have: mbind refuses it. */
	{
		const int bad_host[1] = { 5 };
		int numa = numa_ok_here();

		memset(&e, 0, sizeof(e));
		if (numa > 0 && numa <= 5)
			OK(pool_create(&p, 1, 4 * MB, bad_host, 0, &e) == -1 && strstr(e.msg, "host node 5 does not exist") &&
				   e.code == NUMIG_EXIT_USAGE,
			   "host node 5 on a %d-node host rejected (%s)", numa, e.msg);
		else
			tap_skip("host node 5 rejected", "libnuma unusable or the host has node 5");
	}
	/* host_node_of NULL means host node 0. */
	memset(&e, 0, sizeof(e));
	OK(pool_create(&p, 1, 2 * MB, NULL, 0, &e) == 0 && p.node[0].host_node == 0 && p.node[0].nr_frames == 1,
	   "1 node x 2 MiB with host_node_of NULL: one frame on host node 0 (%s)", e.msg);
	{
		struct frame *f = frame_alloc(&p, 0);

		OK(f && frame_alloc(&p, 0) == NULL, "its single frame, then NULL");
	}
	pool_destroy(&p);
	OK(p.nr_nodes == 0, "pool_destroy empties the pool");
}

static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void test_hugetlb(void)
{
	struct pool p;
	struct nerr e = { 0 };
	const int host[1] = { 0 };
	long nr = read_long("/proc/sys/vm/nr_hugepages"), over = read_long("/proc/sys/vm/nr_overcommit_hugepages");
	long hfree = meminfo("HugePages_Free"), rsvd = meminfo("HugePages_Rsvd"), surp = meminfo("HugePages_Surp");
	long hsize = meminfo("Hugepagesize");
	long avail = hfree - rsvd + (over > surp ? over - surp : 0);
	int rc = pool_create(&p, 1, 4 * MB, host, 1, &e);

	tap_diag("hugetlb: nr_hugepages %ld free %ld rsvd %ld overcommit %ld surplus %ld size %ld kB -> %ld usable",
		 nr, hfree, rsvd, over, surp, hsize, avail);
	if (rc == 0) {
		struct frame *a = frame_alloc(&p, 0), *b = frame_alloc(&p, 0);

		OK(1, "hugetlb pool created (2 huge pages were available)");
		OK(p.hugetlb == 1 && p.node[0].nr_frames == 2 && ((uintptr_t)p.node[0].hva & (FRAME_SIZE - 1)) == 0,
		   "hugetlb pool: 2 aligned frames");
		OK(a && b && a != b && frame_alloc(&p, 0) == NULL, "two frames, then NULL");
		if (a && b) {
			a->hva[0] = 1;
			b->hva[FRAME_SIZE - 1] = 2;
			OK(frame_huge_state(&p, a) == FRAME_HUGE, "hugetlb frames are huge");
			frame_free(&p, a);
			frame_free(&p, b);
		}
		pool_destroy(&p);
	} else {
		OK(strstr(e.msg, "nr_hugepages") != NULL, "hugetlb pool refused with a hint at nr_hugepages (%s)", e.msg);
		OK(e.code != 0, "the error has an exit-code class (%d)", e.code);
		if (hsize == 2048 && avail >= 2)
			tap_diag("hugetlb refused although %ld pages looked usable (cgroup limit?)", avail);
		else
			OK(avail < 2, "refusal is consistent with %ld usable huge pages", avail);
	}
	if (nr == 0 && over <= 0 && hfree <= 0)
		OK(rc == -1, "with no huge pages reserved at all, hugetlb=1 must fail");
}

/* A fake two-node host for the placement query: frame i of a region is
 * absent when i % 4 == 1, on the huge zero page (-EFAULT) when i % 4 == 3,
 * and present otherwise: on host node 1 for frame 2, on node 0 elsewhere. */
static uint8_t *fake_base;
static int fake_fail;

static int fake_query(void **addrs, unsigned long n, int *status)
{
	if (fake_fail) {
		errno = ENOSYS;
		return -1;
	}
	for (unsigned long i = 0; i < n; i++) {
		uint64_t idx = (uint64_t)((uint8_t *)addrs[i] - fake_base) / FRAME_SIZE;

		status[i] = idx % 4 == 1 ? -ENOENT : idx % 4 == 3 ? -EFAULT : idx == 2 ? 1 : 0;
	}
	return 0;
}

static int resident_4k_pages(const uint8_t *p, size_t len)
{
	unsigned char vec[FRAME_SIZE / 4096];
	int n = 0;

	if (len > FRAME_SIZE || mincore((void *)p, len, vec))
		return -1;
	for (size_t i = 0; i < len / 4096; i++)
		n += vec[i] & 1;
	return n;
}

static void test_placement(void)
{
	const int host[1] = { 0 };
	struct pool p;
	struct placement pl;
	struct frame *a, *b;
	struct nerr e = { 0 };

	if (pool_create(&p, 1, 8 * MB, host, 0, &e)) {
		tap_skip("placement", e.msg);
		return;
	}
	/* The real kernel: one frame populated, one lazily allocated, two free. */
	a = frame_alloc(&p, 0);
	b = frame_alloc_lazy(&p, 0);
	OK(a && b && pool_measure_placement(&p, 0, &pl) == 0, "pool_measure_placement on this host");
	if (pl.unknown == 4) {
		tap_skip("placement counts on this host", "move_pages(nodes=NULL) is not supported here");
	} else {
		OK(pl.present == 1 && pl.absent == 3 && pl.measured == 0 && pl.misplaced == 0,
		   "1 present on host node 0, 3 absent, 0 misplaced (present %u absent %u measured %d)", pl.present,
		   pl.absent, pl.measured);
	}
	/* Regression (two-node QEMU run): measuring used to read-fault absent
	 * frames onto the shared huge zero page and report its node. */
	OK(b && resident_4k_pages(b->hva, FRAME_SIZE) == 0,
	   "measuring did not fault the lazy frame in (resident 4 KiB pages: %d)", b ? resident_4k_pages(b->hva, FRAME_SIZE) : -1);
	OK(resident_4k_pages(p.node[0].frames[3].hva, FRAME_SIZE) == 0, "nor a free, never populated frame");
	OK(pl.huge + pl.split <= pl.present, "huge/split only counted for present frames (%u + %u)", pl.huge, pl.split);
	if (a)
		frame_free(&p, a);
	if (b)
		frame_free(&p, b);
	pool_destroy(&p);

	/* The fake two-node host: 8 frames asked on host node 0. */
	if (pool_create(&p, 1, 16 * MB, host, 0, &e)) {
		tap_skip("placement on a fake two-node host", e.msg);
		return;
	}
	p.query = fake_query;
	fake_base = p.node[0].hva;
	OK(pool_measure_placement(&p, 0, &pl) == 0 && pl.present == 4 && pl.absent == 4 && pl.unknown == 0,
	   "fake host: 4 present, 4 absent (zero-page answers count as absent) (%u, %u, %u)", pl.present, pl.absent,
	   pl.unknown);
	OK(pl.measured == 0 && pl.misplaced == 1, "measured on node 0 (the majority), 1 misplaced (%d, %u)", pl.measured,
	   pl.misplaced);
	OK(pool_query_host_node(&p, p.node[0].frames[2].hva) == 1 &&
	       pool_query_host_node(&p, p.node[0].frames[3].hva) == -1,
	   "pool_query_host_node: present frame -> its node; zero-page frame -> -1");
	OK(pl.on_node[0] == 3 && pl.on_node[1] == 1, "per host node: 3 on node 0, 1 on node 1 (%u, %u)", pl.on_node[0],
	   pl.on_node[1]);
	p.node[0].host_mask = 2;
	OK(pool_measure_placement(&p, 0, &pl) == 0 && pl.measured == 0 && pl.misplaced == 3,
	   "asked for host node 1: the 3 frames on node 0 are misplaced (%u)", pl.misplaced);
	p.node[0].host_mask = 3;
	OK(pool_measure_placement(&p, 0, &pl) == 0 && pl.misplaced == 0, "asked for nodes 0-1: nothing misplaced");
	p.node[0].host_mask = 2;
	p.node[0].policy = POOL_PREFERRED;
	OK(pool_measure_placement(&p, 0, &pl) == 0 && pl.misplaced == 0,
	   "preferred node 1: frames elsewhere are the policy's overflow, not misplaced");
	p.node[0].policy = POOL_BIND;
	fake_fail = 1;
	OK(pool_measure_placement(&p, 0, &pl) == 0 && pl.unknown == 8 && pl.present == 0 && pl.measured == -1,
	   "a failing query: 8 unknown, nothing measured, never guessed (%u)", pl.unknown);
	fake_fail = 0;
	OK(pool_measure_placement(&p, 1, &pl) == -1 && pl.measured == -1, "a guest node the pool lacks: -1");
	pool_destroy(&p);
}

int main(void)
{
	test_create();
	if (pool.nr_nodes != 2) {
		tap_diag("pool_create failed; the remaining tests need it");
		return tap_done();
	}
	test_alloc_free();
	test_alloc_lazy();
	test_run();
	test_frame_of_gpa();
	test_host_node();
	test_placement();
	test_refill();
	pool_destroy(&pool);
	test_bad_create();
	test_hugetlb();
	return tap_done();
}
