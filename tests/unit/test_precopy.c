/* Unit tests for precopy (mmu/precopy.c through mmu/migrate.c), auto's
 * rule (mmu/strategy.c) and parallel copy (mmu/copier.c), with a fake KVM
 * dirty log: a "vCPU" writes pieces of the page's frame while the page is
 * mapped, and every write sets the piece's bit, as KVM's log does. */
#define TAP_MAIN
#include "harness.h"
#include "mmu/copier.h"
#include "mmu/migrate.h"
#include "mmu/strategy.h"

#include <stdlib.h>
#include <string.h>

#define MB (1ull << 20)
#define WS_BASE (1ull << 30)

struct env {
	uint8_t *mem;
	struct pt pt;
	struct pool pool;
	struct ws ws;
	struct tlb tlb;
	struct mmu_config cfg;
	struct migrator m;
};

/* The fake dirty log: one bit per piece of each frame of the pool. */
struct fake_log {
	struct env *v;
	uint64_t bits[64][PIECES / 64];
	uint32_t writes_per_get; /* the vCPU's pieces written between two reads */
	uint32_t gets, clears, writes, next_piece;
};

static struct frame *frame_at(struct env *v, uint64_t gpa, uint32_t *idx)
{
	uint32_t k = 0;

	for (int g = 0; g < v->pool.nr_nodes; g++)
		for (uint32_t i = 0; i < v->pool.node[g].nr_frames; i++, k++)
			if (v->pool.node[g].frames[i].gpa == gpa) {
				*idx = k;
				return &v->pool.node[g].frames[i];
			}
	return NULL;
}

static int fake_get(void *ctx, uint64_t gpa, uint64_t out[PIECES / 64])
{
	struct fake_log *l = ctx;
	struct ws_page *pg = &l->v->ws.pages[0];
	uint32_t idx;
	struct frame *f = frame_at(l->v, gpa, &idx);

	if (!f)
		return -22;
	l->gets++;
	/* While mapped, the vCPU writes; once isolated and guarded it cannot. */
	if (atomic_load(&pg->state) != PAGE_MIGRATING && pg->frame == f)
		for (uint32_t k = 0; k < l->writes_per_get; k++) {
			uint32_t piece = (l->next_piece++ * 37) % PIECES;

			((uint64_t *)(f->hva + (uint64_t)piece * PIECE_SIZE))[k % 512] = 0xd1d1000000000000ull + l->writes++;
			l->bits[idx][piece / 64] |= 1ull << (piece % 64);
		}
	memcpy(out, l->bits[idx], PIECES / 8);
	return 0;
}

static int fake_clear(void *ctx, uint64_t gpa, const uint64_t in[PIECES / 64])
{
	struct fake_log *l = ctx;
	uint32_t idx;

	if (!frame_at(l->v, gpa, &idx))
		return -22;
	l->clears++;
	for (unsigned i = 0; i < PIECES / 64; i++)
		l->bits[idx][i] &= ~in[i];
	return 0;
}

static struct env v;
static struct fake_log logd;

static int env_init(enum mig_strategy s, uint32_t writes_per_get)
{
	const int host[2] = { 0, 0 }, init[1] = { 0 };
	struct nerr e = { 0 };
	struct mig_hooks h = { .dirty_get = fake_get, .dirty_clear = fake_clear, .dirty_ctx = &logd };

	memset(&v, 0, sizeof(v));
	memset(&logd, 0, sizeof(logd));
	logd.v = &v;
	logd.writes_per_get = writes_per_get;
	v.cfg.nr_nodes = 2;
	v.cfg.guard = 1;
	v.cfg.strategy = s;
	v.cfg.precopy_rounds = 4;
	v.cfg.precopy_residue = 16;
	v.mem = aligned_alloc(PT_HUGE, PT_HUGE);
	if (!v.mem || pt_init(&v.pt, v.mem, 0x1000, 0x100000, &e) ||
	    pool_create(&v.pool, 2, 8 * MB, host, 0, &e) || ws_create(&v.ws, &v.pt, &v.pool, WS_BASE, 1, init, &e) ||
	    tlb_init(&v.tlb) || migrator_init(&v.m, &v.ws, &v.pool, &v.tlb, &v.cfg, &h)) {
		tap_diag("set-up failed: %s", e.msg);
		return -1;
	}
	for (uint64_t i = 0; i < FRAME_SIZE / 8; i++)
		((uint64_t *)v.ws.pages[0].frame->hva)[i] = i * 0x9e3779b97f4a7c15ull;
	return 0;
}

static void env_destroy(void)
{
	migrator_destroy(&v.m);
	tlb_destroy(&v.tlb);
	ws_destroy(&v.ws);
	pool_destroy(&v.pool);
	free(v.mem);
}

static uint64_t ld(atomic_uint_fast64_t *a)
{
	return atomic_load(a);
}

/* Migrates page 0 to node 1; *same: the new frame holds exactly what the
 * old one holds at the end (every write made before the guard is there). */
static enum mig_status migrate(int *same)
{
	struct ws_page *pg = &v.ws.pages[0];
	struct frame *old = pg->frame;
	enum mig_status st = migrate_huge_page(&v.m, pg, old->node ? 0 : 1, MIG_REASON_SCHEDULE);

	*same = memcmp(pg->frame->hva, old->hva, FRAME_SIZE) == 0;
	return st;
}

