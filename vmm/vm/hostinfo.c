/* Host probing: kernel version, KVM MMU mode, CPUs and NUMA nodes. */
#include "hostinfo.h"

#include <numa.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The first line of a small file (a module parameter, /proc/version). */
static int read_line(const char *path, char *buf, size_t len)
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

const char *host_hypervisor(char buf[13])
{
	unsigned int a, b = 0, c = 0, d = 0;

	buf[0] = 0;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 31)))
		return buf; /* no hypervisor bit */
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000), "c"(0));
	memcpy(buf, &b, 4);
	memcpy(buf + 4, &c, 4);
	memcpy(buf + 8, &d, 4);
	buf[12] = 0;
	/* A vendor string is text from the hypervisor: printable or nothing. */
	for (int i = 0; buf[i]; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			buf[i] = '?';
	return buf;
}

void host_info_probe(struct host_info *h)
{
	struct utsname u;
	char v[64], proc_version[512], signature[256];
	int have_uname, have_version, have_signature;

	memset(h, 0, sizeof(*h));
	have_uname = uname(&u) == 0;
	if (have_uname)
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
	have_version = read_line("/proc/version", proc_version, sizeof(proc_version)) == 0;
	have_signature = read_line("/proc/version_signature", signature, sizeof(signature)) == 0;
	kernel_version_parse(have_uname ? u.release : NULL, have_version ? proc_version : NULL,
			     have_signature ? signature : NULL, &h->version);
	h->shadow_fixes = kernel_has_shadow_mmu_fixes(&h->version);
	h->shadow_paging = -1;
	snprintf(h->mmu_mode, sizeof(h->mmu_mode), "unknown (no kvm_intel/kvm_amd/kvm_pvm parameters)");
	if (access("/sys/module/kvm_pvm", F_OK) == 0) {
		h->shadow_paging = 1;
		snprintf(h->mmu_mode, sizeof(h->mmu_mode), "shadow paging (kvm_pvm software backend)");
	} else if (read_line("/sys/module/kvm_intel/parameters/ept", v, sizeof(v)) == 0) {
		h->shadow_paging = !param_true(v);
		snprintf(h->mmu_mode, sizeof(h->mmu_mode), "%s", param_true(v) ? "two-dimensional paging (EPT, kvm_intel)"
											   : "shadow paging (kvm_intel, ept=N)");
	} else if (read_line("/sys/module/kvm_amd/parameters/npt", v, sizeof(v)) == 0) {
		h->shadow_paging = !param_true(v);
		snprintf(h->mmu_mode, sizeof(h->mmu_mode), "%s", param_true(v) ? "two-dimensional paging (NPT, kvm_amd)"
											   : "shadow paging (kvm_amd, npt=0)");
	}
	h->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	h->nodes = numa_available() >= 0 ? numa_max_node() + 1 : 1;
	/* QEMU's TCG: the emulated host of README "No KVM on this machine". */
	h->emulated = !strcmp(host_hypervisor(h->hypervisor), "TCGTCGTCGTCG");
}
