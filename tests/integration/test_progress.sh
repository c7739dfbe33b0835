#!/usr/bin/env bash
# The progress line on a terminal: elapsed / total, rates, and it ends its
# line before any other output (guest console, report). Runs numig under
# script(1) for a terminal.
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"

if ! have_kvm; then skip "progress line" "/dev/kvm is absent or not accessible"; done_testing; exit; fi
if ! command -v script >/dev/null || ! command -v python3 >/dev/null; then
	skip "progress line" "script(1) or python3 not installed"; done_testing; exit
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
timeout 60 script -qefc "$NUMIG run --guest $build/guests/badword.elf --param mode=7 --vcpus 2 --nodes 2 --duration 2.5s --migrate rate=200/s" \
	"$tmp/typescript" >/dev/null 2>&1
python3 - "$tmp/typescript" >"$tmp/verdict" <<'PY'
import re, sys
raw = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace').replace('\r\n', '\n')
lines = raw.split('\n')
prog = [seg for l in lines for seg in l.split('\r') if 'ops/s' in seg]
print('progress' if prog and all(re.search(r'^\[ *[0-9.]+ / 2\.5 s\] [0-9.e+]+ ops/s, [0-9]+ migrations/s, [0-9]+ guard flushes/s', p) for p in prog) else 'bad-progress %r' % prog[:3])
print('rates' if any(re.search(r' [1-9][0-9]* migrations/s', p) for p in prog) else 'no-rate')
mixed = [l for l in lines if 'ops/s' in l and ('[vcpu' in l or 'numig ' in l or 'result:' in l)]
print('separate' if not mixed else 'mixed %r' % mixed[:2])
print('console' if sum(1 for l in lines if re.match(r'^\[vcpu [01]\] vCPU [01] done', l)) == 2 else 'no-console')
PY
v=$(cat "$tmp/verdict")
if grep -qx progress <<<"$v"; then ok "progress line: [elapsed / total s] ops/s, migrations/s, guard flushes/s"; else not_ok "progress line format" "$v"; fi
if grep -qx rates <<<"$v"; then ok "progress line shows a migration rate, not a count"; else not_ok "progress line rate" "$v"; fi
if grep -qx separate <<<"$v" && grep -qx console <<<"$v"; then ok "progress line ends before guest output and the report"
else not_ok "progress line ends before other output" "$v$(cat -v "$tmp/typescript" | tail -n 5)"; fi
done_testing
