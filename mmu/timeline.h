/* Placement over time, whoever moves memory: where the in-use frames of
 * each guest node are on the host, measured with move_pages(2) queries (no
 * target: nothing is faulted in or moved) at the start, at each time-series
 * sample and at the end. Between two looks, a frame found on another host
 * node was moved by the kernel: numig's own engine never moves a frame, it
 * copies a page to another frame. */
#ifndef NUMIG_MMU_TIMELINE_H
#define NUMIG_MMU_TIMELINE_H

#include <pthread.h>
#include <stdint.h>

#include "pool.h"

struct tl_sample {
	double t_s;
	uint32_t *in_use;      /* [g * host_nodes + h]: in-use frames of guest node g on host node h */
	uint32_t absent;       /* in-use frames with nothing behind them */
	uint32_t split;        /* present in-use frames that are not one host huge page */
};

struct timeline {
	const struct pool *pool;
	int host_nodes;        /* columns of in_use: the host's nodes, at most POOL_MAX_NODES */
	uint32_t nr_frames;    /* all frames of all guest nodes */
	int16_t *last_node;    /* per frame, at the last look: host node, or -1 absent/unknown */
	int8_t *last_huge;     /* per frame: enum frame_huge at the last look */
	uint64_t moved;        /* frames seen on another host node than at the look before */
	uint64_t moved_split;  /* ... which were one huge page before and are not now */
	uint64_t moved_by_node[POOL_MAX_NODES]; /* per guest node */
	uint64_t looks;
	struct tl_sample *s;
	size_t n, cap;
	pthread_mutex_t lock;  /* the sampler and the reader of the last look */
};

int timeline_init(struct timeline *t, const struct pool *p, int host_nodes);
void timeline_destroy(struct timeline *t);

/* One look at every frame, recorded as a sample at t_s. Returns 0, or -1
 * when out of memory (the look still counts moves). */
int timeline_look(struct timeline *t, double t_s);

/* In-use frames of guest node g on host node h in sample i. */
static inline uint32_t timeline_at(const struct timeline *t, size_t i, int g, int h)
{
	return t->s[i].in_use[(size_t)g * (size_t)t->host_nodes + (size_t)h];
}

#endif
