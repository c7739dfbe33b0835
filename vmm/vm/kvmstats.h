/* KVM's binary statistics (KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst):
 * a pure parser of the file the VM's or a vCPU's stats fd holds, and a
 * reader that copies that file into memory. The blob is the kernel's, but
 * it is parsed as untrusted: every offset, size and count is checked before
 * use, with overflow-safe arithmetic, so a malformed one is rejected with a
 * reason instead of read out of bounds. */
#ifndef NUMIG_VMM_KVMSTATS_H
#define NUMIG_VMM_KVMSTATS_H

#include <stddef.h>
#include <stdint.h>

#include <numig/err.h>

#define KVMSTATS_NAME_MAX 64    /* a name (with its NUL) longer than this is skipped, not cut */
#define KVMSTATS_CAP 256        /* scalar stats kept per blob (6.18 x86: ~30 VM, ~50 vCPU) */
#define KVMSTATS_MAX_DESC 65536 /* more descriptors than this: rejected */
#define KVMSTATS_MAX_NAME_SIZE 4096
#define KVMSTATS_MAX_BLOB (16u << 20)

/* One scalar statistic (descriptor size 1). */
struct kvm_stat {
	char name[KVMSTATS_NAME_MAX];
	uint32_t flags;   /* KVM_STATS_TYPE_* | KVM_STATS_UNIT_* | KVM_STATS_BASE_* */
	int16_t exponent;
	uint64_t value;
};

struct kvm_stats_set {
	char id[KVMSTATS_NAME_MAX]; /* "kvm-PID" or "kvm-PID/vcpu-N" */
	uint32_t nr;
	uint32_t skipped_arrays;    /* histograms and other size > 1 stats: not kept */
	uint32_t skipped_types;     /* a type newer than this parser knows: not kept */
	uint32_t skipped_names;     /* names too long for KVMSTATS_NAME_MAX */
	uint32_t dropped;           /* over KVMSTATS_CAP */
	struct kvm_stat v[KVMSTATS_CAP];
};

/* Parses buf[0..len) into *out. Returns 0, or -1 (*out emptied) with the reason in err
 * (an offset or size outside the blob, an unterminated or empty name, an
 * unterminated id, a stat of 0 items, counts too large). Never reads outside
 * buf. Stats of a type newer than KVM_STATS_TYPE_MAX are skipped, not fatal:
 * a newer kernel may add one. */
int kvmstats_parse(const void *buf, size_t len, struct kvm_stats_set *out, char *err, size_t errlen);

/* The scalar named name, or NULL when the kernel lacks it. */
const struct kvm_stat *kvmstats_find(const struct kvm_stats_set *s, const char *name);

/* KVM_STATS_TYPE_* of a stat (flags & KVM_STATS_TYPE_MASK). */
uint32_t kvmstats_type(const struct kvm_stat *st);

/* Copies the whole stats file behind fd (pread from 0 to EOF, at most
 * KVMSTATS_MAX_BLOB) into a malloc'ed buffer *buf of *len bytes. */
int kvmstats_read_fd(int fd, uint8_t **buf, size_t *len, struct nerr *e);

#endif
