/* Unit tests for vmm/kversion.c: the kernel's real version from the strings
 * distributions really print (/proc/version, /proc/version_signature,
 * uname -r). No KVM needed. */
#define TAP_MAIN
#include "harness.h"
#include "vmm/vm/kversion.h"

#include <string.h>

struct sample {
	const char *what, *uname, *proc_version, *signature;
	int major, minor, patch, backports_unknown;
	const char *source; /* a word the source must name */
};

static const struct sample samples[] = {
	{ "Debian 12 cloud kernel (the two-node QEMU guest)", "6.1.0-57-cloud-amd64",
	  "Linux version 6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) "
	  "12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-10-18)",
	  NULL, 6, 1, 192, 0, "Debian" },
	{ "Debian 12 generic kernel", "6.1.0-28-amd64",
	  "Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld "
	  "(GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)",
	  NULL, 6, 1, 119, 0, "Debian" },
	{ "Debian 11", "5.10.0-33-amd64",
	  "Linux version 5.10.0-33-amd64 (debian-kernel@lists.debian.org) (gcc-10 (Debian 10.2.1-6) 10.2.1 20210110, "
	  "GNU ld (GNU Binutils for Debian) 2.35.2) #1 SMP Debian 5.10.226-1 (2024-10-03)",
	  NULL, 5, 10, 226, 0, "Debian" },
	{ "Debian unstable (version in uname too)", "6.12.6-amd64",
	  "Linux version 6.12.6-amd64 (debian-kernel@lists.debian.org) (x86_64-linux-gnu-gcc-14 (Debian 14.2.0-11) "
	  "14.2.0, GNU ld (GNU Binutils for Debian) 2.43.50.20241221) #1 SMP PREEMPT_DYNAMIC Debian 6.12.6-1 "
	  "(2024-12-21)",
	  NULL, 6, 12, 6, 0, "Debian" },
	{ "Ubuntu 24.04 (signature names the upstream base)", "6.8.0-49-generic",
	  "Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) (x86_64-linux-gnu-gcc-13 (Ubuntu "
	  "13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42) #49-Ubuntu SMP PREEMPT_DYNAMIC Mon Nov  4 "
	  "02:06:24 UTC 2024",
	  "Ubuntu 6.8.0-49.49-generic 6.8.12", 6, 8, 12, 0, "Ubuntu" },
	{ "Ubuntu 22.04 HWE", "6.5.0-45-generic",
	  "Linux version 6.5.0-45-generic (buildd@lcy02-amd64-115) (x86_64-linux-gnu-gcc-12 (Ubuntu "
	  "12.3.0-1ubuntu1~22.04) 12.3.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #45~22.04.1-Ubuntu SMP "
	  "PREEMPT_DYNAMIC Mon Jul 15 16:40:02 UTC 2",
	  "Ubuntu 6.5.0-45.45~22.04.1-generic 6.5.13\n", 6, 5, 13, 0, "Ubuntu" },
	{ "Fedora 41 (uname is the upstream version)", "6.11.8-300.fc41.x86_64",
	  "Linux version 6.11.8-300.fc41.x86_64 (mockbuild@a5ae0e9f0b5c4e1a8d6ea1e6bc5dd9d6) (gcc (GCC) 14.2.1 "
	  "20240912 (Red Hat 14.2.1-3), GNU ld version 2.43.1-2.fc41) #1 SMP PREEMPT_DYNAMIC Thu Nov 14 20:37:39 UTC "
	  "2024",
	  NULL, 6, 11, 8, 0, "uname" },
	{ "RHEL 9 (fixes backported under 5.14.0)", "5.14.0-503.14.1.el9_5.x86_64",
	  "Linux version 5.14.0-503.14.1.el9_5.x86_64 (mockbuild@x86-64-01.build.eng.rdu2.redhat.com) (gcc (GCC) "
	  "11.5.0 20240719 (Red Hat 11.5.0-2), GNU ld version 2.35.2-54.el9) #1 SMP PREEMPT_DYNAMIC Wed Nov 13 "
	  "07:11:49 EST 2024",
	  NULL, 5, 14, 0, 1, "RHEL" },
	{ "upstream stable", "6.18.38",
	  "Linux version 6.18.38 (root@build) (gcc (GCC) 14.2.0, GNU ld (GNU Binutils) 2.43) #1 SMP PREEMPT_DYNAMIC",
	  NULL, 6, 18, 38, 0, "uname" },
	{ "upstream with a local suffix (this CI host)", "6.18.44-fc-v669",
	  "Linux version 6.18.44-fc-v669 (root@buildhost) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for "
	  "Debian) 2.40) #1 SMP",
	  NULL, 6, 18, 44, 0, "uname" },
	{ "upstream x.y release (no patch level)", "6.12", NULL, NULL, 6, 12, 0, 0, "uname" },
	{ "nothing readable", NULL, NULL, NULL, -1, -1, -1, 0, "none" },
	{ "garbage everywhere", "abc", "Linux version abc #1 Debian x.y", "Ubuntu nope", -1, -1, -1, 0, "none" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];
		struct kernel_version v;

		kernel_version_parse(s->uname, s->proc_version, s->signature, &v);
		OK(v.major == s->major && v.minor == s->minor && v.patch == s->patch &&
			   v.backports_unknown == s->backports_unknown && strstr(v.source, s->source),
		   "%s: %d.%d.%d%s per %s", s->what, v.major, v.minor, v.patch,
		   v.backports_unknown ? " (backports unknown)" : "", v.source);
	}
	{
		struct kernel_version v;

		/* Regression: read from uname, Debian's fixed 6.1.192 was 6.1.0 and refused. */
		kernel_version_parse(samples[0].uname, samples[0].proc_version, NULL, &v);
		OK(kernel_has_shadow_mmu_fixes(&v) == 1, "Debian 6.1.192 has the shadow-MMU fixes (>= 6.1.177)");
		kernel_version_parse("6.1.0-57-cloud-amd64", NULL, NULL, &v);
		OK(kernel_has_shadow_mmu_fixes(&v) == 0, "the same kernel read from uname alone (6.1.0) does not");
		kernel_version_parse(samples[7].uname, samples[7].proc_version, NULL, &v);
		OK(kernel_has_shadow_mmu_fixes(&v) == -1, "RHEL: cannot tell (-1)");
		kernel_version_parse(NULL, NULL, NULL, &v);
		OK(kernel_has_shadow_mmu_fixes(&v) == -1, "no version: cannot tell (-1)");
		kernel_version_parse("6.18.38", NULL, NULL, &v);
		OK(kernel_has_shadow_mmu_fixes(&v) == 1, "6.18.38: fixed");
		kernel_version_parse("6.18.37", NULL, NULL, &v);
		OK(kernel_has_shadow_mmu_fixes(&v) == 0, "6.18.37: not fixed");
		kernel_version_parse("7.2.0", NULL, NULL, &v);
		OK(kernel_has_shadow_mmu_fixes(&v) == 1, "7.2: fixed");
		kernel_version_parse("6.7.5", NULL, NULL, &v);
		OK(kernel_has_shadow_mmu_fixes(&v) == 0, "6.7 (no fixed stable branch): not fixed");
	}
	return tap_done();
}
