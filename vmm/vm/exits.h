/* What a vCPU does when KVM_RUN returns: the exit handlers (hypercalls,
 * reports from the guest's ring-0 handlers, fatal exits). Below the run
 * loop (run.c), which calls them. */
#ifndef NUMIG_VMM_EXITS_H
#define NUMIG_VMM_EXITS_H

struct vcpu;

/* Returns 0 to re-enter, 1 when the vCPU ended. */
int handle_exit(struct vcpu *v);

#endif
