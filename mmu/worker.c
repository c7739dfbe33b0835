/* A thread that loops until told to stop (worker.h). */
#include "worker.h"

int worker_start(struct worker *w, void *(*fn)(void *), void *arg)
{
	atomic_store(&w->stop, 0);
	if (pthread_create(&w->thread, NULL, fn, arg))
		return -1;
	w->running = 1;
	return 0;
}

void worker_stop(struct worker *w)
{
	if (!w->running)
		return;
	atomic_store(&w->stop, 1);
	pthread_join(w->thread, NULL);
	w->running = 0;
}
