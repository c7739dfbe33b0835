/* Rate-driven migration thread (schedule.h). */
#define _GNU_SOURCE
#include "schedule.h"

#include <errno.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum mig_status schedule_step(struct mig_schedule *s, uint64_t *rng)
{
	struct ws_page *pg;
	uint32_t idx;
	int target, cur;
	enum mig_reason why = MIG_REASON_SCHEDULE;

	if (!s->ws->nr_pages)
		return MIG_BUSY;
	if (s->marked && page_queue_pop(s->marked, &idx)) {
		why = MIG_REASON_SCANNED;
		atomic_fetch_add(&s->from_marked, 1);
	} else {
		idx = (uint32_t)(policy_rand(rng) % s->ws->nr_pages);
	}
	pg = &s->ws->pages[idx];
	pthread_mutex_lock(&pg->lock);
	cur = pg->frame->node;
	pthread_mutex_unlock(&pg->lock);
	target = policy_schedule_target(s->pattern, s->to_node, cur, s->nr_nodes, rng);
	atomic_fetch_add(&s->attempted, 1);
	return migrate_huge_page(s->mig, pg, target, why);
}

size_t schedule_batch_step(struct mig_schedule *s, uint64_t *rng)
{
	struct ws_page *pages[MIG_BATCH_MAX];
	int targets[MIG_BATCH_MAX];
	uint32_t k = s->batch < MIG_BATCH_MAX ? s->batch : MIG_BATCH_MAX, n = 0, idx, start;
	enum mig_reason why = MIG_REASON_SCHEDULE;

	if (!s->ws->nr_pages)
		return 0;
	if (k > s->ws->nr_pages)
		k = s->ws->nr_pages;
	while (n < k && s->marked && page_queue_pop(s->marked, &idx)) {
		pages[n++] = &s->ws->pages[idx];
		why = MIG_REASON_SCANNED;
	}
	atomic_fetch_add(&s->from_marked, n);
	/* Otherwise consecutive pages: they tend to sit in contiguous frames,
	 * which one host call invalidates. */
	start = (uint32_t)(policy_rand(rng) % s->ws->nr_pages);
	for (uint32_t i = 0; n < k && i < s->ws->nr_pages; i++) {
		struct ws_page *pg = &s->ws->pages[(start + i) % s->ws->nr_pages];
		uint32_t j;

		for (j = 0; j < n && pages[j] != pg; j++)
			;
		if (j == n)
			pages[n++] = pg;
	}
	for (uint32_t i = 0; i < n; i++) {
		int cur;

		pthread_mutex_lock(&pages[i]->lock);
		cur = pages[i]->frame->node;
		pthread_mutex_unlock(&pages[i]->lock);
		targets[i] = policy_schedule_target(s->pattern, s->to_node, cur, s->nr_nodes, rng);
	}
	atomic_fetch_add(&s->attempted, n);
	return migrate_huge_pages(s->mig, pages, targets, n, why, NULL);
}

static void *schedule_main(void *arg)
{
	struct mig_schedule *s = arg;

	/* vCPUs that touch a migrating page wait for this thread; with more
	 * busy threads than CPUs, a higher CFS weight lets it preempt a vCPU
	 * instead of waiting for a time slice. Best effort (needs CAP_SYS_NICE). */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), -10);
	uint64_t rng = s->seed ? s->seed : 1, start = now_ns(), n = 0, total = 0;
	double interval_ns = 1e9 / s->rate_per_s;

	while (!atomic_load(&s->stop) && (!s->max_migrations || total < s->max_migrations)) {
		uint64_t due = start + (uint64_t)((double)n * interval_ns), t = now_ns();

		if (t < due) {
			sleep_ns(due - t);
		} else if (t - due > 100000000ull) {
			/* More than 100 ms behind: the rate is not reachable. Count
			 * it and restart the clock instead of bursting. */
			atomic_fetch_add(&s->behind, 1);
			start = t;
			n = 0;
		}
		if (s->batch > 1) {
			schedule_batch_step(s, &rng);
			n += s->batch;
			total += s->batch;
		} else {
			schedule_step(s, &rng);
			n++;
			total++;
		}
	}
	return NULL;
}

int schedule_start(struct mig_schedule *s)
{
	if (s->rate_per_s <= 0 || !s->ws->nr_pages)
		return 0;
	atomic_store(&s->stop, 0);
	if (pthread_create(&s->thread, NULL, schedule_main, s))
		return -1;
	s->running = 1;
	return 0;
}

void schedule_stop(struct mig_schedule *s)
{
	if (!s->running)
		return;
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	s->running = 0;
}
