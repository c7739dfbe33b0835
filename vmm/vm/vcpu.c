/* One vCPU (vcpu.h): creation, kick, thread binding, park. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <numa.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vcpu.h"

#include "machine.h"
#include "place.h"
#include "sysarea.h"
#include "sysmap.h"

#define KICK_SIGNAL SIGUSR1

static __thread struct kvm_run *tls_run;

/* A kick: make the interrupted (or the next) KVM_RUN return at once. */
static void kick_handler(int sig)
{
	(void)sig;
	if (tls_run)
		tls_run->immediate_exit = 1;
}

int vcpu_signals_init(struct nerr *e)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must return EINTR */
	if (sigaction(KICK_SIGNAL, &sa, NULL))
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "sigaction(SIGUSR1): %s", strerror(errno));
	return 0;
}

static int set_cpuid(struct machine *m, struct vcpu *v, struct nerr *e)
{
	const struct kvm_cpuid2 *sup = m->vm.cpuid;
	size_t sz = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int rc = 0;

	if (!c)
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory");
	memcpy(c, sup, sz);
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *en = &c->entries[i];

		if (en->function == 1)
			en->ebx = (en->ebx & 0x00ffffff) | ((uint32_t)v->id << 24);
		if (en->function == 0xb || en->function == 0x1f)
			en->edx = (uint32_t)v->id;
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		rc = nerr_set(e, NUMIG_EXIT_ENV, "vCPU %d: KVM_SET_CPUID2: %s", v->id, strerror(errno));
	free(c);
	return rc;
}

static void seg(struct kvm_segment *s, uint16_t sel, int code, int dpl, uint64_t base)
{
	memset(s, 0, sizeof(*s));
	s->base = base;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = code ? 11 : 3;
	s->present = 1;
	s->dpl = (uint8_t)dpl;
	s->s = 1;
	s->l = code ? 1 : 0;
	s->db = code ? 0 : 1;
	s->g = 1;
}

/* Long mode with paging, entered directly at CPL3: the workload runs in
 * ring 3 from its first instruction (ring 0 is emulated, hence slow, on
 * software KVM backends). IOPL=3 lets ring 3 use `out` for hypercalls. */
static int set_long_mode(struct machine *m, struct vcpu *v, struct nerr *e)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return nerr_set(e, NUMIG_EXIT_ENV, "vCPU %d: KVM_GET_SREGS: %s", v->id, strerror(errno));
	seg(&s.cs, SEL_UCODE, 1, 3, 0);
	seg(&s.ss, SEL_UDATA, 0, 3, 0);
	s.ds = s.es = s.gs = s.ss;
	seg(&s.fs, SEL_UDATA, 0, 3, sysarea_mailbox_gpa(v->id));
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.base = sysarea_tss_gpa(v->id);
	s.tr.limit = NUMIG_TSS_LIMIT;
	s.tr.selector = SEL_TSS;
	s.tr.type = 11; /* busy 64-bit TSS */
	s.tr.present = 1;
	s.gdt.base = NUMIG_GDT;
	s.gdt.limit = SYSAREA_GDT_ENTRIES * 8 - 1;
	s.idt.base = NUMIG_IDT;
	s.idt.limit = 256 * 16 - 1;
	s.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	s.cr3 = sysmap_root(v->id); /* its own view of the system area */
	s.cr4 = 0x620;      /* PAE OSFXSR OSXMMEXCPT */
	s.efer = 0x501;     /* LME LMA SCE */
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return nerr_set(e, NUMIG_EXIT_ENV, "vCPU %d: KVM_SET_SREGS (long mode): %s", v->id, strerror(errno));
	memset(&r, 0, sizeof(r));
	r.rip = m->img.entry;
	r.rsp = sysarea_ustack_top(v->id);
	r.rflags = 0x3002; /* IOPL=3, reserved bit 1 */
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return nerr_set(e, NUMIG_EXIT_ENV, "vCPU %d: KVM_SET_REGS: %s", v->id, strerror(errno));
	return 0;
}

int vcpu_create(struct machine *m, struct vcpu *v, struct nerr *e)
{
	v->fd = ioctl(m->vm.vm_fd, KVM_CREATE_VCPU, v->id);
	if (v->fd < 0)
		return nerr_set(e, NUMIG_EXIT_ENV, "KVM_CREATE_VCPU %d: %s", v->id, strerror(errno));
	v->run = mmap(NULL, m->vm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return nerr_set(e, NUMIG_EXIT_ENV, "vCPU %d: mmap(kvm_run): %s", v->id, strerror(errno));
	}
	if (set_cpuid(m, v, e) || set_long_mode(m, v, e))
		return -1;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	(void)pthread_kill(v->thread, KICK_SIGNAL); /* ESRCH: it just ended */
}

/* Pins the calling thread, then reads back what the kernel applied: the
 * report shows the affinity measured, not the one asked for. */
static void pin_thread(struct vcpu *v)
{
	struct bitmask *now = numa_available() >= 0 ? numa_allocate_cpumask() : NULL;

	/* Best effort: a cgroup may forbid the CPU; the report shows it. */
	if (v->cpus && numa_sched_setaffinity(0, v->cpus) < 0)
		v->host_cpu = -1;
	if (now && numa_sched_getaffinity(0, now) >= 0)
		place_list_str(now, v->cpus_measured, sizeof(v->cpus_measured));
	else
		snprintf(v->cpus_measured, sizeof(v->cpus_measured), "unknown");
	numa_free_cpumask(now);
}

void vcpu_bind_thread(struct vcpu *v)
{
	tls_run = v->run;
	pin_thread(v);
}

void vcpu_unbind_thread(void)
{
	tls_run = NULL;
}

void vcpu_park_if_paused(struct vcpu *v)
{
	struct machine *m = v->m;

	if (!atomic_load(&m->pausers))
		return;
	pthread_mutex_lock(&m->lock);
	while (atomic_load(&m->pausers) && !atomic_load(&m->stopping))
		pthread_cond_wait(&m->resumed, &m->lock);
	pthread_mutex_unlock(&m->lock);
}
