/* Parallel copy (--copy-threads N): a 2 MiB copy split over N threads, the
 * caller and N-1 workers pinned to the CPUs of the target's host node. The
 * crews are started once per guest node, never per page. */
#ifndef NUMIG_MMU_COPIER_H
#define NUMIG_MMU_COPIER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <numig/err.h>

#include "pool.h"

#define COPIER_MAX_THREADS 64

struct copy_crew;
struct copy_worker {
	struct copy_crew *crew;
	uint32_t part, parts;
};

/* The workers of one guest node. One copy at a time: a second caller
 * meanwhile copies alone rather than wait. */
struct copy_crew {
	pthread_mutex_t busy;
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	uint64_t gen;               /* a new job */
	uint32_t pending;           /* workers still copying it */
	int stop;
	uint8_t *dst;
	const uint8_t *src;
	size_t len;
	pthread_t th[COPIER_MAX_THREADS];
	struct copy_worker w[COPIER_MAX_THREADS];
	uint32_t nr_started;
	int host_node;
};

struct copier {
	uint32_t threads;           /* per copy, the caller included */
	int nr_crews;
	struct copy_crew crew[POOL_MAX_NODES];
	uint64_t parallel, alone;   /* copies split / copied by the caller alone (crew busy) */
};

/* Starts threads-1 workers per guest node, each pinned (best effort) to a
 * CPU of host_node_of[g]. threads <= 1: nothing started, copies are memcpy. */
int copier_start(struct copier *c, uint32_t threads, int nr_nodes, const int *host_node_of, struct nerr *e);
void copier_stop(struct copier *c);

/* Copies len bytes (a multiple of 64) for guest node `node`; `c` may be
 * NULL or stopped, then it is one memcpy. */
void copier_copy(struct copier *c, int node, void *dst, const void *src, size_t len);

#endif
