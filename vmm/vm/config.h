/* What `numig run` was asked to do: one struct, filled by the CLI
 * (vmm/cli/cli.c) and read where each setting is used. The memory
 * manager's settings are its own struct, embedded here. */
#ifndef NUMIG_VMM_CONFIG_H
#define NUMIG_VMM_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include <numig/abi.h>

#include "mmu/config.h"
#include "mmu/faultpoint.h"
#include "mmu/pool.h" /* POOL_MAX_NODES */

struct machine;

#define NODELIST_LEN 128

/* How vCPU threads are pinned (--pin): spread over the CPUs of their guest
 * node's host nodes, not at all, or to the CPUs of a list. */
enum pin_mode { PIN_NODE, PIN_NONE, PIN_LIST };

/* The guest's NUMA topology and where it goes on the host, from --nodes,
 * --host-nodes, --numatune, --pin or a libvirt domain XML (vmm/cli/domxml.c).
 * Modes are libvirt's virDomainNumatuneMemMode values; lists use numactl's
 * syntax. Read by vmm/vm/place.c. */
struct topology_config {
	char host_nodes[NODELIST_LEN];               /* --host-nodes LIST: guest nodes round robin over it; "" all */
	int mode;                                    /* numatune mode of every guest node [strict] */
	char node_nodes[POOL_MAX_NODES][NODELIST_LEN]; /* one guest node's host nodes (--host-nodes G=LIST,
							* <memnode>, <memory nodeset>); "" the default */
	int node_mode[POOL_MAX_NODES];               /* valid where node_has_mode has bit g */
	uint64_t node_has_mode;
	uint64_t node_bytes[POOL_MAX_NODES];         /* 0: --mem split evenly */
	int cell_id[POOL_MAX_NODES];                 /* libvirt cell ids, where has_cells */
	int has_cells;
	int vcpu_node[NUMIG_MAX_VCPUS];              /* guest node of each vCPU, where has_vcpu_nodes */
	int has_vcpu_nodes;
	enum pin_mode pin;
	char pin_cpus[NODELIST_LEN];                 /* --pin LIST: vCPU i on the i-th CPU of the list */
	char vcpu_cpus[NUMIG_MAX_VCPUS][NODELIST_LEN]; /* <vcpupin>: one vCPU's CPUs; "" the pin mode's choice */
};

struct run_config {
	const char *kvm_device;
	const char *guest;           /* built-in name or path */
	char guest_path[4096];       /* resolved */
	int nr_vcpus;
	uint64_t mem_bytes;          /* guest RAM for the working-set nodes, all nodes together */
	uint64_t ws_bytes;
	uint64_t timeout_ns;
	uint64_t duration_ns;        /* run length for workloads that loop (0 = guest decides) */
	uint64_t stop_migrations;    /* --migrations: the run ends once this many are done (0: no such end) */
	struct topology_config topo; /* guest nodes, vCPUs and their host placement */
	const char *domain_xml;      /* --domain-xml FILE */
	char domain_note[1024];      /* what came from the XML, what the command line overrode, what was ignored */
	int json;
	int tap;                     /* --tap: TAP 13 and kselftest's exit codes (vmm/cli/tap.h) */
	int quiet;
	int allow_unsafe_host;
	uint64_t params[NUMIG_NR_PARAMS];
	/* --param NAME=VALUE, in command-line order (numig_param()) */
	struct {
		char name[NUMIG_PARAM_NAME_LEN];
		uint64_t value;
	} user_params[NUMIG_NR_USER_PARAMS];
	int nr_user_params;
	struct mmu_config mmu;       /* the memory manager's settings, read by the mmu itself */
	struct fault_plan fail;      /* --fail: the resource-fault seam (test hook) */
	uint64_t sample_ns;          /* time-series interval */
	const char *plot_path;
	FILE *console;               /* guest output, prefixed per vCPU */
	/* Called about once a second while the guest runs (the CLI's progress
	 * line); NULL for none. */
	void (*progress)(struct machine *m, double t_s);
};

#endif
