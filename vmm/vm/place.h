/* Where the guest goes on the host: each guest node's memory, host nodes
 * and policy, each vCPU's guest node and host CPUs. Read from the run
 * config's topology (--nodes, --host-nodes, --numatune, --pin, or a libvirt
 * domain XML); nothing here is pretended: the report measures it after. */
#ifndef NUMIG_VMM_PLACE_H
#define NUMIG_VMM_PLACE_H

#include <stddef.h>

#include <numig/err.h>

#include "mmu/pool.h"

struct machine;
struct bitmask;

/* libvirt's name of a numatune mode (virDomainNumatuneMemMode: "strict",
 * "preferred", "interleave", "restrictive"), or "none". */
const char *place_mode_name(int mode);
/* The mode for a libvirt name, or -1. */
int place_mode_of(const char *name);

/* libvirt's numatune mode -> the pool's mbind policy. restrictive has no
 * cgroup here to confine memory, so it binds like strict. */
enum pool_policy place_policy_of_mode(int mode);

/* Fills spec[g] for every guest node and the machine's placement note. */
int place_nodes(struct machine *m, struct pool_node_spec *spec, struct nerr *e);

/* Gives every vCPU its guest node and the host CPUs it is pinned to
 * (vcpu.cpus, NULL when not pinned). Under --pin node, vCPUs spread over the
 * CPUs of their node's host nodes, no two on one CPU while free ones remain. */
int place_vcpus(struct machine *m, const struct pool_node_spec *spec, struct nerr *e);

/* A CPU or node set in list syntax ("0-3,6"), "-" when empty. */
void place_list_str(const struct bitmask *b, char *buf, size_t len);

#endif
