#!/usr/bin/env bash
# The static build's guest run (make check): a static numig is how numig
# travels to another machine, and the host's LDFLAGS must never reach the
# guests' link, so its example guest (linked with its own script) must run.
#   scripts/check-static.sh STATIC_BUILD_DIR
set -u
build=${1:-build/static}
. "$(dirname "$0")/../tests/integration/lib.sh"
out=$(timeout 120 "$build/numig" run --guest "$build/guests/example.elf" --vcpus 2 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q "summed correctly" <<<"$out"; then
	ok "static build: the example guest (linked with its own script) runs"
else
	not_ok "static build: the example guest (exit $rc)" "$(printf '%s\n' "$out" | tail -n 10)"
fi
done_testing
