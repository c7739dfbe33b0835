/* Placement on a host with two real NUMA nodes (`make check-numa` runs it
 * inside its QEMU guest; elsewhere it skips).
 *
 * numig's pool (mmu/pool.c) is asked for guest node 0 on host node 0 and
 * guest node 1 on host node 1. Its frames are then located three ways that
 * share no code with numig's own measurement: get_mempolicy() per frame, the
 * region's line in /proc/self/numa_maps, and the per-node MemUsed deltas in
 * /sys/devices/system/node/nodeN/meminfo while the frames are populated.
 * move_pages(nodes=NULL) and /proc/kpageflags add where each frame is and
 * that it is one THP; numig's pool_measure_placement() must agree with all.
 *
 * Last, the ground truth for `make bench`'s kernel reference: the kernel's
 * move_pages() moves one 2 MiB THP to the other node and back, and it is
 * still one THP, with its contents, after each move. */
#define _GNU_SOURCE
#define TAP_MAIN
#include "harness.h"

#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmu/pool.h"

#define FRAMES 32 /* per node: 64 MiB, well above the noise of an idle guest's MemUsed */
#define MIB (1ull << 20)
#define SUBPAGES (FRAME_SIZE / 4096)

/* The node get_mempolicy() names for a present page (numig itself now asks
 * move_pages; this is the independent second opinion), or -1. */
static int node_by_policy(const void *hva)
{
	int node = -1;

	if (get_mempolicy(&node, NULL, 0, (void *)hva, MPOL_F_NODE | MPOL_F_ADDR))
		return -1;
	return node;
}

/* MemUsed of host node `node` in bytes, or -1. */
static long long mem_used(int node)
{
	char path[64], line[256];
	long long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*d MemUsed: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* Bytes of free pages that sit on the per-CPU lists of node `node`'s zones:
 * MemUsed counts them as used, and since Linux 5.13 a freed THP may wait
 * there, then serve the next THP allocation without MemUsed moving. The
 * previous numig run in the guest leaves such pages behind. */
static long long pcp_free(int node)
{
	char line[256];
	long long pages = 0, v;
	int cur = -1, n;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone", &n) == 1)
			cur = n;
		else if (cur == node && sscanf(line, " count: %lld", &v) == 1)
			pages += v;
	}
	fclose(f);
	return pages * 4096;
}

/* MemUsed of the node without its per-CPU free pages: what is really in use. */
static long long in_use(int node)
{
	long long u = mem_used(node);

	return u < 0 ? -1 : u - pcp_free(node);
}

/* Pages (4 KiB units) per node and the policy of the numa_maps line of the
 * VMA that starts at `start`. Returns 0 when the line was found. */
static int numa_maps_of(const void *start, char *policy, size_t plen, long long pages[2], long long *other)
{
	char want[32], line[1024];
	int found = -1;
	FILE *f = fopen("/proc/self/numa_maps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx ", (unsigned long)(uintptr_t)start);
	pages[0] = pages[1] = *other = 0;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL;

		if (strncmp(line, want, strlen(want)))
			continue;
		found = 0;
		strtok_r(line, " \n", &save); /* the address */
		snprintf(policy, plen, "%s", strtok_r(NULL, " \n", &save));
		while ((tok = strtok_r(NULL, " \n", &save))) {
			int n;
			long long v;

			if (sscanf(tok, "N%d=%lld", &n, &v) == 2) {
				if (n == 0 || n == 1)
					pages[n] += v;
				else
					*other += v;
			}
		}
		break;
	}
	fclose(f);
	return found;
}

