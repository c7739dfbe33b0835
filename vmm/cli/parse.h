/* Parsers for numig's command-line values (sizes, durations,
 * migration specs).
 *
 * Every parser returns 0 on success or -1 on failure; on failure it writes a
 * one-line human message into err (when err != NULL and errlen > 0) that
 * quotes the offending input, e.g.
 *   invalid size '12Q': unknown suffix 'Q' (use K, M, G, T)
 * On failure *out is left untouched. Whitespace is never skipped: the CLI
 * layer hands over exactly one argv word.
 */
#ifndef NUMIG_VMM_PARSE_H
#define NUMIG_VMM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/faultpoint.h" /* struct fault_plan */
#include "mmu/policy.h" /* struct migrate_spec: the scheduler's own */
#include "mmu/config.h" /* enum mig_strategy */

/* Byte size: decimal integer with an optional binary suffix K/M/G/T
 * (case-insensitive), optionally followed by "B" or "iB":
 * "4096", "4096B", "64M", "64mb", "2MiB", "1G". */
int parse_size(const char *s, uint64_t *out, char *err, size_t errlen);

/* Duration in nanoseconds: a number ("10", "1.5", ".25") with an optional
 * suffix ns/us/ms/s (case-insensitive; "µs" is accepted too). A bare number
 * means seconds. Fractions finer than 1 ns are rounded to the nearest ns. */
int parse_duration_ns(const char *s, uint64_t *out_ns, char *err, size_t errlen);

/* Plain decimal integer in [min, max]; messages name the value as `what`
 * (e.g. "vcpus"). */
int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		    const char *what, char *err, size_t errlen);

/* Guest nodes are 0..63 (to:NODE in a migrate spec). Host node lists are
 * parsed by libnuma (numa_parse_nodestring), numactl's own syntax. */
#define PARSE_MAX_NODE 63

#define MIGRATE_DEFAULT_RATE 100.0
#define MIGRATE_MAX_RATE 1e7

/* Comma-separated key=value list, both keys optional:
 *   rate=N/s | rate=N        N decimal ("2.5"), 0 < N <= 1e7; default 100
 *   pattern=pingpong | random | to:NODE                      default pingpong
 * The empty string yields the defaults. Unknown keys, duplicate keys, empty
 * elements and bad values are errors naming the key. */
/* Fills the scheduler's struct migrate_spec (mmu/policy.h) directly;
 * to_node is -1 unless pattern=to:NODE. */
int parse_migrate_spec(const char *s, struct migrate_spec *out, char *err, size_t errlen);

/* --param NAME=VALUE for a guest (numig_param()): NAME is 1..15 of
 * [a-z0-9_], VALUE a decimal integer (or 0x hex). */
int parse_param(const char *s, char *name, size_t name_len, uint64_t *value, char *err, size_t errlen);
/* unmap-copy | stop-the-world | precopy | auto (mmu/strategy.h). */
int parse_strategy(const char *s, enum mig_strategy *out, char *err, size_t errlen);
/* --fail POINT[:AFTER[:COUNT]] (mmu/faultpoint.h): POINT fails after AFTER
 * passes [0], COUNT times [every time]. */
int parse_fault_plan(const char *s, struct fault_plan *out, char *err, size_t errlen);

#endif
