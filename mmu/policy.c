/* Placement policy (policy.h). */
#include "policy.h"

uint64_t policy_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

int policy_hint_target(int page_node, int vcpu_node)
{
	return page_node == vcpu_node ? -1 : vcpu_node;
}

int policy_schedule_target(enum sched_pattern p, int fixed_node, int cur, int nr_nodes, uint64_t *rng)
{
	switch (p) {
	case SCHED_TO_NODE:
		return fixed_node;
	case SCHED_RANDOM:
		return (int)(policy_rand(rng) % (uint64_t)nr_nodes);
	case SCHED_PINGPONG:
	default:
		return (cur + 1) % nr_nodes;
	}
}
