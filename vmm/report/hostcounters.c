/* What the host did (hostcounters.h). KVM statistics are read by name from
 * the kernel's descriptors: a name this kernel lacks is simply left out. */
#include "hostcounters.h"

#include <inttypes.h>
#include <linux/kvm.h>
#include <string.h>

enum { CH_ABSENT, CH_CUMULATIVE, CH_INSTANT, CH_PEAK };

struct wanted {
	const char *name;
	int in_text; /* also in the short human block */
};

/* The VM's own: flushes, the MMU's page sizes, shadow-MMU work. */
static const struct wanted vm_stats[] = {
	{ "remote_tlb_flush", 1 }, { "remote_tlb_flush_requests", 1 }, { "pages_4k", 1 }, { "pages_2m", 1 },
	{ "pages_1g", 0 }, { "nx_lpage_splits", 1 }, { "mmu_shadow_zapped", 1 }, { "mmu_pte_write", 0 },
	{ "mmu_pde_zapped", 0 }, { "mmu_flooded", 0 }, { "mmu_recycled", 0 }, { "mmu_cache_miss", 0 },
	{ "mmu_unsync", 0 }, { "max_mmu_rmap_size", 0 }, { "max_mmu_page_hash_collisions", 0 },
};

/* Each vCPU's: exits and faults, the flushes it did. */
static const struct wanted vcpu_stats[] = {
	{ "exits", 1 }, { "pf_taken", 1 }, { "pf_fixed", 1 }, { "pf_emulate", 0 }, { "pf_spurious", 1 },
	{ "pf_fast", 0 }, { "pf_guest", 0 }, { "pf_mmio_spte_created", 0 }, { "tlb_flush", 1 }, { "invlpg", 0 },
	{ "io_exits", 1 }, { "mmio_exits", 0 }, { "halt_exits", 1 }, { "signal_exits", 1 }, { "irq_exits", 0 },
	{ "irq_window_exits", 0 }, { "request_irq_exits", 0 }, { "insn_emulation", 0 }, { "insn_emulation_fail", 0 },
	{ "hypercalls", 0 }, { "halt_wakeup", 0 }, { "host_state_reload", 0 }, { "fpu_reload", 0 },
	{ "preemption_reported", 0 }, { "preemption_other", 0 }, { "nested_run", 0 },
};

#define NWANT(a) (sizeof(a) / sizeof((a)[0]))

struct kvm_stat_change kvm_stat_change_of(const struct kvm_stats_set *start, const struct kvm_stats_set *end,
					  const char *name)
{
	struct kvm_stat_change c = { CH_ABSENT, 0, 0, 0 };
	const struct kvm_stat *a = kvmstats_find(start, name), *b = kvmstats_find(end, name);

	if (!a || !b || a->flags != b->flags || (b->flags & KVM_STATS_UNIT_MASK) != KVM_STATS_UNIT_NONE)
		return c;
	c.start = a->value;
	c.end = b->value;
	switch (kvmstats_type(b)) {
	case KVM_STATS_TYPE_CUMULATIVE:
		c.kind = CH_CUMULATIVE;
		/* Two's complement: a counter that went backwards is negative. */
		c.delta = (int64_t)(b->value - a->value);
		break;
	case KVM_STATS_TYPE_INSTANT:
		c.kind = CH_INSTANT;
		break;
	case KVM_STATS_TYPE_PEAK:
		c.kind = CH_PEAK;
		break;
	default:
		break;
	}
	return c;
}

/* The change summed over every vCPU (peak: the largest); absent unless
 * every vCPU has it. */
static struct kvm_stat_change vcpus_change(const struct host_snap *h, const char *name)
{
	struct kvm_stat_change sum = { CH_ABSENT, 0, 0, 0 };

	for (int i = 0; i < h->nr_vcpus; i++) {
		struct kvm_stat_change c = kvm_stat_change_of(&h->vcpu[0][i], &h->vcpu[1][i], name);

		if (c.kind == CH_ABSENT || (i && c.kind != sum.kind))
			return (struct kvm_stat_change){ CH_ABSENT, 0, 0, 0 };
		sum.kind = c.kind;
		if (c.kind == CH_PEAK) {
			sum.end = c.end > sum.end ? c.end : sum.end;
			continue;
		}
		sum.delta += c.delta;
		sum.start += c.start;
		sum.end += c.end;
	}
	return sum;
}

static int64_t vmstat_delta(const struct host_snap *h, int i)
{
	return (int64_t)(h->vmstat[1].v[i] - h->vmstat[0].v[i]);
}

static int vmstat_has(const struct host_snap *h, int i)
{
	return (h->vmstat[0].have & h->vmstat[1].have) & (1u << i);
}

