/* Why libnuma refused a node list: the node it names that the host lacks,
 * or libnuma's own words, captured rather than printed. */
#ifndef NUMIG_VMM_NUMA_WHY_H
#define NUMIG_VMM_NUMA_WHY_H

#include <stddef.h>

/* After numa_parse_nodestring(list) returned NULL: one phrase for a
 * message, e.g. "host node 5 does not exist (this host has nodes 0,1)". */
void numa_list_why(const char *list, char *buf, size_t len);
/* Forget the last libnuma warning (call before a libnuma parse). */
void numa_why_reset(void);

#endif
