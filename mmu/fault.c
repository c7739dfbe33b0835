/* vCPU-side fault handling: NUMA-hinting faults and waits for migrations
 * in flight (mmu.h). */
#include "mmu.h"

#include <sched.h>

#include "probes.h"

enum fault_outcome mmu_handle_page_fault(struct mmu *m, int vcpu_node, uint64_t gva)
{
	struct ws_page *pg = ws_page_of(&m->ws, gva);
	uint64_t t0 = now_ns(), seq, waited;
	int state, target;

	if (!pg)
		return FAULT_NOT_OURS;
	for (;;) {
		pthread_mutex_lock(&pg->lock);
		state = atomic_load(&pg->state);
		seq = atomic_load(&pg->seq);
		if (state == PAGE_MIGRATING) {
			pthread_mutex_unlock(&pg->lock);
			mmu_step(&m->ws.step, STEP_FAULT_WAIT, pg->index, NULL, 0);
			NUMIG_PROBE(fault_wait_start, pg->index, vcpu_node);
			waited = wait_for_migration(pg, seq);
			NUMIG_PROBE(fault_wait_end, pg->index, vcpu_node, waited);
			atomic_fetch_add(&m->faults.waited, 1);
			break;
		}
		if (state == PAGE_PRESENT) {
			/* The leaf became present between the fault and now. */
			pthread_mutex_unlock(&pg->lock);
			mmu_step(&m->ws.step, STEP_FAULT_SPURIOUS, pg->index, NULL, 0);
			atomic_fetch_add(&m->faults.spurious, 1);
			break;
		}
		/* PAGE_HINTING: a NUMA hinting fault. */
		atomic_fetch_add(&m->faults.hint_faults, 1);
		atomic_fetch_add(&pg->hint_faults, 1);
		/* A page claimed by a migration (a precopy keeps it mapped) is
		 * that migration's to move: only restore the leaf. */
		target = m->cfg.hint_migrate && !atomic_load(&pg->claimed)
				 ? policy_hint_target(pg->frame->node, vcpu_node)
				 : -1;
		NUMIG_PROBE(hint_fault, pg->index, pg->frame->hva, pg->frame->node, vcpu_node, target);
		if (target < 0) {
			pte_set_present(pg->leaf);
			atomic_store(&pg->state, PAGE_PRESENT);
			pthread_mutex_unlock(&pg->lock);
			mmu_step(&m->ws.step, STEP_FAULT_RESTORE, pg->index, NULL, 0);
			atomic_fetch_add(&m->faults.restored, 1);
			break;
		}
		pthread_mutex_unlock(&pg->lock);
		mmu_step(&m->ws.step, STEP_FAULT_MIGRATE, pg->index, NULL, 0);
		switch (migrate_huge_page(&m->mig, pg, target, MIG_REASON_HINT_FAULT)) {
		case MIG_DONE:
			atomic_fetch_add(&m->faults.hint_migrations, 1);
			break;
		case MIG_BUSY:
			continue; /* someone else migrates it: wait for that */
		case MIG_ABORT_NOMEM:
		case MIG_ABORT_NOT_HUGE:
		case MIG_ERROR:
			/* The page stays where it is; make it usable again. */
			pthread_mutex_lock(&pg->lock);
			if (atomic_load(&pg->state) == PAGE_HINTING) {
				pte_set_present(pg->leaf);
				atomic_store(&pg->state, PAGE_PRESENT);
			}
			pthread_mutex_unlock(&pg->lock);
			break;
		}
		break;
	}
	waited = now_ns() - t0;
	lat_rec_add(&m->faults.stall, waited);
	NUMIG_PROBE(fault_end, pg->index, vcpu_node, waited);
	return FAULT_RESOLVED;
}

int mmu_handle_efault(struct mmu *m)
{
	uint64_t tseq = atomic_load(&m->tlb.seq);
	int waited = 0;

	atomic_fetch_add(&m->faults.efaults, 1);
	for (uint32_t i = 0; i < m->ws.nr_pages; i++) {
		struct ws_page *pg = &m->ws.pages[i];
		uint64_t seq = atomic_load(&pg->seq);

		if (seq & 1) {
			wait_for_migration(pg, seq);
			waited++;
		}
	}
	/* A scanner flush holds frames read-only for a moment too. */
	while (atomic_load(&m->tlb.in_progress) && atomic_load(&m->tlb.seq) == tseq) {
		sched_yield();
		waited = waited ? waited : 1;
	}
	if (waited)
		atomic_fetch_add(&m->faults.efault_waits, 1);
	return waited;
}
