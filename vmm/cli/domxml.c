/* Reading a libvirt domain XML (domxml.h). */
#define _GNU_SOURCE
#include "domxml.h"

#include "vmm/vm/place.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <numa.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Parsing state: the file's name for messages and the error sink. */
struct ctx {
	const char *name;
	struct dom_topology *t;
	struct nerr *e;
};

static int bad(struct ctx *c, xmlNode *n, const char *fmt, const char *detail)
{
	return nerr_set(c->e, NUMIG_EXIT_USAGE, "%s:%ld: <%s>: %s%s", c->name, n ? xmlGetLineNo(n) : 0L,
			n ? (const char *)n->name : "?", fmt, detail ? detail : "");
}

static int is(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* An attribute's value copied into buf; 0 when absent. Values longer than
 * buf are refused rather than cut. */
static int attr(struct ctx *c, xmlNode *n, const char *key, char *buf, size_t len, int *err)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)key);
	size_t l;

	if (!v)
		return 0;
	l = strlen((const char *)v);
	if (l >= len) {
		xmlFree(v);
		*err = bad(c, n, "attribute too long: ", key);
		return 0;
	}
	memcpy(buf, v, l + 1);
	xmlFree(v);
	return 1;
}

static int text(struct ctx *c, xmlNode *n, char *buf, size_t len)
{
	xmlChar *v = xmlNodeGetContent(n);
	size_t a, b;

	if (!v)
		return bad(c, n, "empty element", NULL);
	for (a = 0; v[a] == ' ' || v[a] == '\t' || v[a] == '\n' || v[a] == '\r'; a++)
		;
	for (b = strlen((const char *)v); b > a && (v[b - 1] == ' ' || v[b - 1] == '\t' || v[b - 1] == '\n' ||
						     v[b - 1] == '\r');
	     b--)
		;
	if (b - a >= len || b == a) {
		xmlFree(v);
		return bad(c, n, b == a ? "empty element" : "value too long", NULL);
	}
	memcpy(buf, v + a, b - a);
	buf[b - a] = 0;
	xmlFree(v);
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
			return -1;
	}
	*out = v;
	return 0;
}

/* libvirt's scaled integers (virScaleInteger): the default unit is KiB. */
static int scale(const char *unit, uint64_t *mul)
{
	static const struct {
		const char *name;
		uint64_t mul;
	} units[] = {
		{ "b", 1 }, { "byte", 1 }, { "bytes", 1 },
		{ "KB", 1000ull }, { "k", 1ull << 10 }, { "K", 1ull << 10 }, { "KiB", 1ull << 10 },
		{ "MB", 1000000ull }, { "M", 1ull << 20 }, { "MiB", 1ull << 20 },
		{ "GB", 1000000000ull }, { "G", 1ull << 30 }, { "GiB", 1ull << 30 },
		{ "TB", 1000000000000ull }, { "T", 1ull << 40 }, { "TiB", 1ull << 40 },
		{ "PB", 1000000000000000ull }, { "P", 1ull << 50 }, { "PiB", 1ull << 50 },
		{ "EB", 1000000000000000000ull }, { "E", 1ull << 60 }, { "EiB", 1ull << 60 },
	};

	if (!unit[0]) {
		*mul = 1ull << 10;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].name)) {
			*mul = units[i].mul;
			return 0;
		}
	return -1;
}

static int memory_of(struct ctx *c, xmlNode *n, const char *value, uint64_t *bytes)
{
	char unit[16] = "";
	uint64_t v, mul;
	int err = 0;

	attr(c, n, "unit", unit, sizeof(unit), &err);
	if (err)
		return -1;
	if (scale(unit, &mul))
		return bad(c, n, "unknown unit: ", unit);
	if (parse_u64(value, &v))
		return bad(c, n, "not a non-negative integer: ", value);
	if (__builtin_mul_overflow(v, mul, bytes))
		return bad(c, n, "memory size overflows 64 bits: ", value);
	return 0;
}

/* A decimal number at *s; advances *s past it. */
static int read_num(const char **s, uint64_t *v)
{
	char num[24];
	size_t l = strspn(*s, "0123456789");

	if (!l || l >= sizeof(num))
		return -1;
	memcpy(num, *s, l);
	num[l] = 0;
	*s += l;
	return parse_u64(num, v);
}

