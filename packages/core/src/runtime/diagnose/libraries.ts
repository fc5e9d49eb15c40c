/**
 * Whether a shared library resolves the way the dynamic loader would find it (LD_LIBRARY_PATH,
 * the ldconfig cache, the default folders): a `dlopen` in a child process, so that a library
 * whose loading crashes cannot take the caller down. Also where a missing library might be found
 * (the nvidia-* Python wheels of a PyTorch install, a system CUDA), to say which folder to add.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface LibraryCheck {
  readonly name: string;
  readonly resolves: boolean;
  /** The file the loader picked (from /proc/self/maps of the probe), when it resolved. */
  readonly path: string | null;
  /** The loader's message when it did not. */
  readonly error: string | null;
}

/** Loads `library` in the child (kept mapped: RTLD_NODELETE); "did not self-register" means the load worked. */
const PROBE = `
const name = process.argv[1];
const prefix = require('path').basename(name).replace(/\\.so(\\..*)?$/, '.so');
const report = (resolves, error) => {
  let path = null;
  try {
    const files = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5]);
    path = files.find((f) => f && require('path').basename(f).startsWith(prefix)) ?? null;
  } catch {}
  process.stdout.write(JSON.stringify({ resolves, path, error }) + '\\n');
};
try {
  const nodelete = process.platform === 'linux' ? 0x1000 : 0; // RTLD_NODELETE: Node has no constant
  process.dlopen({ exports: {} }, name, require('os').constants.dlopen.RTLD_LAZY | nodelete);
  report(true, null);
} catch (e) {
  const m = String(e && e.message || e);
  if (/did not self-register|napi_register_module|Module did not/i.test(m)) report(true, null);
  else report(false, m.split('\\n')[0].slice(0, 400));
}`;

/** dlopen `name` (a soname searched like the loader does, or a path) in a child process. */
export function probeLibrary(name: string, env: NodeJS.ProcessEnv = process.env): LibraryCheck {
  const r = spawnSync(process.execPath, ['-e', PROBE, name], { encoding: 'utf8', timeout: 30_000, env });
  const line = r.stdout
    ?.trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line !== undefined) {
    const out = JSON.parse(line) as Omit<LibraryCheck, 'name'>;
    return { name, ...out };
  }
  const how = r.error?.message ?? (r.signal === null ? `exit code ${r.status}` : `signal ${r.signal}`);
  const tail = (r.stderr ?? '').trim().split('\n').slice(-2).join(' ').slice(0, 300);
  return {
    name,
    resolves: false,
    path: null,
    error: `the probe process failed (${how})${tail ? `: ${tail}` : ''}`,
  };
}

/** Libraries every Node.js process has already loaded: no need to probe them. */
const ALWAYS_LOADED = /^(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s)\.so\.\d+$|^ld-linux/;

export function isAlwaysLoaded(name: string): boolean {
  return ALWAYS_LOADED.test(name);
}

function subfolders(dir: string, match: (name: string) => boolean = () => true): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && match(e.name))
      .map((e) => join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}

/** Python site-packages folders: from `python3` itself when present, and the usual places. */
function sitePackages(): string[] {
  const out = new Set<string>();
  const r = spawnSync(
    'python3',
    ['-c', 'import site,sys; print("\\n".join(site.getsitepackages()+[site.getusersitepackages()]))'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (r.status === 0) for (const l of r.stdout.split('\n')) if (l.trim()) out.add(l.trim());
  const prefixes = ['/usr/local/lib', '/usr/lib', '/opt/conda/lib', join(homedir(), '.local', 'lib')];
  for (const env of ['VIRTUAL_ENV', 'CONDA_PREFIX']) {
    const v = process.env[env];
    if (v) prefixes.push(join(v, 'lib'));
  }
  for (const p of prefixes) {
    for (const py of subfolders(p, (n) => n.startsWith('python3'))) {
      for (const kind of ['site-packages', 'dist-packages']) out.add(join(py, kind));
    }
  }
  return [...out].filter((d) => existsSync(d));
}

/**
 * Folders where CUDA and cuDNN libraries often live but the loader does not look by default:
 * `nvidia/<part>/lib` of the pip wheels (PyTorch brings them), `torch/lib`, and system CUDA.
 */
export function candidateLibraryFolders(): string[] {
  const out: string[] = [];
  for (const site of sitePackages()) {
    for (const part of subfolders(join(site, 'nvidia'))) {
      for (const lib of ['lib', 'lib64']) if (existsSync(join(part, lib))) out.push(join(part, lib));
    }
    if (existsSync(join(site, 'torch', 'lib'))) out.push(join(site, 'torch', 'lib'));
  }
  for (const cuda of subfolders('/usr/local', (n) => n === 'cuda' || n.startsWith('cuda-'))) {
    for (const lib of [
      'lib64',
      join('targets', `${process.arch === 'arm64' ? 'sbsa' : 'x86_64'}-linux`, 'lib'),
    ]) {
      if (existsSync(join(cuda, lib))) out.push(join(cuda, lib));
    }
  }
  for (const d of ['/usr/local/nvidia/lib64', '/usr/local/nvidia/lib']) if (existsSync(d)) out.push(d);
  return [...new Set(out)];
}

/** The first of `folders` that holds a file named `name`, if any. */
export function findLibrary(name: string, folders: readonly string[]): string | null {
  return folders.find((d) => existsSync(join(d, name))) ?? null;
}
