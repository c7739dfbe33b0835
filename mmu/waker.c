/* Interruptible sleeps (waker.h). */
#include "waker.h"

#include <errno.h>
#include <time.h>

int waker_init(struct waker *w)
{
	pthread_condattr_t a;
	int rc;

	w->raised = false;
	if (pthread_condattr_init(&a))
		return -1;
	rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) || pthread_cond_init(&w->cond, &a);
	pthread_condattr_destroy(&a);
	if (rc)
		return -1;
	if (pthread_mutex_init(&w->lock, NULL)) {
		pthread_cond_destroy(&w->cond);
		return -1;
	}
	return 0;
}

void waker_destroy(struct waker *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

void waker_raise(struct waker *w)
{
	pthread_mutex_lock(&w->lock);
	w->raised = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

bool waker_raised(struct waker *w)
{
	bool r;

	pthread_mutex_lock(&w->lock);
	r = w->raised;
	pthread_mutex_unlock(&w->lock);
	return r;
}

bool waker_sleep(struct waker *w, uint64_t ns)
{
	struct timespec until;
	bool r;

	if (clock_gettime(CLOCK_MONOTONIC, &until))
		return waker_raised(w); /* cannot fail for CLOCK_MONOTONIC; never sleep blind */
	/* Saturate: a sleep past year 2262 is as good as forever. */
	if (ns > (uint64_t)INT64_MAX / 2)
		ns = (uint64_t)INT64_MAX / 2;
	until.tv_sec += (time_t)(ns / 1000000000ull);
	until.tv_nsec += (long)(ns % 1000000000ull);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->raised && pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
		;
	r = w->raised;
	pthread_mutex_unlock(&w->lock);
	return r;
}
