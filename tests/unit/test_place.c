/* Unit tests for vmm/vm/place.c: guest nodes on host nodes (modes, lists,
 * sizes) and vCPUs on host CPUs (--pin node|none|LIST, vcpupin). No KVM:
 * a machine struct is filled the way machine_create fills it. */
#define TAP_MAIN
#include "harness.h"
#include "vmm/vm/machine.h"
#include "vmm/vm/place.h"

#include <libvirt/libvirt.h>
#include <numa.h>
#include <string.h>

#define MB (1ull << 20)

static struct machine m; /* large: off the stack */
static struct pool_node_spec spec[POOL_MAX_NODES];

static void fresh(int nodes, int vcpus)
{
	memset(&m, 0, sizeof(m));
	memset(spec, 0, sizeof(spec));
	m.cfg.mmu.nr_nodes = nodes;
	m.cfg.nr_vcpus = vcpus;
	m.cfg.mem_bytes = 64 * MB * (uint64_t)nodes;
	m.host.nodes = numa_available() < 0 ? 1 : numa_max_node() + 1;
	m.host.cpus = numa_available() < 0 ? 1 : numa_num_configured_cpus();
}

static void free_cpus(void)
{
	for (int i = 0; i < NUMIG_MAX_VCPUS; i++) {
		numa_free_cpumask(m.vcpus[i].cpus);
		m.vcpus[i].cpus = NULL;
	}
}

static void test_modes(void)
{
	struct nerr e = { 0 };

	OK(place_mode_of("strict") == VIR_DOMAIN_NUMATUNE_MEM_STRICT &&
		   place_mode_of("interleave") == VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE &&
		   place_mode_of("preferred") == VIR_DOMAIN_NUMATUNE_MEM_PREFERRED &&
		   place_mode_of("restrictive") == VIR_DOMAIN_NUMATUNE_MEM_RESTRICTIVE && place_mode_of("bind") == -1,
	   "libvirt's mode names and enum values (libvirt-domain.h); numactl's 'bind' is not one");
	OK(place_policy_of_mode(VIR_DOMAIN_NUMATUNE_MEM_STRICT) == POOL_BIND &&
		   place_policy_of_mode(VIR_DOMAIN_NUMATUNE_MEM_RESTRICTIVE) == POOL_BIND &&
		   place_policy_of_mode(VIR_DOMAIN_NUMATUNE_MEM_PREFERRED) == POOL_PREFERRED &&
		   place_policy_of_mode(VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE) == POOL_INTERLEAVE,
	   "strict and restrictive bind, preferred prefers, interleave interleaves");

	fresh(3, 1);
	OK(place_nodes(&m, spec, &e) == 0, "default placement (%s)", e.msg);
	OK(spec[0].policy == POOL_BIND && spec[1].policy == POOL_BIND && spec[0].bytes == 64 * MB &&
		   spec[2].host_mask == (1ull << (2 % m.host.nodes)),
	   "default: strict, memory split evenly, guest node g on host node g mod %d", m.host.nodes);
	OK((m.host.nodes < 3) == (strstr(m.placement_note, "placement is emulated") != NULL),
	   "the note says when guest nodes share host nodes: '%s'", m.placement_note);

	fresh(2, 1);
	m.cfg.topo.mode = VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE;
	snprintf(m.cfg.topo.host_nodes, NODELIST_LEN, "all");
	m.cfg.topo.node_bytes[1] = 32 * MB;
	OK(place_nodes(&m, spec, &e) == 0 && spec[0].policy == POOL_INTERLEAVE &&
		   spec[0].host_mask == (m.host.nodes >= 64 ? ~0ull : (1ull << m.host.nodes) - 1) && spec[1].bytes == 32 * MB &&
		   spec[0].bytes == 64 * MB,
	   "interleave over numactl's 'all'; a node's own size (%s)", e.msg);

	fresh(2, 1);
	m.cfg.topo.node_has_mode = 2;
	m.cfg.topo.node_mode[1] = VIR_DOMAIN_NUMATUNE_MEM_PREFERRED;
	snprintf(m.cfg.topo.node_nodes[1], NODELIST_LEN, "0");
	OK(place_nodes(&m, spec, &e) == 0 && spec[0].policy == POOL_BIND && spec[1].policy == POOL_PREFERRED &&
		   spec[1].host_mask == 1 && m.node_mode[1] == VIR_DOMAIN_NUMATUNE_MEM_PREFERRED,
	   "a per-node mode and node list (--numatune 1=preferred --host-nodes 1=0) (%s)", e.msg);

	fresh(1, 1);
	snprintf(m.cfg.topo.host_nodes, NODELIST_LEN, "63");
	memset(&e, 0, sizeof(e));
	OK(place_nodes(&m, spec, &e) == -1 && e.code == NUMIG_EXIT_USAGE && strstr(e.msg, "'63'"),
	   "a node the host lacks: exit 2, named (%s)", e.msg);
	fresh(1, 1);
	snprintf(m.cfg.topo.host_nodes, NODELIST_LEN, "!0-63");
	memset(&e, 0, sizeof(e));
	OK(place_nodes(&m, spec, &e) == -1 && e.code == NUMIG_EXIT_USAGE, "numactl's '!0-63' selects nothing: exit 2 (%s)",
	   e.msg);
	if (m.host.nodes >= 2) {
		fresh(1, 1);
		m.cfg.topo.mode = VIR_DOMAIN_NUMATUNE_MEM_PREFERRED;
		snprintf(m.cfg.topo.node_nodes[0], NODELIST_LEN, "0-1");
		memset(&e, 0, sizeof(e));
		OK(place_nodes(&m, spec, &e) == -1 && strstr(e.msg, "exactly one host node"),
		   "preferred with two nodes: libvirt's one-node rule (%s)", e.msg);
	} else {
		tap_skip("preferred with two nodes is refused", "the host has one NUMA node");
	}
}

