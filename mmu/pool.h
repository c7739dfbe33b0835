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

struct node_pool {
	int guest_node;
	int host_node;           /* the host node asked for */
	int host_node_measured;  /* by get_mempolicy on a populated frame; -1 unknown */
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
	uint64_t allocs, frees, alloc_failures, populations, trims, collapse_ok, collapse_failed;
	uint64_t misplaced_frames;
};

struct pool {
	int nr_nodes;
	int hugetlb;
	int numa_ok;             /* libnuma usable on this host */
	int host_nodes;          /* nodes the host has */
	uint32_t keep_free;      /* populated free frames kept per node */
	int pagemap_fd;          /* /proc/self/pagemap, for huge-page checks; -1 */
	int kpageflags_fd;       /* /proc/kpageflags (root only); -1 */
	struct node_pool node[POOL_MAX_NODES];
};

/* host_node_of[g] is the host node for guest node g. */
int pool_create(struct pool *p, int nr_nodes, uint64_t bytes_per_node, const int *host_node_of, int hugetlb,
		struct nerr *e);
void pool_destroy(struct pool *p);

/* One free frame of guest node `node`, or NULL when the node is full.
 * Prefers a populated frame; populates one on the spot otherwise (slow:
 * a huge-page allocation and zeroing, counted in populations). */
struct frame *frame_alloc(struct pool *p, int node);

/* A free frame left unpopulated: the guest's first touch populates it. */
struct frame *frame_alloc_lazy(struct pool *p, int node);

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

/* Host node that backs `hva` right now (get_mempolicy), or -1. */
int pool_query_host_node(const void *hva);

/* Is the frame backed by one host huge page? Uses /proc/self/pagemap and
 * /proc/kpageflags (root); FRAME_HUGE_UNKNOWN where they cannot be read. */
enum frame_huge frame_huge_state(const struct pool *p, const struct frame *f);

/* Make the frame huge again if the host split it (MADV_COLLAPSE). */
int frame_make_huge(struct pool *p, struct frame *f);

/* Measures the host node of every populated frame; updates
 * host_node_measured and misplaced_frames. */
void pool_verify_placement(struct pool *p);

uint32_t pool_free_frames(struct pool *p, int node);

#endif
