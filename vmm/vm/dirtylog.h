/* KVM's dirty log for precopy (docs/design.md "Precopy"): bitmap mode with
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 and KVM_DIRTY_LOG_INITIALLY_SET, so that
 * turning logging on protects nothing, and only the migrating frame's 512
 * pieces are protected, with KVM_CLEAR_DIRTY_LOG, when a precopy starts. */
#ifndef NUMIG_VMM_DIRTYLOG_H
#define NUMIG_VMM_DIRTYLOG_H

#include <pthread.h>
#include <stdint.h>

#include <numig/err.h>

#include "mmu/pool.h"
#include "mmu/precopy.h"

struct kvm_vm;

struct dirty_slot {
	uint32_t slot;
	uint64_t gpa, bytes;
	uint64_t *bitmap;          /* KVM_GET_DIRTY_LOG's whole-slot copy */
	pthread_mutex_t lock;      /* of bitmap */
};

struct dirty_log {
	int vm_fd;
	int nr_slots;
	struct dirty_slot slots[POOL_MAX_NODES];
};

/* Turns manual protect on for the VM; before any memslot with logging.
 * A KVM without it: NUMIG_EXIT_ENV, naming the capability. */
int dirty_log_enable(struct dirty_log *d, struct kvm_vm *vm, struct nerr *e);
/* A memslot created with KVM_MEM_LOG_DIRTY_PAGES. */
int dirty_log_add_slot(struct dirty_log *d, uint32_t slot, uint64_t gpa, uint64_t bytes, struct nerr *e);
void dirty_log_destroy(struct dirty_log *d);

/* The mmu's hooks (mmu/migrate.h): `ctx` is the struct dirty_log. */
int dirty_log_get(void *ctx, uint64_t gpa, uint64_t bits[PIECES / 64]);
int dirty_log_clear(void *ctx, uint64_t gpa, const uint64_t bits[PIECES / 64]);

#endif
