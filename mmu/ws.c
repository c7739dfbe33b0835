/* Working-set set-up (ws.h). */
#include "ws.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int ws_create(struct ws *w, struct pt *pt, struct pool *pool, uint64_t base, uint32_t nr_pages,
	      const int *initial_node, struct nerr *e)
{
	memset(w, 0, sizeof(*w));
	w->base = base;
	w->pt = pt;
	w->pool = pool;
	if (nr_pages == 0)
		return 0;
	w->pages = calloc(nr_pages, sizeof(*w->pages));
	if (!w->pages)
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for %u page descriptors", nr_pages);
	w->nr_pages = nr_pages;
	for (uint32_t i = 0; i < nr_pages; i++) {
		pthread_mutex_init(&w->pages[i].lock, NULL);
		pthread_cond_init(&w->pages[i].changed, NULL);
		atomic_init(&w->pages[i].precopy_dirty, -1);
	}
	for (uint32_t i = 0; i < nr_pages; i++) {
		struct ws_page *pg = &w->pages[i];

		pg->index = i;
		pg->gva = base + (uint64_t)i * FRAME_SIZE;
		pg->frame = frame_alloc_lazy(pool, initial_node[i]);
		if (!pg->frame)
			return nerr_set(e, NUMIG_EXIT_USAGE,
					"guest node %d has no free 2 MiB frame for working-set page %u "
					"(raise --mem or lower --ws)",
					initial_node[i], i);
		if (pt_map_2m(pt, pg->gva, pg->frame->gpa, PTE_LEAF_2M, e))
			return -1;
		pg->leaf = pt_leaf(pt, pg->gva);
	}
	return 0;
}

void ws_destroy(struct ws *w)
{
	for (uint32_t i = 0; i < w->nr_pages; i++) {
		if (w->pages[i].frame)
			frame_free(w->pool, w->pages[i].frame);
		pthread_mutex_destroy(&w->pages[i].lock);
		pthread_cond_destroy(&w->pages[i].changed);
	}
	free(w->pages);
	w->pages = NULL;
	w->nr_pages = 0;
}

uint32_t ws_pages_on_node(struct ws *w, int node)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < w->nr_pages; i++) {
		struct ws_page *pg = &w->pages[i];

		pthread_mutex_lock(&pg->lock);
		n += pg->frame->node == node;
		pthread_mutex_unlock(&pg->lock);
	}
	return n;
}

void ws_populate(struct ws *w)
{
	for (uint32_t i = 0; i < w->nr_pages; i++)
		(void)frame_populate(w->pool, w->pages[i].frame);
}
