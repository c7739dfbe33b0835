/* The guest's TSC rate (tsc.h). */
#include "tsc.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <x86intrin.h>

static int mono_ns(uint64_t *ns)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return -1;
	*ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return 0;
}

/* A busy wait of ms milliseconds, bounded by the clock itself. */
uint64_t tsc_host_khz(unsigned ms)
{
	uint64_t t0, t1, c0, c1;

	if (mono_ns(&t0))
		return 0;
	c0 = __rdtsc();
	do {
		if (mono_ns(&t1))
			return 0;
	} while (t1 - t0 < (uint64_t)ms * 1000000ull);
	c1 = __rdtsc();
	if (c1 <= c0 || t1 <= t0)
		return 0;
	return (uint64_t)((double)(c1 - c0) * 1e6 / (double)(t1 - t0) + 0.5);
}

int tsc_rate_get(int vcpu_fd, struct tsc_rate *r)
{
	int khz;

	memset(r, 0, sizeof(*r));
	khz = ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);
	if (khz > 0) {
		r->khz = (uint64_t)khz;
		r->source = "KVM_GET_TSC_KHZ";
		return 0;
	}
	snprintf(r->why, sizeof(r->why), "KVM_GET_TSC_KHZ: %s", khz == 0 ? "returned 0" : strerror(errno));
	r->source = "host TSC vs CLOCK_MONOTONIC";
	r->khz = tsc_host_khz(TSC_MEASURE_MS);
	if (!r->khz) {
		snprintf(r->why + strlen(r->why), sizeof(r->why) - strlen(r->why), "; CLOCK_MONOTONIC failed: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}
