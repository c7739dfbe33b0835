/* Step names, as formal/migrate.pml prints them (step.h). */
#include "step.h"

static const char *const names[STEP_NR] = {
	[STEP_CLAIM_PAGE] = "claim_page",
	[STEP_CLAIM_BUSY] = "claim_busy",
	[STEP_ALLOC_TARGET] = "alloc_target",
	[STEP_ALLOC_NOMEM] = "alloc_nomem",
	[STEP_ISOLATE_PAGE] = "isolate_page",
	[STEP_LAZY_FLUSH_GUARD] = "lazy_flush_guard",
	[STEP_GUARD_SKIPPED] = "guard_skipped",
	[STEP_EAGER_UNMAP] = "eager_unmap",
	[STEP_NO_INVALIDATION] = "no_invalidation",
	[STEP_FINAL_GUARD_SKIPPED] = "final_guard_skipped",
	[STEP_TLB_INVALIDATE_FRAMES] = "tlb_invalidate_frames",
	[STEP_STALE_CLEARED] = "stale_cleared",
	[STEP_COPY_FRAME] = "copy_frame",
	[STEP_SWITCH_LEAF] = "switch_leaf",
	[STEP_RELEASE_OLD_FRAMES] = "release_old_frames",
	[STEP_DIRTY_GET] = "dirty_get",
	[STEP_DIRTY_CLEAR] = "dirty_clear",
	[STEP_COPY_WHOLE] = "copy_whole",
	[STEP_COPY_PIECES] = "copy_pieces",
	[STEP_FINAL_HARVEST_SKIPPED] = "final_harvest_skipped",
	[STEP_FAULT_WAIT] = "fault_wait",
	[STEP_FAULT_SPURIOUS] = "fault_spurious",
	[STEP_FAULT_RESTORE] = "fault_restore",
	[STEP_FAULT_MIGRATE] = "fault_migrate",
	[STEP_SCAN_MARK] = "scan_mark",
	[STEP_SCAN_FLUSH] = "scan_flush",
};

const char *mmu_step_name(enum mmu_step s)
{
	return (unsigned)s < STEP_NR && names[s] ? names[s] : "?";
}
