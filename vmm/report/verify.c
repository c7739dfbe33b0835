/* Host-side integrity check (verify.h). Every slot is compared with the
 * guest's record of the last stamp it wrote there; every other word with
 * the fill pattern. */
#include "verify.h"

#include <string.h>

#include "vmm/vm/guest_input.h"

static void add_example(struct verify_result *r, const struct ws_page *pg, uint64_t off, uint64_t expected,
			uint64_t found, int vcpu, int lost)
{
	struct verify_example *x;

	if (r->nr_ex >= VERIFY_EXAMPLES)
		return;
	x = &r->ex[r->nr_ex++];
	x->page = pg->index;
	x->offset = off;
	x->expected = expected;
	x->found = found;
	x->vcpu = vcpu;
	x->seq = vcpu >= 0 ? NUMIG_STAMP_SEQ(expected) : 0;
	x->page_migrations = atomic_load(&pg->migrations);
	x->lost = lost;
}

void verify_guest_memory(struct machine *m, struct verify_result *r)
{
	const struct numig_mailbox *mb0 = m->vcpus[0].mb;
	uint64_t nv = (uint64_t)m->cfg.nr_vcpus, pages = m->mmu.ws.nr_pages;
	uint64_t slots = m->cfg.params[NUMIG_PARAM_SLOTS] ? m->cfg.params[NUMIG_PARAM_SLOTS] : 1, gen;
	struct integrity_layout l;
	const uint64_t *records = (const uint64_t *)(m->sys + NUMIG_SCRATCH);

	memset(r, 0, sizeof(*r));
	if (mb0->result[NUMIG_RES_KIND] != NUMIG_KIND_INTEGRITY)
		return;
	for (int i = 0; i < m->cfg.nr_vcpus; i++) {
		if (atomic_load(&m->vcpus[i].end) != VCPU_DONE) {
			snprintf(r->skipped_why, sizeof(r->skipped_why),
				 "vCPU %d did not finish, so its records may be mid-update", i);
			return;
		}
	}
	/* The layout is numig's own; the guest's claim must merely agree. */
	if (guest_integrity_layout(mb0, nv, pages, slots, m->scratch_bytes, &l, r->skipped_why, sizeof(r->skipped_why)))
		return;
	gen = l.fill_gen;
	r->ran = 1;
	for (uint64_t p = 0; p < pages; p++) {
		const struct ws_page *pg = &m->mmu.ws.pages[p];
		const uint64_t *w = (const uint64_t *)pg->frame->hva;
		uint64_t bad_before = r->lost + r->corrupt;

		for (uint64_t s = 0; s < NUMIG_SUBPAGES; s++) {
			for (uint64_t i = 0; i < 512; i++) {
				uint64_t off = s * 4096 + i * 8, found = w[off / 8], expected;

				if (i < nv * slots) {
					uint64_t v = i / slots, k = i % slots;

					expected = records[NUMIG_RECORD_INDEX(v, pages, p, s, slots, k)];
					r->slots_checked++;
					if (found == expected)
						continue;
					/* An older stamp of the same writer: its last write was lost. */
					if (found == 0 || (NUMIG_STAMP_VCPU(found) == v && !(found >> 63) &&
							   NUMIG_STAMP_SEQ(found) < NUMIG_STAMP_SEQ(expected))) {
						r->lost++;
						add_example(r, pg, off, expected, found, (int)v, 1);
					} else {
						r->corrupt++;
						add_example(r, pg, off, expected, found, (int)v, 0);
					}
				} else {
					expected = numig_fill_word(p, off, gen);
					r->fill_words_checked++;
					if (found != expected) {
						r->corrupt++;
						add_example(r, pg, off, expected, found, -1, 0);
					}
				}
			}
		}
		if (r->lost + r->corrupt > bad_before)
			r->pages_affected++;
	}
}
