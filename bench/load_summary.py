#!/usr/bin/env python3
# bench/load_summary.py FILE: medians of rwkv-loadtime output grouped by the "-- VARIANT" lines before
# them (bench/h100_s12c.sh ..): load and upload ms, and the upload breakdown.
import re,os,sys
cur=None; d={}
for l in open(sys.argv[1]):
    if l.startswith('-- '): cur=l[3:].strip(); continue
    m=re.match(r'load \d+: ([\d.]+) ms .*uploads ([\d.]+)',l)
    if m and cur: d.setdefault(cur,[]).append((float(m.group(1)),float(m.group(2))))
    m=re.match(r'\s+uploads: .*fill ([\d.]+), map\+unmap ([\d.]+), copy calls ([\d.]+).*\((\d+) copies\), packed in ([\d.]+)',l)
    if m and cur: d.setdefault(cur+' detail',[]).append(tuple(float(x) for x in m.groups()))
import statistics as st
for k,v in d.items():
    if 'detail' in k:
        print(k, 'fill/map/copy/ncopies/pack medians', [round(st.median([x[i] for x in v]),1) for i in range(5)])
    else:
        print(k, 'load med %.1f min %.1f max %.1f | uploads med %.1f (n=%d)'%(st.median([x[0] for x in v]),min(x[0] for x in v),max(x[0] for x in v),st.median([x[1] for x in v]),len(v)))