static void check_node(struct pool *p, int g)
{
	struct node_pool *np = &p->node[g];
	struct frame *fr[FRAMES];
	long long before[2], after[2], d[2], want = FRAMES * (long long)FRAME_SIZE, pages[2] = { 0, 0 }, other = 0;
	int by_policy = 0, by_move_pages = 0, huge = 0, got = 0, other_node = 1 - g;
	void *addr[FRAMES];
	int status[FRAMES];
	char policy[64] = "";

	before[0] = in_use(0);
	before[1] = in_use(1);
	for (int i = 0; i < FRAMES; i++) {
		fr[i] = frame_alloc(p, g); /* populates the frame, as numig's keeper does */
		got += fr[i] != NULL;
	}
	after[0] = in_use(0);
	after[1] = in_use(1);
	if (!OK(got == FRAMES, "guest node %d: numig's pool populated %d of %d frames", g, got, FRAMES))
		return;

	for (int i = 0; i < FRAMES; i++) {
		by_policy += node_by_policy(fr[i]->hva) == np->host_node;
		huge += frame_huge_state(p, fr[i]) == FRAME_HUGE;
		addr[i] = fr[i]->hva;
	}
	OK(by_policy == FRAMES, "guest node %d -> host node %d: %d of %d frames on host node %d by get_mempolicy", g,
	   np->host_node, by_policy, FRAMES, np->host_node);
	/* move_pages with nodes == NULL only reports, and unlike get_mempolicy
	 * it never faults a page in: a frame that is not there says -ENOENT. */
	if (move_pages(0, FRAMES, addr, NULL, status, 0) == 0)
		for (int i = 0; i < FRAMES; i++)
			by_move_pages += status[i] == np->host_node;
	OK(by_move_pages == FRAMES, "guest node %d: %d of %d frames on host node %d by move_pages(nodes=NULL)", g,
	   by_move_pages, FRAMES, np->host_node);
	OK(huge == FRAMES, "guest node %d: %d of %d frames are one 2 MiB THP each (pagemap + kpageflags)", g, huge,
	   FRAMES);

	/* mbind() split the VMA at the region's bounds: the region is one line. */
	if (OK(numa_maps_of(np->hva, policy, sizeof(policy), pages, &other) == 0,
	       "guest node %d: the region has its own line in /proc/self/numa_maps", g)) {
		char want_policy[16];

		snprintf(want_policy, sizeof(want_policy), "bind:%d", np->host_node);
		OK(strcmp(policy, want_policy) == 0 && pages[g] >= FRAMES * (long long)SUBPAGES && pages[other_node] == 0 &&
			   other == 0,
		   "guest node %d: numa_maps says %s, N%d=%lld N%d=%lld (want %s, N%d >= %llu, none elsewhere)", g, policy, g,
		   pages[g], other_node, pages[other_node], want_policy, g, (unsigned long long)(FRAMES * SUBPAGES));
	}

	/* The whole 64 MiB shows on its node; the other node may move by the
	 * noise of an idle guest, far less than a quarter of it. */
	d[0] = after[0] - before[0];
	d[1] = after[1] - before[1];
	OK(before[0] >= 0 && before[1] >= 0 && d[g] >= want * 9 / 10 && d[other_node] < want / 4,
	   "guest node %d: MemUsed (less per-CPU free pages) grew %+lld MiB on host node %d and %+lld MiB on host "
	   "node %d while %llu MiB were populated",
	   g, d[g] / (long long)MIB, g, d[other_node] / (long long)MIB, other_node, (unsigned long long)(want / MIB));
}

