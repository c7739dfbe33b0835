/* Which vCPU failed first (issue 23). One failure ends the run, but the
 * others are stopped only by a kick or a released barrier, and a vCPU that
 * was still running, or that a guest-level flag let go, may fail too before
 * it stops: that later failure is a consequence, so the result names the
 * first in time and lists the rest as "after vCPU N failed". */
#ifndef NUMIG_VMM_FAILURE_ORDER_H
#define NUMIG_VMM_FAILURE_ORDER_H

#include "vcpu.h"

/* Fills order[] with the indices of the failed vCPUs among vcpus[0..n),
 * earliest first: by the time their KVM_RUN returned with the failure
 * (fail_ns), then by the order machine_fail saw them (fail_seq). Returns
 * how many failed. */
int failure_order(const struct vcpu *vcpus, int n, int *order);

#endif
