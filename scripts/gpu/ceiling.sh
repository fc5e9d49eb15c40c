#!/usr/bin/env bash
# The GPU check of issue 10 (run by ../shared/gpu/device.sh; carry .gpudata): `predict --device cuda` on 9000
# files (start-up amortised) against the bare forward and the PyTorch DataLoader peer on the same files; the
# null-forward ceiling; the same run with JPEGs decoded by sharp instead of the WebAssembly decoder, and with the
# resize and the CAM upsampling on the JS passes instead of WebAssembly (CAM_LOCALIZE_RESIZE=js); decode
# throughput against threads (decode-scaling.mjs); per-thread CPU use and GPU use of a run.
set -u
R=$(pwd); D=$R/.gpudata; X=/tmp/x9000; M=/tmp/m; BIN="$NODE $P/app-cuda/dist/bin.cjs"
CORE=$(readlink -f $P/app-cuda/node_modules/@cam-localize/core)
mkdir -p $X $M
for i in $(seq 0 29); do for f in $D/images/*; do cp "$f" "$X/r$i-$(basename "$f")"; done; done; ls $X | wc -l
step() { echo; echo "=== $* ($(date +%T))"; }
step "decode throughput against threads"
UV_THREADPOOL_SIZE=20 timeout 60 $NODE $R/scripts/gpu/decode-scaling.mjs $CORE $D/images 2 wasm,pipeline 1 4 15
step export; timeout 180 python3 $P/export.py $M >/dev/null 2>&1; MODEL=$M/resnet18.onnx; ls -la $MODEL
step bare; timeout 60 $NODE $P/bare.mjs $ORT_CUDA $MODEL cuda 32 3
step "image path in force"; timeout 60 $BIN doctor --device cpu 2>&1 | grep -E '^  (JPEG decoder|resize) '
n=0
# Each run prints its summary and the whole command's wall time (start-up included).
pred() {
  n=$((n+1)); local s=$(date +%s.%N)
  timeout 100 $BIN predict $X --model $MODEL --preset imagenet --device cuda --out /tmp/o$n "$@" 2>&1 | tail -1
  echo "   whole command: $(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $s}") s"
}
step "predict defaults"; pred
step "predict defaults, sampled (threads, GPU)"
nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader -lms 500 > /tmp/gpu.txt & SMI=$!
$BIN predict $X --model $MODEL --preset imagenet --device cuda --out /tmp/os > /tmp/os.log 2>&1 & PID=$!
# The run is about 5 s with start-up: sample 1.5 s from 2.5 s in (a window that outlives the run shows nothing).
sleep 2.5; python3 $R/scripts/gpu/threads.py $PID 1.5 > /tmp/th.txt; head -24 /tmp/th.txt; tail -1 /tmp/th.txt; wait $PID; tail -1 /tmp/os.log; kill $SMI
echo "GPU util % samples:" $(tr -d ' %' < /tmp/gpu.txt | tr '\n' ' ')
step "predict --null-forward"; pred --null-forward
step "predict, JPEGs decoded by sharp"; CAM_LOCALIZE_JPEG_DECODER=sharp pred
step "predict --batch 64"; pred --batch 64
step "predict, resize and upsampling on the JS passes"; CAM_LOCALIZE_RESIZE=js pred
# 15 workers + the main thread + the session thread (CUDA may spin-wait on it) + V8's GC threads
# oversubscribe 16 cores: fewer workers may run faster.
step "predict --workers 13"; pred --workers 13
step "predict --workers 14"; pred --workers 14
# V8's concurrent GC threads: 0.2 core-ms/img less here with them off (six alternating pairs, 2 cores).
step "predict under node --single-threaded-gc"; BIN="$NODE --single-threaded-gc $P/app-cuda/dist/bin.cjs" pred
step "PyTorch DataLoader peer"; timeout 100 python3 $P/peer.py $M/resnet18.pt $X loader 64
step "records identical to the sharp-decoded run and to the JS-resize run"
python3 - <<'PY'
import json
def load(p):
    return {r['id']: (r.get('top'), r.get('targets')) for r in map(json.loads, open(p))}
a = load('/tmp/o1/results.jsonl')
for other in ('/tmp/o3/results.jsonl', '/tmp/o5/results.jsonl'):
    b = load(other)
    print(other, len(a), len(b), 'identical' if a == b else 'DIFFERENT')
PY
step done
