/* A thread that loops until told to stop: the scanner, the migration
 * thread and the mmu's frame keeper. Its loop polls worker_stopping(). */
#ifndef NUMIG_MMU_WORKER_H
#define NUMIG_MMU_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

struct worker {
	pthread_t thread;
	atomic_int stop;
	int running; /* started and not yet joined; read by its owner only */
};

/* Starts fn(arg). Returns 0, or -1 if the thread cannot be created. */
int worker_start(struct worker *w, void *(*fn)(void *), void *arg);
/* Asks it to stop and joins it; nothing when it is not running. */
void worker_stop(struct worker *w);

static inline int worker_stopping(struct worker *w)
{
	return atomic_load(&w->stop);
}

#endif
