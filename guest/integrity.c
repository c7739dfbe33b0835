/* integrity: proves that no write is lost or corrupted while pages migrate.
 *
 * Every vCPU owns `slots` words in every 4 KiB sub-page of every working-set
 * page and writes stamps (vcpu << 48 | seq) to them at full speed. Before each
 * write it reads the slot back and compares it with its own record of the
 * last stamp it wrote (kept in scratch memory, which never migrates): an older
 * stamp there means a write was lost, anything else a corruption. All other
 * words hold a fill pattern of (page, offset, generation), checked by periodic
 * sweeps. The VMM re-checks everything from the host after the run.
 * The write loop is timed (numig_gap_tick): its gaps are what the guest felt. */
#include "rt/numig_guest.h"

#define FILL_GEN 1
/* The loop is timed every 256 sub-pages (256 x slots writes, about 1.5 us
 * here): in this loop of cache-missing stores a TSC read costs more than
 * 100 writes' worth (measured: one per 64 writes cost about 11 % of the
 * writes/s, one per 256 about 5 to 10 %). */
#define GAP_SUBPAGES 256

struct state {
	struct numig_mailbox *mb;
	uint64_t nv, v, slots, pages, seq;
	uint64_t *rec;
	uint64_t checked;  /* words compared, for the verdict */
	struct numig_gap_hist *gaps;
};

/* The same calls any guest uses (numig_guest.h): numig counts them, shows
 * the first ones and exits 1. */
static void check_slot(struct state *st, uint64_t page, uint64_t off, uint64_t expected, uint64_t found)
{
	if (found == 0 || (NUMIG_STAMP_VCPU(found) == st->v && !(found >> 63) &&
			   NUMIG_STAMP_SEQ(found) < NUMIG_STAMP_SEQ(expected)))
		numig_report_lost_write(page, off, expected, found);
	else
		numig_report_bad_word(page, off, expected, found);
}

static void fill_pages(struct state *st)
{
	for (uint64_t p = st->v; p < st->pages; p += st->nv) {
		uint64_t *w = (uint64_t *)(st->mb->ws_base + p * NUMIG_HUGE_PAGE);

		for (uint64_t off = 0; off < NUMIG_HUGE_PAGE; off += 8) {
			uint64_t i = (off % 4096) / 8;

			w[off / 8] = i < st->nv * st->slots ? 0 : numig_fill_word(p, off, FILL_GEN);
		}
	}
}

/* One visit of every own slot of sub-pages s0..s1-1 of page p: check, then
 * write a new stamp. */
static void write_subpages(struct state *st, uint64_t p, uint64_t s0, uint64_t s1)
{
	volatile uint64_t *base = (volatile uint64_t *)(st->mb->ws_base + p * NUMIG_HUGE_PAGE);

	for (uint64_t s = s0; s < s1; s++) {
		for (uint64_t k = 0; k < st->slots; k++) {
			uint64_t off = NUMIG_SLOT_OFFSET(s, st->v, st->slots, k);
			uint64_t *r = &st->rec[NUMIG_RECORD_INDEX(st->v, st->pages, p, s, st->slots, k)];
			uint64_t found = base[off / 8], stamp = NUMIG_STAMP(st->v, ++st->seq);

			if (found != *r)
				check_slot(st, p, off, *r, found);
			st->checked++;
			base[off / 8] = stamp;
			*r = stamp;
		}
	}
}

/* Page p in blocks of GAP_SUBPAGES sub-pages, the loop timed after each. */
static void write_page(struct state *st, uint64_t p)
{
	for (uint64_t s0 = 0; s0 < NUMIG_SUBPAGES; s0 += GAP_SUBPAGES) {
		write_subpages(st, p, s0, s0 + GAP_SUBPAGES);
		numig_gap_tick(st->gaps);
	}
	st->mb->counter[NUMIG_CNT_WRITES] += NUMIG_SUBPAGES * st->slots;
}

