/* Running a machine (run.h): the vCPU threads' KVM_RUN loop, which calls
 * the exit handlers, and the wait for the end of the run. */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "exits.h"
#include "guest_input.h"
#include "mmu/faultpoint.h"
#include "mmu/snapshot.h"

static int handle_run_error(struct vcpu *v, int err)
{
	struct machine *m = v->m;

	if (err == EINTR || err == EAGAIN) {
		v->run->immediate_exit = 0;
		v->kicks_seen++;
		return 0;
	}
	if (err == EFAULT && m->have_mmu) {
		/* A write hit a write-protected frame: wait for the migration
		 * or invalidation in flight, then retry the instruction. */
		v->efaults++;
		if (mmu_handle_efault(&m->mmu) == 0 && ++v->consecutive_efaults > 1000) {
			machine_fail(m, v, "KVM_RUN keeps failing with EFAULT with no migration in flight");
			return 1;
		}
		return 0;
	}
	/* Not the guest's doing: an unexpected host failure. */
	v->fail_class = NUMIG_EXIT_INTERNAL;
	machine_fail(m, v, "KVM_RUN failed: %s", strerror(err));
	return 1;
}

/* A vCPU thread: KVM_RUN, then the exit handler, until the vCPU ends. */
static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct machine *m = v->m;

	vcpu_bind_thread(v);
	{
		char name[16];

		/* So /proc/PID/task/TID/comm names it, once it is pinned: tests and
		 * users check the affinity of each vCPU thread there. */
		snprintf(name, sizeof(name), "numig-vcpu%d", v->id);
		(void)pthread_setname_np(pthread_self(), name);
	}
	while (atomic_load(&v->end) == VCPU_RUNNING) {
		int rc;

		vcpu_park_if_paused(v);
		if (atomic_load(&m->stopping)) {
			atomic_store(&v->end, VCPU_STOPPED);
			break;
		}
		/* in_run before the re-check: a pauser that saw in_run == 0
		 * knows this vCPU will see pausers and not enter. */
		atomic_store(&v->in_run, 1);
		if (atomic_load(&m->pausers)) {
			atomic_store(&v->in_run, 0);
			continue;
		}
		rc = ioctl(v->fd, KVM_RUN, 0);
		atomic_store(&v->in_run, 0);
		v->exit_ns = now_ns();
		if (rc >= 0 && faultpoint_hit(FP_KVM_RUN)) {
			rc = -1;
			errno = EIO;
		}
		if (rc < 0) {
			if (handle_run_error(v, errno))
				break;
			continue;
		}
		v->consecutive_efaults = 0;
		v->exits++;
		if (handle_exit(v))
			break;
	}
	vcpu_unbind_thread();
	pthread_mutex_lock(&m->lock);
	m->nr_ended++;
	pthread_cond_broadcast(&m->changed);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

static void take_sample(struct machine *m, uint64_t now, uint64_t *last_t, uint64_t *last_ops, uint64_t *last_mig,
			uint64_t *last_guard)
{
	uint64_t ops = guest_sat_add(machine_sum_counter(m, NUMIG_CNT_OPS), machine_sum_counter(m, NUMIG_CNT_WRITES));
	struct mmu_snapshot snap;
	uint64_t mig, guard;
	double dt = (double)(now - *last_t) / 1e9;
	struct sample *s;

	if (dt <= 0)
		return;
	mmu_snapshot(&m->mmu, &snap);
	mig = mmu_migrations_done(&m->mmu); /* the kernel migrator's moves too */
	guard = snap.guard_flushes;
	if (m->nr_samples == m->cap_samples) {
		size_t cap = m->cap_samples ? m->cap_samples * 2 : 256;
		struct sample *n = realloc(m->samples, cap * sizeof(*n));

		if (!n)
			return;
		m->samples = n;
		m->cap_samples = cap;
	}
	s = &m->samples[m->nr_samples++];
	s->t_s = (double)(now - m->t_start_ns) / 1e9;
	/* Guest counters may go backwards: that is no negative rate. */
	s->ops_per_s = ops >= *last_ops ? (double)(ops - *last_ops) / dt : 0;
	s->migrations_per_s = (double)(mig - *last_mig) / dt;
	s->guard_flushes_per_s = (double)(guard - *last_guard) / dt;
	mmu_timeline_look(&m->mmu, s->t_s);
	*last_t = now;
	*last_ops = ops;
	*last_mig = mig;
	*last_guard = guard;
}

static void ask_guest_to_stop(struct machine *m)
{
	/* Migration ends first, so the guest's final sweep sees settled memory. */
	mmu_stop(&m->mmu);
	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		__atomic_store_n(&m->vcpus[i].mb->stop, 1, __ATOMIC_RELAXED); /* machine_fail may store it too */
}

