/* Where a page should live. Kept apart from the mechanism so a policy can
 * change without touching the engine. */
#ifndef NUMIG_MMU_POLICY_H
#define NUMIG_MMU_POLICY_H

#include <stdint.h>

enum sched_pattern {
	SCHED_PINGPONG, /* to the next node (another frame of the same node on a one-node guest) */
	SCHED_RANDOM,   /* to a random node */
	SCHED_TO_NODE,  /* to one fixed node */
};

/* --migrate: how fast the migration thread moves pages, and where to. */
struct migrate_spec {
	double rate_per_s;            /* migrations per second; 0: no migration thread */
	enum sched_pattern pattern;
	int to_node;                  /* for SCHED_TO_NODE, else -1 */
};

/* NUMA hinting fault: the node the page should move to, or -1 to leave it
 * where it is (it is already local to the faulting vCPU). */
int policy_hint_target(int page_node, int vcpu_node);

/* Explicit schedule: the target node for a page now on `cur`. */
int policy_schedule_target(enum sched_pattern p, int fixed_node, int cur, int nr_nodes, uint64_t *rng);

/* xorshift64*: a small, seedable generator for page and node choices. */
uint64_t policy_rand(uint64_t *state);

#endif
