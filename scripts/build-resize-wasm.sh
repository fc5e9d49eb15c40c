#!/usr/bin/env bash
# Rebuilds packages/core/wasm/resize.wasm from resize.c. Needs clang and wasm-ld with the wasm32
# target (Debian: apt-get install clang lld). The .wasm is committed, so installs and CI need no
# C toolchain; core/test/image/resize-wasm.test.ts holds it to the JS passes bit for bit.
set -euo pipefail
cd "$(dirname "$0")/../packages/core/wasm"
clang --target=wasm32 -O3 -msimd128 -ffp-contract=off -fno-builtin -nostdlib \
  -Wl,--no-entry -Wl,--export=__heap_base -Wl,--strip-all \
  -o resize.wasm resize.c
echo "resize.wasm: $(wc -c < resize.wasm) bytes ($(clang --version | head -1))"
