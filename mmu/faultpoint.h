/* The resource-fault seam: named points in the code where a test makes a
 * host resource fail on purpose (--fail POINT[:AFTER[:COUNT]]), instead of
 * breaking the machine. Unarmed, each check is one relaxed atomic load. */
#ifndef NUMIG_MMU_FAULTPOINT_H
#define NUMIG_MMU_FAULTPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fault_point {
	FP_NONE,
	FP_NO_FREE_FRAME, /* a migration finds no free frame on its target node */
	FP_MBIND,         /* binding a guest node's memory to its host node fails */
	FP_INVALIDATE,    /* an invalidation (mprotect) fails */
	FP_KVM_RUN,       /* KVM_RUN fails mid-run (EIO) */
	FP_ALLOC,         /* memory allocation at start-up fails */
	FP_COUNT,
};

struct fault_plan {
	enum fault_point point;
	uint64_t after;   /* passes before the first failure */
	uint64_t count;   /* failures, then passes again; 0 = fail every time */
};

/* One plan per process (the CLI's --fail), armed before the machine starts. */
void faultpoint_arm(const struct fault_plan *plan);
/* Should the point fail now? Counts every check of the armed point. */
bool faultpoint_hit(enum fault_point p);
/* Times the armed point has failed so far. */
uint64_t faultpoint_failures(void);
const char *faultpoint_name(enum fault_point p);
/* "no-free-frame" -> FP_NO_FREE_FRAME; FP_NONE if unknown. */
enum fault_point faultpoint_by_name(const char *name, size_t len);

#endif