static void test_sparse(void)
{
	int same;

	if (env_init(STRATEGY_PRECOPY, 2))
		return;
	OK(migrate(&same) == MIG_DONE && same, "sparse writer: precopy moves the page with every write");
	OK(ld(&v.m.st.by_strategy[STRATEGY_PRECOPY]) == 1 && ld(&v.m.st.precopy_fallbacks) == 0,
	   "counted as precopy, converged");
	OK(logd.writes > 0 && ld(&v.m.st.residue_pieces) > 0 && ld(&v.m.st.residue_pieces) <= 16,
	   "writes during the rounds; a residue of %u pieces copied after the guard",
	   (unsigned)ld(&v.m.st.residue_pieces));
	OK(ld(&v.m.st.eager_unmaps) == 1 && v.m.st.guard.count == 1, "the final round ran after the invalidation");
	OK(ld(&v.m.st.bytes_copied) < 2 * FRAME_SIZE, "copy amplification below 2 (%llu bytes)",
	   (unsigned long long)ld(&v.m.st.bytes_copied));
	OK(atomic_load(&v.ws.pages[0].claimed) == 0 && atomic_load(&v.ws.pages[0].precopy_dirty) >= 0,
	   "claim dropped; auto learnt the page's dirty count");
	env_destroy();
}

static void test_dense_fallback(void)
{
	int same;

	if (env_init(STRATEGY_PRECOPY, 100))
		return;
	OK(migrate(&same) == MIG_DONE && same, "dense writer: the page moves intact");
	OK(ld(&v.m.st.precopy_fallbacks) == 1 && ld(&v.m.st.precopy_rounds) == 5,
	   "it did not converge in 1 + 4 rounds: fell back to a whole copy under the guard, counted");
	OK(atomic_load(&v.ws.pages[0].precopy_dirty) == 512, "auto marks it dense");
	env_destroy();
}

static void test_injections(void)
{
	int same;

	if (env_init(STRATEGY_PRECOPY, 2))
		return;
	v.cfg.inject = INJECT_SKIP_FINAL_HARVEST;
	OK(migrate(&same) == MIG_DONE && !same && ld(&v.m.st.injections) == 1,
	   "skip-final-harvest: the last dirty pieces are missing from the new frame");
	OK(ld(&v.m.st.injected_stale) >= 1 && ld(&v.m.st.injected_stale) <= 16,
	   "... and counted: %u pieces left stale", (unsigned)ld(&v.m.st.injected_stale));
	env_destroy();

	if (env_init(STRATEGY_PRECOPY, 2))
		return;
	v.cfg.inject = INJECT_NO_FINAL_GUARD;
	OK(migrate(&same) == MIG_DONE && ld(&v.m.st.final_guard_skipped) == 1 && ld(&v.tlb.invalidations) == 0,
	   "no-final-guard: switched without invalidating the old frame");
	env_destroy();
}

static void test_auto(void)
{
	struct ws_page *pg;
	int same;

	if (env_init(STRATEGY_AUTO, 100))
		return;
	pg = &v.ws.pages[0];
	OK(strategy_for_page(&v.cfg, pg) == STRATEGY_PRECOPY, "auto: a page never precopied is probed");
	OK(migrate(&same) == MIG_DONE && same, "probe of a dense writer");
	OK(strategy_for_page(&v.cfg, pg) == STRATEGY_UNMAP_COPY, "auto: then unmap-copy");
	for (int i = 0; i < AUTO_REPROBE; i++)
		migrate(&same);
	OK(ld(&v.m.st.by_strategy[STRATEGY_UNMAP_COPY]) == AUTO_REPROBE && same,
	   "%d unmap-copies, intact", AUTO_REPROBE);
	OK(strategy_for_page(&v.cfg, pg) == STRATEGY_PRECOPY, "auto: probes again after %d", AUTO_REPROBE);
	strategy_saw_precopy(pg, AUTO_DENSE_PIECES, 0);
	OK(strategy_for_page(&v.cfg, pg) == STRATEGY_PRECOPY, "auto: %d pieces is still sparse", AUTO_DENSE_PIECES);
	OK(mig_strategy_of("auto") == STRATEGY_AUTO && !strcmp(mig_strategy_name(STRATEGY_PRECOPY), "precopy") &&
		   mig_strategy_of("fast") < 0,
	   "strategy names");
	env_destroy();
}

static void test_copier(void)
{
	const int host[2] = { 0, 0 };
	static struct copier c;
	struct nerr e = { 0 };
	uint8_t *a = malloc(FRAME_SIZE), *b = malloc(FRAME_SIZE);
	int ok = 1;

	if (!a || !b || copier_start(&c, 4, 2, host, &e)) {
		OK(0, "copier: start (%s)", e.msg);
		return;
	}
	for (int r = 0; r < 20; r++) {
		for (uint64_t i = 0; i < FRAME_SIZE; i++)
			a[i] = (uint8_t)(i * 7 + (uint64_t)r);
		memset(b, 0, FRAME_SIZE);
		copier_copy(&c, r % 2, b, a, FRAME_SIZE);
		ok &= memcmp(a, b, FRAME_SIZE) == 0;
	}
	OK(ok && c.parallel == 20, "4-thread copies are exact, 20 of 20 split");
	copier_stop(&c);
	memset(b, 0, FRAME_SIZE);
	copier_copy(&c, 0, b, a, FRAME_SIZE);
	OK(memcmp(a, b, FRAME_SIZE) == 0, "a stopped copier copies alone");
	free(a);
	free(b);
}

int main(void)
{
	test_sparse();
	test_dense_fallback();
	test_injections();
	test_auto();
	test_copier();
	return tap_done();
}
