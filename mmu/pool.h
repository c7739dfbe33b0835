/* Host memory for guest NUMA nodes: one 2 MiB-aligned region per guest node
 * (one KVM memslot each), bound to a host node with libnuma before the first
 * touch and cut into 2 MiB frames. Freed frames stay populated so the next
 * allocation does not pay a huge-page allocation and zeroing. */
#ifndef NUMIG_MMU_POOL_H
#define NUMIG_MMU_POOL_H

#include <pthread.h>
#include <stdint.h>

#include <numig/err.h>

#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older libc headers lack it */
#endif

#define POOL_MAX_NODES 64
#define FRAME_SIZE (2ull << 20)
#define POOL_GPA_BASE (4ull << 30)

struct frame {
	uint64_t gpa;
	uint8_t *hva;
	uint32_t index;       /* within its node */
	uint16_t node;        /* guest node */
	uint8_t in_use;
	uint8_t populated;
	int ro_holds;         /* write-protect holders (tlb.c, under its lock) */
	int vmm_writes;       /* the VMM is writing it: never write-protect (tlb.c) */
};

enum frame_huge { FRAME_HUGE_UNKNOWN = -1, FRAME_NOT_HUGE = 0, FRAME_HUGE = 1 };

/* /proc/self/pagemap and /proc/kpageflags, opened once so that a huge-page
 * check is two preads. Without root the PFNs are hidden: checks say
 * FRAME_HUGE_UNKNOWN, and `why` says so. */
struct huge_probe {
	int pagemap_fd;
	int kpageflags_fd;
};

void huge_probe_open(struct huge_probe *hp);
void huge_probe_close(struct huge_probe *hp);
/* Is the 4 KiB page at `hva` part of a host huge page (THP or hugetlb)? */
enum frame_huge huge_probe_state(const struct huge_probe *hp, const void *hva);
/* Why a check of `hva` says FRAME_HUGE_UNKNOWN, for a report. */
const char *huge_probe_why_unknown(const struct huge_probe *hp, const void *hva);

/* How a guest node's region is placed on host nodes, bound before the
 * first touch (mbind). */
enum pool_policy {
	POOL_BIND,        /* only the nodes of host_mask (numactl --membind, libvirt strict) */
	POOL_PREFERRED,   /* the one node of host_mask first, others when it is full */
	POOL_INTERLEAVE,  /* frames spread round robin over host_mask */
};

struct pool_node_spec {
	uint64_t bytes;          /* a multiple of 2 MiB */
	enum pool_policy policy;
	uint64_t host_mask;      /* host nodes (bit h: node h); 0 means node 0 */
};

struct node_pool {
	int guest_node;
	int host_node;           /* the lowest host node asked for */
	enum pool_policy policy;
	uint64_t host_mask;      /* the host nodes asked for */
	uint8_t *map;            /* mmap'd range (alignment slack included) */
	size_t map_len;
	uint8_t *hva;            /* 2 MiB-aligned start */
	uint64_t gpa;
	uint64_t bytes;
	uint32_t nr_frames;
	uint32_t nr_free;
	uint32_t nr_populated_free;
	uint32_t hint;           /* where the next search for free frames starts */
	struct frame *frames;
	pthread_mutex_t lock;
	uint64_t allocs, frees, alloc_failures, populations, collapse_ok, collapse_failed;
};

/* Where one guest node's frames are in host memory, measured without
 * faulting anything in: a query that touched an absent frame would map the
 * kernel's shared huge zero page and report *its* node, and the guest's
 * first write would then split the 2 MiB mapping. */
struct placement {
	int measured;        /* host node holding most present frames; -1 none present */
	uint32_t on_node[POOL_MAX_NODES]; /* present frames per host node */
	uint32_t present;    /* frames backed by host memory now */
	uint32_t absent;     /* not populated yet: nothing to measure */
	uint32_t unknown;    /* the kernel could not say (no NUMA support) */
	uint32_t misplaced;  /* present outside the host nodes asked for (a preferred node's
			      * overflow is not misplaced: the policy allows it) */
	uint32_t huge;       /* present frames verified as one host huge page */
	uint32_t split;      /* present frames the host backs with small pages */
};

/* The kernel's answer for n addresses: status[i] is the host node of a
 * present page, or a negative errno (-ENOENT, -EFAULT: not present).
 * move_pages(2) with nodes=NULL; a seam so tests can fake a NUMA host. */
