/* Facts about the host that decide what numig may do safely. */
#ifndef NUMIG_VMM_HOSTINFO_H
#define NUMIG_VMM_HOSTINFO_H

#include "kversion.h"

struct host_info {
	char kernel[128];           /* uname -r */
	struct kernel_version version;
	int shadow_paging;          /* 1 shadow, 0 two-dimensional (EPT/NPT), -1 unknown */
	char mmu_mode[96];          /* human description */
	int shadow_fixes;           /* kernel has the 2026 shadow-MMU UAF fixes: 1, 0, -1 unknown */
	int cpus;
	int nodes;
	char hypervisor[13];        /* CPUID leaf 0x40000000 vendor; "" on bare metal */
	int emulated;               /* software emulation (QEMU TCG): results real, timings not */
};

void host_info_probe(struct host_info *h);

/* The hypervisor's CPUID vendor string into buf ("" without the hypervisor
 * bit); returns buf. */
const char *host_hypervisor(char buf[13]);

#endif
