/* The KVM binary-statistics parser (vmm/vm/kvmstats.c) on blobs recorded
 * from real kernels (tests/data/kvmstats/, by tests/emu/record_kvm_stats.c)
 * and on hostile ones: every offset, size and count out of range must be
 * rejected with a reason, never read out of bounds (run under ASan by
 * make check's sanitizer build). */
#define TAP_MAIN
#include "harness.h"
#include "unit/kvmstats_blob.h"

#include <linux/kvm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vm/kvmstats.h"

static struct kvm_stats_set set, set2;

static uint8_t *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	b = malloc((size_t)n);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}


static int rejects(const uint8_t *b, size_t len, const char *want, const char *what)
{
	char err[256] = "";
	int rc = kvmstats_parse(b, len, &set, err, sizeof(err));

	return OK(rc == -1 && strstr(err, want) && set.nr == 0, "%s is rejected: %s", what, err);
}

static void recorded(const char *vm_path, const char *vcpu_path, const char *kernel, uint32_t vm_nr,
		     uint32_t vcpu_nr)
{
	char err[256] = "";
	size_t len, vlen;
	uint8_t *b = load(vm_path, &len), *v = load(vcpu_path, &vlen);
	const struct kvm_stat *st;

	if (!OK(b && v, "%s: recordings %s and %s read", kernel, vm_path, vcpu_path))
		goto out;
	OK(kvmstats_parse(b, len, &set, err, sizeof(err)) == 0, "%s VM blob parses (%s)", kernel, err);
	OK(!strncmp(set.id, "kvm-", 4) && !strchr(set.id, '/'), "%s VM id is kvm-PID: %s", kernel, set.id);
	OK(set.nr == vm_nr && set.dropped == 0, "%s VM: %u scalar stats (%u)", kernel, set.nr, vm_nr);
	st = kvmstats_find(&set, "remote_tlb_flush");
	OK(st && kvmstats_type(st) == KVM_STATS_TYPE_CUMULATIVE, "%s VM: remote_tlb_flush is cumulative", kernel);
	st = kvmstats_find(&set, "pages_2m");
	OK(st && kvmstats_type(st) == KVM_STATS_TYPE_INSTANT, "%s VM: pages_2m is instant (%llu)", kernel,
	   st ? (unsigned long long)st->value : 0ull);
	st = kvmstats_find(&set, "max_mmu_rmap_size");
	OK(st && kvmstats_type(st) == KVM_STATS_TYPE_PEAK, "%s VM: max_mmu_rmap_size is a peak", kernel);
	OK(!kvmstats_find(&set, "no_such_stat") && !kvmstats_find(&set, "exits"), "%s VM: an absent name is NULL",
	   kernel);
	/* The data block ends the file: any shorter copy loses a value. */
	{
		size_t accepted = 0;

		for (size_t n = 0; n < len; n++)
			if (kvmstats_parse(b, n, &set2, err, sizeof(err)) == 0)
				accepted++;
		OK(accepted == 0, "%s VM blob: each of its %zu truncations is rejected (%zu accepted)", kernel, len,
		   accepted);
	}
	OK(kvmstats_parse(v, vlen, &set, err, sizeof(err)) == 0, "%s vCPU blob parses (%s)", kernel, err);
	OK(strstr(set.id, "/vcpu-0") != NULL, "%s vCPU id: %s", kernel, set.id);
	OK(set.nr == vcpu_nr, "%s vCPU: %u scalar stats (%u), %u arrays skipped", kernel, set.nr, vcpu_nr,
	   set.skipped_arrays);
	OK(set.skipped_arrays == 3 && !kvmstats_find(&set, "halt_wait_hist"),
	   "%s vCPU: the three halt histograms (size 32) are skipped", kernel);
	st = kvmstats_find(&set, "exits");
	OK(st && kvmstats_type(st) == KVM_STATS_TYPE_CUMULATIVE && st->value > 0,
	   "%s vCPU: exits is cumulative and counted the recorded run's exits (%llu)", kernel,
	   st ? (unsigned long long)st->value : 0ull);
	st = kvmstats_find(&set, "halt_wait_ns");
	OK(st && (st->flags & KVM_STATS_UNIT_MASK) == KVM_STATS_UNIT_SECONDS && st->exponent == -9,
	   "%s vCPU: halt_wait_ns has unit seconds, exponent -9", kernel);
	OK(kvmstats_find(&set, "pf_taken") && kvmstats_find(&set, "tlb_flush"), "%s vCPU: pf_taken and tlb_flush",
	   kernel);
out:
	free(b);
	free(v);
}

