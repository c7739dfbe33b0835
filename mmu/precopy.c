/* Precopy rounds (precopy.h). The dirty log is KVM's bitmap with manual
 * protect (docs/design.md "Precopy"): get reads the bits of one frame,
 * clear resets them and write-protects those pieces again, so the next
 * write to a piece sets its bit. A piece is always cleared *before* it is
 * copied: a write after the clear is seen by a later round. */
#include "precopy.h"

#include <string.h>

uint32_t pieces_in(const uint64_t bits[PIECES / 64])
{
	uint32_t n = 0;

	for (unsigned i = 0; i < PIECES / 64; i++)
		n += (uint32_t)__builtin_popcountll(bits[i]);
	return n;
}

static void copy_pieces(const struct precopy_env *e, const uint64_t bits[PIECES / 64], const struct frame *old,
			struct frame *new)
{
	for (unsigned i = 0; i < PIECES / 64; i++)
		for (uint64_t b = bits[i]; b; b &= b - 1) {
			uint64_t off = ((uint64_t)i * 64 + (uint64_t)__builtin_ctzll(b)) * PIECE_SIZE;

			memcpy(new->hva + off, old->hva + off, PIECE_SIZE);
		}
	mmu_step(e->step, STEP_COPY_PIECES, e->page, NULL, 0);
}

static void copy_whole(const struct precopy_env *e, const struct frame *old, struct frame *new)
{
	e->copy_whole(e->copy_ctx, new, old);
	mmu_step(e->step, STEP_COPY_WHOLE, e->page, NULL, 0);
}

static int get(const struct precopy_env *e, const struct frame *f, uint64_t bits[PIECES / 64])
{
	int rc = e->dirty_get(e->dirty_ctx, f->gpa, bits);

	if (!rc && e->step->fn)
		mmu_step(e->step, STEP_DIRTY_GET, e->page, NULL, pieces_in(bits));
	return rc;
}

static int clear(const struct precopy_env *e, const struct frame *f, const uint64_t bits[PIECES / 64])
{
	int rc = e->dirty_clear(e->dirty_ctx, f->gpa, bits);

	if (!rc)
		mmu_step(e->step, STEP_DIRTY_CLEAR, e->page, NULL, 0);
	return rc;
}

void precopy_rounds(const struct precopy_env *e, const struct frame *old, struct frame *new, struct precopy *p)
{
	uint64_t d[PIECES / 64];
	int rc;

	memset(p, 0, sizeof(*p));
	/* The full copy: pieces dirty now are protected first; a clean bit
	 * means the piece is protected already. */
	if ((rc = get(e, old, d)) || (rc = clear(e, old, d))) {
		p->error = rc;
		return;
	}
	copy_whole(e, old, new);
	p->bytes = FRAME_SIZE;
	p->rounds = 1;
	for (;;) {
		uint32_t n;

		if ((rc = get(e, old, d))) {
			p->error = rc;
			return;
		}
		n = pieces_in(d);
		if (p->rounds == 1)
			p->first_dirty = n;
		memcpy(p->dirty, d, sizeof(d));
		/* Left dirty, not cleared: the final harvest reads them again. */
		if (n <= e->residue) {
			p->converged = 1;
			return;
		}
		if (p->rounds > e->max_rounds)
			return;
		if ((rc = clear(e, old, d))) {
			p->error = rc;
			return;
		}
		copy_pieces(e, d, old, new);
		p->bytes += (uint64_t)n * PIECE_SIZE;
		p->rounds++;
	}
}

/* Pieces in which the new frame differs from the old one. */
static uint32_t pieces_differing(const struct frame *old, const struct frame *new)
{
	uint32_t n = 0;

	for (uint64_t off = 0; off < FRAME_SIZE; off += PIECE_SIZE)
		n += memcmp(new->hva + off, old->hva + off, PIECE_SIZE) != 0;
	return n;
}

void precopy_finish(const struct precopy_env *e, const struct frame *old, struct frame *new, struct precopy *p,
		    int skip_harvest)
{
	uint64_t d[PIECES / 64];

	if (!p->converged) {
		/* The fallback is unmap-copy: the whole page, under the guard. */
		copy_whole(e, old, new);
		p->bytes += FRAME_SIZE;
		p->residue = PIECES;
		return;
	}
	if (skip_harvest) {
		/* What the injection broke, so a test knows whether a run
		 * that was not caught had anything to catch. */
		p->left_stale = pieces_differing(old, new);
		mmu_step(e->step, STEP_FINAL_HARVEST_SKIPPED, e->page, NULL, p->left_stale);
		return;
	}
	/* After the write-protect: these bits are the last ones. */
	if (get(e, old, d)) {
		copy_whole(e, old, new);
		p->bytes += FRAME_SIZE;
		p->residue = PIECES;
		p->error = -1;
		return;
	}
	copy_pieces(e, d, old, new);
	p->residue = pieces_in(d);
	p->bytes += (uint64_t)p->residue * PIECE_SIZE;
}
