/* Failed vCPUs, earliest first (failure_order.h). */
#include "failure_order.h"

static int earlier(const struct vcpu *a, const struct vcpu *b)
{
	if (a->fail_ns != b->fail_ns)
		return a->fail_ns < b->fail_ns;
	return a->fail_seq < b->fail_seq;
}

int failure_order(const struct vcpu *vcpus, int n, int *order)
{
	int nr = 0;

	for (int i = 0; i < n; i++) {
		int j;

		if (atomic_load(&vcpus[i].end) != VCPU_FAILED)
			continue;
		/* Insertion sort: at most NUMIG_MAX_VCPUS entries. */
		for (j = nr; j > 0 && earlier(&vcpus[i], &vcpus[order[j - 1]]); j--)
			order[j] = order[j - 1];
		order[j] = i;
		nr++;
	}
	return nr;
}
