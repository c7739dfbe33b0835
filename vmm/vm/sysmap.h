/* Each vCPU's own view of the system area (layout: numig/abi.h, "Isolation"):
 * per-vCPU page tables that share the working set and the image with every
 * other vCPU but map the first 8 MiB page by page, so that ring 3 reaches
 * only its own mailbox and its own user stack, and every stack has an
 * unmapped guard page below it. A stack overflow (however large the frame:
 * docs/design.md "Stack clash") or a wild write into the system area then
 * faults on the vCPU that did it, instead of corrupting another. */
#ifndef NUMIG_VMM_SYSMAP_H
#define NUMIG_VMM_SYSMAP_H

#include <stddef.h>
#include <stdint.h>

#include <numig/abi.h>

/* Builds every vCPU's tables from the shared ones at shared_root (the mmu's
 * CR3: identity map and working set), which must be complete. */
void sysmap_build(uint8_t *mem, int nr_vcpus, uint64_t shared_root);

static inline uint64_t sysmap_root(int vcpu)
{
	return NUMIG_VCPU_TABLES + (uint64_t)vcpu * NUMIG_VCPU_TABLES_SIZE;
}

/* What lies at guest address gva in the first 8 MiB, for fault reports
 * ("the guard page below vCPU 1's user stack"); NULL when nothing special. */
const char *sysmap_describe(uint64_t gva, int nr_vcpus, char *buf, size_t len);

#endif
