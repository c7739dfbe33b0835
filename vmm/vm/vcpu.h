/* One vCPU: its KVM state (64-bit long mode, ring 3, paging on), the kick
 * that makes it leave KVM_RUN, and its park while the machine is paused. */
#ifndef NUMIG_VMM_VCPU_H
#define NUMIG_VMM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <numig/abi.h>
#include <numig/err.h>

struct machine;
struct kvm_run;
struct bitmask;

enum vcpu_end {
	VCPU_RUNNING = 0,
	VCPU_DONE,       /* the guest called DONE */
	VCPU_FAILED,     /* exception, triple fault, panic, bad hypercall ... */
	VCPU_STOPPED,    /* stopped by the VMM (timeout, signal, another vCPU failed) */
};

struct vcpu {
	struct machine *m;
	int id;
	int fd;
	int node;                    /* guest node */
	struct bitmask *cpus;        /* host CPUs it is pinned to (vmm/vm/place.c); NULL: not pinned */
	int host_cpu;                /* the one CPU it is pinned to; -1: not pinned, or several */
	char cpus_measured[64];      /* its thread's affinity as the kernel reports it, list syntax */
	struct kvm_run *run;
	pthread_t thread;
	int started;
	struct numig_mailbox *mb;
	atomic_int end;              /* enum vcpu_end */
	uint64_t exit_code;          /* from DONE, full width */
	char fail[512];
	int fail_class;              /* exit code class of the failure: 0 = the guest's (4) */
	/* When the failure happened, for naming the first one (failure_order.h):
	 * the time its KVM_RUN returned, and the order machine_fail saw it in. */
	uint64_t exit_ns;            /* last return from KVM_RUN (the vCPU's thread only) */
	uint64_t fail_ns;
	uint64_t fail_seq;           /* 1 = the first machine_fail; 0 = not failed */
	uint64_t exits, io_exits, hypercalls, pf_exits, efaults, kicks_seen;
	uint64_t consecutive_efaults;
	atomic_int in_run;           /* inside KVM_RUN (or about to enter) */
};

int vcpu_create(struct machine *m, struct vcpu *v, struct nerr *e);
/* The kick signal's handler, installed once per process. */
int vcpu_signals_init(struct nerr *e);
/* Asks the vCPU to leave KVM_RUN (signal + immediate_exit). */
void vcpu_kick(struct vcpu *v);
/* Called by the vCPU's thread: binds the kick to it and pins it to its host
 * CPU; vcpu_unbind_thread() before the thread ends. */
void vcpu_bind_thread(struct vcpu *v);
void vcpu_unbind_thread(void);
/* Called by the vCPU's thread before each KVM_RUN: parks while the machine
 * is paused (stop-the-world). */
void vcpu_park_if_paused(struct vcpu *v);

#endif
