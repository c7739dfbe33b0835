/* libFuzzer target: the KVM binary-statistics parser (vmm/vm/kvmstats.c) on
 * arbitrary bytes. Seeds: tests/data/kvmstats (blobs recorded from real
 * kernels) and tests/fuzz/corpus/kvmstats. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vm/kvmstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kvm_stats_set s;
	char err[256];
	/* An exact-size copy, so ASan sees any read past the blob's end. */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	memcpy(copy, data, size);
	err[0] = '\0';
	if (kvmstats_parse(copy, size, &s, err, sizeof(err)) == 0) {
		/* Accepted: what the parser promises must hold. */
		if (s.nr > KVMSTATS_CAP || !memchr(s.id, '\0', sizeof(s.id)))
			abort();
		for (uint32_t i = 0; i < s.nr; i++)
			if (!s.v[i].name[0] || !memchr(s.v[i].name, '\0', sizeof(s.v[i].name)) ||
			    kvmstats_find(&s, s.v[i].name) == NULL)
				abort();
	} else if (!err[0] || s.nr != 0) {
		abort();
	}
	free(copy);
	return 0;
}
