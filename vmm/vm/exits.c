/* Exit handlers (exits.h): I/O exits (hypercalls from ring 3, reports from
 * the ring-0 handlers) and the fatal exits. */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "exits.h"
#include "guest_input.h"
#include "sysarea.h"
#include "sysmap.h"

#include "machine.h"

static const char *const vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
	"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

static void console_print(struct vcpu *v, const char *msg)
{
	struct machine *m = v->m;

	if (!m->cfg.console)
		return;
	pthread_mutex_lock(&m->console_lock);
	machine_end_console_line(m);
	fprintf(m->cfg.console, "[vcpu %d] %s\n", v->id, msg);
	fflush(m->cfg.console);
	pthread_mutex_unlock(&m->console_lock);
}

static int get_regs(struct vcpu *v, struct kvm_regs *r)
{
	if (ioctl(v->fd, KVM_GET_REGS, r) < 0) {
		v->fail_class = NUMIG_EXIT_INTERNAL;
		machine_fail(v->m, v, "KVM_GET_REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void barrier_wait(struct vcpu *v)
{
	struct machine *m = v->m;
	uint64_t gen;

	pthread_mutex_lock(&m->lock);
	gen = m->barrier_gen;
	if (++m->barrier_count == m->cfg.nr_vcpus) {
		m->barrier_count = 0;
		m->barrier_gen++;
		pthread_cond_broadcast(&m->changed);
	} else {
		while (m->barrier_gen == gen && !atomic_load(&m->stopping))
			pthread_cond_wait(&m->changed, &m->lock);
	}
	pthread_mutex_unlock(&m->lock);
}

static int handle_hypercall(struct vcpu *v, uint32_t nr)
{
	struct numig_mailbox *mb = v->mb;
	char msg[4 * NUMIG_MSG_LEN + 1];

	v->hypercalls++;
	switch (nr) {
	case NUMIG_HC_PRINT:
		console_print(v, guest_msg(mb, msg, sizeof(msg)));
		return 0;
	case NUMIG_HC_DONE:
		v->exit_code = guest_exit_code(mb);
		atomic_store(&v->end, VCPU_DONE);
		return 1;
	case NUMIG_HC_PANIC:
		machine_fail(v->m, v, "guest panic: %.400s", guest_msg(mb, msg, sizeof(msg)));
		return 1;
	case NUMIG_HC_REPORT:
	case NUMIG_HC_YIELD:
		return 0;
	case NUMIG_HC_BARRIER:
		barrier_wait(v);
		return 0;
	case NUMIG_HC_BAD_WORD:
		return guest_checks_bad_word(v);
	case NUMIG_HC_VERDICT:
		return guest_checks_verdict(v);
	default:
		machine_fail(v->m, v, "unknown hypercall %#x (valid: 1..%d)", nr, NUMIG_HC_MAX);
		return 1;
	}
}

/* A ring-3 fault whose RSP is below the vCPU's own user stack: a frame
 * larger than the stack (docs/design.md "Stack clash"). Said whatever the
 * faulting address, since without -fstack-clash-protection the first store
 * that faults may lie anywhere below. "" otherwise. */
static const char *overflow_note(struct vcpu *v, const struct kvm_regs *r, char *buf, size_t len)
{
	uint64_t klo = sysarea_kstack_top(v->id) - NUMIG_KSTACK_SIZE + NUMIG_GUARD_SIZE, rsp;
	uint64_t ulo = sysarea_ustack_top(v->id) - NUMIG_USTACK_SIZE + NUMIG_GUARD_SIZE;

	buf[0] = 0;
	if ((r->rsi & 4) && !guest_pf_user_rsp(v->m->sys, klo, sysarea_kstack_top(v->id), r->rsp, &rsp) && rsp < ulo)
		snprintf(buf, len, "; RSP %#llx is below vCPU %d's user stack (%#llx..%#llx): a stack overflow of vCPU %d",
			 (unsigned long long)rsp, v->id, (unsigned long long)ulo,
			 (unsigned long long)sysarea_ustack_top(v->id), v->id);
	return buf;
}

static int handle_page_fault_report(struct vcpu *v)
{
	struct kvm_regs r;

	v->pf_exits++;
	if (get_regs(v, &r))
		return 1;
	if (!v->m->have_mmu || mmu_handle_page_fault(&v->m->mmu, v->node, r.rdi) == FAULT_NOT_OURS) {
		char what[128], note[160];
		const char *where = sysmap_describe(r.rdi, v->m->cfg.nr_vcpus, what, sizeof(what));

		/* Reported against this vCPU: it is the one whose access faulted. */
		machine_fail(v->m, v, "guest exception #PF page fault (vector 14) at RIP %#llx: CR2 %#llx, error code %#llx (%s %s%s%s%s%s)",
			     (unsigned long long)r.rcx, (unsigned long long)r.rdi, (unsigned long long)r.rsi,
			     (r.rsi & 2) ? "write to" : "read of", (r.rsi & 1) ? "a protected page" : "an unmapped address",
			     where ? ": " : "", where ? where : "", (r.rsi & 4) ? ", from ring 3" : "",
			     overflow_note(v, &r, note, sizeof(note)));
		return 1;
	}
	return 0;
}

static int handle_exception_report(struct vcpu *v)
{
	struct kvm_regs r;
	uint64_t vec;

	if (get_regs(v, &r))
		return 1;
	vec = r.rdi;
	machine_fail(v->m, v, "guest exception %s (vector %llu) at RIP %#llx: error code %#llx, CR2 %#llx, RSP %#llx",
		     vec < 32 && vector_names[vec] ? vector_names[vec] : "interrupt", (unsigned long long)vec,
		     (unsigned long long)r.rcx, (unsigned long long)r.rsi, (unsigned long long)r.r8,
		     (unsigned long long)r.r11);
	return 1;
}

static int handle_io_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	const uint8_t *data = (const uint8_t *)run + run->io.data_offset;
	uint32_t value = 0;

	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.count != 1) {
		machine_fail(v->m, v, "unexpected %s of %u bytes from I/O port %#x", run->io.direction ? "write" : "read",
			     run->io.size, run->io.port);
		return 1;
	}
	memcpy(&value, data, run->io.size < 4 ? run->io.size : 4);
	switch (run->io.port) {
	case NUMIG_PORT_HCALL:
		return handle_hypercall(v, value);
	case NUMIG_PORT_PFAULT:
		return handle_page_fault_report(v);
	case NUMIG_PORT_EXCEPTION:
		return handle_exception_report(v);
	default:
		machine_fail(v->m, v, "write to unknown I/O port %#x", run->io.port);
		return 1;
	}
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
	/* AMD SVM: KVM INITs the vCPU before it reports a shutdown (the VMCB
	 * is undefined after the intercept), so a triple fault shows the reset
	 * values, CS:RIP f000:fff0. */
	snprintf(buf, len,
		 "RIP %#llx RSP %#llx RFLAGS %#llx CS %#x (CPL %d) CR0 %#llx CR2 %#llx CR3 %#llx RAX %#llx RDI %#llx%s",
		 (unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags, s.cs.selector,
		 s.cs.dpl, (unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
		 (unsigned long long)r.rax, (unsigned long long)r.rdi,
		 r.rip == 0xfff0 && s.cs.selector == 0xf000
			 ? " (the reset state: KVM on AMD SVM re-initializes the vCPU before it reports a shutdown, so the "
			   "registers at the fault are lost)"
			 : "");
	return buf;
}

int handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char regs[448];

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
