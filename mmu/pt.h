/* The guest's translation tables, owned by the VMM: x86-64 4-level tables of
 * 512 eight-byte entries with 2 MiB leaves (PS), the shape EPT/NPT use for
 * guest-physical -> host. The tables live in guest memory (the vCPUs walk
 * them); the VMM edits them through its host mapping. Leaves are changed
 * with atomic 64-bit operations because a vCPU may set A/D bits at any time. */
#ifndef NUMIG_MMU_PT_H
#define NUMIG_MMU_PT_H

#include <stdatomic.h>
#include <stdint.h>

#include <numig/err.h>

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define PTE_ADDR_2M_MASK 0x000fffffffe00000ull

/* A and D are preset in leaves so the CPU never needs to write them: a
 * vCPU's A/D update could otherwise race a VMM edit of the same entry. */
#define PTE_LEAF_2M (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_PS)
#define PTE_TABLE (PTE_P | PTE_RW | PTE_US | PTE_A)

#define PT_ENTRIES 512
#define PT_PAGE 4096ull
#define PT_HUGE (2ull << 20)

typedef _Atomic uint64_t pte_t;

struct pt {
	uint8_t *mem;      /* host address of guest-physical 0 */
	uint64_t pool_lo;  /* guest-physical range for table pages */
	uint64_t pool_hi;
	uint64_t next;     /* next free table page */
	uint64_t root;     /* guest-physical address of the PML4 (CR3) */
};

/* Takes table pages from [pool_lo, pool_hi) of the memory at `mem`. */
int pt_init(struct pt *t, uint8_t *mem, uint64_t pool_lo, uint64_t pool_hi, struct nerr *e);

/* Maps the 2 MiB page at `gva` to `gpa` with `flags` (PTE_PS is added).
 * Errors: unaligned or non-canonical address, already mapped (conflict),
 * no table pages left. */
int pt_map_2m(struct pt *t, uint64_t gva, uint64_t gpa, uint64_t flags, struct nerr *e);

/* The leaf entry that maps `gva`, or NULL when a level above is missing. */
pte_t *pt_leaf(const struct pt *t, uint64_t gva);

/* Walks the four levels as the CPU would; returns 0 and the guest-physical
 * address when `gva` is mapped by a present 2 MiB leaf, -1 otherwise. */
int pt_translate(const struct pt *t, uint64_t gva, uint64_t *gpa);

static inline uint64_t pte_frame(uint64_t pte)
{
	return pte & PTE_ADDR_2M_MASK;
}

static inline uint64_t pte_clear_present(pte_t *p)
{
	return atomic_fetch_and(p, ~PTE_P);
}

static inline uint64_t pte_set_present(pte_t *p)
{
	return atomic_fetch_or(p, PTE_P);
}

/* Points the leaf at a new frame and sets it present, keeping the other
 * flags. Returns the previous entry. */
static inline uint64_t pte_switch_frame(pte_t *p, uint64_t new_gpa)
{
	uint64_t old = atomic_load(p), next;

	do {
		next = (old & ~PTE_ADDR_2M_MASK) | (new_gpa & PTE_ADDR_2M_MASK) | PTE_P;
	} while (!atomic_compare_exchange_weak(p, &old, next));
	return old;
}

#endif
