/* What `numig run` was asked to do: one struct, filled by the CLI
 * (vmm/cli/cli.c) and read where each setting is used. The memory
 * manager's settings are its own struct, embedded here. */
#ifndef NUMIG_VMM_CONFIG_H
#define NUMIG_VMM_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include <numig/abi.h>

#include "mmu/config.h"

struct machine;

struct run_config {
	const char *kvm_device;
	const char *guest;           /* built-in name or path */
	char guest_path[4096];       /* resolved */
	int nr_vcpus;
	uint64_t mem_bytes;          /* guest RAM for the working-set nodes, all nodes together */
	uint64_t ws_bytes;
	uint64_t timeout_ns;
	uint64_t duration_ns;        /* run length for workloads that loop (0 = guest decides) */
	uint64_t host_nodes_mask;    /* --host-nodes: host nodes to place guest nodes on (0 = all) */
	int json;
	int quiet;
	int allow_unsafe_host;
	uint64_t params[NUMIG_NR_PARAMS];
	struct mmu_config mmu;       /* the memory manager's settings, read by the mmu itself */
	uint64_t sample_ns;          /* time-series interval */
	const char *plot_path;
	FILE *console;               /* guest output, prefixed per vCPU */
	/* Called about once a second while the guest runs (the CLI's progress
	 * line); NULL for none. */
	void (*progress)(struct machine *m, double t_s);
};

#endif
