/* KVM binary statistics (kvmstats.h): the parser checks every range it
 * reads against the blob in the form `off <= len && size <= len - off`,
 * which cannot overflow, on 64-bit values built from 32-bit fields. */
#include "kvmstats.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER_SIZE 24u /* struct kvm_stats_header: six __u32 */
#define DESC_FIXED 16u  /* struct kvm_stats_desc without its name */

_Static_assert(sizeof(struct kvm_stats_header) == HEADER_SIZE, "kvm_stats_header layout");
_Static_assert(sizeof(struct kvm_stats_desc) == DESC_FIXED, "kvm_stats_desc layout");

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int in_blob(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= (uint64_t)len - off;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The NUL-terminated string at p (at most n bytes), or NULL when no NUL. */
static const char *cstr(const uint8_t *p, size_t n)
{
	return memchr(p, '\0', n) ? (const char *)p : NULL;
}

static int parse(const void *buf, size_t len, struct kvm_stats_set *out, char *err, size_t errlen)
{
	const uint8_t *b = buf;
	uint32_t name_size, num_desc, id_off, desc_off, data_off;
	uint64_t desc_size;
	const char *id;

	memset(out, 0, sizeof(*out));
	if (!b || len < HEADER_SIZE)
		return fail(err, errlen, "stats blob of %zu bytes is shorter than its header (%u)", len, HEADER_SIZE);
	name_size = rd32(b + 4);
	num_desc = rd32(b + 8);
	id_off = rd32(b + 12);
	desc_off = rd32(b + 16);
	data_off = rd32(b + 20);
	if (name_size == 0 || name_size > KVMSTATS_MAX_NAME_SIZE)
		return fail(err, errlen, "name_size %u outside 1..%u", name_size, KVMSTATS_MAX_NAME_SIZE);
	if (num_desc > KVMSTATS_MAX_DESC)
		return fail(err, errlen, "num_desc %u exceeds %u", num_desc, KVMSTATS_MAX_DESC);
	if (!in_blob(id_off, name_size, len))
		return fail(err, errlen, "id at %u (+%u) is past the end (%zu bytes)", id_off, name_size, len);
	id = cstr(b + id_off, name_size);
	if (!id)
		return fail(err, errlen, "id string is not NUL-terminated within name_size %u", name_size);
	snprintf(out->id, sizeof(out->id), "%s", id);
	/* Bounded above: at most 65536 * (16 + 4096), far inside 64 bits. */
	desc_size = DESC_FIXED + (uint64_t)name_size;
	if (!in_blob(desc_off, desc_size * num_desc, len))
		return fail(err, errlen, "%u descriptors of %llu bytes at %u are past the end (%zu bytes)", num_desc,
			    (unsigned long long)desc_size, desc_off, len);
	for (uint32_t i = 0; i < num_desc; i++) {
		const uint8_t *d = b + desc_off + desc_size * i;
		uint32_t flags = rd32(d), offset = rd32(d + 8);
		int16_t exponent;
		uint16_t size;
		uint64_t at;
		const char *name;
		struct kvm_stat *st;

		memcpy(&exponent, d + 4, sizeof(exponent));
		memcpy(&size, d + 6, sizeof(size));
		name = cstr(d + DESC_FIXED, name_size);
		if (!name)
			return fail(err, errlen, "descriptor %u: name is not NUL-terminated within name_size %u", i,
				    name_size);
		if (!name[0])
			return fail(err, errlen, "descriptor %u: empty name", i);
		if (size == 0)
			return fail(err, errlen, "descriptor %u (%s): size 0", i, name);
		at = (uint64_t)data_off + offset;
		if (!in_blob(at, (uint64_t)size * sizeof(uint64_t), len))
			return fail(err, errlen, "descriptor %u (%s): %u values at %llu are past the end (%zu bytes)", i,
				    name, size, (unsigned long long)at, len);
		if ((flags & KVM_STATS_TYPE_MASK) > KVM_STATS_TYPE_MAX) {
			out->skipped_types++;
			continue;
		}
		if (size != 1) {
			out->skipped_arrays++;
			continue;
		}
		if (strlen(name) >= KVMSTATS_NAME_MAX) {
			out->skipped_names++;
			continue;
		}
		if (out->nr == KVMSTATS_CAP) {
			out->dropped++;
			continue;
		}
		st = &out->v[out->nr++];
		memcpy(st->name, name, strlen(name) + 1);
		st->flags = flags;
		st->exponent = exponent;
		memcpy(&st->value, b + at, sizeof(st->value));
	}
	return 0;
}

int kvmstats_parse(const void *buf, size_t len, struct kvm_stats_set *out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (parse(buf, len, out, err, errlen) == 0)
		return 0;
	/* All or nothing: no half of a blob that was rejected. */
	memset(out, 0, sizeof(*out));
	return -1;
}

const struct kvm_stat *kvmstats_find(const struct kvm_stats_set *s, const char *name)
{
	for (uint32_t i = 0; i < s->nr; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

uint32_t kvmstats_type(const struct kvm_stat *st)
{
	return st->flags & KVM_STATS_TYPE_MASK;
}

int kvmstats_read_fd(int fd, uint8_t **buf, size_t *len, struct nerr *e)
{
	size_t cap = 16384, n = 0;
	uint8_t *b = malloc(cap);

	*buf = NULL;
	*len = 0;
	if (!b)
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for KVM statistics");
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *nb;

			if (cap >= KVMSTATS_MAX_BLOB) {
				free(b);
				return nerr_set(e, NUMIG_EXIT_INTERNAL, "KVM statistics file larger than %u bytes",
						KVMSTATS_MAX_BLOB);
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for KVM statistics");
			}
			b = nb;
			cap *= 2;
		}
		r = pread(fd, b + n, cap - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;

			free(b);
			return nerr_set(e, NUMIG_EXIT_ENV, "reading KVM statistics: %s", strerror(err));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}
