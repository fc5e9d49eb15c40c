/** The human form of a doctor report: a provider table, then the CUDA and WebGPU details and fixes. */
import type { DoctorReport } from './doctor.js';

function row(label: string, value: string): string {
  return `  ${label.padEnd(22)} ${value}`;
}

export function formatDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  lines.push(`cam-localize doctor: ${r.verdict}`);
  lines.push('');
  lines.push(row('node', `${r.node.version} (${r.node.platform} ${r.node.arch})`));
  const t = r.threads;
  const pool = t.ioThreadPool < t.decodeWorkers ? ' (fewer than the workers: set UV_THREADPOOL_SIZE)' : '';
  lines.push(
    row(
      'CPU threads',
      `${t.cores} cores; ${t.decodeWorkers} decode workers by default; libuv pool ${t.ioThreadPool}${pool}`,
    ),
  );
  lines.push(row('JPEG decoder', r.images.jpegDecoder));
  lines.push(row('resize', r.images.resize));
  lines.push(
    row(
      'onnxruntime-node (npm)',
      `${r.onnxruntimeNode.version ?? '?'} at ${r.onnxruntimeNode.folder ?? '(not found)'}${r.onnxruntimeNode.error ? ` (cannot load: ${r.onnxruntimeNode.error})` : ''}`,
    ),
  );
  lines.push('');
  lines.push(`  ${'provider'.padEnd(9)}${'status'.padEnd(11)}why`);
  for (const p of r.providers) {
    lines.push(`  ${p.provider.padEnd(9)}${(p.available ? 'available' : 'missing').padEnd(11)}${p.reason}`);
  }
  const c = r.cuda;
  lines.push('', 'CUDA');
  if (c !== null) {
    lines.push(row('provider library', `${c.providerFile}: ${c.providerPresent ? 'present' : 'MISSING'}`));
    if (c.providerPresent) {
      lines.push(row('providers_shared', c.sharedPresent ? 'present' : 'MISSING'));
      const rel = c.providerReleases.length > 0 ? c.providerReleases.join('/') : '?';
      const match =
        c.releaseMatch === null ? '' : c.releaseMatch ? ' (same release)' : ' (DIFFERENT releases)';
      lines.push(
        row('ONNX Runtime release', `provider ${rel}, libonnxruntime ${c.ortRelease ?? '?'}${match}`),
      );
      lines.push(row('CUDA major (NEEDED)', c.cudaMajor === null ? '?' : String(c.cudaMajor)));
      for (const n of c.needed) {
        const state = n.resolves
          ? `ok ${n.path ?? ''}`
          : `NOT FOUND${n.foundIn ? ` (present in ${n.foundIn})` : ''}: ${n.error ?? ''}`;
        lines.push(row(`  ${n.name}${n.via === 'runtime' ? '*' : ''}`, state));
      }
      if (c.needed.some((n) => n.via === 'runtime'))
        lines.push(row('', '* loaded by the provider at run time'));
    } else {
      lines.push(row('libonnxruntime release', c.ortRelease ?? '?'));
    }
    if (c.readError !== null) lines.push(row('read error', c.readError));
  } else {
    lines.push(row('provider library', 'not checked (Linux only)'));
  }
  const cudaReport = r.providers.find((p) => p.provider === 'cuda');
  for (const l of cudaReport?.session?.ok === false ? cudaReport.session.stderr : [])
    lines.push(row('  stderr', l));
  const smi = r.nvidiaSmi;
  lines.push(
    row(
      'GPU (nvidia-smi)',
      smi.gpus === null
        ? `none (${smi.error})`
        : `${smi.gpus.join('; ')}; driver ${smi.driverVersion ?? '?'}, CUDA ${smi.driverCuda ?? '?'}`,
    ),
  );
  if (r.vulkan !== null) {
    lines.push('', 'WebGPU (Linux: Dawn on Vulkan)');
    for (const l of r.vulkan.libraries)
      lines.push(row(l.name, l.resolves ? `ok ${l.path ?? ''}` : `NOT FOUND: ${l.error}`));
    lines.push(row('Vulkan ICD files', r.vulkan.icdFiles.length > 0 ? r.vulkan.icdFiles.join(', ') : 'none'));
    const webgpu = r.providers.find((p) => p.provider === 'webgpu');
    for (const l of webgpu?.session?.ok === false ? webgpu.session.stderr : [])
      lines.push(row('  stderr', l));
  }
  const withFixes = r.providers.filter((p) => p.problems.length + p.fixes.length > 0);
  if (withFixes.length > 0) {
    lines.push('', 'To fix');
    for (const p of withFixes) {
      for (const problem of p.problems) lines.push(`  ${p.provider}: ${problem}`);
      for (const fix of p.fixes) lines.push(`    -> ${fix}`);
    }
  }
  lines.push('', 'Environment');
  for (const [k, v] of Object.entries(r.environment)) lines.push(row(k, v ?? '(unset)'));
  return lines.join('\n');
}
