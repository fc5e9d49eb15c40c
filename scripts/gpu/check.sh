#!/usr/bin/env bash
# The GPU check of issues 10 and 12 on a lent machine, run by ../shared/gpu/device.sh (which exports P, NODE,
# CLI, CLI_CUDA, ORT, ORT_CUDA and puts CUDA on LD_LIBRARY_PATH). Carry .gpudata (300 ILSVRC photos with
# wsolevaluation metadata) and .gl (Debian's Vulkan/GL loader packages, for WebGPU). Output: $OUT/log.txt.
set -u
R=$(pwd); D=$R/.gpudata; X=/tmp/x3000; S=/tmp/x300; M=/tmp/m
mkdir -p $X $S $M
for i in 0 1 2 3 4 5 6 7 8 9; do for f in $D/images/*; do cp "$f" "$X/r$i-$(basename "$f")"; done; done
cp $D/images/* $S/
step() { echo; echo "=== $* ($(date +%T))"; }
step export; timeout 180 python3 $P/export.py $M
MODEL=$M/resnet18.onnx
step "doctor, CUDA libraries NOT on the library path"; env -u LD_LIBRARY_PATH timeout 90 $CLI_CUDA doctor --device cuda
env -u LD_LIBRARY_PATH timeout 90 $CLI_CUDA doctor --device cuda --json > $OUT/doctor-before.json
step "doctor, CUDA libraries on the library path"; timeout 90 $CLI_CUDA doctor --device cuda
timeout 90 $CLI_CUDA doctor --device cuda --json > $OUT/doctor-after.json
step "bare forward, CUDA"; timeout 90 $NODE $P/bare.mjs $ORT_CUDA $MODEL cuda 32,64 4
pred() { timeout 150 $CLI_CUDA predict $X --model $MODEL --preset imagenet --device cuda "$@" 2>&1 | tail -1; }
step "predict cuda, defaults (batch 32, cores-1 workers, CAM in the graph)"; pred
step "predict cuda --batch 64"; pred --batch 64
step "predict cuda --batch 64 --cam-on-device off"; pred --batch 64 --cam-on-device off
step "predict cuda --batch 64 --resize-engine vips"; pred --batch 64 --resize-engine vips
step "predict cuda --batch 64 --null-forward (the pipeline's ceiling)"; pred --batch 64 --null-forward
step "predict cuda --batch 64 --workers 8"; pred --batch 64 --workers 8
step "PyTorch DataLoader peer (14 workers, batch 64)"; timeout 150 python3 $P/peer.py $M/resnet18.pt $X loader 64
step "PyTorch seed recipe, image by image (300)"; timeout 150 python3 $P/peer.py $M/resnet18.pt $S seed 1
step "CAM parity, CUDA (in the graph) vs CPU (JS path), 300 photos"
timeout 150 $CLI_CUDA predict $S --model $MODEL --preset imagenet --device cuda --save-cams /tmp/cc --cam-size feature 2>&1 | tail -1
timeout 150 $CLI predict $S --model $MODEL --preset imagenet --device cpu --save-cams /tmp/cp --cam-size feature 2>&1 | tail -1
python3 $P/cmp.py /tmp/cc /tmp/cp
step "run --protocol wsolevaluation, CUDA vs CPU (300)"
for dev in cuda cpu; do
  timeout 150 $CLI_CUDA run $D --model $MODEL --preset imagenet --protocol wsolevaluation --device $dev --out /tmp/run-$dev \
    --no-report --json 2>/tmp/run-$dev.err | python3 -c "import json,sys; m=json.load(sys.stdin); print('$dev', m['maxBoxAccV2'], m['maxBoxAccByIoU'], m['localization'])"
  grep "img/s" /tmp/run-$dev.err | head -1
done
step "WebGPU (Debian Vulkan/GL loaders)"
if ls $R/.gl/*.deb >/dev/null 2>&1; then
  for f in $R/.gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  timeout 90 $CLI doctor --device webgpu
  timeout 150 $CLI predict $X --model $MODEL --preset imagenet --device webgpu --batch 32 2>&1 | tail -1
fi
step done