static int distinct_cpus(int vcpus)
{
	for (int i = 0; i < vcpus; i++)
		for (int j = 0; j < i; j++)
			if (m.vcpus[i].host_cpu == m.vcpus[j].host_cpu)
				return 0;
	return 1;
}

static void test_pinning(void)
{
	struct nerr e = { 0 };
	int cpus;

	if (numa_available() < 0) {
		tap_skip("pinning", "libnuma: NUMA not available");
		return;
	}
	cpus = numa_num_task_cpus();
	/* Regression: vCPUs were counted per guest node, so with more guest nodes
	 * than host nodes every vCPU landed on the same CPU. */
	fresh(2, 2);
	OK(place_nodes(&m, spec, &e) == 0 && place_vcpus(&m, spec, &e) == 0, "--nodes 2 --vcpus 2 (%s)", e.msg);
	OK(m.vcpus[0].node == 0 && m.vcpus[1].node == 1, "vCPU i on guest node i * nodes / vcpus");
	if (cpus >= 2 && m.host.nodes == 1)
		OK(distinct_cpus(2) && m.vcpus[0].host_cpu >= 0, "two vCPUs on two CPUs although both guest nodes share "
								  "one host node (CPUs %d, %d)",
		   m.vcpus[0].host_cpu, m.vcpus[1].host_cpu);
	else
		OK(m.vcpus[0].host_cpu >= 0 && m.vcpus[1].host_cpu >= 0, "both vCPUs pinned (CPUs %d, %d)",
		   m.vcpus[0].host_cpu, m.vcpus[1].host_cpu);
	free_cpus();

	fresh(1, cpus * 2 > NUMIG_MAX_VCPUS ? NUMIG_MAX_VCPUS : cpus * 2);
	OK(place_nodes(&m, spec, &e) == 0 && place_vcpus(&m, spec, &e) == 0, "twice as many vCPUs as CPUs");
	{
		int per[4096] = { 0 }, max = 0, min = 1 << 30, n = m.cfg.nr_vcpus;

		for (int i = 0; i < n; i++)
			if (m.vcpus[i].host_cpu >= 0 && m.vcpus[i].host_cpu < 4096)
				per[m.vcpus[i].host_cpu]++;
		for (int c = 0; c < 4096; c++)
			if (per[c]) {
				max = per[c] > max ? per[c] : max;
				min = per[c] < min ? per[c] : min;
			}
		OK(max - min <= 1 && distinct_cpus(cpus > n ? n : cpus), "spread evenly: %d to %d vCPUs per CPU", min, max);
	}
	free_cpus();

	fresh(2, 3);
	m.cfg.topo.pin = PIN_NONE;
	OK(place_nodes(&m, spec, &e) == 0 && place_vcpus(&m, spec, &e) == 0 && !m.vcpus[0].cpus &&
		   m.vcpus[2].host_cpu == -1,
	   "--pin none: no vCPU pinned");
	free_cpus();

	fresh(1, 3);
	m.cfg.topo.pin = PIN_LIST;
	snprintf(m.cfg.topo.pin_cpus, NODELIST_LEN, "0");
	snprintf(m.cfg.topo.vcpu_cpus[2], NODELIST_LEN, "%s", cpus >= 2 ? "0-1" : "0");
	OK(place_nodes(&m, spec, &e) == 0 && place_vcpus(&m, spec, &e) == 0, "--pin 0 with a vcpupin (%s)", e.msg);
	OK(m.vcpus[0].host_cpu == 0 && m.vcpus[1].host_cpu == 0, "--pin 0: vCPUs 0 and 1 on CPU 0");
	OK(m.vcpus[2].cpus && (int)numa_bitmask_weight(m.vcpus[2].cpus) == (cpus >= 2 ? 2 : 1),
	   "a vcpupin cpuset wins over --pin for its vCPU");
	{
		char s[64];

		place_list_str(m.vcpus[2].cpus, s, sizeof(s));
		OK(!strcmp(s, cpus >= 2 ? "0-1" : "0"), "its CPUs in list syntax: %s", s);
		place_list_str(NULL, s, sizeof(s));
		OK(!strcmp(s, "-"), "an empty set prints '-'");
	}
	free_cpus();

	fresh(1, 1);
	m.cfg.topo.pin = PIN_LIST;
	snprintf(m.cfg.topo.pin_cpus, NODELIST_LEN, "4095");
	memset(&e, 0, sizeof(e));
	OK(place_nodes(&m, spec, &e) == 0 && place_vcpus(&m, spec, &e) == -1 && e.code == NUMIG_EXIT_USAGE &&
		   strstr(e.msg, "--pin '4095'"),
	   "--pin naming a CPU this process may not use: exit 2 (%s)", e.msg);
	free_cpus();
}

int main(void)
{
	test_modes();
	test_pinning();
	return tap_done();
}
