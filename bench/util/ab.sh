#!/bin/bash
# ab.sh OLD NEW N [args...]: runs two builds of bench_inproc alternately N times (so a change in
# the machine's load or regime hits both) and prints the per-measure medians and NEW/OLD.
# Example: bench/util/ab.sh /tmp/bench_inproc.old build/bin/bench_inproc 8 --rounds 1
base=$1; new=$2; n=$3; shift 3
for i in $(seq $n); do
  $base --no-erlang "$@" 2>&1 | grep -E "^(tell|call)" | sed 's/^/A /'
  $new --no-erlang "$@" 2>&1 | grep -E "^(tell|call)" | sed 's/^/B /'
done | /usr/bin/python3 -c '
import sys,collections,statistics
d=collections.defaultdict(list)
for l in sys.stdin:
    p=l.split()
    # A tell 1->1 (host) 123 - - msgs/s
    key=" ".join(p[1:-4]); d[(key,p[0])].append(float(p[-4]))
keys=sorted(set(k for k,_ in d), key=lambda k: list(x for x,_ in d).index(k))
for k in keys:
    a=statistics.median(d[(k,"A")]); b=statistics.median(d[(k,"B")])
    print(f"{k:24s} A {a:12.0f}  B {b:12.0f}  B/A {b/a:5.2f}   n={len(d[(k,chr(65))])}")
'
