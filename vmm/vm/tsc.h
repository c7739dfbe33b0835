/* The guest's TSC rate, to turn the cycles a guest measured (its write-gap
 * histogram, numig_gap_*) into time. */
#ifndef NUMIG_VMM_TSC_H
#define NUMIG_VMM_TSC_H

#include <stdint.h>

struct tsc_rate {
	uint64_t khz;           /* 0: unknown */
	const char *source;     /* "KVM_GET_TSC_KHZ" or "host TSC vs CLOCK_MONOTONIC" */
	char why[160];          /* why KVM_GET_TSC_KHZ was not used ("" when it was) */
};

/* KVM_GET_TSC_KHZ on the vCPU: the rate KVM runs that vCPU's TSC at. If
 * the kernel lacks it or it fails, the host's TSC measured against
 * CLOCK_MONOTONIC over TSC_MEASURE_MS (the guest's TSC is the host's,
 * unscaled, when KVM cannot say otherwise); r->why says why. Returns 0, or
 * -1 when no rate could be had (r->khz 0, r->why says why). */
#define TSC_MEASURE_MS 20
int tsc_rate_get(int vcpu_fd, struct tsc_rate *r);

/* The host's TSC rate against CLOCK_MONOTONIC over ms milliseconds (the
 * fallback above); 0 when the clock fails. */
uint64_t tsc_host_khz(unsigned ms);

#endif
