/* Per-node host memory regions and the 2 MiB frame allocator (pool.h). */
#define _GNU_SOURCE
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "faultpoint.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

#define KPF_THP 22
#define KPF_HUGE 17

static int map_region(struct pool *p, struct node_pool *np, struct nerr *e)
{
	if (p->hugetlb) {
		np->map_len = np->bytes;
		np->map = mmap(NULL, np->map_len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
		if (np->map == MAP_FAILED)
			return nerr_set(e, NUMIG_EXIT_ENV,
					"--hugetlb: cannot map %llu MiB of 2 MiB huge pages for guest node %d: %s "
					"(reserve them first: echo N > /proc/sys/vm/nr_hugepages)",
					(unsigned long long)(np->bytes >> 20), np->guest_node, strerror(errno));
		np->hva = np->map;
		return 0;
	}
	/* Over-allocate by one frame so the region can start on a 2 MiB
	 * boundary: THP and KVM's 2 MiB mappings need host alignment. */
	np->map_len = np->bytes + FRAME_SIZE;
	np->map = mmap(NULL, np->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		       0);
	if (np->map == MAP_FAILED)
		return nerr_set(e, NUMIG_EXIT_ENV, "cannot map %llu MiB for guest node %d: %s",
				(unsigned long long)(np->bytes >> 20), np->guest_node, strerror(errno));
	np->hva = (uint8_t *)(((uintptr_t)np->map + FRAME_SIZE - 1) & ~(uintptr_t)(FRAME_SIZE - 1));
	if (madvise(np->hva, np->bytes, MADV_HUGEPAGE))
		return nerr_set(e, NUMIG_EXIT_ENV, "madvise(MADV_HUGEPAGE) failed: %s (is THP disabled?)",
				strerror(errno));
	return 0;
}

const char *pool_policy_name(enum pool_policy policy)
{
	static const char *const names[] = { "bind", "preferred", "interleave" };

	return policy <= POOL_INTERLEAVE ? names[policy] : "?";
}

static int bind_region(struct pool *p, struct node_pool *np, struct nerr *e)
{
	static const int mode_of[] = { [POOL_BIND] = MPOL_BIND, [POOL_PREFERRED] = MPOL_PREFERRED,
				       [POOL_INTERLEAVE] = MPOL_INTERLEAVE };
	unsigned long mask[POOL_MAX_NODES / (8 * sizeof(unsigned long)) + 1] = { 0 };

	if (!p->numa_ok)
		return 0;
	if (np->policy == POOL_PREFERRED && (np->host_mask & (np->host_mask - 1)))
		return nerr_set(e, NUMIG_EXIT_USAGE, "guest node %d: preferred placement takes exactly one host node",
				np->guest_node);
	for (int h = 0; h < POOL_MAX_NODES; h++)
		if (np->host_mask & (1ull << h)) {
			if (h >= p->host_nodes)
				return nerr_set(e, NUMIG_EXIT_USAGE, "guest node %d: host node %d does not exist (the host has %d)",
						np->guest_node, h, p->host_nodes);
			mask[h / (8 * sizeof(unsigned long))] |= 1ul << (h % (8 * sizeof(unsigned long)));
		}
	/* Before the first touch: with MPOL_BIND every frame is allocated on
	 * the nodes asked for or the touch fails, so placement is never
	 * silently wrong; the other policies are verified by measurement. */
	if ((faultpoint_hit(FP_MBIND) && (errno = EIO)) ||
	    mbind(np->hva, np->bytes, mode_of[np->policy], mask, POOL_MAX_NODES + 1, 0))
		return nerr_set(e, NUMIG_EXIT_ENV, "mbind(guest node %d -> host node %d, %s) failed: %s", np->guest_node,
				np->host_node, pool_policy_name(np->policy), strerror(errno));
	return 0;
}

#ifndef MPOL_F_NUMA_BALANCING
#define MPOL_F_NUMA_BALANCING (1 << 13) /* Linux 5.12; older headers lack it */
#endif

int pool_allow_balancing(struct pool *p, int *fallback, struct nerr *e)
{
	unsigned long mask[POOL_MAX_NODES / (8 * sizeof(unsigned long)) + 1] = { 0 };

	*fallback = 0;
	if (!p->numa_ok)
		return 0;
	for (int h = 0; h < p->host_nodes && h < POOL_MAX_NODES; h++)
		if (numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)h))
			mask[h / (8 * sizeof(unsigned long))] |= 1ul << (h % (8 * sizeof(unsigned long)));
	for (int g = 0; g < p->nr_nodes; g++) {
		struct node_pool *np = &p->node[g];

		/* No MPOL_MF_MOVE: what is there stays; only the kernel's NUMA
		 * balancing may now move it, among every host node. */
		if (!*fallback && !mbind(np->hva, np->bytes, MPOL_BIND | MPOL_F_NUMA_BALANCING, mask, POOL_MAX_NODES + 1, 0))
			continue;
		if (!*fallback && errno != EINVAL)
			return nerr_set(e, NUMIG_EXIT_ENV, "mbind(guest node %d, bind | numa-balancing) failed: %s",
					np->guest_node, strerror(errno));
		/* Before Linux 5.12 a bound region is never balanced: the
		 * default policy is, wherever the kernel likes. */
		*fallback = 1;
		if (mbind(np->hva, np->bytes, MPOL_DEFAULT, NULL, 0, 0))
			return nerr_set(e, NUMIG_EXIT_ENV, "mbind(guest node %d, default) failed: %s", np->guest_node,
					strerror(errno));
	}
	return 0;
}