static void human_change(FILE *f, const char *name, struct kvm_stat_change c, int *first)
{
	if (c.kind == CH_ABSENT)
		return;
	fprintf(f, "%s%s ", *first ? "" : ", ", name);
	*first = 0;
	if (c.kind == CH_CUMULATIVE)
		fprintf(f, "%+" PRId64, c.delta);
	else if (c.kind == CH_INSTANT)
		fprintf(f, "%" PRIu64 " -> %" PRIu64, c.start, c.end);
	else
		fprintf(f, "peak %" PRIu64, c.end);
}

void report_host_counters_human(FILE *f, const struct host_snap *h)
{
	int first = 1;

	if (h->vmstat_ok == 1) {
		fprintf(f, "host: vmstat (system-wide, every process): ");
		for (int i = 0; i < VMSTAT_NR; i++) {
			if (!vmstat_has(h, i))
				continue;
			fprintf(f, "%s%s %+" PRId64, first ? "" : ", ", vmstat_name(i), vmstat_delta(h, i));
			first = 0;
		}
		fprintf(f, "%s\n", first ? "none of numig's counters in this kernel's /proc/vmstat" : "");
	} else if (h->vmstat_note[0]) {
		fprintf(f, "host: vmstat: not read: %s\n", h->vmstat_note);
	}
	if (h->kvm_ok == 1) {
		first = 1;
		fprintf(f, "host: KVM (this VM): ");
		for (size_t i = 0; i < NWANT(vm_stats); i++)
			if (vm_stats[i].in_text)
				human_change(f, vm_stats[i].name, kvm_stat_change_of(h->vm[0], h->vm[1], vm_stats[i].name),
					     &first);
		fprintf(f, "%svCPUs (sum of %d): ", first ? "" : "; ", h->nr_vcpus);
		first = 1;
		for (size_t i = 0; i < NWANT(vcpu_stats); i++)
			if (vcpu_stats[i].in_text)
				human_change(f, vcpu_stats[i].name, vcpus_change(h, vcpu_stats[i].name), &first);
		fprintf(f, "%s\n", first ? "none" : "");
	} else if (h->kvm_note[0]) {
		fprintf(f, "host: %s\n", h->kvm_note);
	}
}

static void json_change(struct json_w *w, const char *name, struct kvm_stat_change c)
{
	if (c.kind == CH_ABSENT)
		return;
	if (c.kind == CH_CUMULATIVE) {
		json_kv_i64(w, name, c.delta);
		return;
	}
	json_key(w, name);
	json_obj_begin(w);
	if (c.kind == CH_INSTANT) {
		json_kv_u64(w, "start", c.start);
		json_kv_u64(w, "end", c.end);
	} else {
		json_kv_u64(w, "peak", c.end);
	}
	json_obj_end(w);
}

static void json_vcpu_obj(struct json_w *w, const struct host_snap *h, int i)
{
	json_obj_begin(w);
	for (size_t k = 0; k < NWANT(vcpu_stats); k++) {
		const char *name = vcpu_stats[k].name;

		if (i < 0)
			json_change(w, name, vcpus_change(h, name));
		else
			json_change(w, name, kvm_stat_change_of(&h->vcpu[0][i], &h->vcpu[1][i], name));
	}
	json_obj_end(w);
}

void report_host_counters_json(struct json_w *w, const struct host_snap *h)
{
	json_key(w, "host_counters");
	json_obj_begin(w);
	/* Every process's migrations count in /proc/vmstat, not only numig's. */
	json_kv_str(w, "vmstat_scope", "system-wide");
	json_key(w, "vmstat");
	if (h->vmstat_ok == 1) {
		json_obj_begin(w);
		for (int i = 0; i < VMSTAT_NR; i++)
			if (vmstat_has(h, i))
				json_kv_i64(w, vmstat_name(i), vmstat_delta(h, i));
		json_obj_end(w);
	} else {
		json_null(w);
	}
	json_kv_str(w, "vmstat_note", h->vmstat_ok == 1 ? "" : h->vmstat_note);
	json_kv_bool(w, "kvm_stats", h->kvm_ok == 1);
	json_kv_str(w, "kvm_note", h->kvm_ok == 1 ? "" : h->kvm_note);
	json_key(w, "kvm_vm");
	if (h->kvm_ok == 1) {
		json_obj_begin(w);
		for (size_t k = 0; k < NWANT(vm_stats); k++)
			json_change(w, vm_stats[k].name, kvm_stat_change_of(h->vm[0], h->vm[1], vm_stats[k].name));
		json_obj_end(w);
		json_key(w, "kvm_vcpus");
		json_vcpu_obj(w, h, -1);
		json_key(w, "kvm_vcpu");
		json_arr_begin(w);
		for (int i = 0; i < h->nr_vcpus; i++)
			json_vcpu_obj(w, h, i);
		json_arr_end(w);
	} else {
		json_null(w);
		json_key(w, "kvm_vcpus");
		json_null(w);
		json_key(w, "kvm_vcpu");
		json_null(w);
	}
	json_obj_end(w);
}
