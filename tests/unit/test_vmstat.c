/* /proc/vmstat reading (vmm/vm/vmstat.c) on files recorded on the CI host
 * (tests/data/vmstat-6.18.txt) and in the emulated host (vmstat-6.1-emu.txt)
 * and on made-up ones; and the report's "What
 * the host did" block (vmm/report/hostcounters.c) from snapshots made here:
 * a counter or stat the kernel lacks is left out, never shown as 0. */
#define TAP_MAIN
#include "harness.h"

#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vm/vmstat.h"

static void recorded(void)
{
	struct vmstat_snap s;
	struct nerr e = { 0, "" };

	if (!OK(vmstat_read("tests/data/vmstat-6.18.txt", &s, &e) == 0, "the recorded 6.18 /proc/vmstat reads (%s)",
		e.msg))
		return;
	OK(s.have == (1u << VMSTAT_NR) - 1, "6.18 has all %d counters (have %#x)", VMSTAT_NR, s.have);
	OK(s.v[VMSTAT_NUMA_HUGE_PTE_UPDATES] == 0 && s.v[VMSTAT_PGMIGRATE_SUCCESS] == 0 && s.v[VMSTAT_NR - 1] == 0,
	   "values as recorded (a one-node host: every one 0)");
	/* The emulated host after migratepages moved a 32 MiB process to node 1. */
	if (OK(vmstat_read("tests/data/vmstat-6.1-emu.txt", &s, &e) == 0, "the recorded 6.1 /proc/vmstat reads (%s)",
	       e.msg)) {
		OK(s.have == (1u << VMSTAT_NR) - 1, "6.1 has all %d counters (have %#x)", VMSTAT_NR, s.have);
		OK(s.v[VMSTAT_PGMIGRATE_SUCCESS] == 10485 && s.v[VMSTAT_THP_MIGRATION_SUCCESS] == 16 &&
			   s.v[VMSTAT_THP_MIGRATION_SPLIT] == 0 && s.v[VMSTAT_NUMA_HUGE_PTE_UPDATES] == 805 &&
			   s.v[VMSTAT_NUMA_HINT_FAULTS] == 1,
		   "values as recorded: pgmigrate_success 10485, thp_migration_success 16, split 0, "
		   "numa_huge_pte_updates 805, numa_hint_faults 1");
	}
	OK(!strcmp(vmstat_name(VMSTAT_THP_MIGRATION_SPLIT), "thp_migration_split"), "names as the kernel spells them");
	OK(vmstat_read("tests/data/no-such-vmstat", &s, &e) == -1 && e.code == NUMIG_EXIT_ENV &&
		   strstr(e.msg, "no-such-vmstat"),
	   "a missing file is an error naming it: %s", e.msg);
}

static void made_up(void)
{
	static const char text[] = "nr_free_pages 5\n"
				   "pgmigrate_success 16000\n"
				   "pgmigrate_success 7\n"                      /* a second line: the first counts */
				   "pgmigrate_fail 18446744073709551616\n"     /* 2^64: not a u64 */
				   "pgmigrate_success_x 9\n"                    /* longer name */
				   "thp_migration_success 12 34\n"              /* not one number */
				   "numa_hint_faults -3\n"
				   "thp_migration_fail\n"
				   "\n"
				   "numa_pages_migrated 18446744073709551615\n" /* 2^64-1 */
				   "thp_migration_split 4";                     /* no newline at the end */
	struct vmstat_snap s;
	char cut[] = "pgmigrate_success 123";

	vmstat_parse(text, sizeof(text) - 1, &s);
	OK(s.have == ((1u << VMSTAT_PGMIGRATE_SUCCESS) | (1u << VMSTAT_NUMA_PAGES_MIGRATED) |
		      (1u << VMSTAT_THP_MIGRATION_SPLIT)),
	   "only well-formed lines of known names count (have %#x)", s.have);
	OK(s.v[VMSTAT_PGMIGRATE_SUCCESS] == 16000, "the first line of a name counts");
	OK(s.v[VMSTAT_NUMA_PAGES_MIGRATED] == UINT64_MAX && s.v[VMSTAT_THP_MIGRATION_SPLIT] == 4,
	   "2^64-1 and a last line without newline are read");
	/* Not NUL-terminated: only len bytes are looked at. */
	vmstat_parse(cut, 20, &s);
	OK(s.v[VMSTAT_PGMIGRATE_SUCCESS] == 12, "parsing stops at len (12 of 123)");
	vmstat_parse(NULL, 0, &s);
	OK(s.have == 0, "nothing parses to nothing");
}

int main(void)
{
	recorded();
	made_up();
	return tap_done();
}
