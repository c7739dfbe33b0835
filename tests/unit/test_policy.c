/* Unit tests for the migration policy (mmu/policy.c): schedule targets per
 * pattern, the random generator, hinting-fault targets. */
#define TAP_MAIN
#include "harness.h"
#include "mmu/policy.h"

#include <stdint.h>

static void test_policy(void)
{
	uint64_t rng = 12345, rng2 = 12345, zero = 0;
	int seen[3] = { 0 }, in_range = 1, same = 1;

	OK(policy_schedule_target(SCHED_PINGPONG, 0, 0, 2, &rng) == 1 &&
		   policy_schedule_target(SCHED_PINGPONG, 0, 1, 2, &rng) == 0,
	   "pingpong on 2 nodes: 0->1, 1->0");
	OK(policy_schedule_target(SCHED_PINGPONG, 0, 0, 1, &rng) == 0, "pingpong on 1 node stays on 0");
	OK(policy_schedule_target(SCHED_PINGPONG, 0, 2, 3, &rng) == 0 &&
		   policy_schedule_target(SCHED_PINGPONG, 0, 1, 3, &rng) == 2,
	   "pingpong on 3 nodes cycles 1->2->0");
	OK(rng == 12345, "pingpong does not consume randomness");
	OK(policy_schedule_target(SCHED_TO_NODE, 1, 0, 2, &rng) == 1 &&
		   policy_schedule_target(SCHED_TO_NODE, 1, 1, 2, &rng) == 1,
	   "to_node always returns the fixed node");
	for (int i = 0; i < 3000; i++) {
		int t = policy_schedule_target(SCHED_RANDOM, 0, 0, 3, &rng);
		int t2 = policy_schedule_target(SCHED_RANDOM, 0, 0, 3, &rng2);

		in_range &= t >= 0 && t < 3;
		same &= t == t2;
		if (t >= 0 && t < 3)
			seen[t]++;
	}
	OK(in_range, "random targets are in [0, 3)");
	OK(seen[0] > 800 && seen[1] > 800 && seen[2] > 800, "random covers every node (%d %d %d)", seen[0], seen[1],
	   seen[2]);
	OK(same, "the same seed gives the same sequence");
	OK(policy_rand(&zero) != 0 && zero != 0, "a zero rng state is not stuck at zero");
	OK(policy_hint_target(0, 0) == -1 && policy_hint_target(1, 1) == -1, "hint fault on the local node: stay");
	OK(policy_hint_target(0, 1) == 1 && policy_hint_target(1, 0) == 0, "hint fault from another node: move there");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_policy();
	return tap_done();
}
