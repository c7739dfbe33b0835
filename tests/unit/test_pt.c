/* Unit tests for mmu/pt.c: 4-level translation tables with 2 MiB leaves.
 * No KVM: "guest memory" is a 2 MiB-aligned host buffer; the tables are
 * checked by walking the raw entries here, independently of pt_translate. */
#define TAP_MAIN
#include "harness.h"
#include "mmu/pt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MEM_SIZE (4ull << 20)
#define POOL_LO 0x10000ull
#define POOL_HI 0x30000ull /* 32 table pages */

static uint8_t *mem;

static int has_msg(const struct nerr *e)
{
	return e->msg[0] != '\0' && strlen(e->msg) > 5;
}

/* The entry for `gva` at `level` (4 = PML4, 3 = PDPT, 2 = PD) of the table at
 * guest-physical `table`, read straight from memory. */
static uint64_t raw_entry(uint64_t table, uint64_t gva, int level)
{
	unsigned idx = (unsigned)(gva >> (12 + 9 * (level - 1))) & 511;

	return ((const uint64_t *)(mem + table))[idx];
}

/* Independent walk, as the CPU does it. Returns the leaf value, or 0 when a
 * level is missing; *bad is set when an intermediate entry is malformed. */
static uint64_t raw_walk(const struct pt *t, uint64_t gva, int *bad)
{
	uint64_t table = t->root;

	*bad = 0;
	for (int level = 4; level > 2; level--) {
		uint64_t e = raw_entry(table, gva, level);

		if (!(e & PTE_P))
			return 0;
		/* An intermediate entry: exactly PTE_TABLE flags, no PS, the
		 * address of a page inside the table pool. */
		if ((e & 0xfff) != PTE_TABLE || (e & ~(PTE_ADDR_MASK | 0xfffull)) ||
		    (e & PTE_ADDR_MASK) < t->pool_lo || (e & PTE_ADDR_MASK) >= t->pool_hi)
			*bad = 1;
		table = e & PTE_ADDR_MASK;
	}
	return raw_entry(table, gva, 2); /* the PD entry is the 2 MiB leaf */
}

static void test_init(void)
{
	struct pt t;
	struct nerr e = { 0 };

	OK(pt_init(&t, mem, 0x10001, POOL_HI, &e) == -1 && has_msg(&e), "pt_init: unaligned pool_lo rejected (%s)",
	   e.msg);
	memset(&e, 0, sizeof(e));
	OK(pt_init(&t, mem, POOL_LO, POOL_LO, &e) == -1 && has_msg(&e), "pt_init: empty pool rejected (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(pt_init(&t, mem, POOL_HI, POOL_LO, &e) == -1 && has_msg(&e), "pt_init: reversed pool rejected (%s)",
	   e.msg);

	memset(mem, 0xa5, MEM_SIZE); /* tables must be zeroed by pt, not by luck */
	memset(&e, 0, sizeof(e));
	OK(pt_init(&t, mem, POOL_LO, POOL_HI, &e) == 0 && e.code == 0 && e.msg[0] == 0, "pt_init on a 2 MiB buffer");
	OK(t.root == POOL_LO && t.next == POOL_LO + PT_PAGE && t.mem == mem,
	   "root is the first pool page, next is the second (root %#" PRIx64 " next %#" PRIx64 ")", t.root, t.next);
	{
		int zero = 1;

		for (unsigned i = 0; i < PT_ENTRIES; i++)
			zero &= ((uint64_t *)(mem + t.root))[i] == 0;
		OK(zero, "root table is zeroed");
		OK(mem[POOL_LO + PT_PAGE] == 0xa5, "pt_init touches only the root page");
	}
}

struct mapping {
	uint64_t gva, gpa;
	uint64_t new_pages; /* table pages this mapping must add */
	const char *why;
};

