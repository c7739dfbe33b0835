/* Precopy (--strategy precopy): the 2 MiB page is copied while it stays
 * mapped and writable; KVM's dirty log says which 4 KiB pieces vCPUs wrote
 * since, and those are recopied in rounds. The last round runs after the
 * lazy-flush guard has dropped every vCPU's translation and write-protected
 * the old frame (migrate.c), so its harvest is complete.
 *
 * Precopy knows nothing of the migration engine: the engine hands it the
 * dirty log, the whole-frame copy and the limits (struct precopy_env). */
#ifndef NUMIG_MMU_PRECOPY_H
#define NUMIG_MMU_PRECOPY_H

#include <stdint.h>

#include "pool.h"
#include "step.h"

#define PIECE_SIZE 4096u
#define PIECES (FRAME_SIZE / PIECE_SIZE)

/* What one precopy uses. get reads the pieces of the frame at `gpa` written
 * since their last clear (bit i: piece i); clear resets the given bits and
 * write-protects those pieces again. Both return 0 or -errno. copy_whole
 * copies all 2 MiB. */
struct precopy_env {
	int (*dirty_get)(void *ctx, uint64_t gpa, uint64_t bits[PIECES / 64]);
	int (*dirty_clear)(void *ctx, uint64_t gpa, const uint64_t bits[PIECES / 64]);
	void *dirty_ctx;
	void (*copy_whole)(void *ctx, struct frame *new, const struct frame *old);
	void *copy_ctx;
	uint32_t max_rounds;         /* --precopy-rounds: most recopies */
	uint32_t residue;            /* --precopy-residue: dirty pieces that end the rounds */
	const struct step_hook *step;/* where the steps are reported (step.h); not NULL */
	uint32_t page;               /* the page's index, for those reports */
};

struct precopy {
	uint64_t dirty[PIECES / 64]; /* pieces written since their last copy */
	uint32_t rounds;             /* copies while mapped: the full one, then recopies */
	uint32_t first_dirty;        /* pieces dirtied during the full copy */
	uint32_t residue;            /* pieces copied by the final round */
	uint64_t bytes;              /* copied, all rounds */
	int converged;               /* residue small enough: else fall back */
	int error;                   /* -errno of a dirty-log call; fell back */
	uint32_t left_stale;         /* skip_harvest: pieces the new frame lacks */
};

/* The rounds while the page is mapped. Never fails: a dirty-log error
 * makes it not converge (p->error), and the caller falls back. */
void precopy_rounds(const struct precopy_env *e, const struct frame *old, struct frame *new, struct precopy *p);

/* The final round; call it only once no vCPU can write `old` any more.
 * Copies the residue, or the whole page when the rounds did not converge.
 * `skip_harvest` (--inject skip-final-harvest, converged pages only)
 * switches without it, on purpose, and counts in p->left_stale the pieces
 * it left different from the old frame: a loss for certain, since nothing
 * writes the old frame any more. */
void precopy_finish(const struct precopy_env *e, const struct frame *old, struct frame *new, struct precopy *p,
		    int skip_harvest);

uint32_t pieces_in(const uint64_t bits[PIECES / 64]);

#endif