/* libvirt's CPU list syntax: "0-3,^2,5", applied left to right (as
 * virBitmapParse does). Bits >= max are an error. */
static int cpu_list(struct ctx *c, xmlNode *n, const char *s, int max, uint64_t *mask)
{
	uint64_t set = 0;

	if (!*s)
		return bad(c, n, "empty cpus list", NULL);
	while (*s) {
		int neg = *s == '^';
		uint64_t a, b;

		s += neg;
		if (read_num(&s, &a))
			return bad(c, n, "malformed cpus list at: ", s);
		b = a;
		if (*s == '-' && !neg) {
			s++;
			if (read_num(&s, &b))
				return bad(c, n, "malformed cpus range at: ", s);
		}
		if (a > b || b >= (uint64_t)max) {
			char last[16];

			snprintf(last, sizeof(last), "%d", max - 1);
			return bad(c, n, "vCPU out of range; the domain's vCPUs are 0..", last);
		}
		for (uint64_t i = a; i <= b; i++)
			set = neg ? set & ~(1ull << i) : set | (1ull << i);
		if (*s == ',')
			s++;
		else if (*s)
			return bad(c, n, "malformed cpus list at: ", s);
	}
	*mask = set;
	return 0;
}

static int mode_attr(struct ctx *c, xmlNode *n, int *mode)
{
	char m[24] = "";
	int err = 0;

	if (!attr(c, n, "mode", m, sizeof(m), &err)) {
		*mode = err ? -1 : VIR_DOMAIN_NUMATUNE_MEM_STRICT; /* libvirt's default */
		return err ? -1 : 0;
	}
	*mode = place_mode_of(m);
	if (*mode < 0)
		return bad(c, n, "unknown mode (strict, preferred, interleave or restrictive): ", m);
	return 0;
}

/* Lists an element numig does not model, once: "devices, cpu/topology". */
static void ignore(struct ctx *c, const char *parent, xmlNode *n)
{
	char *list = c->t->ignored, item[96];
	size_t used = strlen(list), il;

	snprintf(item, sizeof(item), "%s%s%s", parent ? parent : "", parent ? "/" : "", (const char *)n->name);
	il = strlen(item);
	for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] ? 2 : 0))
		if (strcspn(p, ",") == il && !strncmp(p, item, il))
			return;
	if (used + il + 3 < sizeof(c->t->ignored))
		snprintf(list + used, sizeof(c->t->ignored) - used, "%s%s", used ? ", " : "", item);
}

static int parse_cell(struct ctx *c, xmlNode *n)
{
	struct dom_topology *t = c->t;
	struct dom_cell *cell;
	char buf[DOM_NODESET_LEN];
	uint64_t id;
	int err = 0;

	if (t->nr_cells >= DOM_MAX_CELLS)
		return bad(c, n, "too many cells (numig models at most 64)", NULL);
	cell = &t->cell[t->nr_cells];
	memset(cell, 0, sizeof(*cell));
	cell->line = (int)xmlGetLineNo(n);
	cell->mode = DOM_MODE_NONE;
	if (attr(c, n, "id", buf, sizeof(buf), &err)) {
		if (parse_u64(buf, &id) || id >= DOM_MAX_CELLS)
			return bad(c, n, "cell id must be 0..63: ", buf);
		cell->id = (int)id;
	} else {
		cell->id = t->nr_cells; /* libvirt numbers cells in order when ids are absent */
	}
	for (int i = 0; i < t->nr_cells; i++)
		if (t->cell[i].id == cell->id)
			return bad(c, n, "duplicate cell id", NULL);
	if (err || !attr(c, n, "cpus", buf, sizeof(buf), &err))
		return err ? -1 : bad(c, n, "cell without cpus", NULL);
	if (cpu_list(c, n, buf, t->vcpus, &cell->vcpus))
		return -1;
	if (!cell->vcpus)
		return bad(c, n, "cell with no vCPU", NULL);
	for (int i = 0; i < t->nr_cells; i++)
		if (t->cell[i].vcpus & cell->vcpus)
			return bad(c, n, "cells overlap: a vCPU is in two cells", NULL);
	if (!attr(c, n, "memory", buf, sizeof(buf), &err))
		return err ? -1 : bad(c, n, "cell without memory", NULL);
	if (memory_of(c, n, buf, &cell->mem_bytes))
		return -1;
	if (cell->mem_bytes < (2ull << 20) || cell->mem_bytes % (2ull << 20))
		return bad(c, n, "cell memory must be a positive multiple of 2 MiB (numig's frames): ", buf);
	t->nr_cells++;
	return 0;
}

