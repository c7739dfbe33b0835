/* Unit tests for vmm/domxml.c: libvirt domain XMLs shaped like real ones
 * (under tests/data/) give the topology they describe; broken ones give one
 * clear error naming the element and line, never a crash. No KVM needed;
 * run from the repository root. */
#define TAP_MAIN
#include "harness.h"
#include "vmm/cli/domxml.h"
#include "vmm/vm/place.h"

#include <libvirt/libvirt.h>
#include <numa.h>
#include <string.h>

static struct dom_topology t;

static int parse(const char *file, struct nerr *e)
{
	char path[256];

	memset(e, 0, sizeof(*e));
	snprintf(path, sizeof(path), "tests/data/%s", file);
	return domxml_read(path, &t, e);
}

static int host_nodes(void)
{
	return numa_available() < 0 ? 1 : numa_max_node() + 1;
}

static void test_one_cell(void)
{
	struct nerr e;

	OK(parse("one-cell.xml", &e) == 0, "one-cell.xml parses (%s)", e.msg);
	OK(!strcmp(t.name, "web01") && t.vcpus == 2 && t.mem_bytes == 256ull << 20 && t.cur_mem_bytes == 256ull << 20,
	   "name, 2 vCPUs, 256 MiB memory and currentMemory (KiB units)");
	OK(t.nr_cells == 1 && t.cell[0].id == 0 && t.cell[0].vcpus == 3 && t.cell[0].mem_bytes == 256ull << 20,
	   "one cell: id 0, vCPUs 0-1, 256 MiB");
	OK(t.mode == DOM_MODE_NONE && !t.nodeset[0] && !t.hugepages && t.nr_pins == 0, "no numatune, no hugepages, no pins");
	OK(strstr(t.ignored, "devices") && strstr(t.ignored, "cpu/topology") && strstr(t.ignored, "os") &&
		   !strstr(t.ignored, "numa"),
	   "unmodelled elements listed once as ignored: %s", t.ignored);
	OK(domxml_check_host(&t, "one-cell.xml", &e) == 0, "nothing to check against the host");
}

static void test_two_cells(void)
{
	struct nerr e;
	int rc;

	OK(parse("two-cells.xml", &e) == 0, "two-cells.xml parses (%s)", e.msg);
	OK(t.nr_cells == 2 && t.cell[0].mem_bytes == 256ull << 20 && t.cell[1].mem_bytes == 128ull << 20,
	   "cells of different sizes: 256 and 128 MiB");
	OK(t.cell[0].vcpus == 1 && t.cell[1].vcpus == 2, "vCPU 0 in cell 0, vCPU 1 in cell 1");
	OK(t.mode == VIR_DOMAIN_NUMATUNE_MEM_STRICT && !strcmp(t.nodeset, "0-1"), "numatune memory: strict 0-1");
	OK(t.cell[0].mode == VIR_DOMAIN_NUMATUNE_MEM_STRICT && !strcmp(t.cell[0].nodeset, "0") &&
		   t.cell[1].mode == VIR_DOMAIN_NUMATUNE_MEM_STRICT && !strcmp(t.cell[1].nodeset, "1"),
	   "memnodes: cell 0 -> host node 0, cell 1 -> host node 1, strict");
	rc = domxml_check_host(&t, "two-cells.xml", &e);
	if (host_nodes() >= 2)
		OK(rc == 0, "a two-node host has the nodes the XML names (%s)", e.msg);
	else
		OK(rc == -1 && e.code == NUMIG_EXIT_USAGE && strstr(e.msg, "two-cells.xml:9: <memory>") &&
			   strstr(e.msg, "0-1"),
		   "a one-node host: the error names the element and line: %s", e.msg);
}

