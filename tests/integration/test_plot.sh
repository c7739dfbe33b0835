#!/usr/bin/env bash
# --plot as a reader sees it: the SVG is rendered with rsvg-convert and the
# PNG's pixels are read (png_panels.py): a title naming guest, vCPUs, nodes,
# strategy and host; every histogram shows bars and its p50 and p99 markers,
# the guest-felt write gaps among them;
# the three rate series (ops/s, migrations/s, guard flushes/s) are drawn; no
# panel is empty.
set -u
build=${1:-build}
NUMIG=$build/numig
here=$(dirname "$0")
. "$here/lib.sh"

if ! have_kvm; then skip "plot" "/dev/kvm is absent or not accessible"; done_testing; exit; fi
if ! command -v rsvg-convert >/dev/null || ! command -v python3 >/dev/null; then
	skip "plot rendered" "rsvg-convert (librsvg2-bin) or python3 not installed"; done_testing; exit
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
check "integrity run with --plot" 0 'integrity PASS' -- run --guest integrity --vcpus 2 --nodes 2 --ws 32M --duration 1.5s \
	--scan-period 20ms --scan-size 8 --lazy-flush-delay 5ms --migrate rate=500/s --plot "$tmp/run.svg" --quiet
if grep -q 'numig: guest integrity, 2 vCPUs, 2 guest nodes, unmap-copy, guard on' "$tmp/run.svg" &&
	grep -Eq 'host: kernel [0-9]+\.[0-9]+\.[0-9]+, [^<]*, [0-9]+ CPUs, [0-9]+ NUMA node' "$tmp/run.svg"; then
	ok "title names guest, vCPUs, nodes, strategy and host"
else not_ok "plot title" "$(grep -m2 '<text x="480"' "$tmp/run.svg")"; fi
if rsvg-convert -o "$tmp/run.png" "$tmp/run.svg" 2>"$tmp/err"; then ok "rsvg-convert renders it"
else not_ok "rsvg-convert renders it" "$(cat "$tmp/err")"; fi
python3 "$here/png_panels.py" "$tmp/run.png" 64 220 >"$tmp/panels" 2>&1
dark=$(sed -n 's/^title dark=\([0-9]*\).*/\1/p' "$tmp/panels")
if [ "${dark:-0}" -gt 500 ]; then ok "the title is visible in the image ($dark dark pixels)"
else not_ok "title visible" "$(cat "$tmp/panels")"; fi
hists=$(grep -c ' bars' "$tmp/panels"); marked=$(grep -c ' bars p50 p99$' "$tmp/panels")
if [ "$hists" -ge 6 ] && [ "$hists" -eq "$marked" ]; then ok "all $hists histograms show bars and p50 and p99 markers"
else not_ok "histograms with markers ($marked of $hists)" "$(cat "$tmp/panels")"; fi
# What the guest felt: the write-gap histogram of all vCPUs, drawn like the
# others (its panel found by its title's place among the panels).
felt=$(python3 -c '
import re, sys
names = re.findall(r"<g class=\"panel\"[^>]*>\n<rect[^>]*/>\n<text[^>]*>([^<]*)<", open(sys.argv[1]).read())
print(names.index("guest write gaps (all vCPUs)") if "guest write gaps (all vCPUs)" in names else -1)' "$tmp/run.svg")
if [ "$felt" -ge 0 ] && grep -q "^$felt bars p50 p99\$" "$tmp/panels"; then
	ok "the guest-felt panel (panel $felt) shows the write gaps' bars, p50 and p99"
else not_ok "guest-felt panel (index $felt)" "$(cat "$tmp/panels")"; fi
lines=$(grep -cE '^[0-9]+ line$' "$tmp/panels")
# 3 rate panels, then placement over time: one panel per host node (up to 4).
hn=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l); [ "$hn" -ge 1 ] || hn=1; [ "$hn" -le 4 ] || hn=4
if [ "$lines" -eq $((3 + hn)) ] && grep -q 'guard flushes/s' "$tmp/run.svg" &&
	[ "$(grep -c '>frames on host node [0-9]<' "$tmp/run.svg")" -eq "$hn" ]; then
	ok "3 rate panels and $hn placement panel(s) drawn (frames on host node 0..$((hn - 1)))"
else not_ok "rate and placement panels ($lines lines, want $((3 + hn)))" "$(cat "$tmp/panels")"; fi
if ! grep -qE '^[0-9]+ *$' "$tmp/panels" && ! grep -q 'no samples' "$tmp/run.svg"; then ok "no empty panel"
else not_ok "an empty panel" "$(cat "$tmp/panels")"; fi
# Time axes tick at round seconds from 0; rate axes start at 0.
if grep -q '>0s<' "$tmp/run.svg" && grep -q '>1s<' "$tmp/run.svg" &&
	[ "$(grep -c 'text-anchor="end">0</text>' "$tmp/run.svg")" -ge 3 ]; then
	ok "time axes tick at 0s, 1s, ...; every rate axis starts at 0"
else not_ok "axes" "$(grep -o '>[0-9.e+]*s\?<' "$tmp/run.svg" | sort | uniq -c | head)"; fi
done_testing