/* The host's counters before anything of the run moves: the guest is
 * built, no vCPU, migration or keeper thread runs yet. */
static void host_counters_begin(struct machine *m)
{
	int fds[NUMIG_MAX_VCPUS];

	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		fds[i] = m->vcpus[i].fd;
	host_snap_begin(&m->host_counters, m->vm.kvm_fd, m->vm.vm_fd, fds, m->cfg.nr_vcpus);
}

int machine_start(struct machine *m, struct nerr *e)
{
	for (int g = 0; g < m->cfg.mmu.nr_nodes; g++)
		m->pages_before[g] = ws_pages_on_node(&m->mmu.ws, g);
	host_counters_begin(m);
	m->t_start_ns = now_ns();
	if (mmu_start(&m->mmu, e))
		return -1;
	for (int i = 0; i < m->cfg.nr_vcpus; i++) {
		if (pthread_create(&m->vcpus[i].thread, NULL, vcpu_thread, &m->vcpus[i])) {
			atomic_store(&m->stopping, 1);
			machine_kick_all(m);
			for (int j = 0; j < i; j++)
				pthread_join(m->vcpus[j].thread, NULL);
			for (int j = 0; j < i; j++)
				m->vcpus[j].started = 0;
			return nerr_set(e, NUMIG_EXIT_INTERNAL, "cannot start vCPU thread %d", i);
		}
		m->vcpus[i].started = 1;
	}
	return 0;
}

int machine_wait(struct machine *m, volatile sig_atomic_t *signalled)
{
	uint64_t last_t, last_ops = 0, last_mig = 0, last_guard = 0, next_sample, next_progress;
	int asked_stop = 0;

	last_t = m->t_start_ns;
	next_sample = m->t_start_ns + m->cfg.sample_ns;
	next_progress = m->t_start_ns + 1000000000ull;
	pthread_mutex_lock(&m->lock);
	while (m->nr_ended < m->cfg.nr_vcpus) {
		struct timespec ts;
		uint64_t now;

		if (clock_gettime(CLOCK_REALTIME, &ts))
			ts.tv_sec = 0; /* cannot fail with a valid clock id; wait returns at once */
		ts.tv_nsec += 5 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&m->changed, &m->lock, &ts);
		if (m->nr_ended == m->cfg.nr_vcpus)
			break;
		pthread_mutex_unlock(&m->lock);
		now = now_ns();
		if (m->cfg.sample_ns && now >= next_sample) {
			take_sample(m, now, &last_t, &last_ops, &last_mig, &last_guard);
			next_sample += m->cfg.sample_ns;
		}
		if (m->cfg.progress && now >= next_progress) {
			m->cfg.progress(m, (double)(now - m->t_start_ns) / 1e9);
			next_progress += 1000000000ull;
		}
		if (signalled && *signalled && !m->interrupted) {
			m->interrupted = 1;
			atomic_store(&m->stopping, 1);
		}
		if (m->cfg.timeout_ns && now - m->t_start_ns >= m->cfg.timeout_ns && !m->timed_out) {
			m->timed_out = 1;
			atomic_store(&m->stopping, 1);
		}
		if (!asked_stop && ((m->cfg.duration_ns && now - m->t_start_ns >= m->cfg.duration_ns) ||
				    (m->cfg.stop_migrations && mmu_migrations_done(&m->mmu) >= m->cfg.stop_migrations))) {
			asked_stop = 1;
			ask_guest_to_stop(m);
		}
		if (atomic_load(&m->stopping)) {
			mmu_stop(&m->mmu);
			machine_kick_all(m);
			/* A vCPU parked in a barrier or a pause wakes on the broadcast. */
			pthread_mutex_lock(&m->lock);
			pthread_cond_broadcast(&m->changed);
			pthread_cond_broadcast(&m->resumed);
			pthread_mutex_unlock(&m->lock);
		}
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		pthread_join(m->vcpus[i].thread, NULL);
	mmu_stop(&m->mmu);
	m->t_end_ns = now_ns();
	host_snap_end(&m->host_counters);
	mmu_measure_placement_after(&m->mmu);
	/* A last partial interval only if it is long enough to mean something;
	 * the placement timeline always gets its last look. */
	if (m->cfg.sample_ns && m->t_end_ns > last_t + m->cfg.sample_ns / 2)
		take_sample(m, m->t_end_ns, &last_t, &last_ops, &last_mig, &last_guard);
	else
		mmu_timeline_look(&m->mmu, (double)(m->t_end_ns - m->t_start_ns) / 1e9);
	return 0;
}

int machine_run(struct machine *m, volatile sig_atomic_t *signalled, struct nerr *e)
{
	if (machine_start(m, e))
		return -1;
	return machine_wait(m, signalled);
}
