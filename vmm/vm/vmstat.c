/* /proc/vmstat (vmstat.h). */
#include "vmstat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const names[VMSTAT_NR] = {
	[VMSTAT_PGMIGRATE_SUCCESS] = "pgmigrate_success",
	[VMSTAT_PGMIGRATE_FAIL] = "pgmigrate_fail",
	[VMSTAT_THP_MIGRATION_SUCCESS] = "thp_migration_success",
	[VMSTAT_THP_MIGRATION_FAIL] = "thp_migration_fail",
	[VMSTAT_THP_MIGRATION_SPLIT] = "thp_migration_split",
	[VMSTAT_NUMA_HINT_FAULTS] = "numa_hint_faults",
	[VMSTAT_NUMA_PAGES_MIGRATED] = "numa_pages_migrated",
	[VMSTAT_NUMA_PTE_UPDATES] = "numa_pte_updates",
	[VMSTAT_NUMA_HUGE_PTE_UPDATES] = "numa_huge_pte_updates",
};

/* 1 MiB: today's file is about 6 KiB; a longer one is read only this far. */
#define VMSTAT_MAX_BYTES (1u << 20)

const char *vmstat_name(enum vmstat_counter c)
{
	return (unsigned)c < VMSTAT_NR ? names[c] : "?";
}

/* A decimal u64 in p[0..n), nothing else; 0 on success. */
static int parse_u64(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static void parse_line(const char *p, size_t n, struct vmstat_snap *out)
{
	const char *sp = memchr(p, ' ', n);
	size_t name_len, vlen;
	uint64_t v;

	if (!sp)
		return;
	name_len = (size_t)(sp - p);
	vlen = n - name_len - 1;
	if (parse_u64(sp + 1, vlen, &v))
		return;
	for (int i = 0; i < VMSTAT_NR; i++) {
		if (strlen(names[i]) == name_len && !memcmp(p, names[i], name_len) && !(out->have & (1u << i))) {
			out->v[i] = v;
			out->have |= 1u << i;
		}
	}
}

void vmstat_parse(const char *text, size_t len, struct vmstat_snap *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (text && i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;

		parse_line(text + i, n, out);
		i += n + 1;
	}
}

int vmstat_read(const char *path, struct vmstat_snap *out, struct nerr *e)
{
	char *buf = malloc(VMSTAT_MAX_BYTES);
	size_t n = 0;
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	if (!buf)
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory for %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		free(buf);
		return nerr_set(e, NUMIG_EXIT_ENV, "cannot open %s: %s", path, strerror(err));
	}
	while (n < VMSTAT_MAX_BYTES) {
		ssize_t r = read(fd, buf + n, VMSTAT_MAX_BYTES - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (!err)
		vmstat_parse(buf, n, out);
	free(buf);
	if (err)
		return nerr_set(e, NUMIG_EXIT_ENV, "reading %s: %s", path, strerror(err));
	return 0;
}
