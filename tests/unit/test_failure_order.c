/* First-failure attribution (issue 23), no KVM: the failed vCPUs in the
 * order they failed, and the result names the first, not the lowest vCPU. */
#define TAP_MAIN
#include <string.h>

#include "harness.h"
#include "vmm/report/report.h"
#include "vmm/vm/failure_order.h"
#include "vmm/vm/machine.h"

static struct machine m;
static struct numig_mailbox mb[3];

static void fail(int i, uint64_t ns, uint64_t seq, const char *msg)
{
	m.vcpus[i].fail_ns = ns;
	m.vcpus[i].fail_seq = seq;
	snprintf(m.vcpus[i].fail, sizeof(m.vcpus[i].fail), "%s", msg);
	atomic_store(&m.vcpus[i].end, VCPU_FAILED);
}

int main(void)
{
	int order[NUMIG_MAX_VCPUS];
	struct run_outcome o;

	m.cfg.nr_vcpus = 3;
	for (int i = 0; i < 3; i++) {
		m.vcpus[i].id = i;
		m.vcpus[i].mb = &mb[i];
	}
	OK(failure_order(m.vcpus, 3, order) == 0, "no failure, no order");

	/* The run: vCPU 1 failed first, vCPU 0 (its victim) later. */
	fail(1, 1000, 2, "vCPU 1: the cause");
	fail(0, 2000, 1, "vCPU 0: the consequence");
	atomic_store(&m.vcpus[2].end, VCPU_STOPPED);
	OK(failure_order(m.vcpus, 3, order) == 2 && order[0] == 1 && order[1] == 0,
	   "earliest exit first, whatever the vCPU number or the order machine_fail ran in");
	outcome_decide(&m, &o);
	OK(o.exit_code == NUMIG_EXIT_GUEST && !strcmp(o.message, "vCPU 1: the cause"),
	   "the result names the first failure (regression: the lowest failed vCPU was named): %s", o.message);

	/* The same exit time: machine_fail's order decides. */
	fail(0, 1000, 1, "vCPU 0: seen first");
	OK(failure_order(m.vcpus, 3, order) == 2 && order[0] == 0 && order[1] == 1, "a tie goes to the first machine_fail");

	/* A host failure of a later vCPU keeps its own exit code class. */
	fail(2, 500, 3, "vCPU 2: KVM_RUN failed");
	m.vcpus[2].fail_class = NUMIG_EXIT_INTERNAL;
	outcome_decide(&m, &o);
	OK(o.exit_code == NUMIG_EXIT_INTERNAL && !strcmp(o.message, "vCPU 2: KVM_RUN failed"),
	   "the first failure's class is the exit code (%d)", o.exit_code);
	OK(failure_order(m.vcpus, 3, order) == 3 && order[0] == 2 && order[1] == 0 && order[2] == 1, "three, in time order");
	return tap_done();
}
