/* The kernel's memory-management event counters in /proc/vmstat that say
 * how pages moved: a pure parser of its text, and a reader. The counters
 * are system-wide: every process's migrations count, not only numig's. */
#ifndef NUMIG_VMM_VMSTAT_H
#define NUMIG_VMM_VMSTAT_H

#include <stddef.h>
#include <stdint.h>

#include <numig/err.h>

enum vmstat_counter {
	VMSTAT_PGMIGRATE_SUCCESS,
	VMSTAT_PGMIGRATE_FAIL,
	VMSTAT_THP_MIGRATION_SUCCESS,
	VMSTAT_THP_MIGRATION_FAIL,
	VMSTAT_THP_MIGRATION_SPLIT,
	VMSTAT_NUMA_HINT_FAULTS,
	VMSTAT_NUMA_PAGES_MIGRATED,
	VMSTAT_NUMA_PTE_UPDATES,
	VMSTAT_NUMA_HUGE_PTE_UPDATES,
	VMSTAT_NR,
};

struct vmstat_snap {
	uint32_t have;            /* bit i: counter i was in the file (a kernel may lack one) */
	uint64_t v[VMSTAT_NR];
};

/* The counter's name as /proc/vmstat spells it. */
const char *vmstat_name(enum vmstat_counter c);

/* Parses text[0..len) ("name value" lines; need not be NUL-terminated).
 * Lines it does not know, and values that are not a decimal u64, are
 * skipped; the first line of a name counts. */
void vmstat_parse(const char *text, size_t len, struct vmstat_snap *out);

/* Reads and parses path (normally /proc/vmstat). */
int vmstat_read(const char *path, struct vmstat_snap *out, struct nerr *e);

#endif
