/* USDT probes (systemtap's <sys/sdt.h>, a build-time header): one nop each
 * until perf, bpftrace or systemtap attaches, so numig's migration phases
 * line up with the kernel's own events (migrate:*, kvm:*). Provider
 * "numig"; every probe and its arguments are listed in docs/measurements.md
 * "USDT probes", and test_probes.sh compares that list with `readelf -n`.
 *
 * Arguments: page = working-set page index; node = guest node; frames are
 * the host virtual addresses of 2 MiB frames (as /proc/PID/numa_maps shows
 * them). A new probe: NUMIG_PROBE(name, args...) at its place, and a row in
 * the doc (e.g. the kernel migrator's kmigrate_start/kmigrate_end). */
#ifndef NUMIG_MMU_PROBES_H
#define NUMIG_MMU_PROBES_H

#define SDT_USE_VARIADIC /* STAP_PROBEV: one macro for any number of arguments */
#include <sys/sdt.h>

#define NUMIG_PROBE(name, ...) STAP_PROBEV(numig, name, ##__VA_ARGS__)

#endif
