/* Stats blobs laid out as the kernel lays them out for KVM_GET_STATS_FD
 * (header, id, descriptors, data), for the unit tests of the parser
 * (test_kvmstats.c) and of the report (test_hostcounters.c). The k-th value
 * of stat i is 100 * (i + 1) + k. */
#ifndef NUMIG_TESTS_KVMSTATS_BLOB_H
#define NUMIG_TESTS_KVMSTATS_BLOB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

struct spec {
	const char *name;
	uint32_t flags;
	uint16_t size;
};

static inline uint8_t *build(const struct spec *s, uint32_t n, uint32_t name_size, size_t *len)
{
	uint32_t id_off = 24, desc_off = id_off + name_size, desc_size = 16 + name_size;
	uint32_t data_off = desc_off + n * desc_size, data_len = 0;
	uint8_t *b;

	for (uint32_t i = 0; i < n; i++)
		data_len += 8u * s[i].size;
	*len = data_off + data_len;
	b = calloc(1, *len);
	if (!b)
		return NULL;
	put32(b + 4, name_size);
	put32(b + 8, n);
	put32(b + 12, id_off);
	put32(b + 16, desc_off);
	put32(b + 20, data_off);
	snprintf((char *)b + id_off, name_size, "kvm-1");
	for (uint32_t i = 0, off = 0; i < n; i++) {
		uint8_t *d = b + desc_off + i * desc_size;

		put32(d, s[i].flags);
		memcpy(d + 6, &s[i].size, 2);
		put32(d + 8, off);
		memcpy(d + 16, s[i].name, strnlen(s[i].name, name_size - 1));
		for (uint16_t k = 0; k < s[i].size; k++) {
			uint64_t v = 100u * (i + 1) + k;

			memcpy(b + data_off + off + 8u * k, &v, 8);
		}
		off += 8u * s[i].size;
	}
	return b;
}

#endif
