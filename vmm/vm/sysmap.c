/* Per-vCPU views of the system area (sysmap.h). */
#include "sysmap.h"

#include <stdio.h>
#include <string.h>

#include "mmu/pt.h"
#include "sysarea.h"

#define STRIDE (NUMIG_KSTACK_SIZE + NUMIG_USTACK_SIZE)
#define LOW_PTS 3 /* 2..8 MiB: the stacks */
#define F_SUP (PTE_P | PTE_RW | PTE_A | PTE_D)
#define F_USER (F_SUP | PTE_US)

_Static_assert(NUMIG_MAILBOX + NUMIG_MAX_VCPUS * NUMIG_MAILBOX_SIZE <= NUMIG_STACK_PTS, "mailboxes below stack tables");
_Static_assert(NUMIG_STACK_PTS + LOW_PTS * PT_PAGE <= NUMIG_OWN_STACK_PTS, "shared stack tables below own ones");
/* A user stack is smaller than a table's 2 MiB, so it spans at most two
 * tables, and each of the LOW_PTS - 1 boundaries between tables is crossed
 * by at most one stack. */
_Static_assert(NUMIG_USTACK_SIZE <= PT_HUGE, "a user stack spans at most two tables");
_Static_assert(NUMIG_OWN_STACK_PTS + (NUMIG_MAX_VCPUS + LOW_PTS - 1) * PT_PAGE <= NUMIG_VCPU_TABLES,
	       "own stack tables below vCPU tables");
_Static_assert(NUMIG_VCPU_TABLES + NUMIG_MAX_VCPUS * NUMIG_VCPU_TABLES_SIZE <= NUMIG_STACKS, "vCPU tables below stacks");
_Static_assert(NUMIG_STACKS + NUMIG_MAX_VCPUS * STRIDE <= (1 + LOW_PTS) * PT_HUGE, "stacks inside the 4 KiB map");
_Static_assert(NUMIG_IMAGE_BASE == (1 + LOW_PTS) * PT_HUGE, "the image starts where the 4 KiB map ends");

static uint64_t *table(uint8_t *mem, uint64_t gpa)
{
	return (uint64_t *)(mem + gpa);
}

/* Flags of the 4 KiB page at gpa in the stack area as vCPU `self` sees it;
 * 0 = unmapped. Only self's user stack is reachable from ring 3. */
static uint64_t stack_flags(uint64_t gpa, int nr_vcpus, int self)
{
	uint64_t off = gpa - NUMIG_STACKS, in = off % STRIDE;

	if (gpa < NUMIG_STACKS || off / STRIDE >= (uint64_t)nr_vcpus)
		return 0;
	if (in < NUMIG_GUARD_SIZE || (in >= NUMIG_KSTACK_SIZE && in < NUMIG_KSTACK_SIZE + NUMIG_GUARD_SIZE))
		return 0;
	return in >= NUMIG_KSTACK_SIZE && off / STRIDE == (uint64_t)self ? F_USER : F_SUP;
}

static void fill_stack_table(uint64_t *pt, uint64_t t, int nr_vcpus, int self)
{
	for (uint64_t i = 0; i < PT_ENTRIES; i++) {
		uint64_t gpa = (1 + t) * PT_HUGE + i * PT_PAGE, f = stack_flags(gpa, nr_vcpus, self);

		pt[i] = f ? gpa | f : 0;
	}
}

void sysmap_build(uint8_t *mem, int nr_vcpus, uint64_t shared_root)
{
	const uint64_t *root = table(mem, shared_root);
	const uint64_t *pdpt = table(mem, root[0] & PTE_ADDR_MASK);
	const uint64_t *pd = table(mem, pdpt[0] & PTE_ADDR_MASK);

	uint64_t own = NUMIG_OWN_STACK_PTS;

	for (uint64_t t = 0; t < LOW_PTS; t++)
		fill_stack_table(table(mem, NUMIG_STACK_PTS + t * PT_PAGE), t, nr_vcpus, -1);
	for (int v = 0; v < nr_vcpus; v++) {
		uint64_t base = sysmap_root(v);
		uint64_t *vpml4 = table(mem, base), *vpdpt = table(mem, base + PT_PAGE);
		uint64_t *vpd = table(mem, base + 2 * PT_PAGE), *pt0 = table(mem, base + 3 * PT_PAGE);

		memcpy(vpml4, root, PT_PAGE);
		vpml4[0] = (base + PT_PAGE) | PTE_TABLE;
		memcpy(vpdpt, pdpt, PT_PAGE);
		vpdpt[0] = (base + 2 * PT_PAGE) | PTE_TABLE;
		memcpy(vpd, pd, PT_PAGE);
		vpd[0] = (base + 3 * PT_PAGE) | PTE_TABLE;
		for (uint64_t t = 0; t < LOW_PTS; t++) {
			uint64_t lo = (1 + t) * PT_HUGE, hi = lo + PT_HUGE;

			vpd[1 + t] = (NUMIG_STACK_PTS + t * PT_PAGE) | PTE_TABLE;
			/* The table(s) v's own user stack lies in: a private copy. */
			if (sysarea_ustack_top(v) - NUMIG_USTACK_SIZE < hi && sysarea_ustack_top(v) > lo) {
				fill_stack_table(table(mem, own), t, nr_vcpus, v);
				vpd[1 + t] = own | PTE_TABLE;
				own += PT_PAGE;
			}
		}
		/* Page 0 stays unmapped: a NULL dereference faults. */
		pt0[0] = 0;
		for (uint64_t i = 1; i < PT_ENTRIES; i++)
			pt0[i] = i * PT_PAGE | (i * PT_PAGE == sysarea_mailbox_gpa(v) ? F_USER : F_SUP);
	}
}

const char *sysmap_describe(uint64_t gva, int nr_vcpus, char *buf, size_t len)
{
	uint64_t off = gva - NUMIG_STACKS, in = off % STRIDE;
	int v = (int)(off / STRIDE);

	if (gva < PT_PAGE) {
		snprintf(buf, len, "the unmapped page 0 (a NULL pointer)");
		return buf;
	}
	if (gva >= NUMIG_STACKS && gva < NUMIG_STACKS + (uint64_t)nr_vcpus * STRIDE) {
		const char *which = in < NUMIG_KSTACK_SIZE ? "kernel" : "user";

		if (!stack_flags(gva & ~(PT_PAGE - 1), nr_vcpus, -1))
			snprintf(buf, len, "the guard page below vCPU %d's %s stack: a stack overflow", v, which);
		else
			snprintf(buf, len, "vCPU %d's %s stack (ring 3 reaches only its own user stack)", v, which);
		return buf;
	}
	if (gva >= NUMIG_MAILBOX && gva < NUMIG_MAILBOX + (uint64_t)nr_vcpus * NUMIG_MAILBOX_SIZE) {
		snprintf(buf, len, "vCPU %d's mailbox", (int)((gva - NUMIG_MAILBOX) / NUMIG_MAILBOX_SIZE));
		return buf;
	}
	if (gva < NUMIG_IMAGE_BASE) {
		snprintf(buf, len, "the system area (supervisor only)");
		return buf;
	}
	return NULL;
}