static void hostile(void)
{
	static const struct spec two[] = {
		{ "exits", KVM_STATS_TYPE_CUMULATIVE, 1 },
		{ "pages_2m", KVM_STATS_TYPE_INSTANT, 1 },
	};
	char err[256];
	size_t len;
	uint8_t *b = build(two, 2, 48, &len), *c;

	if (!OK(b != NULL, "a synthetic blob is built"))
		return;
	OK(kvmstats_parse(b, len, &set, err, sizeof(err)) == 0 && set.nr == 2 &&
		   kvmstats_find(&set, "pages_2m")->value == 200,
	   "the synthetic blob parses: 2 stats, pages_2m = 200");
	c = malloc(len);
	if (!c)
		goto out;
#define MUTATE(stmt, want, what)                 \
	do {                                     \
		memcpy(c, b, len);               \
		stmt;                            \
		rejects(c, len, want, what);     \
	} while (0)
	rejects(NULL, 0, "shorter than its header", "a NULL blob");
	rejects(b, 23, "shorter than its header", "a blob shorter than the header");
	MUTATE(put32(c + 4, 0), "name_size 0", "name_size 0");
	MUTATE(put32(c + 4, 0xffffffffu), "name_size", "name_size 2^32-1");
	MUTATE(put32(c + 8, 0xffffffffu), "num_desc", "num_desc 2^32-1");
	MUTATE(put32(c + 8, 65536), "past the end", "65536 descriptors in a small blob");
	MUTATE(put32(c + 12, 0xfffffff0u), "id at", "an id offset past the end");
	MUTATE(put32(c + 12, (uint32_t)len - 10), "id at", "an id that runs past the end");
	MUTATE(memset(c + 24, 'k', 48), "id string is not NUL-terminated", "an id without NUL");
	MUTATE(put32(c + 16, 0xffffffffu), "past the end", "a descriptor offset of 2^32-1");
	MUTATE(put32(c + 16, (uint32_t)len), "past the end", "descriptors at the very end");
	MUTATE(memset(c + 72 + 16, 'A', 48), "name is not NUL-terminated", "a name without NUL");
	MUTATE(c[72 + 16] = 0, "empty name", "an empty name");
	MUTATE(memset(c + 72 + 6, 0, 2), "size 0", "a stat of 0 values");
	MUTATE(memset(c + 72 + 6, 0xff, 2), "past the end", "a stat of 65535 values");
	MUTATE(put32(c + 72 + 8, 0xfffffffcu), "past the end", "a data offset of 2^32-4 (u32 sum wraps)");
	MUTATE(put32(c + 20, 0xffffffffu), "past the end", "a data block at 2^32-1");
	MUTATE(put32(c + 72 + 64 + 8, 9), "past the end", "the last value one byte past the end");
	/* A kernel newer than this parser: its new type is skipped, not fatal. */
	memcpy(c, b, len);
	put32(c + 72, 0xf);
	OK(kvmstats_parse(c, len, &set, err, sizeof(err)) == 0 && set.nr == 1 && set.skipped_types == 1 &&
		   !kvmstats_find(&set, "exits"),
	   "a stat of unknown type is skipped and the rest kept");
	free(c);
#undef MUTATE
out:
	free(b);
}

static void limits(void)
{
	static char names[KVMSTATS_CAP + 2][16];
	static struct spec many[KVMSTATS_CAP + 2];
	struct spec longname[2] = {
		{ "a_name_of_seventy_characters_is_longer_than_numig_keeps_xxxxxxxxxxxxx", 0, 1 },
		{ "exits", 0, 1 },
	};
	char err[256];
	size_t len;
	uint8_t *b;

	for (int i = 0; i < KVMSTATS_CAP + 2; i++) {
		snprintf(names[i], sizeof(names[i]), "s%d", i);
		many[i] = (struct spec){ names[i], KVM_STATS_TYPE_CUMULATIVE, 1 };
	}
	b = build(many, KVMSTATS_CAP + 2, 16, &len);
	OK(b && kvmstats_parse(b, len, &set, err, sizeof(err)) == 0 && set.nr == KVMSTATS_CAP && set.dropped == 2,
	   "more stats than KVMSTATS_CAP: %d kept, 2 counted as dropped", KVMSTATS_CAP);
	free(b);
	b = build(longname, 2, 128, &len);
	OK(b && kvmstats_parse(b, len, &set, err, sizeof(err)) == 0 && set.nr == 1 && set.skipped_names == 1 &&
		   kvmstats_find(&set, "exits"),
	   "a 70-character name is skipped (not cut to a wrong name); the next stat is kept");
	free(b);
}

int main(void)
{
	/* This machine's kernel (shadow paging) and the emulated host's
	 * (Debian 6.1, kvm-amd with NPT): 6.1 lacks kvm_pvm's mmu_kicks_spared,
	 * pf_parked and pf_park_timeouts. */
	recorded("tests/data/kvmstats/vm-6.18-pvm.bin", "tests/data/kvmstats/vcpu-6.18-pvm.bin", "6.18 kvm_pvm", 16,
		 44);
	recorded("tests/data/kvmstats/vm-6.1-amd-npt.bin", "tests/data/kvmstats/vcpu-6.1-amd-npt.bin", "6.1 kvm_amd", 15,
		 42);
	hostile();
	limits();
	return tap_done();
}
