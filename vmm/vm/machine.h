/* A numig VM: KVM VM, system area, vCPUs and the memory manager, built
 * from a run config; and what every thread may ask of it (fail, kick,
 * pause). The run loop that drives it is run.h. */
#ifndef NUMIG_VMM_MACHINE_H
#define NUMIG_VMM_MACHINE_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <numig/abi.h>
#include <numig/err.h>

#include "mmu/mmu.h"
#include "checks.h"
#include "config.h"
#include "dirtylog.h"
#include "elf.h"
#include "hostinfo.h"
#include "hostsnap.h"
#include "kvm.h"
#include "tsc.h"
#include "vcpu.h"

struct sample {
	double t_s;
	double ops_per_s;
	double migrations_per_s;
	double guard_flushes_per_s;
};

struct machine {
	struct run_config cfg;
	struct host_info host;
	struct kvm_vm vm;
	uint8_t *sys_map;            /* system area host mapping (with alignment slack) */
	size_t sys_map_len;
	uint8_t *sys;                /* guest-physical 0 */
	uint64_t sys_bytes;
	uint64_t scratch_bytes;
	struct guest_image img;
	struct mmu mmu;
	int have_mmu;
	struct dirty_log dlog;       /* precopy and auto only */
	int have_dlog;
	struct vcpu vcpus[NUMIG_MAX_VCPUS];
	int node_mode[POOL_MAX_NODES];  /* libvirt numatune mode each guest node was placed with */
	char placement_note[256];
	int suggest_emulated_host;   /* the run needs what only the emulated host has (two NUMA nodes) */
	uint32_t pages_before[POOL_MAX_NODES];

	pthread_mutex_t lock;
	pthread_cond_t changed;      /* a vCPU ended */
	int nr_ended;
	atomic_int stopping;
	atomic_ullong nr_failed;     /* machine_fail calls so far: each vCPU's fail_seq */
	atomic_int pausers;          /* stop-the-world: while > 0, vCPUs park outside KVM_RUN */
	pthread_cond_t resumed;
	int barrier_count;
	uint64_t barrier_gen;
	pthread_mutex_t console_lock;
	int console_line_open;       /* the progress line has no newline yet (console_lock) */

	uint64_t t_create_ns, t_start_ns, t_end_ns;
	int timed_out;
	int interrupted;
	struct sample *samples;
	size_t nr_samples, cap_samples;
	struct guest_checks checks;  /* the guest's own check, under lock */
	struct host_snap host_counters; /* what the host did: /proc/vmstat, KVM statistics */
	struct tsc_rate tsc;         /* the guest TSC's rate, read once for every report (stall.c) */
	int tsc_read;
};

/* Builds everything up to the first KVM_RUN (running it: run.h). */
int machine_create(struct machine *m, const struct run_config *cfg, struct nerr *e);
void machine_destroy(struct machine *m);

/* Asks every vCPU to leave KVM_RUN (signal + immediate_exit). */
void machine_kick_all(struct machine *m);
/* Stop-the-world: returns when no vCPU is inside KVM_RUN; they stay out
 * until every machine_pause_all() has had its machine_resume_all(). */
void machine_pause_all(void *machine);
void machine_resume_all(void *machine);
/* Sum over vCPUs of a guest counter (counter[idx] of every mailbox). */
uint64_t machine_sum_counter(const struct machine *m, int idx);
void machine_fail(struct machine *m, struct vcpu *v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Ends the progress line, if one is open, so other output starts on a line
 * of its own; call with console_lock held. */
void machine_end_console_line(struct machine *m);

#endif
