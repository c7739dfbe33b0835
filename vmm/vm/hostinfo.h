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
};

void host_info_probe(struct host_info *h);

#endif
