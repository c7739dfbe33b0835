/* KVM device and VM set-up: every capability numig relies on is checked up
 * front so a host that lacks one fails with its name, not with a puzzling
 * error from a later ioctl. */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct required_cap {
	int cap;
	const char *name;
	const char *why;
};

static const struct required_cap required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest memory in VMM-owned host mappings" },
	{ KVM_CAP_SYNC_MMU, "KVM_CAP_SYNC_MMU",
	  "MMU notifiers: changing a frame's host mapping must drop every vCPU translation of it" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "kicking a vCPU out of KVM_RUN" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "KVM_GET_SUPPORTED_CPUID" },
};

static int get_supported_cpuid(struct kvm_vm *vm, struct nerr *e)
{
	for (int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(struct kvm_cpuid_entry2));

		if (!c)
			return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for CPUID entries");
		c->nent = (uint32_t)n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return nerr_set(e, NUMIG_EXIT_ENV, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
	}
	return nerr_set(e, NUMIG_EXIT_ENV, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

int kvm_vm_create(struct kvm_vm *vm, const char *dev_path, int nr_vcpus, struct nerr *e)
{
	int v;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = -1;
	vm->kvm_fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int err = errno;

		vm->open_errno = err;
		nerr_set(e, NUMIG_EXIT_ENV, "cannot open KVM device %s: %s%s", dev_path, strerror(err),
			 err == ENOENT ? " (this kernel offers no KVM: no module loaded, or no hardware or nested virtualization)" : "");
		return -1;
	}
	v = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		nerr_set(e, NUMIG_EXIT_ENV, "%s: KVM API version %d, numig needs %d", dev_path, v, KVM_API_VERSION);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			nerr_set(e, NUMIG_EXIT_ENV, "KVM lacks capability %s (needed for %s)", required_caps[i].name,
				 required_caps[i].why);
			goto fail;
		}
	}
	vm->max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (vm->max_vcpus <= 0)
		vm->max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (vm->max_vcpus <= 0)
		vm->max_vcpus = 4; /* the API's documented minimum when neither cap answers */
	if (nr_vcpus > vm->max_vcpus) {
		nerr_set(e, NUMIG_EXIT_ENV, "KVM supports at most %d vCPUs per VM here, %d asked for", vm->max_vcpus,
			 nr_vcpus);
		goto fail;
	}
	v = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v < (int)sizeof(struct kvm_run)) {
		nerr_set(e, NUMIG_EXIT_ENV, "KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
		goto fail;
	}
	vm->run_size = (size_t)v;
	if (get_supported_cpuid(vm, e))
		goto fail;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		nerr_set(e, NUMIG_EXIT_ENV, "KVM_CREATE_VM failed: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	kvm_vm_destroy(vm);
	return -1;
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm->cpuid);
	vm->cpuid = NULL;
	vm->vm_fd = vm->kvm_fd = -1;
}

int kvm_vm_set_memslot(struct kvm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva, int log_dirty,
		       struct nerr *e)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return nerr_set(e, NUMIG_EXIT_ENV, "KVM_SET_USER_MEMORY_REGION slot %u (gpa %#llx, %llu MiB): %s", slot,
				(unsigned long long)gpa, (unsigned long long)(size >> 20), strerror(errno));
	return 0;
}
