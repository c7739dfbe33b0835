/* hcbench: vCPU 0 makes param[COUNT] no-op hypercalls (YIELD), for timing
 * one exit round trip from the host. */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	if (mb->vcpu_id == 0)
		for (uint64_t i = 0; i < mb->param[NUMIG_PARAM_COUNT]; i++)
			numig_hcall(NUMIG_HC_YIELD);
	return 0;
}
