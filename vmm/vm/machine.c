/* Building, running and tearing down a numig VM (machine.h). */
#define _GNU_SOURCE
#include "machine.h"
#include "place.h"

#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mmu/strategy.h"
#include "guest_input.h"
#include "sysarea.h"
#include "sysmap.h"

void machine_fail(struct machine *m, struct vcpu *v, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(v->fail, sizeof(v->fail), "vCPU %d: ", v->id);
	va_start(ap, fmt);
	vsnprintf(v->fail + n, sizeof(v->fail) - (size_t)n, fmt, ap);
	va_end(ap);
	/* Every caller runs on v's own thread, right after its KVM_RUN: the
	 * exit time is the failure's, even if this thread was preempted since.
	 * Stamped before the kick below, so a failure the kick or a released
	 * barrier causes always comes later (failure_order.h). */
	v->fail_ns = v->exit_ns ? v->exit_ns : now_ns();
	v->fail_seq = atomic_fetch_add(&m->nr_failed, 1) + 1;
	atomic_store(&v->end, VCPU_FAILED);
	/* One failed vCPU ends the run: ask the others to finish up (a guest
	 * polling numig_should_stop() sees it, if it runs before the kick),
	 * then stop them. Atomic: the main thread may be asking too. */
	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		if (m->vcpus[i].mb)
			__atomic_store_n(&m->vcpus[i].mb->stop, 1, __ATOMIC_RELAXED);
	atomic_store(&m->stopping, 1);
	machine_kick_all(m);
	pthread_mutex_lock(&m->lock);
	pthread_cond_broadcast(&m->changed);
	pthread_mutex_unlock(&m->lock);
}

void machine_kick_all(struct machine *m)
{
	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		if (m->vcpus[i].started && atomic_load(&m->vcpus[i].end) == VCPU_RUNNING)
			vcpu_kick(&m->vcpus[i]);
}

void machine_pause_all(void *arg)
{
	struct machine *m = arg;
	uint64_t next_kick = 0;

	/* A count, not a flag: a hinting-fault migration on a vCPU thread and
	 * the migration thread may pause at once, and the first to resume must
	 * not let vCPUs run during the other's copy. */
	atomic_fetch_add(&m->pausers, 1);
	for (;;) {
		int inside = 0;
		uint64_t now;

		for (int i = 0; i < m->cfg.nr_vcpus; i++)
			inside += atomic_load(&m->vcpus[i].in_run);
		if (!inside || atomic_load(&m->stopping))
			return;
		/* Poll, do not sleep: a 20 us nanosleep takes ~90 us with the
		 * default timer slack, longer than a kick. Re-kick every 50 us in
		 * case a vCPU entered KVM_RUN just before it saw pausers. */
		now = now_ns();
		if (now >= next_kick) {
			machine_kick_all(m);
			next_kick = now + 50000;
		}
		sched_yield();
	}
}

void machine_resume_all(void *arg)
{
	struct machine *m = arg;

	pthread_mutex_lock(&m->lock);
	if (atomic_fetch_sub(&m->pausers, 1) == 1)
		pthread_cond_broadcast(&m->resumed);
	pthread_mutex_unlock(&m->lock);
}

/* docs/design.md "Host safety": host-side PDE switches on a shadow-paging
 * KVM whose kernel lacks the 2026 use-after-free fixes are refused unless
 * hugetlb guarantees that guest huge pages are host huge pages. Under
 * two-dimensional paging (EPT/NPT) KVM keeps no shadow of the guest's PDEs,
 * so the bug pattern cannot arise and nothing is refused. */
