/* The NUMA-hinting scanner (CPU A of the 2013 race, like task_numa_work):
 * every period it clears the leaves of a window of working-set pages and
 * *defers* their invalidation to one batched flush at the end of the window.
 * Until then vCPUs that cached a translation keep using the old frame.
 *
 * `flush_pending` is raised before any entry changes and lowered after the
 * batched flush, as Linux's tlb_flush_pending; each page also carries its own
 * `stale` flag so the migration guard flushes only pages that need it. */
#ifndef NUMIG_MMU_SCAN_H
#define NUMIG_MMU_SCAN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tlb.h"
#include "worker.h"
#include "ws.h"

/* Pages the scanner marked, for the migration thread (CPU B). */
struct page_queue {
	pthread_mutex_t lock;
	uint32_t *idx;
	uint32_t cap, head, count;
};

int page_queue_init(struct page_queue *q, uint32_t cap);
void page_queue_free(struct page_queue *q);
void page_queue_push(struct page_queue *q, uint32_t idx); /* drops the oldest when full */
int page_queue_pop(struct page_queue *q, uint32_t *idx);

struct scanner {
	struct ws *ws;
	struct tlb *tlb;
	struct page_queue *marked;     /* may be NULL */
	uint64_t period_ns;
	uint64_t lazy_delay_ns;        /* extra time the flush is held back */
	uint32_t scan_size;            /* pages per window */
	uint32_t cursor;
	atomic_int flush_pending;
	struct worker worker;
	atomic_uint_fast64_t passes, pages_marked, batched_flushes, frames_flushed, errors;
	/* The frames the marked leaves pointed to: what the batched flush must
	 * invalidate, even if a page moved meanwhile. */
	struct frame **batch_frames;
	struct ws_page **batch_pages;
	uint32_t batch_len;
};

int scanner_init(struct scanner *s, struct ws *ws, struct tlb *tlb, struct page_queue *marked, uint64_t period_ns,
		 uint32_t scan_size, uint64_t lazy_delay_ns);
void scanner_destroy(struct scanner *s);

/* One window: mark (clear leaves, defer the flush) ... */
uint32_t scan_mark_window(struct scanner *s);
/* ... then the batched flush of everything the window marked. */
int scan_flush_window(struct scanner *s);

int scanner_start(struct scanner *s);
void scanner_stop(struct scanner *s);

#endif
