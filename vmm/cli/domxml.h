/* A libvirt domain XML (what `virsh dumpxml` prints), read with libxml2 into
 * the topology numig can build: vCPUs, guest NUMA cells and their memory,
 * which host nodes back each cell and how (numatune), vCPU pinning and
 * hugepage backing. Everything in the file is hostile input: each value is
 * checked here, and an error names the element and its line. */
#ifndef NUMIG_VMM_DOMXML_H
#define NUMIG_VMM_DOMXML_H

#include <stddef.h>
#include <stdint.h>

#include <numig/abi.h>
#include <numig/err.h>

#define DOM_MAX_CELLS 64     /* = POOL_MAX_NODES */
#define DOM_MAX_BYTES (1u << 20)
#define DOM_NODESET_LEN 128

/* libvirt's virDomainNumatuneMemMode values (libvirt-domain.h); -1: not given. */
enum { DOM_MODE_NONE = -1 };

struct dom_cell {
	int id;                        /* libvirt's cell id */
	uint64_t mem_bytes;
	uint64_t vcpus;                /* bit i: vCPU i sits in this cell */
	int mode;                      /* from <memnode>, or DOM_MODE_NONE */
	char nodeset[DOM_NODESET_LEN]; /* from <memnode> (numactl syntax), or "" */
	int line;                      /* of <cell> */
	int memnode_line;
};

struct dom_pin {
	int vcpu;
	char cpuset[DOM_NODESET_LEN];
	int line;
};

struct dom_topology {
	char name[64];
	int vcpus;
	uint64_t mem_bytes;            /* <memory> */
	uint64_t cur_mem_bytes;        /* <currentMemory>, 0 when absent */
	int nr_cells;                  /* 0: no <cpu><numa>, one node */
	struct dom_cell cell[DOM_MAX_CELLS];
	int mode;                      /* <numatune><memory mode>, DOM_MODE_NONE */
	char nodeset[DOM_NODESET_LEN]; /* <numatune><memory nodeset>, or "" */
	int nodeset_line;
	int nr_pins;
	struct dom_pin pin[NUMIG_MAX_VCPUS];
	int hugepages;                 /* <memoryBacking><hugepages/> */
	char ignored[512];             /* elements numig does not model, once each */
};

/* Parses `len` bytes named `name` (for messages): the structure and every
 * value; host node and CPU lists are kept as text. */
int domxml_parse(const char *buf, size_t len, const char *name, struct dom_topology *t, struct nerr *e);
/* Reads and parses a file: a regular file of at most DOM_MAX_BYTES. */
int domxml_read(const char *path, struct dom_topology *t, struct nerr *e);
/* Checks the nodesets and cpusets against this host (libnuma's parsers,
 * numactl's syntax); an error names the element and its line. */
int domxml_check_host(const struct dom_topology *t, const char *name, struct nerr *e);

#endif
