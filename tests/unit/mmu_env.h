/* The environment the mmu unit tests (test_migrate, test_scan,
 * test_schedule, test_tlb, test_ws, test_inject) run in, on host memory
 * only: real translation tables over a host buffer, a real pool of
 * anonymous mmaps, no KVM and no vCPU. Invalidation is still real
 * (mprotect of the frames), so write protection can be observed.
 * Also the helpers they share: page content patterns and a writability
 * probe. Built as tests/unit/mmu_env.c, linked into those tests. */
#ifndef NUMIG_TESTS_MMU_ENV_H
#define NUMIG_TESTS_MMU_ENV_H

#include <stdatomic.h>
#include <stdint.h>

#include "mmu/migrate.h"

#define MB (1ull << 20)
#define WS_BASE (1ull << 30)

struct env {
	uint8_t *mem; /* guest memory holding the tables */
	struct pt pt;
	struct pool pool;
	struct ws ws;
	struct tlb tlb;
	struct mmu_config cfg; /* what the migrator and schedulers read */
	struct migrator m;
};

/* `nodes` guest nodes of `bytes_per_node` (all on host node 0) and `pages`
 * working-set pages at WS_BASE, page i on guest node initial[i]; guard as
 * given. Says why on a TAP diagnostic line and returns -1 on failure. */
int env_init(struct env *v, int nodes, uint64_t bytes_per_node, uint32_t pages, const int *initial, int guard);
void env_destroy(struct env *v);

/* ---- content helpers ---- */

/* Word i of the pattern `seed`. */
uint64_t word_of(uint64_t seed, uint64_t i);
/* Fills a 2 MiB frame with the pattern `seed`. */
void fill(uint8_t *hva, uint64_t seed);
/* Number of 8-byte words that differ from the pattern. */
uint64_t pattern_diffs(const uint8_t *hva, uint64_t seed);
/* Number of bytes in which two frames differ; *first is the first such
 * offset (UINT64_MAX if none). */
uint64_t byte_diffs(const uint8_t *a, const uint8_t *b, uint64_t *first);

/* Can the process write to `p`? 1 or 0 (-1 if it cannot tell). Asks the
 * kernel instead of faulting, and keeps the content. */
int writable(uint8_t *p);

/* Free frames over every node. */
uint32_t total_free(struct pool *p);

static inline uint64_t ld(atomic_uint_fast64_t *a)
{
	return (uint64_t)atomic_load(a);
}

#endif
