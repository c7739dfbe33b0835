/* The report's "What the host did" (vmm/report/hostcounters.c): a KVM
 * statistic's change by its descriptor's type, and the human and JSON
 * blocks from snapshots made here; a counter or statistic the kernel lacks
 * is left out, never shown as 0. */
#define TAP_MAIN
#include "harness.h"
#include "unit/kvmstats_blob.h"

#include <linux/kvm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/report/hostcounters.h"

static struct kvm_stats_set set, set2;


static void changes(void)
{
	static const struct spec a[] = {
		{ "exits", KVM_STATS_TYPE_CUMULATIVE, 1 },
		{ "pages_2m", KVM_STATS_TYPE_INSTANT, 1 },
		{ "max_mmu_rmap_size", KVM_STATS_TYPE_PEAK, 1 },
		{ "halt_wait_ns", KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_SECONDS, 1 },
		{ "old_only", KVM_STATS_TYPE_CUMULATIVE, 1 },
	};
	static const struct spec b_[] = {
		{ "pages_2m", KVM_STATS_TYPE_INSTANT, 1 },
		{ "max_mmu_rmap_size", KVM_STATS_TYPE_PEAK, 1 },
		{ "exits", KVM_STATS_TYPE_CUMULATIVE, 1 },
		{ "halt_wait_ns", KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_SECONDS, 1 },
		{ "old_only", KVM_STATS_TYPE_INSTANT, 1 },
	};
	char err[256];
	size_t la, lb;
	uint8_t *ba = build(a, 5, 48, &la), *bb = build(b_, 5, 48, &lb);
	struct kvm_stat_change c;

	if (!OK(ba && bb && !kvmstats_parse(ba, la, &set, err, sizeof(err)) &&
			!kvmstats_parse(bb, lb, &set2, err, sizeof(err)),
		"start and end blobs (stats in another order at the end) parse"))
		goto out;
	/* start: exits 100, pages_2m 200, peak 300; end: pages_2m 100, peak 200, exits 300. */
	c = kvm_stat_change_of(&set, &set2, "exits");
	OK(c.kind == 1 && c.delta == 200, "cumulative: the delta, by name whatever the order (%lld)",
	   (long long)c.delta);
	c = kvm_stat_change_of(&set2, &set, "exits");
	OK(c.kind == 1 && c.delta == -200, "cumulative that went backwards: negative, not a huge u64");
	c = kvm_stat_change_of(&set, &set2, "pages_2m");
	OK(c.kind == 2 && c.start == 200 && c.end == 100, "instant: start and end values");
	c = kvm_stat_change_of(&set, &set2, "max_mmu_rmap_size");
	OK(c.kind == 3 && c.end == 200, "peak: the value at the end");
	OK(kvm_stat_change_of(&set, &set2, "halt_wait_ns").kind == 0, "a stat with a unit (seconds) is left out");
	OK(kvm_stat_change_of(&set, &set2, "old_only").kind == 0, "a stat whose type changed is left out");
	OK(kvm_stat_change_of(&set, &set2, "pf_taken").kind == 0, "a stat the kernel lacks is left out");
out:
	free(ba);
	free(bb);
}

/* A stats set by hand, as the parser would fill it. */
static void stat(struct kvm_stats_set *s, const char *name, uint32_t type, uint64_t v)
{
	struct kvm_stat *st = &s->v[s->nr++];

	snprintf(st->name, sizeof(st->name), "%s", name);
	st->flags = type;
	st->value = v;
}

static char *render(const struct host_snap *h, int json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_w w;

	if (!f)
		return NULL;
	if (json) {
		json_init(&w, f);
		json_obj_begin(&w);
		report_host_counters_json(&w, h);
		json_obj_end(&w);
	} else {
		report_host_counters_human(f, h);
	}
	fclose(f);
	return buf;
}

