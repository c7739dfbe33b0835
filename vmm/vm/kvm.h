/* /dev/kvm, the VM file descriptor and memslots. */
#ifndef NUMIG_VMM_KVM_H
#define NUMIG_VMM_KVM_H

#include <stddef.h>
#include <stdint.h>

#include <numig/err.h>

struct kvm_cpuid2;

struct kvm_vm {
	int kvm_fd;
	int vm_fd;
	size_t run_size;              /* mmap size of struct kvm_run */
	int max_vcpus;
	struct kvm_cpuid2 *cpuid;     /* KVM_GET_SUPPORTED_CPUID */
	int open_errno;               /* why the device did not open; 0 when it did */
};

/* Opens the KVM device, checks the API version and every capability numig
 * relies on, and creates a VM. Missing device or capability: NUMIG_EXIT_ENV. */
int kvm_vm_create(struct kvm_vm *vm, const char *dev_path, int nr_vcpus, struct nerr *e);
void kvm_vm_destroy(struct kvm_vm *vm);

/* log_dirty: KVM_MEM_LOG_DIRTY_PAGES (precopy, vmm/vm/dirtylog.h). */
int kvm_vm_set_memslot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva, int log_dirty,
		       struct nerr *e);

#endif
