/* Per-vCPU views of the system area (vmm/vm/sysmap.c), walked as the CPU
 * would walk them: what ring 3 may write, what is unmapped, what is shared. */
#define TAP_MAIN
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mmu/pt.h"
#include "vmm/vm/sysarea.h"
#include "vmm/vm/sysmap.h"

#define MEM (32ull << 20)

/* Flags along the walk (P, RW and US must hold at every level), 0 if unmapped. */
static uint64_t walk(const uint8_t *mem, uint64_t root, uint64_t va)
{
	uint64_t table = root, eff = PTE_P | PTE_RW | PTE_US;

	for (int level = 3; level >= 0; level--) {
		uint64_t e = ((const uint64_t *)(mem + table))[(va >> (12 + 9 * level)) & 511];

		if (!(e & PTE_P))
			return 0;
		eff &= e | ~(PTE_RW | PTE_US);
		if (level == 0 || (level == 1 && (e & PTE_PS)))
			return eff;
		table = e & PTE_ADDR_MASK;
	}
	return 0;
}

static int user_writable(const uint8_t *mem, int v, uint64_t va)
{
	uint64_t f = walk(mem, sysmap_root(v), va);

	return (f & PTE_P) && (f & PTE_RW) && (f & PTE_US);
}

int main(void)
{
	uint8_t *mem = aligned_alloc(4096, MEM);
	struct pt t;
	struct nerr e = { 0, "" };
	uint64_t kstack_lo = NUMIG_STACKS, ustack_lo = NUMIG_STACKS + NUMIG_KSTACK_SIZE;

	if (!mem || (memset(mem, 0, MEM), pt_init(&t, mem, NUMIG_PT_POOL, NUMIG_PT_POOL_END, &e))) {
		OK(0, "setup: %s", e.msg);
		return tap_done();
	}
	for (uint64_t a = 0; a < MEM; a += PT_HUGE)
		pt_map_2m(&t, a, a, PTE_LEAF_2M, &e);
	pt_map_2m(&t, NUMIG_WS_GVA, 16ull << 20, PTE_LEAF_2M, &e);
	sysmap_build(mem, 2, t.root);

	OK(user_writable(mem, 0, sysarea_mailbox_gpa(0)) && !user_writable(mem, 0, sysarea_mailbox_gpa(1)),
	   "vCPU 0 writes its own mailbox, not vCPU 1's");
	OK(user_writable(mem, 1, sysarea_mailbox_gpa(1)) && !user_writable(mem, 1, sysarea_mailbox_gpa(0)),
	   "vCPU 1 writes its own mailbox, not vCPU 0's");
	OK(walk(mem, sysmap_root(1), sysarea_mailbox_gpa(0)) & PTE_P, "... which ring 0 still reaches");
	OK(!user_writable(mem, 0, NUMIG_GDT) && !user_writable(mem, 0, NUMIG_IDT) && !user_writable(mem, 0, NUMIG_TSS) &&
		   !user_writable(mem, 0, NUMIG_PT_POOL) && !user_writable(mem, 0, sysmap_root(0)) &&
		   !user_writable(mem, 0, NUMIG_STACK_PTS),
	   "GDT, IDT, TSS, page tables (shared and per vCPU) are not writable from ring 3");
	OK(walk(mem, sysmap_root(0), 0) == 0, "page 0 is unmapped");
	OK(walk(mem, sysmap_root(0), kstack_lo) == 0 && walk(mem, sysmap_root(0), ustack_lo) == 0,
	   "the lowest page of the kernel and the user stack is an unmapped guard page");
	OK(user_writable(mem, 0, ustack_lo + NUMIG_GUARD_SIZE) && user_writable(mem, 0, sysarea_ustack_top(0) - 8),
	   "the rest of the user stack is writable from ring 3");
	OK(!user_writable(mem, 1, sysarea_ustack_top(0) - 8) && !user_writable(mem, 0, sysarea_ustack_top(1) - 8) &&
		   (walk(mem, sysmap_root(1), sysarea_ustack_top(0) - 8) & PTE_RW),
	   "ring 3 of one vCPU cannot write another's user stack, which ring 0 still reaches (issue 23)");
	OK(!user_writable(mem, 0, sysarea_kstack_top(0) - 8) && (walk(mem, sysmap_root(0), sysarea_kstack_top(0) - 8) & PTE_RW),
	   "the kernel stack is writable from ring 0 only");
	OK(walk(mem, sysmap_root(0), sysarea_ustack_top(1)) == 0, "nothing is mapped past the last vCPU's stack");
	OK(user_writable(mem, 0, NUMIG_IMAGE_BASE) && user_writable(mem, 1, NUMIG_SCRATCH) &&
		   user_writable(mem, 1, NUMIG_WS_GVA + 4096),
	   "image, scratch and working set are shared and writable");
	OK(((uint64_t *)(mem + sysmap_root(0)))[1] == ((uint64_t *)(mem + t.root))[1],
	   "the working set is the same table for every vCPU (one leaf switch moves it for all)");
	{
		char buf[128];

		OK(sysmap_describe(ustack_lo + 100, 2, buf, sizeof(buf)) && strstr(buf, "vCPU 0's user stack"),
		   "a fault in the guard page names the vCPU's stack (%s)", buf);
		OK(!sysmap_describe(NUMIG_IMAGE_BASE, 2, buf, sizeof(buf)), "the image is nothing special");
		OK(sysmap_describe(sysarea_ustack_top(0) - 8, 2, buf, sizeof(buf)) && strstr(buf, "vCPU 0's user stack (ring 3"),
		   "a fault in another vCPU's user stack names whose it is (%s)", buf);
	}
	{
		/* Every vCPU of the largest machine, every page of the stack area:
		 * ring 3 writes exactly its own user stack, guard page excluded
		 * (the stacks that straddle a 2 MiB table get two private tables). */
		int bad = -1;
		uint64_t bad_va = 0;

		memset(mem, 0, MEM);
		pt_init(&t, mem, NUMIG_PT_POOL, NUMIG_PT_POOL_END, &e);
		for (uint64_t a = 0; a < MEM; a += PT_HUGE)
			pt_map_2m(&t, a, a, PTE_LEAF_2M, &e);
		sysmap_build(mem, NUMIG_MAX_VCPUS, t.root);
		for (int v = 0; v < NUMIG_MAX_VCPUS && bad < 0; v++) {
			uint64_t lo = sysarea_ustack_top(v) - NUMIG_USTACK_SIZE + NUMIG_GUARD_SIZE, hi = sysarea_ustack_top(v);

			for (uint64_t va = NUMIG_STACKS; va < NUMIG_IMAGE_BASE && bad < 0; va += PT_PAGE)
				if (user_writable(mem, v, va) != (va >= lo && va < hi)) {
					bad = v;
					bad_va = va;
				}
		}
		OK(bad < 0, "%d vCPUs: each writes from ring 3 its own user stack and no other stack page "
			    "(first wrong: vCPU %d at %#llx)",
		   NUMIG_MAX_VCPUS, bad, (unsigned long long)bad_va);
		{
			uint64_t lo = sysarea_ustack_top(25) - NUMIG_USTACK_SIZE, hi = sysarea_ustack_top(25);

			OK(lo < 2 * PT_HUGE && hi > 2 * PT_HUGE && user_writable(mem, 25, hi - 8) &&
				   user_writable(mem, 25, lo + NUMIG_GUARD_SIZE),
			   "vCPU 25's user stack straddles 4 MiB and is writable on both sides");
		}
	}
	free(mem);
	return tap_done();
}