static int parse_cpu(struct ctx *c, xmlNode *cpu)
{
	for (xmlNode *n = cpu->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!is(n, "numa")) {
			ignore(c, "cpu", n);
			continue;
		}
		for (xmlNode *k = n->children; k; k = k->next) {
			if (is(k, "cell")) {
				if (parse_cell(c, k))
					return -1;
			} else if (k->type == XML_ELEMENT_NODE) {
				ignore(c, "cpu/numa", k);
			}
		}
	}
	return 0;
}

static struct dom_cell *cell_by_id(struct dom_topology *t, int id)
{
	for (int i = 0; i < t->nr_cells; i++)
		if (t->cell[i].id == id)
			return &t->cell[i];
	return NULL;
}

/* <memnode> refers to cells, which <cpu> may define after <numatune>:
 * memnodes are applied in a second pass. */
static int parse_numatune(struct ctx *c, xmlNode *nt, int memnodes)
{
	struct dom_topology *t = c->t;
	char buf[DOM_NODESET_LEN];
	int err = 0;

	for (xmlNode *n = nt->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is(n, "memory") && !memnodes) {
			if (attr(c, n, "placement", buf, sizeof(buf), &err) && strcmp(buf, "static"))
				return bad(c, n, "placement must be static (numig does not ask numad): ", buf);
			if (err || mode_attr(c, n, &t->mode))
				return -1;
			if (!attr(c, n, "nodeset", t->nodeset, sizeof(t->nodeset), &err))
				return err ? -1 : bad(c, n, "memory without nodeset", NULL);
			t->nodeset_line = (int)xmlGetLineNo(n);
		} else if (is(n, "memnode") && memnodes) {
			struct dom_cell *cell;
			uint64_t id;

			if (!attr(c, n, "cellid", buf, sizeof(buf), &err) || parse_u64(buf, &id) || id >= DOM_MAX_CELLS)
				return err ? -1 : bad(c, n, "memnode needs a cellid 0..63", NULL);
			cell = cell_by_id(t, (int)id);
			if (!cell)
				return bad(c, n, "memnode names a cell the domain does not have: ", buf);
			if (cell->nodeset[0])
				return bad(c, n, "two memnodes for one cell: ", buf);
			if (mode_attr(c, n, &cell->mode))
				return -1;
			if (!attr(c, n, "nodeset", cell->nodeset, sizeof(cell->nodeset), &err))
				return err ? -1 : bad(c, n, "memnode without nodeset", NULL);
			cell->memnode_line = (int)xmlGetLineNo(n);
		} else if (!is(n, "memory") && !is(n, "memnode") && !memnodes) {
			ignore(c, "numatune", n);
		}
	}
	return 0;
}

static int parse_cputune(struct ctx *c, xmlNode *ct)
{
	struct dom_topology *t = c->t;
	char buf[24];
	int err = 0;

	for (xmlNode *n = ct->children; n; n = n->next) {
		struct dom_pin *p;
		uint64_t v;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!is(n, "vcpupin")) {
			ignore(c, "cputune", n);
			continue;
		}
		if (t->nr_pins >= NUMIG_MAX_VCPUS)
			return bad(c, n, "more vcpupins than vCPUs", NULL);
		p = &t->pin[t->nr_pins];
		p->line = (int)xmlGetLineNo(n);
		if (!attr(c, n, "vcpu", buf, sizeof(buf), &err) || parse_u64(buf, &v) || v >= (uint64_t)t->vcpus)
			return err ? -1 : bad(c, n, "vcpupin needs a vcpu of the domain", NULL);
		p->vcpu = (int)v;
		for (int i = 0; i < t->nr_pins; i++)
			if (t->pin[i].vcpu == p->vcpu)
				return bad(c, n, "two vcpupins for one vCPU", NULL);
		if (!attr(c, n, "cpuset", p->cpuset, sizeof(p->cpuset), &err))
			return err ? -1 : bad(c, n, "vcpupin without cpuset", NULL);
		t->nr_pins++;
	}
	return 0;
}

