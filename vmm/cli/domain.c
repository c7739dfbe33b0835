/* A libvirt domain as numig's run config (domain.h). */
#include "domain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"

static void note(struct run_config *c, const char *fmt, const char *what)
{
	size_t used = strlen(c->domain_note);

	if (used < sizeof(c->domain_note))
		snprintf(c->domain_note + used, sizeof(c->domain_note) - used, fmt, what);
}

/* Cells become guest nodes, in document order: node g is the g-th cell,
 * named by its libvirt id in the report. */
static void apply_cells(struct run_config *c, const struct dom_topology *t)
{
	struct topology_config *topo = &c->topo;

	c->mmu.nr_nodes = t->nr_cells;
	c->mem_bytes = 0;
	topo->has_cells = 1;
	topo->has_vcpu_nodes = 1;
	for (int g = 0; g < t->nr_cells; g++) {
		const struct dom_cell *cell = &t->cell[g];

		topo->node_bytes[g] = cell->mem_bytes;
		topo->cell_id[g] = cell->id;
		c->mem_bytes += cell->mem_bytes;
		for (int v = 0; v < t->vcpus; v++)
			if (cell->vcpus & (1ull << v))
				topo->vcpu_node[v] = g;
	}
}

/* <numatune>: the domain's mode and nodeset for every guest node, then a
 * <memnode> for its cell. */
static void apply_numatune(struct run_config *c, const struct dom_topology *t, int cells)
{
	struct topology_config *topo = &c->topo;

	if (t->mode != DOM_MODE_NONE)
		topo->mode = t->mode;
	for (int g = 0; g < c->mmu.nr_nodes && t->nodeset[0]; g++)
		snprintf(topo->node_nodes[g], sizeof(topo->node_nodes[g]), "%s", t->nodeset);
	for (int g = 0; g < t->nr_cells && cells; g++) {
		if (!t->cell[g].nodeset[0])
			continue;
		snprintf(topo->node_nodes[g], sizeof(topo->node_nodes[g]), "%s", t->cell[g].nodeset);
		topo->node_mode[g] = t->cell[g].mode;
		topo->node_has_mode |= 1ull << g;
	}
}

static int has_numatune(const struct dom_topology *t)
{
	int any = t->nodeset[0] != 0;

	for (int g = 0; g < t->nr_cells; g++)
		any |= t->cell[g].nodeset[0] != 0;
	return any;
}

int domain_apply(struct run_config *c, unsigned given, struct nerr *e)
{
	struct dom_topology *t = calloc(1, sizeof(*t));
	int cells;

	if (!t)
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory reading %s", c->domain_xml);
	if (domxml_read(c->domain_xml, t, e) || domxml_check_host(t, c->domain_xml, e)) {
		free(t);
		return -1;
	}
	snprintf(c->domain_note, sizeof(c->domain_note), "domain %s from %s: %d vCPUs, %llu MiB, %d cell%s",
		 t->name[0] ? t->name : "(unnamed)", c->domain_xml, t->vcpus,
		 (unsigned long long)(t->mem_bytes >> 20), t->nr_cells, t->nr_cells == 1 ? "" : "s");
	if (!(given & GIVEN_VCPUS))
		c->nr_vcpus = t->vcpus;
	/* Cells describe vCPUs, nodes and memory together: any of them on the
	 * command line replaces them all. */
	cells = t->nr_cells && !(given & (GIVEN_VCPUS | GIVEN_NODES | GIVEN_MEM));
	if (cells)
		apply_cells(c, t);
	else if (!(given & GIVEN_MEM))
		c->mem_bytes = t->mem_bytes;
	if (!(given & (GIVEN_HOST_NODES | GIVEN_NUMATUNE)))
		apply_numatune(c, t, cells);
	if (!(given & GIVEN_PIN))
		for (int i = 0; i < t->nr_pins; i++)
			snprintf(c->topo.vcpu_cpus[t->pin[i].vcpu], sizeof(c->topo.vcpu_cpus[0]), "%s", t->pin[i].cpuset);
	if (t->hugepages)
		c->mmu.hugetlb = 1;
	{
		char over[128];

		snprintf(over, sizeof(over), "%s%s%s%s%s", given & GIVEN_VCPUS ? " <vcpu>" : "",
			 t->nr_cells && !cells ? " <cell>" : "", given & GIVEN_MEM ? " <memory>" : "",
			 has_numatune(t) && (given & (GIVEN_HOST_NODES | GIVEN_NUMATUNE)) ? " <numatune>" : "",
			 t->nr_pins && (given & GIVEN_PIN) ? " <vcpupin>" : "");
		if (over[0])
			note(c, "; the command line overrides%s", over);
	}
	if (t->ignored[0])
		note(c, "; ignored (not modelled): %s", t->ignored);
	if (t->cur_mem_bytes && t->cur_mem_bytes != t->mem_bytes)
		note(c, "; %s", "currentMemory ignored: numig gives the guest all of <memory>");
	free(t);
	return 0;
}