static void test_map_translate(void)
{
	struct pt t;
	struct nerr e = { 0 };
	const struct mapping maps[] = {
		{ 0, 0x40000000, 2, "gva 0: new PDPT and PD" },
		{ 0x200000, 0x40600000, 0, "gva 2 MiB: same PD" },
		{ 3ull << 30, 0x40200000, 1, "gva 3 GiB: PDPT slot 3, new PD" },
		{ 0x8000000000ull, 0x80000000, 2, "gva 512 GiB: PML4 slot 1, new PDPT and PD" },
		{ 0x8000200000ull, 0x80200000, 0, "gva 512 GiB + 2 MiB: same PD" },
		{ 0x7fffffe00000ull, 0x100000000ull, 2, "last 2 MiB of the lower half" },
		{ 0xffff800000000000ull, 0xfffe00000ull, 2, "first upper-half page: PML4 slot 256" },
		{ 0xffffffffffe00000ull, 0x000fffffffe00000ull, 2, "last page, highest gpa (52-bit)" },
	};
	size_t n = sizeof(maps) / sizeof(maps[0]);

	pt_init(&t, mem, POOL_LO, POOL_HI, &e);
	for (size_t i = 0; i < n; i++) {
		uint64_t before = t.next;
		int rc = pt_map_2m(&t, maps[i].gva, maps[i].gpa, PTE_LEAF_2M, &e);

		OK(rc == 0, "map %s (%s)", maps[i].why, e.msg);
		OK(t.next - before == maps[i].new_pages * PT_PAGE, "%s: %" PRIu64 " table page(s) added (got %" PRIu64 ")",
		   maps[i].why, maps[i].new_pages, (uint64_t)((t.next - before) / PT_PAGE));
	}
	for (size_t i = 0; i < n; i++) {
		const uint64_t offs[] = { 0, 0x12345, PT_HUGE - 1 };
		int good = 1, bad = 0;
		uint64_t leaf;

		for (size_t k = 0; k < 3; k++) {
			uint64_t gpa = ~0ull;

			good &= pt_translate(&t, maps[i].gva + offs[k], &gpa) == 0 && gpa == maps[i].gpa + offs[k];
		}
		OK(good, "translate %#" PRIx64 " (+0, +0x12345, +2M-1) -> %#" PRIx64 " + offset", maps[i].gva,
		   maps[i].gpa);
		leaf = raw_walk(&t, maps[i].gva, &bad);
		OK(!bad, "%s: intermediate entries carry exactly PTE_TABLE and point into the pool", maps[i].why);
		OK(leaf == (maps[i].gpa | PTE_LEAF_2M), "%s: raw leaf is gpa|P|RW|US|A|D|PS (got %#" PRIx64 ")",
		   maps[i].why, leaf);
		OK(pt_leaf(&t, maps[i].gva) && atomic_load(pt_leaf(&t, maps[i].gva)) == leaf &&
			   pt_leaf(&t, maps[i].gva + 0x1fffff) == pt_leaf(&t, maps[i].gva),
		   "%s: pt_leaf is the entry the raw walk found, for any offset in the page", maps[i].why);
	}

	/* Explicit index checks against the raw tables. */
	{
		uint64_t pml4_1 = raw_entry(t.root, 0x8000000000ull, 4);
		uint64_t pml4_0 = raw_entry(t.root, 0, 4);
		uint64_t pml4_256 = raw_entry(t.root, 0xffff800000000000ull, 4);
		uint64_t *root = (uint64_t *)(mem + t.root);
		uint64_t pdpt0 = pml4_0 & PTE_ADDR_MASK, pd0, pd3;
		int used = 0;

		for (unsigned i = 0; i < PT_ENTRIES; i++)
			used += (root[i] & PTE_P) != 0;
		OK(used == 5 && (root[0] & PTE_P) && (root[1] & PTE_P) && (root[255] & PTE_P) && (root[256] & PTE_P) &&
			   (root[511] & PTE_P),
		   "PML4 slots 0, 1, 255, 256, 511 (bits 47:39) and no others are used (%d)", used);
		OK(pml4_1 != pml4_0 && pml4_256 != pml4_0, "different PML4 slots get different PDPTs");
		pd0 = ((uint64_t *)(mem + pdpt0))[0] & PTE_ADDR_MASK;
		pd3 = ((uint64_t *)(mem + pdpt0))[3] & PTE_ADDR_MASK;
		OK(pd0 && pd3 && pd0 != pd3 && !(((uint64_t *)(mem + pdpt0))[1] & PTE_P),
		   "PDPT slot 0 and 3 (bits 38:30) hold distinct PDs, slot 1 is empty");
		OK(((uint64_t *)(mem + pd0))[0] == (0x40000000 | PTE_LEAF_2M) &&
			   ((uint64_t *)(mem + pd0))[1] == (0x40600000 | PTE_LEAF_2M) &&
			   ((uint64_t *)(mem + pd0))[2] == 0,
		   "PD slots 0 and 1 (bits 29:21) hold the leaves of gva 0 and 2 MiB");
	}

	/* Flags without PS: pt_map_2m adds PS. */
	{
		uint64_t before = t.next, gpa;

		OK(pt_map_2m(&t, 0x400000, 0x40800000, PTE_P | PTE_RW, &e) == 0, "map with flags P|RW only");
		OK(atomic_load(pt_leaf(&t, 0x400000)) == (0x40800000 | PTE_P | PTE_RW | PTE_PS),
		   "leaf gets PS added and keeps exactly the given flags");
		OK(pt_translate(&t, 0x400010, &gpa) == 0 && gpa == 0x40800010 && t.next == before,
		   "it translates and used no new table");
	}

	/* Unmapped regions. */
	{
		uint64_t gpa = 0xdead;

		OK(pt_leaf(&t, 0x600000) != NULL && atomic_load(pt_leaf(&t, 0x600000)) == 0,
		   "unmapped gva under an existing PD: pt_leaf is the empty slot");
		OK(pt_translate(&t, 0x600000, &gpa) == -1 && gpa == 0xdead, "it does not translate, gpa untouched");
		OK(pt_leaf(&t, 1ull << 30) == NULL, "gva 1 GiB (no PD): pt_leaf NULL");
		OK(pt_leaf(&t, 0x10000000000ull) == NULL, "gva 1 TiB (no PDPT): pt_leaf NULL");
		OK(pt_translate(&t, 0x10000000000ull, &gpa) == -1, "gva 1 TiB does not translate");
		OK(pt_leaf(&t, 0x0000800000000000ull) == NULL && pt_translate(&t, 0x0000800000000000ull, &gpa) == -1,
		   "non-canonical gva: pt_leaf NULL, no translation");
		OK(pt_leaf(&t, 0xfff0000000000000ull) == NULL, "non-canonical gva 0xfff0...: pt_leaf NULL");
	}
}

