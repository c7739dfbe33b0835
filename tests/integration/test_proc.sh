#!/usr/bin/env bash
# numig's per-node memory figures reconcile with /proc: the region's start
# address begins a line of /proc/PID/numa_maps (bound to the asked host node,
# populated frames x 512 pages) and a VMA of /proc/PID/smaps with the same
# range (README "Matching numig's figures with /proc").
set -u
build=${1:-build}
NUMIG=$build/numig
. "$(dirname "$0")/lib.sh"

if ! have_kvm; then skip "/proc reconciliation" "/dev/kvm is absent or not accessible"; done_testing; exit; fi
if ! command -v python3 >/dev/null; then skip "/proc reconciliation" "python3 not installed"; done_testing; exit; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# An idle guest, no migration: nothing changes the regions while /proc is read.
"$NUMIG" run --guest idle --nodes 2 --duration 2.5s --json --quiet >"$tmp/out.json" 2>"$tmp/err" &
pid=$!
sleep 1.5
cp "/proc/$pid/numa_maps" "$tmp/numa_maps" 2>/dev/null; cp "/proc/$pid/smaps" "$tmp/smaps" 2>/dev/null
wait $pid; rc=$?
if [ $rc -ne 0 ] || [ ! -s "$tmp/numa_maps" ]; then
	not_ok "idle run and /proc copies (exit $rc)" "$(cat "$tmp/err")"; done_testing; exit
fi
python3 - "$tmp" >"$tmp/verdict" 2>&1 <<'PY'
import json, re, sys
d = sys.argv[1]
j = json.load(open(d + '/out.json'))
nm = {l.split()[0]: l for l in open(d + '/numa_maps')}
smaps, cur = {}, None
for l in open(d + '/smaps'):
    m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) ', l)
    if m:
        cur = m.group(1); smaps[cur] = {'end': m.group(2)}
    elif cur and ':' in l:
        k, v = l.split(':', 1); smaps[cur][k] = v.split()[0]
for n in j['nodes']:
    g, s, e, pop = n['guest_node'], n['region_start'], n['region_end'], n['frames_populated']
    line = nm.get(s)
    print('node%d numa_maps %s' % (g, 'line' if line else 'missing'))
    if line:
        print('node%d bind %s' % (g, 'ok' if ' bind:%d ' % n['host_node_asked'] in line else line))
        anon = re.search(r' anon=(\d+)', line)
        print('node%d anon %s' % (g, 'ok' if anon and int(anon.group(1)) == pop * 512 else '%s vs %d' % (anon and anon.group(1), pop * 512)))
    v = smaps.get(s)
    print('node%d smaps %s' % (g, 'ok' if v and v['end'] == e else v))
    huge = n['placement_after']['huge']
    if v and (huge or n['placement_after']['split']):
        print('node%d thp %s' % (g, 'ok' if int(v.get('AnonHugePages', -1)) == huge * 2048 else '%s kB vs %d huge' % (v.get('AnonHugePages'), huge)))
PY
# Regression: frames the guest populated by its own first touch (no
# migration, so numig populated nothing up front) were reported as 0.
pop=$("$NUMIG" run --guest integrity --nodes 1 --vcpus 1 --ws 16M --mem 64M --duration 1s --json --quiet 2>"$tmp/err2" |
	python3 -c "import json,sys; n=json.load(sys.stdin)['nodes'][0]; print(n['frames_populated'], n['placement_after']['present'])" 2>>"$tmp/err2")
if [ -n "$pop" ] && [ "${pop% *}" = "${pop#* }" ] && [ "${pop% *}" -ge 8 ]; then
	ok "frames the guest populated itself count as populated (populated, present: $pop of 8 working-set pages)"
else
	not_ok "frames the guest populated itself count as populated (populated, present: '$pop')" "$(cat "$tmp/err2")"
fi
v=$(cat "$tmp/verdict")
if ! grep -qv ' ok$\| line$' <<<"$v" && [ "$(grep -c ' ok$' <<<"$v")" -ge 6 ]; then
	ok "each guest node's region is one numa_maps line (bind:N, anon = populated x 512) and one smaps VMA"
	grep -q thp <<<"$v" && ok "smaps AnonHugePages = huge frames x 2 MiB" || skip "smaps AnonHugePages" "huge pages not verifiable (not root)"
else
	not_ok "regions reconcile with /proc" "$v"
fi
done_testing
