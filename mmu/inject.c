/* Fault injection into one migration's copy (inject.h). */
#include "inject.h"

#include <string.h>

#include "migrate.h"

/* Decides once whether this copy is the faulty one. */
static int inject_due(struct migrator *m, uint64_t nr)
{
	int expected = 0;

	if (m->cfg->inject == INJECT_NONE || nr < m->cfg->inject_after)
		return 0;
	return atomic_compare_exchange_strong(&m->injected, &expected, 1);
}

/* The first line of a sub-page (the slots of the first vCPUs) whose content
 * in the target frame differs from the source: skipping it loses data. */
static uint64_t line_to_skip(const struct frame *new, const struct frame *old)
{
	for (uint64_t off = 3 * 4096; off < FRAME_SIZE; off += 4096)
		if (memcmp(new->hva + off, old->hva + off, 64) != 0)
			return off;
	return 3 * 4096;
}

int inject_copy(struct migrator *m, struct ws_page *pg, struct frame *new, const struct frame *old, uint64_t nr)
{
	if (!inject_due(m, nr))
		return 0;
	m->injected_page = pg->index;
	if (m->cfg->inject == INJECT_SKIP_COPY_LINE) {
		uint64_t off = line_to_skip(new, old);

		m->injected_offset = off;
		memcpy(new->hva, old->hva, off);
		memcpy(new->hva + off + 64, old->hva + off + 64, FRAME_SIZE - off - 64);
	} else {
		/* One bit pattern flipped in a fill word of sub-page 7. */
		m->injected_offset = 7 * 4096 + 2048 + 5;
		memcpy(new->hva, old->hva, FRAME_SIZE);
		new->hva[m->injected_offset] ^= 0x5a;
	}
	return 1;
}

int migrator_inject_due(struct migrator *m)
{
	if (atomic_load(&m->started) < m->cfg->inject_after)
		return 0;
	atomic_store(&m->injected, 1);
	atomic_fetch_add(&m->st.injections, 1);
	return 1;
}
