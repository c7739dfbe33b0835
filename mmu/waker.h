/* A stop request a sleeping thread wakes up for: every mmu worker
 * (worker.h) sleeps on one instead of nanosleep, so that mmu_stop() (on
 * --timeout, --duration, SIGINT or SIGTERM) ends it within one migration
 * batch, however long --scan-period, --lazy-flush-delay or 1/rate is. */
#ifndef NUMIG_MMU_WAKER_H
#define NUMIG_MMU_WAKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct waker {
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* CLOCK_MONOTONIC */
	bool raised;
};

/* 0, or -1 when the condition variable cannot be set up. */
int waker_init(struct waker *w);
void waker_destroy(struct waker *w);
void waker_raise(struct waker *w);
bool waker_raised(struct waker *w);
/* Sleeps ns nanoseconds or until raised; true when raised. */
bool waker_sleep(struct waker *w, uint64_t ns);

#endif
