/* Where the guest goes on the host (place.h). */
#include "place.h"

#include "numa_why.h"

#include <libvirt/libvirt.h>
#include <numa.h>
#include <stdio.h>
#include <string.h>

#include "machine.h"

static const char *const mode_names[] = {
	[VIR_DOMAIN_NUMATUNE_MEM_STRICT] = "strict",
	[VIR_DOMAIN_NUMATUNE_MEM_PREFERRED] = "preferred",
	[VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE] = "interleave",
	[VIR_DOMAIN_NUMATUNE_MEM_RESTRICTIVE] = "restrictive",
};

const char *place_mode_name(int mode)
{
	if (mode < 0 || mode >= (int)(sizeof(mode_names) / sizeof(mode_names[0])))
		return "none";
	return mode_names[mode];
}

int place_mode_of(const char *name)
{
	for (int i = 0; i < (int)(sizeof(mode_names) / sizeof(mode_names[0])); i++)
		if (name && !strcmp(name, mode_names[i]))
			return i;
	return -1;
}

enum pool_policy place_policy_of_mode(int mode)
{
	switch (mode) {
	case VIR_DOMAIN_NUMATUNE_MEM_PREFERRED:
		return POOL_PREFERRED;
	case VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE:
		return POOL_INTERLEAVE;
	default:
		return POOL_BIND; /* strict, restrictive */
	}
}

