#!/usr/bin/env bash
# The shortest GPU check: `predict --device cuda` on 9000 distinct files (start-up amortised) against the
# bare forward and the PyTorch DataLoader peer on the same files (run by ../shared/gpu/device.sh; carry .gpudata),
# and with libuv's thread pool cut back to its default 4 threads, to measure what sizing it gives.
set -u
R=$(pwd); D=$R/.gpudata; X=/tmp/x9000; M=/tmp/m
mkdir -p $X $M
for i in 0 1 2 3 4 5 6 7 8; do for f in $D/images/*; do cp "$f" "$X/r$i-$(basename "$f")"; done; done
cp $D/images/* $X/ 2>/dev/null; ls $X | wc -l
timeout 180 python3 $P/export.py $M >/dev/null 2>&1; MODEL=$M/resnet18.onnx
timeout 60 $NODE $P/bare.mjs $ORT_CUDA $MODEL cuda 32 4
pred() { timeout 150 $CLI_CUDA predict $X --model $MODEL --preset imagenet --device cuda "$@" 2>&1 | tail -1; }
echo "== predict defaults"; pred
echo "== predict --batch 64"; pred --batch 64
echo "== predict --null-forward"; pred --null-forward
# libuv's pool as before the CommonJS bin (4 threads for 15 decode workers), side by side.
echo "== predict, libuv pool of 4"; UV_THREADPOOL_SIZE=4 pred
echo "== predict --null-forward, libuv pool of 4"; UV_THREADPOOL_SIZE=4 pred --null-forward
echo "== PyTorch DataLoader peer"; timeout 150 python3 $P/peer.py $M/resnet18.pt $X loader 64