static void report(void)
{
	static struct kvm_stats_set vm[2], vcpu[2][2];
	struct host_snap h;
	char *t;

	memset(&h, 0, sizeof(h));
	h.vmstat_ok = 1;
	h.vmstat[0].have = h.vmstat[1].have = (1u << VMSTAT_NR) - 1 - (1u << VMSTAT_THP_MIGRATION_SPLIT);
	h.vmstat[0].v[VMSTAT_PGMIGRATE_SUCCESS] = 1000;
	h.vmstat[1].v[VMSTAT_PGMIGRATE_SUCCESS] = 17000;
	h.vmstat[1].v[VMSTAT_THP_MIGRATION_SUCCESS] = 30;
	h.kvm_ok = 1;
	h.nr_vcpus = 2;
	h.vm[0] = &vm[0];
	h.vm[1] = &vm[1];
	h.vcpu[0] = vcpu[0];
	h.vcpu[1] = vcpu[1];
	for (int w = 0; w < 2; w++) {
		stat(&vm[w], "remote_tlb_flush", KVM_STATS_TYPE_CUMULATIVE, w ? 223 : 100);
		stat(&vm[w], "pages_2m", KVM_STATS_TYPE_INSTANT, w ? 30 : 24);
		stat(&vm[w], "max_mmu_rmap_size", KVM_STATS_TYPE_PEAK, w ? 9 : 2);
		for (int i = 0; i < 2; i++) {
			stat(&vcpu[w][i], "exits", KVM_STATS_TYPE_CUMULATIVE, w ? 1000u * (i + 1) : 0);
			stat(&vcpu[w][i], "pf_taken", KVM_STATS_TYPE_CUMULATIVE, w ? 7 : 2);
		}
		stat(&vcpu[w][0], "tlb_flush", KVM_STATS_TYPE_CUMULATIVE, 5); /* vCPU 1 lacks it */
	}
	t = render(&h, 0);
	if (!OK(t != NULL, "the human block is written"))
		return;
	OK(strstr(t, "vmstat (system-wide") && strstr(t, "pgmigrate_success +16000") &&
		   strstr(t, "thp_migration_success +30"),
	   "vmstat: deltas, marked system-wide");
	OK(!strstr(t, "thp_migration_split"), "a vmstat counter the kernel lacks is left out, not shown as 0");
	OK(strstr(t, "remote_tlb_flush +123") && strstr(t, "pages_2m 24 -> 30"),
	   "KVM VM: a cumulative stat's delta, an instant's start -> end");
	OK(strstr(t, "vCPUs (sum of 2): exits +3000, pf_taken +10"), "vCPU stats summed over the vCPUs");
	OK(!strstr(t, " tlb_flush"), "a vCPU stat one vCPU lacks is not summed");
	OK(!strstr(t, "pf_fixed") && !strstr(t, "pages_4k"), "stats the kernel lacks are left out");
	free(t);
	t = render(&h, 1);
	if (OK(t != NULL, "the JSON is written")) {
		OK(strstr(t, "\"host_counters\": {") && strstr(t, "\"vmstat_scope\": \"system-wide\"") &&
			   strstr(t, "\"pgmigrate_success\": 16000") && !strstr(t, "thp_migration_split"),
		   "JSON: vmstat deltas, system-wide, absent counter left out");
		OK(strstr(t, "\"pages_2m\": {\n") && strstr(t, "\"start\": 24") && strstr(t, "\"end\": 30") &&
			   strstr(t, "\"peak\": 9") && strstr(t, "\"remote_tlb_flush\": 123"),
		   "JSON kvm_vm: delta, start/end, peak");
		OK(strstr(t, "\"exits\": 3000") && strstr(t, "\"exits\": 1000") && strstr(t, "\"exits\": 2000") &&
			   strstr(t, "\"tlb_flush\": 0"),
		   "JSON: kvm_vcpus summed, kvm_vcpu per vCPU (vCPU 0's own tlb_flush kept there)");
		free(t);
	}
	/* No API: said once, and the JSON says null. */
	memset(&h, 0, sizeof(h));
	snprintf(h.kvm_note, sizeof(h.kvm_note), "KVM statistics not available: KVM_CAP_BINARY_STATS_FD absent");
	snprintf(h.vmstat_note, sizeof(h.vmstat_note), "cannot open /proc/vmstat: No such file or directory");
	t = render(&h, 0);
	OK(t && !strcmp(t, "host: vmstat: not read: cannot open /proc/vmstat: No such file or directory\n"
			   "host: KVM statistics not available: KVM_CAP_BINARY_STATS_FD absent\n"),
	   "without the API or /proc/vmstat: one line each says why");
	free(t);
	t = render(&h, 1);
	OK(t && strstr(t, "\"vmstat\": null") && strstr(t, "\"kvm_vm\": null") && strstr(t, "\"kvm_stats\": false") &&
		   strstr(t, "BINARY_STATS_FD absent"),
	   "JSON without them: null, and the note");
	free(t);
	memset(&h, 0, sizeof(h));
	t = render(&h, 0);
	OK(t && !t[0], "a run that never started prints no host block");
	free(t);
}

int main(void)
{
	changes();
	report();
	return tap_done();
}
