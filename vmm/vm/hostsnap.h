/* What the host did during a run: /proc/vmstat and the VM's and vCPUs' own
 * KVM statistics, read once when the guest is built and before its vCPUs
 * start, and once when they have stopped. Observation only: a counter or
 * an API the kernel lacks is omitted with a note, never a run failure.
 * Reported by vmm/report/hostcounters.c; figures in docs/measurements.md
 * "What the host did". */
#ifndef NUMIG_VMM_HOSTSNAP_H
#define NUMIG_VMM_HOSTSNAP_H

#include <numig/abi.h>

#include "kvmstats.h"
#include "vmstat.h"

struct host_snap {
	/* /proc/vmstat at start [0] and end [1]; vmstat_ok: 1 both read, -1
	 * the start read and the end not yet, 0 none (vmstat_note says why). */
	struct vmstat_snap vmstat[2];
	int vmstat_ok;
	char vmstat_note[160];       /* why there are no vmstat figures */
	/* KVM statistics: kvm_ok 1 when both snapshots of the VM and of every
	 * vCPU were read and parsed, -1 between the two, 0 otherwise, with
	 * kvm_note saying why (once, for the VM and all its vCPUs). */
	int kvm_ok;
	char kvm_note[256];
	int fds_open;                /* the fds below are ours to close */
	int vm_fd;
	int vcpu_fd[NUMIG_MAX_VCPUS];
	int nr_vcpus;
	struct kvm_stats_set *vm[2];      /* start, end */
	struct kvm_stats_set *vcpu[2];    /* nr_vcpus each, start and end */
};

/* A zeroed struct host_snap is ready for these. */
void host_snap_begin(struct host_snap *h, int kvm_fd, int vm_fd, const int *vcpu_fd, int nr_vcpus);
void host_snap_end(struct host_snap *h);
void host_snap_destroy(struct host_snap *h);

/* For the unit tests and the report: the path host_snap reads. */
extern const char *host_snap_vmstat_path;

#endif
