/* Unit tests for one step of the migration thread (mmu/schedule.c): marked
 * pages first, then random ones, targets by pattern, in the environment of mmu_env.h (host memory, real mprotect, no KVM). */
#define TAP_MAIN
#include "harness.h"
#include "unit/mmu_env.h"
#include "mmu/scan.h"
#include "mmu/schedule.h"

#include <string.h>

static void test_schedule_step(void)
{
	static struct env v;
	static struct mig_schedule s;
	struct page_queue q;
	const int init[4] = { 0, 0, 1, 1 };
	uint64_t rng = 99;

	if (env_init(&v, 2, 16 * MB, 4, init, 1) || page_queue_init(&q, 4)) {
		OK(0, "schedule: environment");
		return;
	}
	for (int i = 0; i < 4; i++)
		fill(v.ws.pages[i].frame->hva, 300 + i);
	memset(&s, 0, sizeof(s));
	s.mig = &v.m;
	s.ws = &v.ws;
	s.marked = &q;
	s.cfg = &v.cfg;
	v.cfg.migrate.pattern = SCHED_PINGPONG;
	page_queue_push(&q, 2);
	OK(schedule_step(&s, &rng) == MIG_DONE && v.ws.pages[2].frame->node == 0 && ld(&s.from_marked) == 1 &&
		   ld(&v.m.st.by_reason[MIG_REASON_SCANNED]) == 1,
	   "schedule_step takes the marked page first and ping-pongs it 1->0");
	OK(schedule_step(&s, &rng) == MIG_DONE && ld(&s.from_marked) == 1 &&
		   ld(&v.m.st.by_reason[MIG_REASON_SCHEDULE]) == 1 && ld(&s.attempted) == 2,
	   "with the queue empty it picks a random page");
	v.cfg.migrate.pattern = SCHED_TO_NODE;
	v.cfg.migrate.to_node = 1;
	for (int i = 0; i < 20; i++)
		schedule_step(&s, &rng);
	{
		int ok = 1;

		for (int i = 0; i < 4; i++)
			ok &= pattern_diffs(v.ws.pages[i].frame->hva, 300 + i) == 0;
		OK(ok, "22 scheduled migrations kept every page intact");
	}
	OK(ws_pages_on_node(&v.ws, 1) + ws_pages_on_node(&v.ws, 0) == 4, "4 pages placed");
	page_queue_free(&q);
	env_destroy(&v);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_schedule_step();
	return tap_done();
}
