/* Rate-driven migration thread (schedule.h). */
#define _GNU_SOURCE
#include "schedule.h"

#include <errno.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

uint32_t schedule_batch_pages(const struct mig_schedule *s)
{
	uint32_t b = s->cfg->migrate_batch;

	return b < 1 ? 1 : b > MIG_BATCH_MAX ? MIG_BATCH_MAX : b;
}

/* The guest nodes the pattern starts from: each page's frame's node, or
 * with the kernel as migrator the guest node whose host node holds the
 * frame (where[], one query for all, which kmig_move reuses). */
static void current_nodes(struct mig_schedule *s, struct ws_page **pages, size_t n, int *cur, int *where)
{
	if (s->kmig) {
		kmig_where(s->kmig, pages, n, where);
		for (size_t i = 0; i < n; i++)
			cur[i] = kmig_current_node(s->kmig, pages[i], where[i]);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&pages[i]->lock);
		cur[i] = pages[i]->frame->node;
		pthread_mutex_unlock(&pages[i]->lock);
	}
}

enum mig_status schedule_step(struct mig_schedule *s, uint64_t *rng)
{
	struct ws_page *pg;
	uint32_t idx;
	int target, cur, where;
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
	current_nodes(s, &pg, 1, &cur, &where);
	target = policy_schedule_target(s->cfg->migrate.pattern, s->cfg->migrate.to_node, cur, s->cfg->nr_nodes, rng);
	atomic_fetch_add(&s->attempted, 1);
	if (s->kmig)
		return kmig_move(s->kmig, &pg, &target, &where, 1) ? MIG_DONE : MIG_ERROR;
	return migrate_huge_page(s->mig, pg, target, why);
}

size_t schedule_batch_step(struct mig_schedule *s, uint64_t *rng)
{
	struct ws_page *pages[MIG_BATCH_MAX];
	int targets[MIG_BATCH_MAX], cur[MIG_BATCH_MAX], where[MIG_BATCH_MAX];
	uint32_t k = schedule_batch_pages(s), n = 0, idx, start;
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
	current_nodes(s, pages, n, cur, where);
	for (uint32_t i = 0; i < n; i++)
		targets[i] = policy_schedule_target(s->cfg->migrate.pattern, s->cfg->migrate.to_node, cur[i],
						    s->cfg->nr_nodes, rng);
	atomic_fetch_add(&s->attempted, n);
	if (s->kmig)
		return kmig_move(s->kmig, pages, targets, where, n);
	return migrate_huge_pages(s->mig, pages, targets, n, why, NULL);
}

static void *schedule_main(void *arg)
{
	struct mig_schedule *s = arg;

	/* vCPUs that touch a migrating page wait for this thread; with more
	 * busy threads than CPUs, a higher CFS weight lets it preempt a vCPU
	 * instead of waiting for a time slice. Best effort (needs CAP_SYS_NICE). */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), -10);
	uint64_t rng = s->cfg->seed ? s->cfg->seed : 1, start = now_ns(), n = 0, total = 0;
	double interval_ns = 1e9 / s->cfg->migrate.rate_per_s;
	uint32_t batch = schedule_batch_pages(s);

	while (!worker_stopping(&s->worker) && (!s->max_migrations || total < s->max_migrations)) {
		uint64_t due = start + (uint64_t)((double)n * interval_ns), t = now_ns();

		if (t < due) {
			if (worker_sleep(&s->worker, due - t))
				break;
		} else if (t - due > 100000000ull) {
			/* More than 100 ms behind: the rate is not reachable. Count
			 * it and restart the clock instead of bursting. */
			atomic_fetch_add(&s->behind, 1);
			start = t;
			n = 0;
		}
		if (batch > 1) {
			schedule_batch_step(s, &rng);
			n += batch;
			total += batch;
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
	if (s->cfg->migrate.rate_per_s <= 0 || !s->ws->nr_pages)
		return 0;
	return worker_start(&s->worker, schedule_main, s);
}

void schedule_stop(struct mig_schedule *s)
{
	worker_stop(&s->worker);
}
