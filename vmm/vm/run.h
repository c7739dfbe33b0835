/* Running a machine: the vCPU threads' KVM_RUN loop, the scanner and
 * migration thread, sampling, and the wait for the end of the run. Above
 * the exit handlers (exits.h) and the machine (machine.h). */
#ifndef NUMIG_VMM_RUN_H
#define NUMIG_VMM_RUN_H

#include <signal.h>

#include <numig/err.h>

#include "machine.h"

/* Starts the scanner, the migration thread and the vCPU threads. */
int machine_start(struct machine *m, struct nerr *e);
/* Waits until every vCPU ended, the timeout, or a signal (may be NULL);
 * asks the guest to stop after the run duration. */
int machine_wait(struct machine *m, volatile sig_atomic_t *signalled);
int machine_run(struct machine *m, volatile sig_atomic_t *signalled, struct nerr *e);

#endif
