/* A thread that loops until told to stop (worker.h). */
#include "worker.h"

int worker_start(struct worker *w, void *(*fn)(void *), void *arg)
{
	if (waker_init(&w->stop))
		return -1;
	if (pthread_create(&w->thread, NULL, fn, arg)) {
		waker_destroy(&w->stop);
		return -1;
	}
	w->running = 1;
	return 0;
}

void worker_stop(struct worker *w)
{
	if (!w->running)
		return;
	waker_raise(&w->stop);
	pthread_join(w->thread, NULL);
	waker_destroy(&w->stop);
	w->running = 0;
}
