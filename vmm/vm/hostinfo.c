/* Host probing: kernel version, KVM MMU mode, CPUs and NUMA nodes. */
#include "hostinfo.h"

#include <numa.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static int read_param(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int param_true(const char *v)
{
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

/* Fixes 0cb2af2ea66a and 81ccda30b4e8 ("KVM: x86/mmu: shadow paging
 * use-after-free due to unexpected GFN"), per stable branch. */
static int has_shadow_fixes(int ma, int mi, int pa)
{
	if (ma > 7 || (ma == 7 && mi >= 2))
		return 1;
	if (ma == 7 && mi == 1)
		return pa >= 3;
	if (ma == 6 && mi == 18)
		return pa >= 38;
	if (ma == 6 && mi == 12)
		return pa >= 95;
	if (ma == 6 && mi == 6)
		return pa >= 144;
	if (ma == 6 && mi == 1)
		return pa >= 177;
	return 0;
}

void host_info_probe(struct host_info *h)
{
	struct utsname u;
	char v[64];

	memset(h, 0, sizeof(*h));
	if (uname(&u) == 0) {
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
		sscanf(u.release, "%d.%d.%d", &h->kernel_major, &h->kernel_minor, &h->kernel_patch);
	}
	h->shadow_fixes = has_shadow_fixes(h->kernel_major, h->kernel_minor, h->kernel_patch);
	h->shadow_paging = -1;
	snprintf(h->mmu_mode, sizeof(h->mmu_mode), "unknown (no kvm_intel/kvm_amd/kvm_pvm parameters)");
	if (access("/sys/module/kvm_pvm", F_OK) == 0) {
		h->shadow_paging = 1;
		snprintf(h->mmu_mode, sizeof(h->mmu_mode), "shadow paging (kvm_pvm software backend)");
	} else if (read_param("/sys/module/kvm_intel/parameters/ept", v, sizeof(v)) == 0) {
		h->shadow_paging = !param_true(v);
		snprintf(h->mmu_mode, sizeof(h->mmu_mode), "%s", param_true(v) ? "EPT (kvm_intel)" : "shadow paging (kvm_intel, ept=N)");
	} else if (read_param("/sys/module/kvm_amd/parameters/npt", v, sizeof(v)) == 0) {
		h->shadow_paging = !param_true(v);
		snprintf(h->mmu_mode, sizeof(h->mmu_mode), "%s", param_true(v) ? "NPT (kvm_amd)" : "shadow paging (kvm_amd, npt=0)");
	}
	h->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	h->nodes = numa_available() >= 0 ? numa_max_node() + 1 : 1;
}
