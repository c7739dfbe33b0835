/* Reading the kernel's real version (kversion.h). */
#include "kversion.h"

#include <stdio.h>
#include <string.h>

static int read_triple(const char *s, struct kernel_version *v)
{
	int a, b, c = 0, n = 0;

	/* "6.1" alone is a valid upstream version: the patch level is 0. */
	if (sscanf(s, "%d.%d%n.%d", &a, &b, &n, &c) < 2 || a < 0 || b < 0 || c < 0)
		return -1;
	v->major = a;
	v->minor = b;
	v->patch = c;
	return 0;
}

/* Debian: "... #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-...)". The
 * compiler's "(Debian 12.2.0-14)" comes earlier in the line, so only the
 * text after the build number '#' counts. */
static int from_debian(const char *proc_version, struct kernel_version *v)
{
	const char *p = proc_version ? strrchr(proc_version, '#') : NULL;
	const char *d = p ? strstr(p, " Debian ") : NULL;

	if (!d || read_triple(d + strlen(" Debian "), v))
		return -1;
	snprintf(v->source, sizeof(v->source), "Debian's /proc/version");
	return 0;
}

/* Ubuntu: "Ubuntu 6.8.0-49.49-generic 6.8.12": the last field is the
 * upstream stable release the kernel is based on. */
static int from_ubuntu(const char *sig, struct kernel_version *v)
{
	const char *last;
	size_t len;

	if (!sig || strncmp(sig, "Ubuntu ", 7))
		return -1;
	len = strcspn(sig, "\n");
	while (len && sig[len - 1] == ' ')
		len--;
	last = sig + len;
	while (last > sig && last[-1] != ' ')
		last--;
	if (last == sig || read_triple(last, v))
		return -1;
	snprintf(v->source, sizeof(v->source), "Ubuntu's /proc/version_signature");
	return 0;
}

void kernel_version_parse(const char *uname_release, const char *proc_version, const char *version_signature,
			  struct kernel_version *out)
{
	const char *el;

	memset(out, 0, sizeof(*out));
	out->major = out->minor = out->patch = -1;
	if (from_ubuntu(version_signature, out) == 0 || from_debian(proc_version, out) == 0)
		return;
	if (!uname_release || read_triple(uname_release, out)) {
		out->major = out->minor = out->patch = -1;
		snprintf(out->source, sizeof(out->source), "none readable");
		return;
	}
	/* RHEL and its rebuilds keep the x.y.0 of their first release and
	 * backport fixes under a build number: the patch level proves nothing. */
	el = strstr(uname_release, ".el");
	if (el && el[3] >= '0' && el[3] <= '9') {
		out->backports_unknown = 1;
		snprintf(out->source, sizeof(out->source), "uname (RHEL: fixes are backported without a version)");
		return;
	}
	snprintf(out->source, sizeof(out->source), "uname");
}

/* Fixes 0cb2af2ea66a and 81ccda30b4e8 ("KVM: x86/mmu: shadow paging
 * use-after-free due to unexpected GFN"), per stable branch; -1 when the
 * version cannot tell. */
int kernel_has_shadow_mmu_fixes(const struct kernel_version *v)
{
	int ma = v->major, mi = v->minor, pa = v->patch;

	if (ma < 0 || v->backports_unknown)
		return -1;
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
