/* Precopy (--strategy precopy): the 2 MiB page is copied while it stays
 * mapped and writable; KVM's dirty log says which 4 KiB pieces vCPUs wrote
 * since, and those are recopied in rounds. The last round runs after the
 * lazy-flush guard has dropped every vCPU's translation and write-protected
 * the old frame (migrate.c), so its harvest is complete. */
#ifndef NUMIG_MMU_PRECOPY_H
#define NUMIG_MMU_PRECOPY_H

#include <stdint.h>

#include "pool.h"

#define PIECE_SIZE 4096u
#define PIECES (FRAME_SIZE / PIECE_SIZE)

struct migrator;

struct precopy {
	uint64_t dirty[PIECES / 64]; /* pieces written since their last copy */
	uint32_t rounds;             /* copies while mapped: the full one, then recopies */
	uint32_t first_dirty;        /* pieces dirtied during the full copy */
	uint32_t residue;            /* pieces copied by the final round */
	uint64_t bytes;              /* copied, all rounds */
	int converged;               /* residue small enough: else fall back */
	int error;                   /* -errno of a dirty-log call; fell back */
};

/* The rounds while the page is mapped. Never fails: a dirty-log error
 * makes it not converge (p->error), and the caller falls back. */
void precopy_rounds(struct migrator *m, const struct frame *old, struct frame *new, struct precopy *p);

/* The final round; call it only once no vCPU can write `old` any more.
 * Copies the residue, or the whole page when the rounds did not converge. */
void precopy_finish(struct migrator *m, const struct frame *old, struct frame *new, struct precopy *p);

uint32_t pieces_in(const uint64_t bits[PIECES / 64]);

#endif