static void test_modes(void)
{
	struct nerr e;

	OK(parse("interleave.xml", &e) == 0 && t.mode == VIR_DOMAIN_NUMATUNE_MEM_INTERLEAVE && !strcmp(t.nodeset, "all") &&
		   t.mem_bytes == 1ull << 30 && t.vcpus == 4 && t.nr_cells == 0,
	   "interleave over all nodes, GiB unit, no cells (%s)", e.msg);
	OK(domxml_check_host(&t, "interleave.xml", &e) == 0, "numactl's 'all' is a valid nodeset (%s)", e.msg);
	OK(parse("preferred.xml", &e) == 0 && t.mode == VIR_DOMAIN_NUMATUNE_MEM_PREFERRED &&
		   t.mem_bytes == 512ull << 20 && t.nr_cells == 1 && t.cell[0].id == 3,
	   "preferred; memory without a unit is KiB; a cell keeps its libvirt id 3 (%s)", e.msg);
	OK(parse("hugepages.xml", &e) == 0 && t.hugepages && strstr(t.ignored, "memoryBacking/nosharepages"),
	   "hugepages with a 2 MiB page size (%s)", e.msg);
	OK(parse("vcpupin.xml", &e) == 0 && t.nr_pins == 3 && t.pin[2].vcpu == 2 && !strcmp(t.pin[2].cpuset, "0-1") &&
		   strstr(t.ignored, "cputune/emulatorpin"),
	   "three vcpupins, emulatorpin ignored (%s)", e.msg);
	OK(t.cell[0].vcpus == 3 && t.cell[1].vcpus == 12, "libvirt's cpus syntax: '0-1,^1,1' is {0,1}, '2-3' is {2,3}");
	for (int m = 0; m < 4; m++)
		OK(place_mode_of(place_mode_name(m)) == m, "mode %d round-trips through its libvirt name '%s'", m,
		   place_mode_name(m));
	OK(place_mode_of("bind") == -1 && !strcmp(place_mode_name(7), "none"), "numactl's 'bind' is not a libvirt mode");
}

static void test_broken(void)
{
	static const struct {
		const char *file, *want;
	} cases[] = {
		{ "broken/malformed.xml", "malformed.xml:5: malformed XML" },
		{ "broken/unknown-unit.xml", "unknown-unit.xml:2: <memory>: unknown unit: parsecs" },
		{ "broken/uncovered-vcpu.xml", "vCPU 2 is in no cell" },
		{ "broken/overlap.xml", "overlap.xml:7: <cell>: cells overlap" },
		{ "broken/too-much-memory.xml", "more than the domain's 256 MiB" },
		{ "broken/overflow.xml", "overflow.xml:2: <memory>: memory size overflows" },
		{ "broken/memnode-no-cell.xml", "memnode-no-cell.xml:5: <memnode>: memnode names a cell" },
		{ "broken/bad-mode.xml", "unknown mode (strict, preferred, interleave or restrictive): bind" },
		{ "broken/not-domain.xml", "the root element must be <domain>" },
		{ "broken/huge-1g.xml", "2 MiB huge pages only" },
		{ "no-such-file.xml", "No such file" },
	};
	struct nerr e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].file, &e);

		OK(rc == -1 && e.code == NUMIG_EXIT_USAGE && strstr(e.msg, cases[i].want), "%s: exit 2, '%s' (%s)",
		   cases[i].file, cases[i].want, e.msg);
	}
	OK(parse("broken/absent-node.xml", &e) == 0 && domxml_check_host(&t, "absent-node.xml", &e) == -1 &&
		   strstr(e.msg, "absent-node.xml:5: <memory>: nodeset '63'"),
	   "a nodeset naming a node this host lacks: %s", e.msg);
	/* An external entity is never loaded: the file is hostile. */
	memset(&e, 0, sizeof(e));
	if (parse("hostile-entity.xml", &e) == 0)
		OK(!strstr(t.name, "root:"), "an external entity is not expanded (name '%s')", t.name);
	else
		OK(e.code == NUMIG_EXIT_USAGE, "an external entity is refused (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(domxml_read("/dev/null", &t, &e) == -1 && strstr(e.msg, "not a regular file"),
	   "a device is refused before reading (%s)", e.msg);
	memset(&e, 0, sizeof(e));
	OK(domxml_parse("", 0, "empty", &t, &e) == -1 && e.code == NUMIG_EXIT_USAGE, "empty input: exit 2 (%s)", e.msg);
}

int main(void)
{
	test_one_cell();
	test_two_cells();
	test_modes();
	test_broken();
	return tap_done();
}
