/* numig's memory manager, as the VMM sees it: host pools, the guest's
 * translation tables, the working set, invalidation, the migration engine,
 * the hinting scanner and the migration thread, built from one config. */
#ifndef NUMIG_MMU_MMU_H
#define NUMIG_MMU_MMU_H

#include <stdint.h>

#include "config.h"
#include "kmigrate.h"
#include "migrate.h"
#include "policy.h"
#include "pool.h"
#include "pt.h"
#include "scan.h"
#include "schedule.h"
#include "stats.h"
#include "timeline.h"
#include "tlb.h"
#include "worker.h"
#include "ws.h"

/* Where the mmu's memory lives: derived by the machine that hosts it. */
struct mmu_layout {
	struct pool_node_spec node[POOL_MAX_NODES]; /* each guest node's memory and placement */
	uint32_t ws_pages;
	uint8_t *sys_mem;              /* host address of guest-physical 0 */
	uint64_t pt_lo, pt_hi;         /* table pages */
	uint64_t identity_bytes;       /* identity-mapped system area */
	uint64_t ws_base;
};


struct fault_stats {
	struct lat_rec stall;          /* vCPU stall per resolved fault */
	atomic_uint_fast64_t hint_faults, waited, restored, hint_migrations, spurious, efaults, efault_waits;
};

struct mmu {
	struct mmu_config cfg;
	struct mmu_layout layout;
	struct pool pool;
	struct pt pt;
	struct ws ws;
	struct tlb tlb;
	struct migrator mig;
	struct copier copier;         /* --copy-threads, started by mmu_start */
	struct page_queue marked;
	struct scanner scan;
	struct mig_schedule sched;
	struct kmigrator kmig;        /* --migrator move-pages */
	struct timeline tl;           /* placement over time, every migrator */
	struct fault_stats faults;
	struct worker keeper;         /* keeps populated free frames ready */
	int have_pool, have_ws, have_tlb, have_mig, have_queue, have_scan, have_kmig, have_tl;
	int balancing_fallback;       /* numa-balancing: the kernel lacks MPOL_F_NUMA_BALANCING */
	struct placement placed_before[POOL_MAX_NODES]; /* measured by mmu_start */
	struct placement placed_after[POOL_MAX_NODES];  /* mmu_measure_placement_after() */
};

/* Everything the mmu is told comes in here: the user's settings, the
 * machine's layout, and the stop-the-world hooks (may be NULL). */
int mmu_init(struct mmu *m, const struct mmu_config *cfg, const struct mmu_layout *layout,
	     const struct mig_hooks *hooks, struct nerr *e);
void mmu_destroy(struct mmu *m);

/* Starts / stops the scanner and the migration thread. mmu_start first
 * populates what a measurement run needs, then measures where each node's
 * memory is (the "before" placement). */
int mmu_start(struct mmu *m, struct nerr *e);
void mmu_stop(struct mmu *m);
/* Measures the "after" placement; call it once the vCPUs have ended. */
void mmu_measure_placement_after(struct mmu *m);
/* One look for the placement timeline, t_s seconds into the run. */
void mmu_timeline_look(struct mmu *m, double t_s);

enum fault_outcome { FAULT_RESOLVED, FAULT_NOT_OURS, FAULT_ERROR };

/* A vCPU on guest node `vcpu_node` took a #PF at `gva`: a hinting fault, or
 * a touch of a page being migrated. Returns FAULT_NOT_OURS for an address
 * outside the working set (a guest bug). */
enum fault_outcome mmu_handle_page_fault(struct mmu *m, int vcpu_node, uint64_t gva);

/* KVM_RUN failed with EFAULT: a write reached a write-protected frame. No
 * address is reported, so wait for every migration and invalidation in
 * flight. Returns how many it waited for. */
int mmu_handle_efault(struct mmu *m);

#endif