int pool_create_nodes(struct pool *p, int nr_nodes, const struct pool_node_spec *spec, int hugetlb, struct nerr *e)
{
	uint64_t gpa = POOL_GPA_BASE;

	memset(p, 0, sizeof(*p));
	p->huge.pagemap_fd = p->huge.kpageflags_fd = -1;
	p->query = pool_query_move_pages;
	if (nr_nodes < 1 || nr_nodes > POOL_MAX_NODES)
		return nerr_set(e, NUMIG_EXIT_USAGE, "guest nodes must be 1..%d", POOL_MAX_NODES);
	for (int g = 0; g < nr_nodes; g++)
		if (spec[g].bytes < FRAME_SIZE || spec[g].bytes % FRAME_SIZE || spec[g].bytes > (1ull << 40))
			return nerr_set(e, NUMIG_EXIT_USAGE,
					"memory of guest node %d must be a multiple of 2 MiB up to 1 TiB (got %llu bytes)", g,
					(unsigned long long)spec[g].bytes);
	p->nr_nodes = nr_nodes;
	p->hugetlb = hugetlb;
	p->numa_ok = numa_available() >= 0;
	p->host_nodes = p->numa_ok ? numa_max_node() + 1 : 1;
	p->keep_free = 8;
	huge_probe_open(&p->huge);
	for (int g = 0; g < nr_nodes; g++) {
		struct node_pool *np = &p->node[g];

		np->guest_node = g;
		np->policy = spec[g].policy;
		np->host_mask = spec[g].host_mask ? spec[g].host_mask : 1;
		np->host_node = __builtin_ctzll(np->host_mask);
		np->bytes = spec[g].bytes;
		/* Regions start on 1 GiB boundaries, one memslot each. */
		np->gpa = gpa;
		gpa += (spec[g].bytes + (1ull << 30) - 1) & ~((1ull << 30) - 1);
		np->nr_frames = (uint32_t)(spec[g].bytes / FRAME_SIZE);
		np->nr_free = np->nr_frames;
		pthread_mutex_init(&np->lock, NULL);
		np->frames = calloc(np->nr_frames, sizeof(*np->frames));
		if (!np->frames) {
			nerr_set(e, NUMIG_EXIT_ENV, "out of memory for frame descriptors");
			goto fail;
		}
		if (map_region(p, np, e) || bind_region(p, np, e))
			goto fail;
		for (uint32_t i = 0; i < np->nr_frames; i++) {
			struct frame *f = &np->frames[i];

			f->index = i;
			f->node = (uint16_t)g;
			f->gpa = np->gpa + (uint64_t)i * FRAME_SIZE;
			f->hva = np->hva + (uint64_t)i * FRAME_SIZE;
		}
	}
	return 0;
fail:
	pool_destroy(p);
	return -1;
}

int pool_create(struct pool *p, int nr_nodes, uint64_t bytes_per_node, const int *host_node_of, int hugetlb,
		struct nerr *e)
{
	struct pool_node_spec spec[POOL_MAX_NODES];

