/* Built-in guests beside a build's numig, or in an installed prefix's
 * libexec/numig (README "Installing"): never in the source tree. */
#define _GNU_SOURCE
#include "guestdir.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int guestdir_self(char *buf, size_t len, struct nerr *e)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n < 0)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "cannot find the numig binary: readlink(/proc/self/exe) failed");
	self[n] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "cannot find the numig binary: /proc/self/exe is '%s'", self);
	*slash = 0;
	if ((size_t)snprintf(buf, len, "%s", slash == self ? "/" : self) >= len)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "the numig binary's directory is too long");
	return 0;
}

int guestdir_for(const char *bindir, char *buf, size_t len, struct nerr *e)
{
	struct stat st;
	int n = snprintf(buf, len, "%s/" GUESTDIR_BUILD, bindir);

	if (n < 0 || (size_t)n >= len)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "the guests' directory is too long");
	if (!stat(buf, &st) && S_ISDIR(st.st_mode))
		return 0;
	n = snprintf(buf, len, "%s/" GUESTDIR_INSTALLED, bindir);
	if (n < 0 || (size_t)n >= len)
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "the guests' directory is too long");
	return 0;
}
