/* Stop-the-world pauses nest (vmm/vm/machine.c): two migrations that pause
 * at once -- a hinting fault on a vCPU thread and the migration thread --
 * must keep every vCPU parked until the last of them resumes. No KVM: a
 * machine with no vCPUs inside KVM_RUN and one thread playing a vCPU. */
#define TAP_MAIN
#include "harness.h"
#include "vmm/vm/machine.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

static struct machine mach;
static struct vcpu fake;
static atomic_int copying;     /* a pauser is inside its "copy" */
static atomic_int ran_during_copy, passed;

/* The vCPU thread's loop, as in vmm/vm/run.c: park, then "enter the guest". */
static void *vcpu_loop(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000 && !atomic_load(&mach.stopping); i++) {
		vcpu_park_if_paused(&fake);
		if (atomic_load(&mach.stopping))
			break;
		if (atomic_load(&copying))
			atomic_fetch_add(&ran_during_copy, 1);
		atomic_fetch_add(&passed, 1);
		sched_yield();
	}
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

int main(void)
{
	pthread_t t;
	int before;

	memset(&mach, 0, sizeof(mach));
	pthread_mutex_init(&mach.lock, NULL);
	pthread_cond_init(&mach.resumed, NULL);
	fake.m = &mach;

	/* Pauser A (hinting fault) and pauser B (migration thread) overlap. */
	machine_pause_all(&mach);
	machine_pause_all(&mach);
	OK(atomic_load(&mach.pausers) == 2, "two pausers counted, not one flag");
	machine_resume_all(&mach); /* A is done, B still copies */
	OK(atomic_load(&mach.pausers) == 1, "after the first resume the machine is still paused");
	atomic_store(&copying, 1);
	if (pthread_create(&t, NULL, vcpu_loop, NULL)) {
		OK(0, "vCPU thread started");
		return tap_done();
	}
	/* Give the vCPU every chance to slip through while B copies. */
	sleep_ms(50);
	before = atomic_load(&passed);
	atomic_store(&copying, 0);
	machine_resume_all(&mach);
	OK(before == 0 && atomic_load(&ran_during_copy) == 0, "no vCPU ran while the second pauser copied");
	pthread_join(t, NULL);
	OK(atomic_load(&passed) == 1000, "vCPU runs again after the last resume");
	OK(atomic_load(&mach.pausers) == 0, "pause count back to zero");
	return tap_done();
}