	if (nr_nodes < 1 || nr_nodes > POOL_MAX_NODES) {
		memset(p, 0, sizeof(*p));
		return nerr_set(e, NUMIG_EXIT_USAGE, "guest nodes must be 1..%d", POOL_MAX_NODES);
	}
	for (int g = 0; g < nr_nodes; g++) {
		int h = host_node_of ? host_node_of[g] : 0;

		if (h < 0 || h >= POOL_MAX_NODES) {
			memset(p, 0, sizeof(*p));
			return nerr_set(e, NUMIG_EXIT_USAGE, "host node %d out of range 0..%d", h, POOL_MAX_NODES - 1);
		}
		spec[g] = (struct pool_node_spec){ bytes_per_node, POOL_BIND, 1ull << h };
	}
	return pool_create_nodes(p, nr_nodes, spec, hugetlb, e);
}

void pool_destroy(struct pool *p)
{
	for (int g = 0; g < p->nr_nodes; g++) {
		struct node_pool *np = &p->node[g];

		if (np->map && np->map != MAP_FAILED)
			munmap(np->map, np->map_len);
		free(np->frames);
		pthread_mutex_destroy(&np->lock);
		np->map = NULL;
		np->frames = NULL;
	}
	huge_probe_close(&p->huge);
	p->nr_nodes = 0;
}

/* MADV_POPULATE_WRITE exists since Linux 5.14. Asked once, on a range
 * known to be writable: later EINVALs may also mean "read-only right now",
 * and touching such a frame would crash. */
static int populate_write_supported(void)
{
	static int supported = -1;

	if (supported < 0) {
		void *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (probe == MAP_FAILED)
			return 1;
		supported = !(madvise(probe, 4096, MADV_POPULATE_WRITE) && errno == EINVAL);
		munmap(probe, 4096);
	}
	return supported;
}

static int populate(struct node_pool *np, struct frame *f)
{
	if (f->populated)
		return 0;
	if (populate_write_supported()) {
		if (madvise(f->hva, FRAME_SIZE, MADV_POPULATE_WRITE))
			return -1;
	} else {
		for (uint64_t off = 0; off < FRAME_SIZE; off += 4096)
			((volatile uint8_t *)f->hva)[off] = 0;
	}
	f->populated = 1;
	__atomic_fetch_add(&np->populations, 1, __ATOMIC_RELAXED);
	return 0;
}

static void take(struct node_pool *np, struct frame *f)
{
	f->in_use = 1;
	np->nr_free--;
	if (f->populated)
		np->nr_populated_free--;
	np->allocs++;
}

static struct frame *alloc_frame(struct pool *p, int node, int populate_it)
{
	struct node_pool *np;
	struct frame *pick = NULL;

	if (node < 0 || node >= p->nr_nodes)
		return NULL;
	np = &p->node[node];
	pthread_mutex_lock(&np->lock);
	for (uint32_t n = 0; n < np->nr_frames; n++) {
		struct frame *f = &np->frames[(np->hint + n) % np->nr_frames];

		if (f->in_use)
			continue;
		if (f->populated || !np->nr_populated_free) {
			pick = f;
			break;
		}
	}
	if (pick) {
		take(np, pick);
		np->hint = (pick->index + 1) % np->nr_frames;
	} else {
		np->alloc_failures++;
	}
	pthread_mutex_unlock(&np->lock);
	if (pick && populate_it && populate(np, pick)) {
		frame_free(p, pick);
		pthread_mutex_lock(&np->lock);
		np->alloc_failures++;
		pthread_mutex_unlock(&np->lock);
		return NULL;
	}
	return pick;
}

struct frame *frame_alloc(struct pool *p, int node)
{
	return alloc_frame(p, node, 1);
}

struct frame *frame_alloc_lazy(struct pool *p, int node)
{
	return alloc_frame(p, node, 0);
}

int frame_populate(struct pool *p, struct frame *f)
{
	return populate(&p->node[f->node], f);
}

uint32_t pool_refill(struct pool *p, uint32_t max)
{
	uint32_t done = 0;

	for (int g = 0; g < p->nr_nodes && done < max; g++) {
		struct node_pool *np = &p->node[g];

		while (done < max) {
			struct frame *f = NULL;

			pthread_mutex_lock(&np->lock);
			if (np->nr_populated_free < p->keep_free)
				for (uint32_t i = 0; i < np->nr_frames && !f; i++)
					if (!np->frames[i].in_use && !np->frames[i].populated)
						f = &np->frames[i];
			if (f)
				take(np, f);
			pthread_mutex_unlock(&np->lock);
			if (!f)
				break;
			populate(np, f);
			frame_free(p, f);
			done++;
		}
	}
	return done;
}

