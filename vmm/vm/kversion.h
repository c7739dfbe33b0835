/* The kernel's real version. Distributions put a build number where
 * `uname -r` has the patch level (Debian: 6.1.0-57-cloud-amd64 is 6.1.192),
 * and a rule that keys on stable releases must read the version where the
 * distribution writes it. */
#ifndef NUMIG_VMM_KVERSION_H
#define NUMIG_VMM_KVERSION_H

struct kernel_version {
	int major, minor, patch;    /* -1 when no version could be read */
	int backports_unknown;      /* the number says nothing about backported fixes (RHEL) */
	char source[64];            /* where it was read, for the report */
};

/* Any argument may be NULL (file absent). uname_release: `uname -r`;
 * proc_version: /proc/version; version_signature: /proc/version_signature
 * (Ubuntu). */
void kernel_version_parse(const char *uname_release, const char *proc_version, const char *version_signature,
			  struct kernel_version *out);

/* Does the kernel carry the 2026 shadow-MMU use-after-free fixes
 * (0cb2af2ea66a, 81ccda30b4e8)? 1 yes, 0 no, -1 the version cannot tell. */
int kernel_has_shadow_mmu_fixes(const struct kernel_version *v);

#endif