/* Fill words of every page (and this vCPU's slots, read-only). */
static void sweep(struct state *st)
{
	for (uint64_t p = 0; p < st->pages; p++) {
		const volatile uint64_t *w = (const volatile uint64_t *)(st->mb->ws_base + p * NUMIG_HUGE_PAGE);

		for (uint64_t off = 0; off < NUMIG_HUGE_PAGE; off += 8) {
			uint64_t i = (off % 4096) / 8, found = w[off / 8];

			if (i < st->nv * st->slots) {
				if (i / st->slots == st->v) {
					uint64_t k = i % st->slots, s = off / 4096;
					uint64_t exp = st->rec[NUMIG_RECORD_INDEX(st->v, st->pages, p, s, st->slots, k)];

					if (found != exp)
						check_slot(st, p, off, exp, found);
				}
				continue;
			}
			if (found != numig_fill_word(p, off, FILL_GEN))
				numig_report_bad_word(p, off, numig_fill_word(p, off, FILL_GEN), found);
		}
		st->checked += NUMIG_SUBPAGES * (512 - st->nv * st->slots + st->slots); /* fill + own slots */
	}
	st->mb->counter[NUMIG_CNT_SWEEPS]++;
}

int guest_main(struct numig_mailbox *mb)
{
	struct state st = { .mb = mb };
	uint64_t sweep_every = mb->param[NUMIG_PARAM_SWEEP_EVERY] ? mb->param[NUMIG_PARAM_SWEEP_EVERY] : 256;
	uint64_t passes = 0;

	st.nv = mb->nr_vcpus;
	st.v = mb->vcpu_id;
	st.slots = mb->param[NUMIG_PARAM_SLOTS] ? mb->param[NUMIG_PARAM_SLOTS] : 1;
	st.pages = mb->ws_pages;
	st.rec = (uint64_t *)mb->scratch_base;
	if (!st.pages)
		numig_panic("integrity needs a working set (--ws)");
	if (st.nv * st.slots * 8 > 2048)
		numig_panic("%lu vCPUs x %lu slots do not fit in half a sub-page", st.nv, st.slots);
	if (NUMIG_RECORD_INDEX(st.nv, st.pages, 0, 0, st.slots, 0) * 8 > mb->scratch_size)
		numig_panic("scratch area too small for the records");
	for (uint64_t p = 0; p < st.pages; p++)
		for (uint64_t s = 0; s < NUMIG_SUBPAGES; s++)
			for (uint64_t k = 0; k < st.slots; k++)
				st.rec[NUMIG_RECORD_INDEX(st.v, st.pages, p, s, st.slots, k)] = 0;
	fill_pages(&st);
	if (st.v == 0) {
		mb->result[NUMIG_RES_SLOTS] = st.slots;
		mb->result[NUMIG_RES_FILL_GEN] = FILL_GEN;
		mb->result[NUMIG_RES_KIND] = NUMIG_KIND_INTEGRITY;
	}
	numig_barrier();
	st.gaps = numig_gaps();
	numig_gap_start(GAP_SUBPAGES * st.slots);
	/* The first pass over every slot always completes, even past a stop
	 * request: a verdict needs it, and a slow host (an emulated one, a
	 * precopy run's dirty-logging faults) may not finish it in --duration.
	 * The VMM's --timeout still bounds it. */
	do {
		/* Each vCPU starts at a different page so they meet everywhere. */
		for (uint64_t n = 0; n < st.pages && (!passes || !numig_should_stop(mb)); n++)
			write_page(&st, (n + st.v * st.pages / st.nv) % st.pages);
		mb->counter[NUMIG_CNT_PASSES] = ++passes;
		if (passes % sweep_every == 0) {
			sweep(&st);
			numig_gap_resume(); /* a sweep only reads: not a gap the migration made */
		}
	} while (!numig_should_stop(mb));
	numig_gap_publish();
	numig_barrier(); /* every vCPU's last write is done before anyone checks */
	sweep(&st);
	numig_report_verdict(st.checked);
	numig_hcall(NUMIG_HC_REPORT);
	return 0;
}