/* First run of n free frames; with `populated_only`, of populated ones. */
static int find_run(struct node_pool *np, uint32_t n, int populated_only, uint32_t *start)
{
	uint32_t len = 0;

	for (uint32_t i = 0; i < np->nr_frames; i++) {
		const struct frame *f = &np->frames[i];

		if (f->in_use || (populated_only && !f->populated)) {
			len = 0;
			continue;
		}
		if (len++ == 0)
			*start = i;
		if (len == n)
			return 1;
	}
	return 0;
}

int frame_alloc_run(struct pool *p, int node, uint32_t n, struct frame **out)
{
	struct node_pool *np;
	uint32_t start = 0;
	int found;

	if (node < 0 || node >= p->nr_nodes || n == 0)
		return -1;
	np = &p->node[node];
	pthread_mutex_lock(&np->lock);
	/* A populated run first: populating on the spot costs a huge-page
	 * allocation and zeroing per frame, on the migration path. */
	found = find_run(np, n, 1, &start) || find_run(np, n, 0, &start);
	if (found)
		for (uint32_t i = 0; i < n; i++)
			take(np, &np->frames[start + i]);
	else
		np->alloc_failures++;
	pthread_mutex_unlock(&np->lock);
	if (!found)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		out[i] = &np->frames[start + i];
		if (populate(np, out[i])) {
			for (uint32_t j = 0; j < n; j++)
				frame_free(p, &np->frames[start + j]);
			return -1;
		}
	}
	return 0;
}

void frame_free(struct pool *p, struct frame *f)
{
	struct node_pool *np = &p->node[f->node];

	pthread_mutex_lock(&np->lock);
	if (f->in_use) {
		f->in_use = 0;
		np->nr_free++;
		if (f->populated)
			np->nr_populated_free++;
		np->frees++;
	}
	pthread_mutex_unlock(&np->lock);
}

struct frame *pool_frame_of_gpa(struct pool *p, uint64_t gpa)
{
	for (int g = 0; g < p->nr_nodes; g++) {
		struct node_pool *np = &p->node[g];

		if (gpa >= np->gpa && gpa < np->gpa + np->bytes)
			return &np->frames[(gpa - np->gpa) / FRAME_SIZE];
	}
	return NULL;
}

int pool_query_move_pages(void **addrs, unsigned long n, int *status)
{
	/* nodes=NULL only asks: it reports present pages and never faults one in
	 * (get_mempolicy(MPOL_F_ADDR) would, onto the huge zero page). */
	return (int)move_pages(0, n, addrs, NULL, status, 0);
}

int pool_query_host_node(const struct pool *p, const void *hva)
{
	void *addr = (void *)hva;
	int status = -ENOENT;

	if ((p ? p->query : pool_query_move_pages)(&addr, 1, &status) || status < 0)
		return -1;
	return status;
}

void huge_probe_open(struct huge_probe *hp)
{
	hp->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	hp->kpageflags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
}

void huge_probe_close(struct huge_probe *hp)
{
	if (hp->pagemap_fd >= 0)
		close(hp->pagemap_fd);
	if (hp->kpageflags_fd >= 0)
		close(hp->kpageflags_fd);
	hp->pagemap_fd = hp->kpageflags_fd = -1;
}

#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

static int read_pagemap(const struct huge_probe *hp, const void *hva, uint64_t *entry)
{
	if (hp->pagemap_fd < 0)
		return -1;
	return pread(hp->pagemap_fd, entry, sizeof(*entry), (off_t)((uintptr_t)hva / 4096 * 8)) == sizeof(*entry) ? 0
														 : -1;
}

enum frame_huge huge_probe_state(const struct huge_probe *hp, const void *hva)
{
	uint64_t entry, flags;

	/* Absent (nothing to say yet) or PFN hidden (not root): unknown. */
	if (read_pagemap(hp, hva, &entry) || !(entry & PM_PRESENT) || !(entry & PM_PFN_MASK) || hp->kpageflags_fd < 0)
		return FRAME_HUGE_UNKNOWN;
	if (pread(hp->kpageflags_fd, &flags, sizeof(flags), (off_t)((entry & PM_PFN_MASK) * 8)) != sizeof(flags))
		return FRAME_HUGE_UNKNOWN;
	return (flags & ((1ull << KPF_THP) | (1ull << KPF_HUGE))) ? FRAME_HUGE : FRAME_NOT_HUGE;
}

