#!/usr/bin/env bash
# Resource faults through the seam (--fail, mmu/faultpoint.h): each ends in a
# clear message and its documented exit code; a migration that fails leaves
# its page intact on the source, which the integrity check proves.
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"

check "--fail with an unknown point" 2 'unknown fault point' -- run --fail sideways
check "--fail with a bad count" 2 '--fail' -- run --fail kvm-run:x
if ! have_kvm; then
	for t in no-free-frame invalidate mbind kvm-run alloc; do skip "$t" "/dev/kvm is absent or not accessible"; done
	done_testing
	exit
fi
# An amount of work (--migrations), so that the faults after 50 migrations
# come on a slow host too.
I=(run --guest integrity --vcpus 2 --nodes 2 --ws 16M --duration 60s --migrations 200 --allow-unsafe-host --migrate rate=500/s --quiet)
check "no free frame on the target node: migrations abort, pages stay intact (integrity PASS)" 0 \
	'integrity: PASS' -- "${I[@]}" --fail no-free-frame:50:20
if grep -Eq '; [1-9][0-9]* aborted \(no free frame\)' <<<"$LAST_OUT" && grep -Eq 'no-free-frame: [1-9][0-9]* failures injected' <<<"$LAST_OUT"
then ok "... the aborted migrations are counted in the report"; else not_ok "... aborted migrations not counted" "$LAST_OUT"; fi
check "failed invalidations: the batch is rolled back, pages stay intact (integrity PASS)" 0 'integrity: PASS' -- \
	"${I[@]}" --fail invalidate:50:20
if grep -Eq ' [1-9][0-9]* errors;' <<<"$LAST_OUT"; then ok "... and counted as errors"; else not_ok "... not counted" "$LAST_OUT"; fi
check "mbind failing at start: environment error" 3 'mbind\(guest node 0 -> host node 0, bind\) failed: Input/output error' -- \
	"${I[@]}" --fail mbind
check "KVM_RUN failing mid-run: internal error, blamed on the host, not the guest" 5 'vCPU [01]: KVM_RUN failed: Input/output error' -- \
	"${I[@]}" --fail kvm-run:20
check "allocation failure at start: environment error" 3 'out of memory' -- "${I[@]}" --fail alloc
done_testing