static int parse_backing(struct ctx *c, xmlNode *mb)
{
	for (xmlNode *n = mb->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!is(n, "hugepages")) {
			ignore(c, "memoryBacking", n);
			continue;
		}
		c->t->hugepages = 1;
		for (xmlNode *p = n->children; p; p = p->next) {
			char size[32];
			uint64_t bytes;
			int err = 0;

			if (!is(p, "page"))
				continue;
			if (!attr(c, p, "size", size, sizeof(size), &err))
				return err ? -1 : bad(c, p, "page without size", NULL);
			if (memory_of(c, p, size, &bytes))
				return -1;
			if (bytes != (2ull << 20))
				return bad(c, p, "numig backs guests with 2 MiB huge pages only; page size: ", size);
		}
	}
	return 0;
}

static int parse_domain(struct ctx *c, xmlNode *root)
{
	struct dom_topology *t = c->t;
	xmlNode *vcpu = NULL, *memory = NULL;
	char buf[64];
	uint64_t v;

	if (!root || !is(root, "domain"))
		return bad(c, root, "the root element must be <domain>", NULL);
	for (xmlNode *n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is(n, "vcpu"))
			vcpu = n;
		else if (is(n, "memory"))
			memory = n;
		else if (is(n, "name")) {
			xmlChar *name = xmlNodeGetContent(n);

			/* Only a label in the report: cut, never refused. */
			snprintf(t->name, sizeof(t->name), "%s", name ? (const char *)name : "");
			xmlFree(name);
		}
		else if (is(n, "currentMemory")) {
			if (text(c, n, buf, sizeof(buf)) || memory_of(c, n, buf, &t->cur_mem_bytes))
				return -1;
		} else if (!is(n, "cpu") && !is(n, "numatune") && !is(n, "cputune") && !is(n, "memoryBacking"))
			ignore(c, NULL, n);
	}
	if (!vcpu)
		return bad(c, root, "no <vcpu> element", NULL);
	if (text(c, vcpu, buf, sizeof(buf)) || parse_u64(buf, &v) || v < 1 || v > NUMIG_MAX_VCPUS)
		return nerr_set(c->e, NUMIG_EXIT_USAGE, "%s:%ld: <vcpu>: must be 1..%d", c->name, xmlGetLineNo(vcpu),
				NUMIG_MAX_VCPUS);
	t->vcpus = (int)v;
	if (!memory)
		return bad(c, root, "no <memory> element", NULL);
	if (text(c, memory, buf, sizeof(buf)) || memory_of(c, memory, buf, &t->mem_bytes))
		return -1;
	if (t->mem_bytes < (2ull << 20))
		return bad(c, memory, "memory must be at least 2 MiB", NULL);
	/* Cells before memnodes: <numatune> may come before <cpu>. */
	for (int pass = 0; pass < 2; pass++)
		for (xmlNode *n = root->children; n; n = n->next) {
			int rc = 0;

			if (pass == 0 && is(n, "cpu"))
				rc = parse_cpu(c, n);
			else if (pass == 0 && is(n, "cputune"))
				rc = parse_cputune(c, n);
			else if (pass == 0 && is(n, "memoryBacking"))
				rc = parse_backing(c, n);
			else if (is(n, "numatune"))
				rc = parse_numatune(c, n, pass);
			if (rc)
				return -1;
		}
	if (t->nr_cells) {
		uint64_t all = 0, sum = 0, want = t->vcpus == 64 ? ~0ull : (1ull << t->vcpus) - 1;

		for (int i = 0; i < t->nr_cells; i++) {
			all |= t->cell[i].vcpus;
			if (__builtin_add_overflow(sum, t->cell[i].mem_bytes, &sum))
				return bad(c, root, "cell memory overflows 64 bits", NULL);
		}
		if (all != want)
			return nerr_set(c->e, NUMIG_EXIT_USAGE,
					"%s:%d: <cell>: the cells do not cover every vCPU (vCPU %d is in no cell)", c->name,
					t->cell[t->nr_cells - 1].line, __builtin_ctzll(want & ~all));
		if (sum > t->mem_bytes)
			return nerr_set(c->e, NUMIG_EXIT_USAGE,
					"%s:%ld: <memory>: the cells hold %llu MiB, more than the domain's %llu MiB", c->name,
					xmlGetLineNo(memory), (unsigned long long)(sum >> 20),
					(unsigned long long)(t->mem_bytes >> 20));
	}
	return 0;
}

