/* libFuzzer target: the libvirt domain-XML reader (vmm/cli/domxml.c).
 * Seeds: the XML files in tests/data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/domxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dom_topology t;
	struct nerr e;

	memset(&e, 0, sizeof(e));
	if (domxml_parse((const char *)data, size, "fuzz.xml", &t, &e) && !e.msg[0])
		abort();
	return 0;
}
