/* Trails of the formal model replayed on the real mmu code (docs/design.md
 * "Proof"): the shortest counterexamples of formal/migrate.pml with
 * -DNO_GUARD and, for precopy, -DNO_FINAL_GUARD, and the witness
 * -DWITNESS_STALE_WALK (precopy), driven step by step
 * through numig's real scanner, fault path, claim, isolation, guard, copy,
 * switch and release (replay.h). The code must take exactly the model's
 * steps in the model's order. With the guard off the write is lost, as in
 * the model; the same interleaving with the guard on keeps it.
 * scripts/check-model.sh checks that these trails are still the model's. */
#define TAP_MAIN
#include "harness.h"
#include "unit/replay.h"

#include <string.h>

static const char *const no_guard[] = {
#include "unit/trail_no_guard.h"
};

static const char *const no_final_guard[] = {
#include "unit/trail_no_final_guard.h"
};

static const char *const stale_walk[] = {
#include "unit/trail_stale_walk.h"
};

#define TRAIL(t) t, sizeof(t) / sizeof(t[0])

/* The 2013 race: vCPU 0 caches the translation, the scanner clears the leaf
 * and defers the flush, vCPU 1 faults and migrates the page, and vCPU 0
 * writes the old frame after the copy. With the guard, the migration drops
 * vCPU 0's translation first, and its write walks the leaf again, to the
 * new frame (3). */
static const struct replay_case cases[] = {
	{ "--no-guard", TRAIL(no_guard), 2, 0, 0, INJECT_NONE, { { NULL, { NULL } } } },
	{ "guard on",
	  TRAIL(no_guard),
	  2,
	  0,
	  1,
	  INJECT_NONE,
	  { { "1 guard_skipped 0", { "1 lazy_flush_guard 0", "1 tlb_invalidate_frames 1", "1 stale_cleared" } },
	    { "0 write 0 0 2", { "0 walk_addr 0 3", "0 write 0 3 2" } } } },
	/* Precopy: vCPU 1 writes the page after the last round, through the
	 * translation the final guard would have dropped. */
	{ "precopy, --inject no-final-guard", TRAIL(no_final_guard), 1, 1, 1, INJECT_NO_FINAL_GUARD,
	  { { NULL, { NULL } } } },
	{ "precopy, final guard on",
	  TRAIL(no_final_guard),
	  1,
	  1,
	  1,
	  INJECT_NONE,
	  { { "2 final_guard_skipped 0", { "2 eager_unmap 0", "2 tlb_invalidate_frames 1", "2 stale_cleared" } },
	    { "1 write 0 0 2", { "1 walk_addr 0 2", "1 write 0 2 2" } } } },
	/* A walk in flight across the final guard (a witness of the model, no
	 * counterexample): vCPU 1 reads the leaf, the migration isolates the
	 * page and write-protects the old frame, and the fake KVM, resolving
	 * the walk, finds the real frame read-only: an EFAULT exit. The store
	 * is retried after the real mmu_handle_efault() and walks to the new
	 * frame. Without the hold the code would take gpte_changed here. */
	{ "precopy, a walk in flight across the final guard", TRAIL(stale_walk), 1, 1, 1, INJECT_NONE,
	  { { NULL, { NULL } } } },
};

int main(void)
{
	static struct replay r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct replay_case *c = &cases[i];
		int lossy = !c->guard || c->inject == INJECT_NO_FINAL_GUARD;
		int rc = replay_run(&r, c);

		OK(rc == 0, "%s: the real code took the model's %zu steps, in the model's order%s%s", c->name, r.len,
		   rc ? ": " : "", rc ? r.why : "");
		if (rc) {
			tap_diag("replayed %zu of %zu steps", r.next, r.len);
			continue;
		}
		if (lossy)
			OK(r.lost == 1 && strstr(r.lost_what, "holds 1, the vCPU wrote 2"),
			   "%s: the write is lost, as the model says (%s)", c->name, r.lost ? r.lost_what : "nothing lost");
		else
			OK(r.lost == 0, "%s: no write lost%s%s", c->name, r.lost ? ": " : "", r.lost ? r.lost_what : "");
	}
	return tap_done();
}
