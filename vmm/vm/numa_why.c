/* Reasons for a refused node list (numa_why.h). */
#include "numa_why.h"

#include <numa.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>


/* libnuma reports through numa_warn(), a weak symbol it lets programs
 * replace: errors are never printed deep inside, so keep its text for the
 * message instead. */
static __thread char last_warning[160];

void numa_warn(int num, char *fmt, ...)
{
	va_list ap;

	(void)num;
	va_start(ap, fmt);
	vsnprintf(last_warning, sizeof(last_warning), fmt, ap);
	va_end(ap);
	last_warning[strcspn(last_warning, "\n")] = '\0';
}

void numa_why_reset(void)
{
	last_warning[0] = '\0';
}

void numa_list_why(const char *list, char *buf, size_t len)
{
	char have[96] = "";
	size_t pos = 0;

	for (int n = 0; n <= numa_max_node() && pos + 8 < sizeof(have); n++)
		if (numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)n))
			pos += (size_t)snprintf(have + pos, sizeof(have) - pos, "%s%d", pos ? "," : "", n);
	/* Every number in the list is a node (or a range's end): name the
	 * first one the host lacks. */
	for (const char *p = list; *p; p++) {
		unsigned long n = 0;
		int digits = 0;

		if (*p < '0' || *p > '9' || (p > list && p[-1] >= '0' && p[-1] <= '9'))
			continue;
		for (const char *q = p; *q >= '0' && *q <= '9' && digits < 6; q++, digits++)
			n = n * 10 + (unsigned long)(*q - '0');
		if (digits < 6 && (n > (unsigned long)numa_max_node() ||
				   !numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)n))) {
			snprintf(buf, len, "host node %lu does not exist (this host has node%s %s)", n,
				 strchr(have, ',') ? "s" : "", have);
			return;
		}
	}
	snprintf(buf, len, "not a node list (%s; numactl syntax: all, 0-1,3, !0; host nodes: %s)",
		 last_warning[0] ? last_warning : "libnuma could not read it", have);
}
