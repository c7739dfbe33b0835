/* Fault injection (--inject): one copy of one migration is broken on
 * purpose, so that the tests can prove the integrity checker catches it.
 * Test-only; kept out of the engine so the copy reads as a copy. */
#ifndef NUMIG_MMU_INJECT_H
#define NUMIG_MMU_INJECT_H

#include <stdint.h>

struct migrator;
struct ws_page;
struct frame;

/* Called for the nr-th copy of the migrator's life instead of a plain
 * memcpy. Returns 1 when it made the (broken) copy of `old` into `new`
 * itself, 0 when the caller copies as usual. Injects at most once. */
int inject_copy(struct migrator *m, struct ws_page *pg, struct frame *new, const struct frame *old, uint64_t nr);

/* The precopy injections (skip-final-harvest, no-final-guard) break every
 * precopied page once inject_after migrations have started: one lost
 * residue could be healed by the guest's next write before any check sees
 * it. Returns 1 when this one is to be broken (and counts it). */
int migrator_inject_due(struct migrator *m);

#endif