static int check_host_safety(struct machine *m, struct nerr *e)
{
	const struct host_info *h = &m->host;

	/* Dirty logging makes KVM map guest huge pages with 4 KiB SPTEs under
	 * a "direct" shadow page whose base gfn KVM never re-checks; after a
	 * host-side PDE switch the vCPUs keep using it, and dirty-tracking
	 * faults mark the *old* frame's pieces dirty (measured: precopy lost
	 * writes in every run here). No kernel fix or flag makes that safe. */
	if (mmu_dirty_logging(&m->cfg.mmu) && mmu_migrates(&m->cfg.mmu) && h->shadow_paging == 1)
		return nerr_set(e, NUMIG_EXIT_ENV,
				"refusing --strategy %s: KVM uses %s; with dirty logging it maps guest huge pages with "
				"4 KiB shadow entries that survive numig's page-table switches, so precopy loses writes "
				"(docs/design.md \"Precopy\"). It needs EPT/NPT",
				mig_strategy_name(m->cfg.mmu.strategy), h->mmu_mode);
	/* The kernel migrators change host page tables, not numig's PDEs. */
	if (!mmu_migrates(&m->cfg.mmu) || mmu_kernel_migrator(&m->cfg.mmu) || m->cfg.mmu.hugetlb ||
	    m->cfg.allow_unsafe_host)
		return 0;
	if (h->shadow_paging == 1 && h->shadow_fixes != 1)
		return nerr_set(e, NUMIG_EXIT_ENV,
				"refusing to migrate: KVM uses %s and kernel %s (%d.%d.%d per %s) %s the shadow-MMU "
				"use-after-free fixes (0cb2af2ea66a, 81ccda30b4e8; stable 7.1.3, 6.18.38, 6.12.95, "
				"6.6.144, 6.1.177). Use --hugetlb, or --allow-unsafe-host if your kernel has them backported",
				h->mmu_mode, h->kernel, h->version.major, h->version.minor, h->version.patch,
				h->version.source, h->shadow_fixes == 0 ? "predates" : "cannot be shown to have");
	return 0;
}

/* The kernel migrators move memory between host nodes: a host with one has
 * nothing to move it to (the emulated host has two: main.c says how). */
static int check_kernel_migrator(struct machine *m, const struct pool_node_spec *spec, struct nerr *e)
{
	enum mig_migrator mg = m->cfg.mmu.migrator;
	const char *name = mmu_migrator_name(mg);
	uint64_t hosts = 0;
	FILE *f;
	int v = -1;

	if (mg != MIGRATOR_MOVE_PAGES && mg != MIGRATOR_NUMA_BALANCING)
		return 0;
	if (m->host.nodes < 2) {
		m->suggest_emulated_host = 1;
		return nerr_set(e, NUMIG_EXIT_ENV,
				"--migrator %s moves guest memory between host NUMA nodes, and this host has %d", name,
				m->host.nodes);
	}
	for (int g = 0; g < m->cfg.mmu.nr_nodes; g++)
		hosts |= spec[g].host_mask & -spec[g].host_mask; /* the lowest: where the guest node starts */
	if (mg == MIGRATOR_MOVE_PAGES && !(hosts & (hosts - 1)))
		return nerr_set(e, NUMIG_EXIT_USAGE,
				"--migrator move-pages moves pages between the host nodes of the guest nodes, and they all "
				"start on one host node: give --nodes 2 or more, on different host nodes (--host-nodes)");
	if (mg != MIGRATOR_NUMA_BALANCING)
		return 0;
	f = fopen("/proc/sys/kernel/numa_balancing", "r");
	if (!f)
		return nerr_set(e, NUMIG_EXIT_ENV,
				"--migrator numa-balancing: this kernel has no automatic NUMA balancing "
				"(no /proc/sys/kernel/numa_balancing: CONFIG_NUMA_BALANCING)");
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	if (v < 0 || !(v & 1))
		return nerr_set(e, NUMIG_EXIT_ENV,
				"--migrator numa-balancing: kernel.numa_balancing is %d, so the kernel balances nothing "
				"(numig does not change it behind your back: sysctl kernel.numa_balancing=1)", v);
	return 0;
}

