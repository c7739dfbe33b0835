/* hello: every vCPU reports its id, node and the number of vCPUs. */
#include "rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	numig_printf("hello from vCPU %u of %u (guest node %u of %u)", mb->vcpu_id, mb->nr_vcpus, mb->node,
		     mb->nr_nodes);
	return 0;
}
