/* A thread that loops until told to stop: the scanner, the migration
 * thread and the mmu's frame keeper. Its loop polls worker_stopping() and
 * sleeps only in worker_sleep(), which worker_stop() cuts short: however
 * long --scan-period, --lazy-flush-delay or 1/rate is, a stop is prompt. */
#ifndef NUMIG_MMU_WORKER_H
#define NUMIG_MMU_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "waker.h"

struct worker {
	pthread_t thread;
	struct waker stop;
	int running; /* started and not yet joined; read by its owner only */
};

/* Starts fn(arg). Returns 0, or -1 if the thread cannot be created. */
int worker_start(struct worker *w, void *(*fn)(void *), void *arg);
/* Asks it to stop, wakes its sleep and joins it; nothing when it is not running. */
void worker_stop(struct worker *w);

static inline bool worker_stopping(struct worker *w)
{
	return waker_raised(&w->stop);
}

/* Sleeps ns nanoseconds or until worker_stop(); true when stopping. */
static inline bool worker_sleep(struct worker *w, uint64_t ns)
{
	return waker_sleep(&w->stop, ns);
}

#endif