int domxml_parse(const char *buf, size_t len, const char *name, struct dom_topology *t, struct nerr *e)
{
	struct ctx c = { name, t, e };
	xmlDoc *doc;
	int rc;

	memset(t, 0, sizeof(*t));
	t->mode = DOM_MODE_NONE;
	if (len > DOM_MAX_BYTES)
		return nerr_set(e, NUMIG_EXIT_USAGE, "%s: larger than %u bytes: not a domain XML", name, DOM_MAX_BYTES);
	/* No network, no entity expansion, no DTD loading: the file is hostile. */
	doc = xmlReadMemory(buf, (int)len, name, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
	if (!doc) {
		const xmlError *x = xmlGetLastError();
		const char *msg = x && x->message ? x->message : "parse error";

		return nerr_set(e, NUMIG_EXIT_USAGE, "%s:%d: malformed XML: %.*s", name, x ? x->line : 0,
				(int)strcspn(msg, "\n"), msg);
	}
	rc = parse_domain(&c, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return rc;
}

/* Node and CPU lists in numactl's syntax, checked by libnuma itself against
 * this host's nodes and CPUs. */
static int host_list(const char *name, int line, const char *elem, const char *list, int cpus, struct nerr *e)
{
	struct bitmask *b;

	if (numa_available() < 0)
		return nerr_set(e, NUMIG_EXIT_USAGE, "%s:%d: <%s>: '%s' given, but this host has no NUMA support", name,
				line, elem, list);
	b = cpus ? numa_parse_cpustring(list) : numa_parse_nodestring(list);
	if (!b)
		return nerr_set(e, NUMIG_EXIT_USAGE, "%s:%d: <%s>: %s '%s' is malformed or names %s this host lacks", name,
				line, elem, cpus ? "cpuset" : "nodeset", list, cpus ? "a CPU" : "a node");
	numa_bitmask_free(b);
	return 0;
}

int domxml_check_host(const struct dom_topology *t, const char *name, struct nerr *e)
{
	if (t->nodeset[0] && host_list(name, t->nodeset_line, "memory", t->nodeset, 0, e))
		return -1;
	for (int i = 0; i < t->nr_cells; i++)
		if (t->cell[i].nodeset[0] &&
		    host_list(name, t->cell[i].memnode_line, "memnode", t->cell[i].nodeset, 0, e))
			return -1;
	for (int i = 0; i < t->nr_pins; i++)
		if (host_list(name, t->pin[i].line, "vcpupin", t->pin[i].cpuset, 1, e))
			return -1;
	return 0;
}

int domxml_read(const char *path, struct dom_topology *t, struct nerr *e)
{
	struct stat st;
	char *buf;
	ssize_t got;
	int fd, rc;

	/* O_NONBLOCK: a FIFO must not block the open. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return nerr_set(e, NUMIG_EXIT_USAGE, "--domain-xml %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > DOM_MAX_BYTES) {
		close(fd);
		return nerr_set(e, NUMIG_EXIT_USAGE, "--domain-xml %s: not a regular file of at most %u bytes", path,
				DOM_MAX_BYTES);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory reading %s", path);
	}
	got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		free(buf);
		return nerr_set(e, NUMIG_EXIT_USAGE, "--domain-xml %s: short read", path);
	}
	rc = domxml_parse(buf, (size_t)got, path, t, e);
	free(buf);
	return rc;
}