/* The kernel's own migration of one THP, as `numig-bench --only kernel` uses it. */
static void check_kernel_move(struct pool *p)
{
	uint8_t *map = mmap(NULL, 2 * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long mask = 1ul;
	struct frame f;
	int node = 0, ok = 1, moved = 0;
	char why[160] = "";

	if (!OK(map != MAP_FAILED, "kernel move_pages: a 4 MiB mapping"))
		return;
	memset(&f, 0, sizeof(f));
	f.hva = (uint8_t *)(((uintptr_t)map + FRAME_SIZE - 1) & ~(uintptr_t)(FRAME_SIZE - 1));
	madvise(f.hva, FRAME_SIZE, MADV_HUGEPAGE);
	/* First touch on node 0, then the default policy: move_pages alone decides. */
	if (mbind(f.hva, FRAME_SIZE, MPOL_BIND, &mask, sizeof(mask) * 8, 0) == 0) {
		memset(f.hva, 0x5a, FRAME_SIZE);
		mbind(f.hva, FRAME_SIZE, MPOL_DEFAULT, NULL, 0, 0);
	}
	if (node_by_policy(f.hva) != 0 || frame_huge_state(p, &f) != FRAME_HUGE) {
		snprintf(why, sizeof(why), "start: node %d, huge state %d", node_by_policy(f.hva),
			 frame_huge_state(p, &f));
		ok = 0;
	}
	for (int k = 0; k < 2 && ok; k++) {
		void *pages[SUBPAGES];
		int status[SUBPAGES], target = 1 - node, head = -1, on = 0, other = -1;

		/* By the head page, as the bench does: the tails of a THP that is
		 * already queued for migration would only earn -EBUSY. */
		pages[0] = f.hva;
		if (move_pages(0, 1, pages, &target, &head, MPOL_MF_MOVE)) {
			snprintf(why, sizeof(why), "move to node %d: %s", target, strerror(errno));
			ok = 0;
			break;
		}
		/* Where every 4 KiB piece is now, asked afresh. */
		for (size_t j = 0; j < SUBPAGES; j++) {
			pages[j] = f.hva + j * 4096;
			status[j] = -1;
		}
		if (move_pages(0, SUBPAGES, pages, NULL, status, 0) == 0)
			for (size_t j = 0; j < SUBPAGES; j++) {
				on += status[j] == target;
				if (status[j] != target && other == -1)
					other = (int)j;
			}
		if (head != target || on != (int)SUBPAGES || node_by_policy(f.hva) != target ||
		    frame_huge_state(p, &f) != FRAME_HUGE || f.hva[0] != 0x5a || f.hva[FRAME_SIZE - 1] != 0x5a) {
			snprintf(why, sizeof(why),
				 "after the move to node %d: head status %d, %d of %zu pieces there by query (piece %d: %d), "
				 "huge state %d",
				 target, head, on, (size_t)SUBPAGES, other, other >= 0 ? status[other] : 0,
				 frame_huge_state(p, &f));
			ok = 0;
			break;
		}
		node = target;
		moved++;
	}
	OK(ok, "kernel move_pages moved one 2 MiB THP node 0 -> 1 -> 0: on the target node and still one THP "
	       "after each move, contents kept (%d moves)%s%s",
	   moved, why[0] ? ": " : "", why);
	munmap(map, 2 * FRAME_SIZE);
}

int main(void)
{
	static struct pool p;
	struct nerr e = { 0, "" };
	int host_node_of[2] = { 0, 1 }, rc;

	if (numa_available() < 0 || numa_max_node() < 1 || mem_used(0) < 0 || mem_used(1) < 0) {
		tap_skip("placement on two host NUMA nodes", "this host has one NUMA node (make check-numa makes two)");
		return tap_done();
	}
	rc = pool_create(&p, 2, 2 * FRAMES * FRAME_SIZE, host_node_of, 0, &e);
	if (!OK(rc == 0, "pool of 2 nodes created%s%s", e.msg[0] ? ": " : "", e.msg))
		return tap_done();
	if (!OK(p.huge.kpageflags_fd >= 0, "/proc/kpageflags readable (root): THP state can be verified"))
		return tap_done();
	check_node(&p, 0);
	check_node(&p, 1);
	for (int g = 0; g < 2; g++) {
		struct placement pl;

		/* Measured before OK(): its arguments are evaluated in no set order. */
		memset(&pl, 0, sizeof(pl));
		rc = pool_measure_placement(&p, g, &pl);
		OK(rc == 0 && pl.measured == g && pl.present == FRAMES && pl.misplaced == 0 && pl.unknown == 0 &&
			   pl.huge == FRAMES && pl.split == 0,
		   "numig's own measurement (pool_measure_placement): guest node %d -> host node %d measured; %u present "
		   "(want %d), %u absent, %u misplaced, %u huge, %u split, %u unknown",
		   g, pl.measured, pl.present, FRAMES, pl.absent, pl.misplaced, pl.huge, pl.split, pl.unknown);
	}
	check_kernel_move(&p);
	pool_destroy(&p);
	return tap_done();
}
