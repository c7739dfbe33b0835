/* The never-migrating system area at guest-physical 0 (identity-mapped):
 * GDT, per-vCPU TSS, IDT, mailboxes and stacks. Layout in numig/abi.h. */
#ifndef NUMIG_VMM_SYSAREA_H
#define NUMIG_VMM_SYSAREA_H

#include <stdint.h>

#include <numig/abi.h>

#include "elf.h"

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS 0x18
#define SEL_UDATA 0x2b
#define SEL_UCODE 0x33
#define SYSAREA_GDT_ENTRIES 7

static inline uint64_t sysarea_mailbox_gpa(int vcpu)
{
	return NUMIG_MAILBOX + (uint64_t)vcpu * NUMIG_MAILBOX_SIZE;
}

static inline uint64_t sysarea_tss_gpa(int vcpu)
{
	return NUMIG_TSS + (uint64_t)vcpu * NUMIG_TSS_STRIDE;
}

static inline uint64_t sysarea_kstack_top(int vcpu)
{
	return NUMIG_STACKS + (uint64_t)vcpu * (NUMIG_KSTACK_SIZE + NUMIG_USTACK_SIZE) + NUMIG_KSTACK_SIZE;
}

static inline uint64_t sysarea_ustack_top(int vcpu)
{
	return sysarea_kstack_top(vcpu) + NUMIG_USTACK_SIZE;
}

/* Writes the GDT, one TSS per vCPU (RSP0 = its kernel stack) and an IDT
 * whose gates lead to the guest runtime's handlers. */
void sysarea_build(uint8_t *mem, int nr_vcpus, const struct guest_image *img);

#endif
