/* 4-level translation tables with 2 MiB leaves (see pt.h). */
#include "pt.h"

#include <string.h>

static unsigned pt_index(uint64_t gva, int level)
{
	return (unsigned)(gva >> (12 + 9 * level)) & (PT_ENTRIES - 1);
}

static int canonical(uint64_t gva)
{
	uint64_t top = gva >> 47;

	return top == 0 || top == 0x1ffff;
}

static pte_t *table_at(const struct pt *t, uint64_t gpa)
{
	return (pte_t *)(t->mem + gpa);
}

static int alloc_table(struct pt *t, uint64_t *gpa, struct nerr *e)
{
	if (t->next + PT_PAGE > t->pool_hi)
		return nerr_set(e, NUMIG_EXIT_USAGE, "out of page-table pages (%llu KiB reserved)",
				(unsigned long long)((t->pool_hi - t->pool_lo) >> 10));
	*gpa = t->next;
	memset(t->mem + t->next, 0, PT_PAGE);
	t->next += PT_PAGE;
	return 0;
}

int pt_init(struct pt *t, uint8_t *mem, uint64_t pool_lo, uint64_t pool_hi, struct nerr *e)
{
	memset(t, 0, sizeof(*t));
	if ((pool_lo | pool_hi) & (PT_PAGE - 1) || pool_hi <= pool_lo)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "page-table pool [%#llx, %#llx) is not page-aligned",
				(unsigned long long)pool_lo, (unsigned long long)pool_hi);
	t->mem = mem;
	t->pool_lo = t->next = pool_lo;
	t->pool_hi = pool_hi;
	return alloc_table(t, &t->root, e);
}

int pt_map_2m(struct pt *t, uint64_t gva, uint64_t gpa, uint64_t flags, struct nerr *e)
{
	uint64_t table = t->root;

	if ((gva | gpa) & (PT_HUGE - 1))
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "map %#llx -> %#llx: not 2 MiB aligned",
				(unsigned long long)gva, (unsigned long long)gpa);
	if (!canonical(gva) || (gpa & ~PTE_ADDR_MASK))
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "map %#llx -> %#llx: address out of range",
				(unsigned long long)gva, (unsigned long long)gpa);
	for (int level = 3; level > 1; level--) {
		pte_t *entry = &table_at(t, table)[pt_index(gva, level)];
		uint64_t v = atomic_load(entry);

		if (!(v & PTE_P)) {
			uint64_t next;

			if (alloc_table(t, &next, e))
				return -1;
			atomic_store(entry, next | PTE_TABLE);
			table = next;
		} else if (v & PTE_PS) {
			return nerr_set(e, NUMIG_EXIT_INTERNAL, "map %#llx: a large page already covers it",
					(unsigned long long)gva);
		} else {
			table = v & PTE_ADDR_MASK;
		}
	}
	pte_t *leaf = &table_at(t, table)[pt_index(gva, 1)];
	if (atomic_load(leaf) != 0)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "map %#llx: already mapped", (unsigned long long)gva);
	atomic_store(leaf, gpa | flags | PTE_PS);
	return 0;
}

pte_t *pt_leaf(const struct pt *t, uint64_t gva)
{
	uint64_t table = t->root;

	if (!canonical(gva))
		return NULL;
	for (int level = 3; level > 1; level--) {
		uint64_t v = atomic_load(&table_at(t, table)[pt_index(gva, level)]);

		if (!(v & PTE_P) || (v & PTE_PS))
			return NULL;
		table = v & PTE_ADDR_MASK;
	}
	return &table_at(t, table)[pt_index(gva, 1)];
}

int pt_translate(const struct pt *t, uint64_t gva, uint64_t *gpa)
{
	pte_t *leaf = pt_leaf(t, gva);
	uint64_t v;

	if (!leaf)
		return -1;
	v = atomic_load(leaf);
	if (!(v & PTE_P) || !(v & PTE_PS))
		return -1;
	*gpa = pte_frame(v) | (gva & (PT_HUGE - 1));
	return 0;
}