void place_list_str(const struct bitmask *b, char *buf, size_t len)
{
	size_t used = 0;
	unsigned n = b ? (unsigned)b->size : 0;

	buf[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;

		if (!numa_bitmask_isbitset(b, i))
			continue;
		while (j + 1 < n && numa_bitmask_isbitset(b, j + 1))
			j++;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, used ? ",%u" : "%u", i);
		if (j > i && used < len)
			used += (size_t)snprintf(buf + used, len - used, "-%u", j);
		i = j;
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* A host node list in numactl's syntax, checked by libnuma against this
 * host, as a mask of nodes 0..63. */
static int node_mask(const char *list, const char *what, uint64_t *mask, struct nerr *e)
{
	struct bitmask *b;

	*mask = 0;
	if (numa_available() < 0)
		return nerr_set(e, NUMIG_EXIT_ENV, "%s '%s': this host has no NUMA support", what, list);
	numa_why_reset();
	b = numa_parse_nodestring(list);
	if (!b) {
		char why[256];

		numa_list_why(list, why, sizeof(why));
		return nerr_set(e, NUMIG_EXIT_USAGE, "%s '%s': %s", what, list, why);
	}
	for (unsigned h = 0; h < b->size; h++)
		if (numa_bitmask_isbitset(b, h)) {
			if (h >= POOL_MAX_NODES) {
				numa_bitmask_free(b);
				return nerr_set(e, NUMIG_EXIT_USAGE, "%s '%s': numig places on host nodes 0..%d", what, list,
						POOL_MAX_NODES - 1);
			}
			*mask |= 1ull << h;
		}
	numa_bitmask_free(b);
	return *mask ? 0 : nerr_set(e, NUMIG_EXIT_USAGE, "%s '%s' selects no host node", what, list);
}

int place_nodes(struct machine *m, struct pool_node_spec *spec, struct nerr *e)
{
	const struct topology_config *t = &m->cfg.topo;
	int nr = m->cfg.mmu.nr_nodes, allowed[POOL_MAX_NODES], n = 0;
	uint64_t all = 0, used = 0;

	if (t->host_nodes[0]) {
		if (node_mask(t->host_nodes, "--host-nodes", &all, e))
			return -1;
	} else {
		for (int h = 0; h < m->host.nodes && h < POOL_MAX_NODES; h++)
			all |= 1ull << h;
	}
	for (int h = 0; h < POOL_MAX_NODES; h++)
		if (all & (1ull << h))
			allowed[n++] = h;
	for (int g = 0; g < nr; g++) {
		int mode = (t->node_has_mode & (1ull << g)) ? t->node_mode[g] : t->mode;
		uint64_t mask;
		char what[64];

		snprintf(what, sizeof(what), "guest node %d: host nodes", g);
		if (t->node_nodes[g][0]) {
			if (node_mask(t->node_nodes[g], what, &mask, e))
				return -1;
		} else if (mode == VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE) {
			mask = all;
		} else {
			mask = 1ull << allowed[g % n]; /* round robin, one host node each */
		}
		spec[g].policy = place_policy_of_mode(mode);
		spec[g].host_mask = mask;
		spec[g].bytes = t->node_bytes[g] ? t->node_bytes[g] : m->cfg.mem_bytes / (uint64_t)nr;
		if (spec[g].policy == POOL_PREFERRED && (mask & (mask - 1)))
			return nerr_set(e, NUMIG_EXIT_USAGE,
					"guest node %d: preferred placement takes exactly one host node (libvirt's rule)", g);
		m->node_mode[g] = mode;
		used |= mask;
	}
	if (nr > __builtin_popcountll(used))
		snprintf(m->placement_note, sizeof(m->placement_note),
			 "%d guest nodes share %d host node%s (the host has %d): placement is emulated, not real NUMA", nr,
			 __builtin_popcountll(used), __builtin_popcountll(used) == 1 ? "" : "s", m->host.nodes);
	return 0;
}

/* The CPUs of the host nodes in `mask` that this process may run on. */
static struct bitmask *cpus_of_nodes(uint64_t mask)
{
	struct bitmask *cpus = numa_allocate_cpumask(), *node = numa_allocate_cpumask(), *ok = numa_allocate_cpumask();

	if (!cpus || !node || !ok || numa_sched_getaffinity(0, ok) < 0) {
		numa_free_cpumask(node);
		numa_free_cpumask(ok);
		return cpus;
	}
	for (int h = 0; h < POOL_MAX_NODES; h++) {
		if (!(mask & (1ull << h)) || numa_node_to_cpus(h, node))
			continue;
		for (unsigned c = 0; c < node->size; c++)
			if (numa_bitmask_isbitset(node, c) && numa_bitmask_isbitset(ok, c))
				numa_bitmask_setbit(cpus, c);
	}
	numa_free_cpumask(node);
	numa_free_cpumask(ok);
	return cpus;
}

/* The least used CPU of `cpus` (ties: the lowest), or -1. */
static int least_used(const struct bitmask *cpus, const unsigned *use, unsigned max)
{
	int pick = -1;

	for (unsigned c = 0; c < cpus->size && c < max; c++)
		if (numa_bitmask_isbitset(cpus, c) && (pick < 0 || use[c] < use[pick]))
			pick = (int)c;
	return pick;
}

/* The i-th CPU of a list, wrapping around. */
static int nth_cpu(const struct bitmask *cpus, int i)
{
	int count = (int)numa_bitmask_weight(cpus), want;

	if (!count)
		return -1;
	want = i % count;
	for (unsigned c = 0; c < cpus->size; c++)
		if (numa_bitmask_isbitset(cpus, c) && want-- == 0)
			return (int)c;
	return -1;
}

static struct bitmask *one_cpu(int c)
{
	struct bitmask *b = c >= 0 ? numa_allocate_cpumask() : NULL;

	if (b)
		numa_bitmask_setbit(b, (unsigned)c);
	return b;
}

int place_vcpus(struct machine *m, const struct pool_node_spec *spec, struct nerr *e)
{
	const struct topology_config *t = &m->cfg.topo;
	enum { MAX_CPUS = 4096 };
	unsigned use[MAX_CPUS] = { 0 }; /* vCPUs placed on each CPU so far */
	struct bitmask *list = NULL;
	int numa = numa_available() >= 0;

	if (numa && t->pin == PIN_LIST) {
		list = numa_parse_cpustring(t->pin_cpus);
		if (!list || !numa_bitmask_weight(list))
			return nerr_set(e, NUMIG_EXIT_USAGE, "--pin '%s': malformed, or names no CPU this process may use",
					t->pin_cpus);
	}
	for (int i = 0; i < m->cfg.nr_vcpus; i++) {
		struct vcpu *v = &m->vcpus[i];

		v->m = m;
		v->id = i;
		v->fd = -1;
		v->node = t->has_vcpu_nodes ? t->vcpu_node[i] : (int)((int64_t)i * m->cfg.mmu.nr_nodes / m->cfg.nr_vcpus);
		v->host_cpu = -1;
		v->cpus = NULL;
		if (!numa)
			continue;
		if (t->vcpu_cpus[i][0]) {
			v->cpus = numa_parse_cpustring(t->vcpu_cpus[i]);
			if (!v->cpus || !numa_bitmask_weight(v->cpus)) {
				numa_free_cpumask(list);
				return nerr_set(e, NUMIG_EXIT_USAGE,
						"vCPU %d: cpuset '%s' is malformed or names no CPU this process may use", i,
						t->vcpu_cpus[i]);
			}
		} else if (t->pin == PIN_LIST) {
			v->cpus = one_cpu(nth_cpu(list, i));
		} else if (t->pin == PIN_NODE) {
			struct bitmask *cand = cpus_of_nodes(spec[v->node].host_mask);

			if (cand)
				v->cpus = one_cpu(least_used(cand, use, MAX_CPUS));
			numa_free_cpumask(cand);
		}
		if (v->cpus && numa_bitmask_weight(v->cpus) == 1)
			v->host_cpu = nth_cpu(v->cpus, 0);
		if (v->host_cpu >= 0 && v->host_cpu < MAX_CPUS)
			use[v->host_cpu]++;
	}
	numa_free_cpumask(list);
	return 0;
}
