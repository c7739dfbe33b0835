/* The resource-fault seam (faultpoint.h). */
#include "faultpoint.h"

#include <stdatomic.h>
#include <string.h>

static const char *const names[FP_COUNT] = {
	[FP_NONE] = "none", [FP_NO_FREE_FRAME] = "no-free-frame", [FP_MBIND] = "mbind",
	[FP_INVALIDATE] = "invalidate", [FP_KVM_RUN] = "kvm-run", [FP_ALLOC] = "alloc",
};

static atomic_int armed = FP_NONE;
static uint64_t after, count;
static atomic_uint_fast64_t checks, failures;

void faultpoint_arm(const struct fault_plan *plan)
{
	after = plan->after;
	count = plan->count;
	atomic_store(&checks, 0);
	atomic_store(&failures, 0);
	atomic_store(&armed, plan->point);
}

bool faultpoint_hit(enum fault_point p)
{
	uint64_t n;

	if (p == FP_NONE || atomic_load_explicit(&armed, memory_order_relaxed) != (int)p)
		return false;
	n = atomic_fetch_add(&checks, 1);
	if (n < after || (count && n - after >= count))
		return false;
	atomic_fetch_add(&failures, 1);
	return true;
}

uint64_t faultpoint_failures(void)
{
	return atomic_load(&failures);
}

const char *faultpoint_name(enum fault_point p)
{
	return p >= 0 && p < FP_COUNT ? names[p] : "?";
}

enum fault_point faultpoint_by_name(const char *name, size_t len)
{
	for (int p = FP_NONE + 1; p < FP_COUNT; p++)
		if (strlen(names[p]) == len && !strncmp(names[p], name, len))
			return (enum fault_point)p;
	return FP_NONE;
}