typedef int (*pool_query_fn)(void **addrs, unsigned long n, int *status);

struct pool {
	int nr_nodes;
	int hugetlb;
	int numa_ok;             /* libnuma usable on this host */
	int host_nodes;          /* nodes the host has */
	uint32_t keep_free;      /* populated free frames kept per node */
	struct huge_probe huge;  /* for frame_huge_state */
	pool_query_fn query;     /* pool_query_move_pages unless a test replaces it */
	struct node_pool node[POOL_MAX_NODES];
};

/* One region per spec, bound with its policy. */
int pool_create_nodes(struct pool *p, int nr_nodes, const struct pool_node_spec *spec, int hugetlb, struct nerr *e);
/* Every node the same size and bound to one host node: host_node_of[g]
 * (NULL: node 0). */
int pool_create(struct pool *p, int nr_nodes, uint64_t bytes_per_node, const int *host_node_of, int hugetlb,
		struct nerr *e);
/* --migrator numa-balancing, once the guest's memory is populated where it
 * was asked to be: every region becomes MPOL_BIND | MPOL_F_NUMA_BALANCING
 * over all host nodes, so the kernel's automatic NUMA balancing may move it
 * (Linux 5.12+). Older kernels refuse the flag (EINVAL): the regions then
 * get the default policy, which balancing also moves, and *fallback says so. */
int pool_allow_balancing(struct pool *p, int *fallback, struct nerr *e);
/* "bind", "preferred" or "interleave". */
const char *pool_policy_name(enum pool_policy policy);
void pool_destroy(struct pool *p);

/* One free frame of guest node `node`, or NULL when the node is full.
 * Prefers a populated frame; populates one on the spot otherwise (slow:
 * a huge-page allocation and zeroing, counted in populations). */
struct frame *frame_alloc(struct pool *p, int node);

/* A free frame left unpopulated: the guest's first touch populates it.
 * It is not counted as populated: nothing backs it until then. */
struct frame *frame_alloc_lazy(struct pool *p, int node);

/* Populates an in-use frame now (MADV_POPULATE_WRITE) and marks it so. */
int frame_populate(struct pool *p, struct frame *f);

/* Populates free frames until every node has keep_free populated free
 * frames, at most `max` per call. Returns the number populated. Run it off
 * the migration path (mmu's keeper thread). */
uint32_t pool_refill(struct pool *p, uint32_t max);

/* `n` physically contiguous free frames, or -1 when no such run exists.
 * Contiguous frames can be invalidated with one host call. */
int frame_alloc_run(struct pool *p, int node, uint32_t n, struct frame **out);

void frame_free(struct pool *p, struct frame *f);

/* The frame containing guest-physical `gpa`, or NULL. */
struct frame *pool_frame_of_gpa(struct pool *p, uint64_t gpa);

/* Host node that backs `hva` right now, or -1 when nothing backs it yet.
 * Never faults the page in. */
int pool_query_host_node(const struct pool *p, const void *hva);

/* The default query: move_pages(0, n, addrs, NULL, status, 0). */
int pool_query_move_pages(void **addrs, unsigned long n, int *status);

/* Is the frame backed by one host huge page? Uses /proc/self/pagemap and
 * /proc/kpageflags (root); FRAME_HUGE_UNKNOWN where they cannot be read. */
enum frame_huge frame_huge_state(const struct pool *p, const struct frame *f);

/* Make the frame huge again if the host split it (MADV_COLLAPSE). */
int frame_make_huge(struct pool *p, struct frame *f);

/* Where frames [base, base + n) of guest node g are, n <= POOL_LOCATE_MAX,
 * in one query that faults nothing in: host[i] is the host node of a present
 * frame, POOL_ABSENT (not populated, or only the shared zero page) or
 * POOL_UNKNOWN (the kernel could not say); huge[i] its enum frame_huge
 * (FRAME_HUGE_UNKNOWN unless present). */
#define POOL_LOCATE_MAX 512
#define POOL_ABSENT (-1)
#define POOL_UNKNOWN (-2)
void pool_locate_frames(const struct pool *p, int g, uint32_t base, uint32_t n, int *host, int8_t *huge);

/* Measures where guest node g's frames are (every frame of its region,
 * in use or free), and which present frames are host huge pages. */
int pool_measure_placement(const struct pool *p, int g, struct placement *out);

uint32_t pool_free_frames(struct pool *p, int node);

#endif
