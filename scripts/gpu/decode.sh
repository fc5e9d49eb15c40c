#!/usr/bin/env bash
# Is decoding capped by a serial cost? sharp's decode throughput against the threads decoding at once, beside
# a pure-JS control, and predict with few workers (run by ../shared/gpu/device.sh; carry .gpudata).
set -u
R=$(pwd); D=$R/.gpudata; APP=$(readlink -f $P/app-cuda/node_modules/@cam-localize/core)
lscpu | grep -E "^(Model name|Thread|Core|Socket|CPU\(s\)|CPU max MHz)" ; cat /sys/fs/cgroup/cpu.max 2>/dev/null
UV_THREADPOOL_SIZE=20 timeout 120 $NODE $R/scripts/gpu/decode-scaling.mjs $APP $D/images 2 pipeline,bare,js 1 2 4 8 15
X=/tmp/x9000; M=/tmp/m; mkdir -p $X $M
for i in $(seq 0 29); do for f in $D/images/*; do cp "$f" "$X/r$i-$(basename "$f")"; done; done
timeout 180 python3 $P/export.py $M >/dev/null 2>&1
for w in 4 15; do for nf in "" --null-forward; do
  echo "== workers $w $nf"; timeout 100 $NODE $P/app-cuda/dist/bin.cjs predict $X --model $M/resnet18.onnx --device cuda --out /tmp/o$w$nf --workers $w $nf 2>&1 | tail -1
done; done
