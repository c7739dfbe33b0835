/* vCPU creation (64-bit long mode, ring 3, paging on) and the KVM_RUN loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "machine.h"
#include "sysarea.h"

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

void machine_kick_all(struct machine *m)
{
	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		if (m->vcpus[i].started && atomic_load(&m->vcpus[i].end) == VCPU_RUNNING)
			(void)pthread_kill(m->vcpus[i].thread, KICK_SIGNAL); /* ESRCH: it just ended */
}

static int set_cpuid(struct machine *m, struct vcpu *v, struct nerr *e)
{
	const struct kvm_cpuid2 *sup = m->vm.cpuid;
	size_t sz = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int rc = 0;

	if (!c)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "out of memory");
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
	s.cr3 = m->mmu.pt.root;
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

static void pin_to_host_cpu(struct vcpu *v)
{
	cpu_set_t set;

	if (v->host_cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(v->host_cpu, &set);
	/* Best effort: a cgroup may forbid the CPU; the report shows it. */
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		v->host_cpu = -1;
}

/* The vCPU's registers, for fatal exits: a guest bug must be readable. */
static const char *regs_summary(struct vcpu *v, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(buf, len, "(registers unavailable: %s)", strerror(errno));
		return buf;
	}
	snprintf(buf, len,
		 "RIP %#llx RSP %#llx RFLAGS %#llx CS %#x (CPL %d) CR0 %#llx CR2 %#llx CR3 %#llx RAX %#llx RDI %#llx",
		 (unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags, s.cs.selector,
		 s.cs.dpl, (unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
		 (unsigned long long)r.rax, (unsigned long long)r.rdi);
	return buf;
}

/* Returns 1 when the vCPU has ended. */
static int handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char regs[320];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		v->io_exits++;
		return handle_io_exit(v);
	case KVM_EXIT_HLT:
		machine_fail(v->m, v, "guest executed HLT with no way to wake up: %s", regs_summary(v, regs, sizeof(regs)));
		return 1;
	case KVM_EXIT_MMIO:
		machine_fail(v->m, v, "MMIO %s of %u bytes at guest-physical %#llx: no device there; %s",
			     run->mmio.is_write ? "write" : "read", run->mmio.len, (unsigned long long)run->mmio.phys_addr,
			     regs_summary(v, regs, sizeof(regs)));
		return 1;
	case KVM_EXIT_SHUTDOWN:
		machine_fail(v->m, v, "triple fault (KVM_EXIT_SHUTDOWN): %s", regs_summary(v, regs, sizeof(regs)));
		return 1;
	case KVM_EXIT_FAIL_ENTRY:
		machine_fail(v->m, v, "KVM_EXIT_FAIL_ENTRY, hardware reason %#llx: %s",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			     regs_summary(v, regs, sizeof(regs)));
		return 1;
	case KVM_EXIT_INTERNAL_ERROR:
		machine_fail(v->m, v, "KVM_EXIT_INTERNAL_ERROR, suberror %u: %s", run->internal.suberror,
			     regs_summary(v, regs, sizeof(regs)));
		return 1;
	case KVM_EXIT_INTR:
		return 0;
	default:
		machine_fail(v->m, v, "unhandled KVM exit reason %u: %s", run->exit_reason, regs_summary(v, regs, sizeof(regs)));
		return 1;
	}
}

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
	machine_fail(m, v, "KVM_RUN failed: %s", strerror(err));
	return 1;
}

void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct machine *m = v->m;

	tls_run = v->run;
	pin_to_host_cpu(v);
	while (atomic_load(&v->end) == VCPU_RUNNING) {
		int rc;

		vcpu_park_if_paused(v);
		if (atomic_load(&m->stopping)) {
			atomic_store(&v->end, VCPU_STOPPED);
			break;
		}
		/* in_run before the re-check: a pauser that saw in_run == 0
		 * knows this vCPU will see pause_req and not enter. */
		atomic_store(&v->in_run, 1);
		if (atomic_load(&m->pause_req)) {
			atomic_store(&v->in_run, 0);
			continue;
		}
		rc = ioctl(v->fd, KVM_RUN, 0);
		atomic_store(&v->in_run, 0);
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
	tls_run = NULL;
	pthread_mutex_lock(&m->lock);
	m->nr_ended++;
	pthread_cond_broadcast(&m->changed);
	pthread_mutex_unlock(&m->lock);
	return NULL;
}