static int map_system_area(struct machine *m, struct nerr *e)
{
	m->sys_map_len = m->sys_bytes + FRAME_SIZE;
	m->sys_map = mmap(NULL, m->sys_map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			  -1, 0);
	if (m->sys_map == MAP_FAILED) {
		m->sys_map = NULL;
		return nerr_set(e, NUMIG_EXIT_ENV, "cannot map the %llu MiB system area: %s",
				(unsigned long long)(m->sys_bytes >> 20), strerror(errno));
	}
	m->sys = (uint8_t *)(((uintptr_t)m->sys_map + FRAME_SIZE - 1) & ~(uintptr_t)(FRAME_SIZE - 1));
	/* Best effort: the system area never migrates, huge pages only save
	 * KVM work. */
	(void)madvise(m->sys, m->sys_bytes, MADV_HUGEPAGE);
	return 0;
}

static void init_mailboxes(struct machine *m)
{
	for (int i = 0; i < m->cfg.nr_vcpus; i++) {
		struct numig_mailbox *mb = (struct numig_mailbox *)(m->sys + sysarea_mailbox_gpa(i));

		memset(mb, 0, NUMIG_MAILBOX_SIZE);
		mb->self = sysarea_mailbox_gpa(i);
		mb->magic = NUMIG_MAILBOX_MAGIC;
		mb->abi_version = NUMIG_ABI_VERSION;
		mb->vcpu_id = (uint32_t)i;
		mb->nr_vcpus = (uint32_t)m->cfg.nr_vcpus;
		mb->node = (uint32_t)m->vcpus[i].node;
		mb->nr_nodes = (uint32_t)m->cfg.mmu.nr_nodes;
		mb->ws_base = NUMIG_WS_GVA;
		mb->ws_pages = m->mmu.ws.nr_pages;
		mb->scratch_base = NUMIG_SCRATCH;
		mb->scratch_size = m->scratch_bytes;
		memcpy(mb->param, m->cfg.params, sizeof(mb->param));
		mb->nr_user_params = (uint32_t)m->cfg.nr_user_params;
		_Static_assert(sizeof(mb->user_param) == sizeof(m->cfg.user_params), "one layout");
		memcpy(mb->user_param, m->cfg.user_params, sizeof(mb->user_param));
		m->vcpus[i].mb = mb;
	}
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

int machine_create(struct machine *m, const struct run_config *cfg, struct nerr *e)
{
	const int log_dirty = mmu_dirty_logging(&cfg->mmu);
	const struct mig_hooks hooks = { machine_pause_all, machine_resume_all,
					 log_dirty ? dirty_log_get : NULL, log_dirty ? dirty_log_clear : NULL,
					 m, &m->dlog };
	struct mmu_layout layout;
	uint64_t slots = cfg->params[NUMIG_PARAM_SLOTS] ? cfg->params[NUMIG_PARAM_SLOTS] : 1;
	uint64_t ws_pages = cfg->ws_bytes / FRAME_SIZE;

	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->vm.kvm_fd = m->vm.vm_fd = -1;
	for (int i = 0; i < NUMIG_MAX_VCPUS; i++)
		m->vcpus[i].fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->changed, NULL);
	pthread_cond_init(&m->resumed, NULL);
	pthread_mutex_init(&m->console_lock, NULL);
	faultpoint_arm(&cfg->fail);
	m->t_create_ns = now_ns();
	host_info_probe(&m->host);
	memset(&layout, 0, sizeof(layout));
	if (check_host_safety(m, e) || place_nodes(m, layout.node, e) || check_kernel_migrator(m, layout.node, e))
		return -1;
	/* Scratch holds the integrity guest's record of every slot. */
	m->scratch_bytes = round_up(ws_pages * NUMIG_SUBPAGES * slots * NUMIG_SLOT_BYTES * (uint64_t)cfg->nr_vcpus,
				    FRAME_SIZE);
	if (m->scratch_bytes < FRAME_SIZE)
		m->scratch_bytes = FRAME_SIZE;
	m->sys_bytes = NUMIG_SCRATCH + m->scratch_bytes;
	if (m->sys_bytes > (1ull << 30))
		return nerr_set(e, NUMIG_EXIT_USAGE,
				"guest records need %llu MiB of system area (max 1 GiB): lower --ws, --vcpus or slots",
				(unsigned long long)(m->sys_bytes >> 20));
	if (map_system_area(m, e))
		return -1;
	if (elf_load_file(cfg->guest_path, m->sys, NUMIG_IMAGE_BASE, NUMIG_IMAGE_BASE + NUMIG_IMAGE_MAX, &m->img, e))
		return -1;

	layout.ws_pages = (uint32_t)ws_pages;
	layout.sys_mem = m->sys;
	layout.pt_lo = NUMIG_PT_POOL;
	layout.pt_hi = NUMIG_PT_POOL_END;
	layout.identity_bytes = m->sys_bytes;
	layout.ws_base = NUMIG_WS_GVA;
	m->have_mmu = 1;
	if (mmu_init(&m->mmu, &cfg->mmu, &layout, &hooks, e))
		return -1;

	sysarea_build(m->sys, cfg->nr_vcpus, &m->img);
	sysmap_build(m->sys, cfg->nr_vcpus, m->mmu.pt.root);
	if (place_vcpus(m, layout.node, e))
		return -1;
	init_mailboxes(m);

	/* KVM last: everything the user gave (options, guest file, placement)
	 * is judged before the device is opened, so a usage error is exit 2
	 * on a host without /dev/kvm too. */
	if (vcpu_signals_init(e))
		return -1;
	if (kvm_vm_create(&m->vm, cfg->kvm_device, cfg->nr_vcpus, e))
		return -1;
	if (log_dirty) {
		if (dirty_log_enable(&m->dlog, &m->vm, e))
			return -1;
		m->have_dlog = 1;
	}
	/* The system area never migrates: never logged. */
	if (kvm_vm_set_memslot(&m->vm, 0, 0, m->sys_bytes, m->sys, 0, e))
		return -1;
	for (int g = 0; g < m->mmu.pool.nr_nodes; g++) {
		struct node_pool *np = &m->mmu.pool.node[g];

		if (kvm_vm_set_memslot(&m->vm, (uint32_t)(1 + g), np->gpa, np->bytes, np->hva, log_dirty, e))
			return -1;
		if (log_dirty && dirty_log_add_slot(&m->dlog, (uint32_t)(1 + g), np->gpa, np->bytes, e))
			return -1;
	}
	for (int i = 0; i < cfg->nr_vcpus; i++)
		if (vcpu_create(m, &m->vcpus[i], e))
			return -1;
	return 0;
}

uint64_t machine_sum_counter(const struct machine *m, int idx)
{
	uint64_t s = 0;

	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		s = guest_sat_add(s, m->vcpus[i].mb->counter[idx]);
	return s;
}

void machine_destroy(struct machine *m)
{
	for (int i = 0; i < NUMIG_MAX_VCPUS; i++) {
		numa_free_cpumask(m->vcpus[i].cpus);
		if (m->vcpus[i].run)
			munmap(m->vcpus[i].run, m->vm.run_size);
		if (m->vcpus[i].fd >= 0)
			close(m->vcpus[i].fd);
	}
	host_snap_destroy(&m->host_counters);
	/* The VM goes before the memory it maps. */
	kvm_vm_destroy(&m->vm);
	if (m->have_dlog)
		dirty_log_destroy(&m->dlog);
	if (m->have_mmu)
		mmu_destroy(&m->mmu);
	if (m->sys_map)
		munmap(m->sys_map, m->sys_map_len);
	free(m->samples);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->changed);
	pthread_cond_destroy(&m->resumed);
	pthread_mutex_destroy(&m->console_lock);
}

void machine_end_console_line(struct machine *m)
{
	if (m->console_line_open) {
		fputc('\n', stderr);
		m->console_line_open = 0;
	}
}
