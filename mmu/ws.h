/* The working set: the guest-virtual range of 2 MiB pages that numig
 * migrates, with per-page metadata. Each page's leaf in the guest tables
 * points at a frame in some node's pool. */
#ifndef NUMIG_MMU_WS_H
#define NUMIG_MMU_WS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "pool.h"
#include "pt.h"
#include "step.h"

enum page_state {
	PAGE_PRESENT = 0,   /* leaf present, vCPUs may use it */
	PAGE_HINTING = 1,   /* leaf cleared by the scanner: next touch faults */
	PAGE_MIGRATING = 2, /* isolated by the engine: faulting vCPUs wait */
};

struct ws_page {
	uint32_t index;
	uint64_t gva;
	pte_t *leaf;
	struct frame *frame;        /* current frame; changes under `lock` */
	atomic_int state;
	/* The leaf was changed and the invalidation for it is still deferred:
	 * vCPUs may hold translations of the frame it pointed to. Set by the
	 * scanner, cleared by its batched flush or by the migration guard. */
	atomic_int stale;
	atomic_uint_fast64_t seq;   /* odd while a migration is in flight */
	pthread_mutex_t lock;
	pthread_cond_t changed;     /* broadcast when a migration ends */
	atomic_uint_fast64_t migrations;
	atomic_uint_fast64_t hint_faults;
	/* Owned by one migration from its start (before a precopy, which
	 * leaves the page mapped) to its end; others get MIG_BUSY. */
	atomic_int claimed;
	/* What auto decides from (strategy.h): pieces dirtied during the last
	 * precopy's first copy (-1: never precopied), unmap-copies since. */
	atomic_int precopy_dirty;
	atomic_int unmap_copies_since_probe;
};

struct ws {
	uint64_t base;
	uint32_t nr_pages;
	struct ws_page *pages;
	struct pt *pt;
	struct pool *pool;
	struct step_hook step;      /* a test's view of the protocol (step.h); unset in numig */
};

/* Maps `nr_pages` pages at `base`; page i gets a frame on node
 * initial_node[i]. */
int ws_create(struct ws *w, struct pt *pt, struct pool *pool, uint64_t base, uint32_t nr_pages,
	      const int *initial_node, struct nerr *e);
void ws_destroy(struct ws *w);

static inline struct ws_page *ws_page_of(struct ws *w, uint64_t gva)
{
	if (gva < w->base || gva >= w->base + (uint64_t)w->nr_pages * FRAME_SIZE)
		return NULL;
	return &w->pages[(gva - w->base) / FRAME_SIZE];
}

/* Populates every page's frame now (MADV_POPULATE_WRITE) instead of at the
 * guest's first touch. Best effort. */
void ws_populate(struct ws *w);

/* Number of pages whose frame is on guest node `node`. */
uint32_t ws_pages_on_node(struct ws *w, int node);

#endif
