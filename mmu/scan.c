/* NUMA-hinting scanner (scan.h). */
#include "scan.h"
#include "probes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int page_queue_init(struct page_queue *q, uint32_t cap)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	q->idx = calloc(cap ? cap : 1, sizeof(*q->idx));
	q->cap = cap ? cap : 1;
	return q->idx ? 0 : -1;
}

void page_queue_free(struct page_queue *q)
{
	free(q->idx);
	q->idx = NULL;
	pthread_mutex_destroy(&q->lock);
}

void page_queue_push(struct page_queue *q, uint32_t idx)
{
	pthread_mutex_lock(&q->lock);
	if (q->count == q->cap) {
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	q->idx[(q->head + q->count) % q->cap] = idx;
	q->count++;
	pthread_mutex_unlock(&q->lock);
}

int page_queue_pop(struct page_queue *q, uint32_t *idx)
{
	int got = 0;

	pthread_mutex_lock(&q->lock);
	if (q->count) {
		*idx = q->idx[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
		got = 1;
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

int scanner_init(struct scanner *s, struct ws *ws, struct tlb *tlb, struct page_queue *marked, uint64_t period_ns,
		 uint32_t scan_size, uint64_t lazy_delay_ns)
{
	memset(s, 0, sizeof(*s));
	s->ws = ws;
	s->tlb = tlb;
	s->marked = marked;
	s->period_ns = period_ns;
	s->lazy_delay_ns = lazy_delay_ns;
	s->scan_size = scan_size < ws->nr_pages ? scan_size : ws->nr_pages;
	s->batch_frames = calloc(s->scan_size ? s->scan_size : 1, sizeof(*s->batch_frames));
	s->batch_pages = calloc(s->scan_size ? s->scan_size : 1, sizeof(*s->batch_pages));
	return s->batch_frames && s->batch_pages ? 0 : -1;
}

void scanner_destroy(struct scanner *s)
{
	free(s->batch_frames);
	free(s->batch_pages);
	s->batch_frames = NULL;
	s->batch_pages = NULL;
}

uint32_t scan_mark_window(struct scanner *s)
{
	struct ws *w = s->ws;

	s->batch_len = 0;
	if (!w->nr_pages)
		return 0;
	atomic_fetch_add(&s->flush_pending, 1);
	NUMIG_PROBE(scan_window_start, s->cursor, s->scan_size);
	for (uint32_t n = 0; n < s->scan_size; n++) {
		struct ws_page *pg = &w->pages[s->cursor];
		int marked = 0;

		s->cursor = (s->cursor + 1) % w->nr_pages;
		pthread_mutex_lock(&pg->lock);
		if (atomic_load(&pg->state) == PAGE_PRESENT) {
			/* stale before the leaf changes: a migration that sees the
			 * cleared leaf must also see that its flush is pending. */
			atomic_store(&pg->stale, 1);
			pte_clear_present(pg->leaf);
			atomic_store(&pg->state, PAGE_HINTING);
			s->batch_frames[s->batch_len] = pg->frame;
			s->batch_pages[s->batch_len] = pg;
			s->batch_len++;
			marked = 1;
		}
		pthread_mutex_unlock(&pg->lock);
		if (marked)
			mmu_step(&w->step, STEP_SCAN_MARK, pg->index, NULL, 0);
	}
	atomic_fetch_add(&s->pages_marked, s->batch_len);
	NUMIG_PROBE(scan_window_end, s->cursor, s->batch_len);
	if (s->marked)
		for (uint32_t i = 0; i < s->batch_len; i++)
			page_queue_push(s->marked, s->batch_pages[i]->index);
	return s->batch_len;
}

int scan_flush_window(struct scanner *s)
{
	int rc;

	NUMIG_PROBE(scan_flush_start, s->batch_len);
	rc = tlb_invalidate_frames(s->tlb, s->batch_frames, s->batch_len, 0);

	if (rc) {
		atomic_fetch_add(&s->errors, 1);
	} else {
		for (uint32_t i = 0; i < s->batch_len; i++)
			atomic_store(&s->batch_pages[i]->stale, 0);
		atomic_fetch_add(&s->batched_flushes, 1);
		atomic_fetch_add(&s->frames_flushed, s->batch_len);
	}
	mmu_step(&s->ws->step, STEP_SCAN_FLUSH, STEP_NO_PAGE, NULL, s->batch_len);
	NUMIG_PROBE(scan_flush_end, s->batch_len, rc);
	s->batch_len = 0;
	atomic_fetch_sub(&s->flush_pending, 1);
	return rc;
}

static void *scanner_main(void *arg)
{
	struct scanner *s = arg;

	while (!worker_stopping(&s->worker)) {
		uint64_t t0 = now_ns(), spent;

		scan_mark_window(s);
		/* A stop cuts the delay short, never the flush: no leaf is left
		 * cleared with its flush still owed. */
		if (s->lazy_delay_ns)
			worker_sleep(&s->worker, s->lazy_delay_ns);
		scan_flush_window(s);
		atomic_fetch_add(&s->passes, 1);
		spent = now_ns() - t0;
		if (spent < s->period_ns)
			worker_sleep(&s->worker, s->period_ns - spent);
	}
	return NULL;
}

int scanner_start(struct scanner *s)
{
	if (!s->ws->nr_pages || !s->scan_size)
		return 0;
	return worker_start(&s->worker, scanner_main, s);
}

void scanner_stop(struct scanner *s)
{
	worker_stop(&s->worker);
}
