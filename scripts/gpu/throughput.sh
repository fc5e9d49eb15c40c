#!/usr/bin/env bash
# The short GPU check: end-to-end throughput against the bare forward and the PyTorch DataLoader peer, side by
# side on one machine (run by ../shared/gpu/device.sh; carry .gpudata and .gl as for check.sh).
set -u
R=$(pwd); D=$R/.gpudata; X=/tmp/x3000; M=/tmp/m
mkdir -p $X $M
for i in 0 1 2 3 4 5 6 7 8 9; do for f in $D/images/*; do cp "$f" "$X/r$i-$(basename "$f")"; done; done
step() { echo; echo "=== $* ($(date +%T))"; }
step export; timeout 180 python3 $P/export.py $M
MODEL=$M/resnet18.onnx
step "bare forward, CUDA"; timeout 90 $NODE $P/bare.mjs $ORT_CUDA $MODEL cuda 32,64 4
pred() { timeout 150 $CLI_CUDA predict $X --model $MODEL --preset imagenet "$@" 2>&1 | tail -1; }
step "predict cuda, defaults"; pred --device cuda
step "predict cuda, defaults, again (warm page cache)"; pred --device cuda
step "predict cuda --batch 64"; pred --device cuda --batch 64
step "predict cuda --cam-on-device off"; pred --device cuda --cam-on-device off
step "predict cuda --resize-engine vips"; pred --device cuda --resize-engine vips
step "predict cuda --null-forward (ceiling)"; pred --device cuda --null-forward
step "run --protocol wsolevaluation, cuda, 300 photos x 1"
timeout 150 $CLI_CUDA run $D --model $MODEL --preset imagenet --protocol wsolevaluation --device cuda --out /tmp/run --no-report 2>&1 | grep -E "img/s|MaxBoxAccV2"
step "PyTorch DataLoader peer (14 workers, batch 64)"; timeout 150 python3 $P/peer.py $M/resnet18.pt $X loader 64
step "WebGPU"
if ls $R/.gl/*.deb >/dev/null 2>&1; then
  for f in $R/.gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  timeout 90 $NODE $P/bare.mjs $ORT $MODEL webgpu 32 4
  pred --device webgpu --batch 32
fi
step done
