/* The report's "What the host did": /proc/vmstat deltas (system-wide) and
 * the VM's and vCPUs' own KVM statistics over the run (vmm/vm/hostsnap.h),
 * as a short block of the human report and the JSON's "host_counters".
 * Figures: docs/measurements.md "What the host did". */
#ifndef NUMIG_VMM_REPORT_HOSTCOUNTERS_H
#define NUMIG_VMM_REPORT_HOSTCOUNTERS_H

#include <stdio.h>

#include "json.h"
#include "vmm/vm/hostsnap.h"

void report_host_counters_human(FILE *f, const struct host_snap *h);
/* Writes the key "host_counters" and its object into the open object. */
void report_host_counters_json(struct json_w *w, const struct host_snap *h);

/* One KVM statistic over the run, by name in two snapshots. */
struct kvm_stat_change {
	int kind;        /* 0 absent (or not comparable), 1 cumulative, 2 instant, 3 peak */
	int64_t delta;   /* cumulative: end - start */
	uint64_t start, end;
};
/* The change of name between start and end; kind 0 when either lacks it,
 * their types differ, or it has a unit (time, bytes): only counts here. */
struct kvm_stat_change kvm_stat_change_of(const struct kvm_stats_set *start, const struct kvm_stats_set *end,
					  const char *name);

#endif
