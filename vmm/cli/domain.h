/* A libvirt domain as numig's run config: vCPUs, memory, cells (guest
 * nodes, their sizes and vCPUs), numatune, vcpupin and hugepages, with the
 * command line's options taking precedence over the XML. */
#ifndef NUMIG_VMM_CLI_DOMAIN_H
#define NUMIG_VMM_CLI_DOMAIN_H

#include <numig/err.h>

#include "vmm/vm/config.h"

/* What the command line gave, so that it overrides the XML. */
enum domain_given {
	GIVEN_VCPUS = 1 << 0,
	GIVEN_NODES = 1 << 1,
	GIVEN_MEM = 1 << 2,
	GIVEN_HOST_NODES = 1 << 3,
	GIVEN_NUMATUNE = 1 << 4,
	GIVEN_PIN = 1 << 5,
};

/* Reads c->domain_xml and fills what the command line did not give;
 * c->domain_note says what came from where. */
int domain_apply(struct run_config *c, unsigned given, struct nerr *e);

#endif