static void test_errors(void)
{
	struct pt t;
	struct nerr e;
	uint64_t before, leaf0, gpa;

	memset(&e, 0, sizeof(e));
	pt_init(&t, mem, POOL_LO, POOL_HI, &e);
	pt_map_2m(&t, 0, 0x40000000, PTE_LEAF_2M, &e);
	before = t.next;
	leaf0 = atomic_load(pt_leaf(&t, 0));

	memset(&e, 0, sizeof(e));
	OK(pt_map_2m(&t, 0x201000, 0x40000000, PTE_LEAF_2M, &e) == -1 && has_msg(&e), "unaligned gva rejected (%s)",
	   e.msg);
	memset(&e, 0, sizeof(e));
	OK(pt_map_2m(&t, 0x200000, 0x40001000, PTE_LEAF_2M, &e) == -1 && has_msg(&e), "unaligned gpa rejected (%s)",
	   e.msg);
	memset(&e, 0, sizeof(e));
	OK(pt_map_2m(&t, 0x0000800000000000ull, 0x40000000, PTE_LEAF_2M, &e) == -1 && has_msg(&e),
	   "non-canonical gva 0x0000800000000000 rejected (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(pt_map_2m(&t, 0xffff7fffffe00000ull, 0x40000000, PTE_LEAF_2M, &e) == -1 && has_msg(&e),
	   "non-canonical gva 0xffff7fffffe00000 rejected (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(pt_map_2m(&t, 0x200000, 1ull << 52, PTE_LEAF_2M, &e) == -1 && has_msg(&e),
	   "gpa beyond 52 bits rejected (%s)", e.msg);
	OK(t.next == before && pt_leaf(&t, 0x200000) && atomic_load(pt_leaf(&t, 0x200000)) == 0,
	   "rejected maps consume no table page and write no leaf");

	memset(&e, 0, sizeof(e));
	OK(pt_map_2m(&t, 0, 0x40200000, PTE_LEAF_2M, &e) == -1 && has_msg(&e), "double map is a conflict (%s)",
	   e.msg);
	OK(atomic_load(pt_leaf(&t, 0)) == leaf0 && pt_translate(&t, 0, &gpa) == 0 && gpa == 0x40000000,
	   "the conflicting map left the first mapping intact");
	pte_clear_present(pt_leaf(&t, 0));
	memset(&e, 0, sizeof(e));
	OK(pt_map_2m(&t, 0, 0x40200000, PTE_LEAF_2M, &e) == -1 && has_msg(&e),
	   "a non-present but owned leaf is still a conflict (%s)", e.msg);
	pte_set_present(pt_leaf(&t, 0));

	/* A 1 GiB page (PS in a PDPT entry) written by hand covers gva 1 GiB. */
	{
		uint64_t *pdpt = (uint64_t *)(mem + (raw_entry(t.root, 0, 4) & PTE_ADDR_MASK));

		pdpt[1] = 0x80000000ull | PTE_P | PTE_RW | PTE_PS;
		memset(&e, 0, sizeof(e));
		OK(pt_map_2m(&t, 1ull << 30, 0x40000000, PTE_LEAF_2M, &e) == -1 && has_msg(&e),
		   "map under a 1 GiB page is refused (%s)", e.msg);
		OK(pt_leaf(&t, (1ull << 30) + 0x200000) == NULL && pt_translate(&t, 1ull << 30, &gpa) == -1,
		   "no 2 MiB leaf is found below a 1 GiB page");
		OK(pdpt[1] == (0x80000000ull | PTE_P | PTE_RW | PTE_PS) && t.next == before,
		   "the 1 GiB entry is untouched and no table was allocated");
		pdpt[1] = 0;
	}

	/* Pool exhaustion: root + 1 page cannot hold PDPT + PD. */
	{
		struct pt tiny;

		memset(&e, 0, sizeof(e));
		OK(pt_init(&tiny, mem, 0x100000, 0x102000, &e) == 0, "tiny pt with 2 table pages");
		memset(&e, 0, sizeof(e));
		OK(pt_map_2m(&tiny, 0, 0x40000000, PTE_LEAF_2M, &e) == -1 && has_msg(&e),
		   "pool exhaustion: map needing 2 tables fails (%s)", e.msg);
		OK(pt_leaf(&tiny, 0) == NULL && pt_translate(&tiny, 0, &gpa) == -1 && tiny.next == 0x102000,
		   "nothing maps after the failure and no page beyond the pool was used");

		memset(&e, 0, sizeof(e));
		OK(pt_init(&tiny, mem, 0x100000, 0x103000, &e) == 0, "tiny pt with 3 table pages");
		OK(pt_map_2m(&tiny, 0, 0x40000000, PTE_LEAF_2M, &e) == 0, "first map fits exactly");
		OK(pt_map_2m(&tiny, 0x200000, 0x40200000, PTE_LEAF_2M, &e) == 0, "a map in the same PD needs no page");
		memset(&e, 0, sizeof(e));
		OK(pt_map_2m(&tiny, 1ull << 30, 0x40400000, PTE_LEAF_2M, &e) == -1 && has_msg(&e),
		   "a map needing a new PD fails when the pool is empty (%s)", e.msg);
		OK(pt_translate(&tiny, 0x200000, &gpa) == 0 && gpa == 0x40200000,
		   "earlier mappings survive the exhaustion");
	}

	/* nerr keeps the first error. */
	memset(&e, 0, sizeof(e));
	pt_map_2m(&t, 0x1000, 0, PTE_LEAF_2M, &e);
	{
		char first[sizeof(e.msg)];

		memcpy(first, e.msg, sizeof(first));
		pt_map_2m(&t, 0, 0x40200000, PTE_LEAF_2M, &e);
		OK(strcmp(first, e.msg) == 0 && e.code != 0, "a second error keeps the first message");
	}
	OK(pt_map_2m(&t, 0x1000, 0, PTE_LEAF_2M, NULL) == -1, "a NULL nerr is allowed");
}