const char *huge_probe_why_unknown(const struct huge_probe *hp, const void *hva)
{
	uint64_t entry;

	if (read_pagemap(hp, hva, &entry))
		return hp->pagemap_fd < 0 ? "/proc/self/pagemap cannot be opened" : "/proc/self/pagemap cannot be read";
	if (!(entry & PM_PRESENT))
		return "the page is not present";
	if (!(entry & PM_PFN_MASK))
		return "page frame numbers are hidden (needs CAP_SYS_ADMIN)";
	if (hp->kpageflags_fd < 0)
		return "/proc/kpageflags cannot be opened (needs root)";
	return "/proc/kpageflags cannot be read";
}

enum frame_huge frame_huge_state(const struct pool *p, const struct frame *f)
{
	if (p->hugetlb)
		return FRAME_HUGE;
	return huge_probe_state(&p->huge, f->hva);
}

int frame_make_huge(struct pool *p, struct frame *f)
{
	struct node_pool *np = &p->node[f->node];
	int rc;

	if (frame_huge_state(p, f) != FRAME_NOT_HUGE)
		return 0;
	rc = madvise(f->hva, FRAME_SIZE, MADV_COLLAPSE);
	pthread_mutex_lock(&np->lock);
	if (rc == 0 && frame_huge_state(p, f) == FRAME_HUGE)
		np->collapse_ok++;
	else
		np->collapse_failed++, rc = -1;
	pthread_mutex_unlock(&np->lock);
	return rc;
}

/* One address per frame: a 2 MiB frame is one THP, whose first 4 KiB tells
 * its node. */
void pool_locate_frames(const struct pool *p, int g, uint32_t base, uint32_t n, int *host, int8_t *huge)
{
	const struct node_pool *np = &p->node[g];
	void *addrs[POOL_LOCATE_MAX];
	int failed;

	if (n > POOL_LOCATE_MAX)
		n = POOL_LOCATE_MAX;
	for (uint32_t i = 0; i < n; i++) {
		addrs[i] = np->frames[base + i].hva;
		host[i] = -ENOENT;
	}
	failed = p->query(addrs, n, host) != 0;
	for (uint32_t i = 0; i < n; i++) {
		int s = host[i];

		host[i] = failed ? POOL_UNKNOWN
			: s == -ENOENT || s == -EFAULT ? POOL_ABSENT
			: s < 0 || s >= POOL_MAX_NODES ? POOL_UNKNOWN : s;
		huge[i] = host[i] >= 0 ? (int8_t)frame_huge_state(p, &np->frames[base + i]) : FRAME_HUGE_UNKNOWN;
	}
}

/* A split frame is counted in `split`; under MPOL_BIND its pieces still lie
 * within the nodes asked for. */
int pool_measure_placement(const struct pool *p, int g, struct placement *out)
{
	const struct node_pool *np;
	int host[POOL_LOCATE_MAX];
	int8_t huge[POOL_LOCATE_MAX];

	memset(out, 0, sizeof(*out));
	out->measured = -1;
	if (g < 0 || g >= p->nr_nodes)
		return -1;
	np = &p->node[g];
	for (uint32_t base = 0; base < np->nr_frames; base += POOL_LOCATE_MAX) {
		uint32_t n = np->nr_frames - base < POOL_LOCATE_MAX ? np->nr_frames - base : POOL_LOCATE_MAX;

		pool_locate_frames(p, g, base, n, host, huge);
		for (uint32_t i = 0; i < n; i++) {
			if (host[i] == POOL_ABSENT) {
				out->absent++;
				continue;
			}
			if (host[i] < 0) {
				out->unknown++;
				continue;
			}
			out->present++;
			out->on_node[host[i]]++;
			out->misplaced += np->policy != POOL_PREFERRED && !(np->host_mask & (1ull << host[i]));
			out->huge += huge[i] == FRAME_HUGE;
			out->split += huge[i] == FRAME_NOT_HUGE;
		}
	}
	for (int h = 0; h < POOL_MAX_NODES; h++)
		if (out->on_node[h] && (out->measured < 0 || out->on_node[h] > out->on_node[out->measured]))
			out->measured = h;
	return 0;
}

uint32_t pool_free_frames(struct pool *p, int node)
{
	uint32_t n;

	pthread_mutex_lock(&p->node[node].lock);
	n = p->node[node].nr_free;
	pthread_mutex_unlock(&p->node[node].lock);
	return n;
}
