#!/usr/bin/env python3
# bench/load_summary.py FILE: medians of rwkv-loadtime output grouped by the "-- VARIANT" lines before
# them (bench/h100_s12c.sh ..): load, context and upload ms, the upload breakdown; where a group
# has a process's first load (load 0) beside later ones, the two are summed apart (session 15's
# first loads in fresh processes, "-- MODEL first load VARIANT", against repeated loads).
import re, statistics as st, sys
cur = None
d = {}
for l in open(sys.argv[1]):
    if l.startswith('-- '):
        cur = l[3:].strip()
        continue
    if l.startswith('== '):  # a new section of the script: not the last group's
        cur = None
        continue
    m = re.match(r'load (\d+): ([\d.]+) ms .*context ([\d.]+).*uploads ([\d.]+)', l)
    if m and cur:
        which = 'first' if m.group(1) == '0' else 'later'
        d.setdefault((cur, which), []).append(tuple(float(x) for x in m.groups()[1:]))
        continue
    m = re.match(r'\s+uploads: (?:ring start ([\d.]+), )?.*fill ([\d.]+), map\+unmap ([\d.]+), copy calls ([\d.]+)'
                 r'.*\((\d+) copies\), packed in ([\d.]+)', l)
    if m and cur:
        d.setdefault((cur, 'detail'), []).append(tuple(float(x or 0) for x in m.groups()))


def med(v, i):
    return round(st.median(x[i] for x in v), 1)


for (k, which), v in d.items():
    if which == 'detail':
        print(k, '| uploads: ring start/fill/map/copy/copies/pack medians', [med(v, i) for i in range(6)])
    else:
        tag = '' if which == 'later' and (k, 'first') not in d else which  # (repeats alone: no tag)
        print(k, tag, '| load med %.1f min %.1f max %.1f | context %.1f | uploads %.1f (n=%d)' %
              (med(v, 0), min(x[0] for x in v), max(x[0] for x in v), med(v, 1), med(v, 2), len(v)))
