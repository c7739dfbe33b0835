/* The verdict of a run, in order of precedence: integrity failure (1),
 * guest failure or timeout (4), inconclusive (6), success (0). A PASS is
 * earned: every check the guest declared was done (why_inconclusive). */
#include "report.h"

#include <string.h>

#include "account.h"
#include "vmm/vm/failure_order.h"
#include "vmm/vm/guest_input.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Too little done to check: no host check, no complete pass of writes
 * over every slot, or a vCPU that never swept. */
static void why_inconclusive(struct machine *m, struct run_outcome *o)
{
	uint64_t nv = (uint64_t)m->cfg.nr_vcpus, pages = m->mmu.ws.nr_pages, pass;
	uint64_t slots = m->cfg.params[NUMIG_PARAM_SLOTS] ? m->cfg.params[NUMIG_PARAM_SLOTS] : 1;

	if (!o->host.ran) {
		snprintf(o->inconclusive, sizeof(o->inconclusive), "host check not run: %.200s", o->host.skipped_why);
		return;
	}
	if (__builtin_mul_overflow(nv * slots, pages * NUMIG_SUBPAGES, &pass))
		pass = UINT64_MAX;
	if (o->guest_writes < pass) {
		snprintf(o->inconclusive, sizeof(o->inconclusive),
			 "guest made %llu stamped writes, fewer than one pass over its %llu slots (fill phase unfinished)",
			 (unsigned long long)o->guest_writes, (unsigned long long)pass);
		return;
	}
	if (o->guest_sweeps < nv)
		snprintf(o->inconclusive, sizeof(o->inconclusive),
			 "guest completed %llu verification sweeps, fewer than one per vCPU (%llu)",
			 (unsigned long long)o->guest_sweeps, (unsigned long long)nv);
}

/* Any guest's own check (checks.h) and, for the built-in integrity layout,
 * the host's check of the same memory. The VMM's own count of reports is
 * a floor under the guest's counters, which the guest could lower. */
static void decide_integrity(struct machine *m, struct run_outcome *o)
{
	const struct guest_checks *c = &m->checks;
	int layout = m->vcpus[0].mb->result[NUMIG_RES_KIND] == NUMIG_KIND_INTEGRITY;

	o->integrity = layout || c->verdicts || c->lost || c->corrupt;
	if (!o->integrity)
		return;
	o->guest_writes = machine_sum_counter(m, NUMIG_CNT_WRITES);
	o->guest_lost = max_u64(c->lost, machine_sum_counter(m, NUMIG_CNT_LOST));
	o->guest_corrupt = max_u64(c->corrupt, machine_sum_counter(m, NUMIG_CNT_CORRUPT));
	o->guest_sweeps = machine_sum_counter(m, NUMIG_CNT_SWEEPS);
	o->guest_verdicts = c->verdicts;
	o->guest_words_checked = c->words_checked;
	o->guest_reports = guest_sat_add(c->lost, c->corrupt);
	if (layout)
		verify_guest_memory(m, &o->host);
	else
		snprintf(o->host.skipped_why, sizeof(o->host.skipped_why),
			 "not run (the guest declared no integrity layout; its own check decides)");
	o->integrity_bad = o->guest_lost || o->guest_corrupt || (o->host.ran && (o->host.lost || o->host.corrupt));
	/* A PASS is earned: the layout's checks all done, or a guest verdict
	 * that compared words. Otherwise the run is inconclusive, never PASS. */
	if (!o->integrity_bad && layout)
		why_inconclusive(m, o);
	else if (!o->integrity_bad && !o->guest_words_checked)
		snprintf(o->inconclusive, sizeof(o->inconclusive), "the guest's verdict compared no word");
	o->integrity_pass = !o->integrity_bad && !o->inconclusive[0];
}

void outcome_decide(struct machine *m, struct run_outcome *o)
{
	memset(o, 0, sizeof(*o));
	decide_integrity(m, o);
	if (o->integrity && o->integrity_bad) {
		o->exit_code = NUMIG_EXIT_INTEGRITY;
		snprintf(o->message, sizeof(o->message),
			 "integrity FAILED: guest saw %llu lost writes and %llu corruptions; host check: %s",
			 (unsigned long long)o->guest_lost, (unsigned long long)o->guest_corrupt,
			 o->host.ran ? "" : o->host.skipped_why);
		if (o->host.ran) {
			size_t n = strlen(o->message);

			snprintf(o->message + n, sizeof(o->message) - n, "%llu lost, %llu corrupt on %llu pages",
				 (unsigned long long)o->host.lost, (unsigned long long)o->host.corrupt,
				 (unsigned long long)o->host.pages_affected);
		}
		return;
	}
	/* The first failure in time, not the lowest vCPU: a later one may be
	 * its consequence (report_human lists those). */
	{
		int order[NUMIG_MAX_VCPUS];

		if (failure_order(m->vcpus, m->cfg.nr_vcpus, order) > 0) {
			const struct vcpu *v = &m->vcpus[order[0]];

			o->exit_code = v->fail_class ? v->fail_class : NUMIG_EXIT_GUEST;
			snprintf(o->message, sizeof(o->message), "%s", v->fail);
			return;
		}
	}
	if (m->timed_out) {
		o->exit_code = NUMIG_EXIT_GUEST;
		snprintf(o->message, sizeof(o->message), "guest did not finish within the %.3g s timeout; stopped",
			 (double)m->cfg.timeout_ns / 1e9);
		return;
	}
	if (m->interrupted) {
		o->exit_code = NUMIG_EXIT_GUEST;
		snprintf(o->message, sizeof(o->message), "interrupted by a signal; VM stopped");
		return;
	}
	for (int i = 0; i < m->cfg.nr_vcpus; i++) {
		if (m->vcpus[i].exit_code) {
			o->exit_code = NUMIG_EXIT_GUEST;
			snprintf(o->message, sizeof(o->message), "vCPU %d: guest exited with code %llu (%#llx)", i,
				 (unsigned long long)m->vcpus[i].exit_code, (unsigned long long)m->vcpus[i].exit_code);
			return;
		}
	}
	/* Errors of single pages are counted and reported; a kernel that
	 * moved nothing at all is the environment's failure. */
	if (account_nothing_moved(m, o->message, sizeof(o->message))) {
		o->exit_code = NUMIG_EXIT_ENV;
		return;
	}
	if (o->inconclusive[0]) {
		o->exit_code = NUMIG_EXIT_INCONCLUSIVE;
		snprintf(o->message, sizeof(o->message), "integrity INCONCLUSIVE: %s", o->inconclusive);
		return;
	}
	o->exit_code = NUMIG_EXIT_OK;
	snprintf(o->message, sizeof(o->message), "%s", o->integrity_pass ? "ok: integrity PASS" : "ok");
}
