/** Short advice for device errors (the long form is `cam-localize doctor`). */
export function shortCudaDiagnosis(): string {
  return 'run `cam-localize doctor --device cuda` to see which libraries the CUDA provider needs, or use --device cpu';
}

export function shortWebGpuAdvice(): string {
  return 'WebGPU needs a GPU with Vulkan/Metal/D3D12 drivers; use --device cpu or cuda';
}
