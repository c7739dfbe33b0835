/* Host counter snapshots (hostsnap.h). */
#include "hostsnap.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

const char *host_snap_vmstat_path = "/proc/vmstat";

static void close_fds(struct host_snap *h)
{
	if (!h->fds_open)
		return;
	if (h->vm_fd >= 0)
		close(h->vm_fd);
	for (int i = 0; i < h->nr_vcpus; i++)
		if (h->vcpu_fd[i] >= 0)
			close(h->vcpu_fd[i]);
	h->fds_open = 0;
}

/* Reads and parses one stats fd into *s; on failure the note says why. */
static int read_set(struct host_snap *h, int fd, const char *what, struct kvm_stats_set *s)
{
	struct nerr e = { 0, "" };
	char err[200];
	uint8_t *buf;
	size_t len;
	int rc;

	if (kvmstats_read_fd(fd, &buf, &len, &e)) {
		snprintf(h->kvm_note, sizeof(h->kvm_note), "%s: %s", what, e.msg);
		return -1;
	}
	rc = kvmstats_parse(buf, len, s, err, sizeof(err));
	free(buf);
	if (rc)
		snprintf(h->kvm_note, sizeof(h->kvm_note), "%s: the kernel's statistics do not parse: %s", what, err);
	return rc;
}

static int read_all(struct host_snap *h, int which)
{
	char what[32];

	if (read_set(h, h->vm_fd, "VM", h->vm[which]))
		return -1;
	for (int i = 0; i < h->nr_vcpus; i++) {
		snprintf(what, sizeof(what), "vCPU %d", i);
		if (read_set(h, h->vcpu_fd[i], what, &h->vcpu[which][i]))
			return -1;
	}
	return 0;
}

static int open_kvm(struct host_snap *h, int kvm_fd, int vm_fd, const int *vcpu_fd, int nr_vcpus)
{
	int cap = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD);

	if (cap < 0) {
		snprintf(h->kvm_note, sizeof(h->kvm_note), "KVM statistics not read: KVM_CHECK_EXTENSION: %s",
			 strerror(errno));
		return -1;
	}
	if (cap == 0) {
		snprintf(h->kvm_note, sizeof(h->kvm_note),
			 "KVM statistics not available: KVM_CAP_BINARY_STATS_FD absent (Linux before 5.14)");
		return -1;
	}
	h->nr_vcpus = nr_vcpus;
	h->vm_fd = -1;
	for (int i = 0; i < nr_vcpus; i++)
		h->vcpu_fd[i] = -1;
	h->fds_open = 1;
	h->vm_fd = ioctl(vm_fd, KVM_GET_STATS_FD, 0);
	if (h->vm_fd < 0) {
		snprintf(h->kvm_note, sizeof(h->kvm_note), "KVM statistics not available: KVM_GET_STATS_FD on the VM: %s",
			 strerror(errno));
		return -1;
	}
	for (int i = 0; i < nr_vcpus; i++) {
		h->vcpu_fd[i] = ioctl(vcpu_fd[i], KVM_GET_STATS_FD, 0);
		if (h->vcpu_fd[i] < 0) {
			snprintf(h->kvm_note, sizeof(h->kvm_note),
				 "KVM statistics not available: KVM_GET_STATS_FD on vCPU %d: %s", i, strerror(errno));
			return -1;
		}
	}
	for (int w = 0; w < 2; w++) {
		h->vm[w] = calloc(1, sizeof(*h->vm[w]));
		h->vcpu[w] = calloc((size_t)nr_vcpus, sizeof(*h->vcpu[w]));
		if (!h->vm[w] || !h->vcpu[w]) {
			snprintf(h->kvm_note, sizeof(h->kvm_note), "KVM statistics not read: out of memory");
			return -1;
		}
	}
	return 0;
}

void host_snap_begin(struct host_snap *h, int kvm_fd, int vm_fd, const int *vcpu_fd, int nr_vcpus)
{
	struct nerr e = { 0, "" };

	if (vmstat_read(host_snap_vmstat_path, &h->vmstat[0], &e))
		snprintf(h->vmstat_note, sizeof(h->vmstat_note), "%s", e.msg);
	else
		h->vmstat_ok = -1; /* start read; the end decides */
	if (nr_vcpus < 0 || nr_vcpus > NUMIG_MAX_VCPUS) {
		snprintf(h->kvm_note, sizeof(h->kvm_note), "KVM statistics not read: %d vCPUs", nr_vcpus);
		return;
	}
	if (open_kvm(h, kvm_fd, vm_fd, vcpu_fd, nr_vcpus) || read_all(h, 0)) {
		close_fds(h);
		return;
	}
	h->kvm_ok = -1;
}

void host_snap_end(struct host_snap *h)
{
	struct nerr e = { 0, "" };

	if (h->vmstat_ok == -1) {
		if (vmstat_read(host_snap_vmstat_path, &h->vmstat[1], &e)) {
			h->vmstat_ok = 0;
			snprintf(h->vmstat_note, sizeof(h->vmstat_note), "%s", e.msg);
		} else {
			h->vmstat_ok = 1;
		}
	}
	if (h->kvm_ok == -1)
		h->kvm_ok = read_all(h, 1) ? 0 : 1;
	close_fds(h);
}

void host_snap_destroy(struct host_snap *h)
{
	close_fds(h);
	for (int w = 0; w < 2; w++) {
		free(h->vm[w]);
		free(h->vcpu[w]);
		h->vm[w] = NULL;
		h->vcpu[w] = NULL;
	}
	h->kvm_ok = 0;
	h->vmstat_ok = 0;
}