static void test_pte_ops(void)
{
	struct pt t;
	struct nerr e = { 0 };
	pte_t *leaf;
	uint64_t v0, v, old, gpa;

	pt_init(&t, mem, POOL_LO, POOL_HI, &e);
	OK(pt_map_2m(&t, 0x40000000, 0x40000000, PTE_LEAF_2M, &e) == 0, "identity map 1 GiB for pte ops");
	leaf = pt_leaf(&t, 0x40000000);
	v0 = atomic_load(leaf);
	OK(pte_frame(v0) == 0x40000000 && pte_frame(v0 | 0x1fffff) == 0x40000000 &&
		   pte_frame(0xfff0000000000000ull | 0x40000000) == 0x40000000,
	   "pte_frame keeps only bits 51:21");

	old = pte_clear_present(leaf);
	v = atomic_load(leaf);
	OK(old == v0, "pte_clear_present returns the previous entry");
	OK(v == (v0 & ~PTE_P), "it clears only P (flags and address kept)");
	OK(pt_translate(&t, 0x40000000, &gpa) == -1, "no translation while P is clear");
	OK(pt_leaf(&t, 0x40000000) == leaf, "pt_leaf still finds the entry while P is clear");
	OK(pte_clear_present(leaf) == v && atomic_load(leaf) == v, "clearing twice is idempotent");

	old = pte_set_present(leaf);
	OK(old == (v0 & ~PTE_P) && atomic_load(leaf) == v0, "pte_set_present returns the old entry and restores it");
	OK(pt_translate(&t, 0x40000123, &gpa) == 0 && gpa == 0x40000123, "translates again");

	/* Switch while present, with extra flags (PCD) that must be kept. */
	atomic_store(leaf, v0 | PTE_PCD);
	old = pte_switch_frame(leaf, 0x7fe00000);
	v = atomic_load(leaf);
	OK(old == (v0 | PTE_PCD), "pte_switch_frame returns the previous entry");
	OK(v == (0x7fe00000 | PTE_LEAF_2M | PTE_PCD), "address replaced, flags (PCD too) kept (%#" PRIx64 ")", v);
	OK(pt_translate(&t, 0x40000010, &gpa) == 0 && gpa == 0x7fe00010, "translates to the new frame");

	/* Switch while not present: P is set. */
	pte_clear_present(leaf);
	old = pte_switch_frame(leaf, 0x40200000);
	v = atomic_load(leaf);
	OK(!(old & PTE_P) && pte_frame(old) == 0x7fe00000, "switch of a cleared leaf returns it (P clear)");
	OK(v == (0x40200000 | PTE_LEAF_2M | PTE_PCD), "switch sets P and keeps the flags");

	/* Low bits of the new address are ignored, not merged into flags. */
	old = pte_switch_frame(leaf, 0x40400000 | 0x1ff000 | PTE_US);
	v = atomic_load(leaf);
	OK(v == (0x40400000 | PTE_LEAF_2M | PTE_PCD), "only bits 51:21 of the new address are used (%#" PRIx64 ")",
	   v);

	/* A leaf whose PS was lost is not a 2 MiB translation. */
	atomic_store(leaf, 0x40000000 | (PTE_LEAF_2M & ~PTE_PS));
	OK(pt_translate(&t, 0x40000000, &gpa) == -1, "a leaf without PS does not translate");
}

int main(void)
{
	mem = aligned_alloc(PT_HUGE, MEM_SIZE);
	if (!mem) {
		tap_diag("aligned_alloc failed");
		OK(0, "allocate guest memory");
		return tap_done();
	}
	test_init();
	test_map_translate();
	test_errors();
	test_pte_ops();
	free(mem);
	return tap_done();
}
