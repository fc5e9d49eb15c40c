/**
 * Which modules a command loads: a short command (`inspect`, `eval`) starts in a fraction of the
 * time when it never loads onnxruntime-node, sharp, fast-glob or the other commands' modules. The
 * command runs in a child process with a module hook (`--import`) that records every module the
 * ES loader loads (CommonJS packages imported from ES modules included) and every native addon
 * opened, and writes them to a file at exit. `doctor`, which needs onnxruntime, is the control
 * that shows the hook sees it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeScoreMapNpy } from '@cam-localize/eval';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'cam-lazy-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The hook thread posts each loaded URL to the main thread, which writes them all at exit.
const HOOKS = `
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }
`;
const RECORDER = join(dir, 'record-modules.mjs');
writeFileSync(
  RECORDER,
  `import { register } from 'node:module';
import { writeFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
const loaded = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => loaded.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), {
  parentURL: import.meta.url, data: { port: port2 }, transferList: [port2],
});
const open = process.dlopen;
process.dlopen = function (module, file, ...rest) { loaded.push('native:' + file); return open.call(this, module, file, ...rest); };
process.on('exit', () => writeFileSync(process.env.MODULES_OUT, JSON.stringify(loaded)));
`,
);

let runs = 0;
/** Runs the command; returns its exit code, stderr and the modules it loaded. */
async function modulesOf(args: string[]): Promise<{ code: number | null; stderr: string; loaded: string[] }> {
  const out = join(dir, `modules-${runs++}.json`);
  const result = await runCli(args, {
    nodeFlags: ['--import', pathToFileURL(RECORDER).href],
    env: { MODULES_OUT: out },
  });
  return { code: result.code, stderr: result.stderr, loaded: JSON.parse(readFileSync(out, 'utf8')) };
}

const HEAVY = ['/onnxruntime-node/', 'onnxruntime_binding', '/node_modules/sharp/', '/@img/', '/fast-glob/'];
const heavyIn = (loaded: string[]) => loaded.filter((url) => HEAVY.some((name) => url.includes(name)));
/** Modules of commands other than `command` (each command's own module and the pipeline's). */
const otherCommands = (loaded: string[], command: string) =>
  loaded.filter(
    (url) =>
      (/\/cli\/dist\/commands\//.test(url) && !url.endsWith(`/commands/${command}.js`)) ||
      url.endsWith('/cli/dist/pipeline/stream.js'),
  );

describe('modules a command loads', () => {
  it('eval --trust-sizes loads neither onnxruntime, sharp, fast-glob nor other commands', async () => {
    const root = join(dir, 'dataset');
    const ids = ['val/a.JPEG', 'val/b.JPEG'];
    mkdirSync(join(root, 'cams', 'val'), { recursive: true });
    writeFileSync(join(root, 'image_ids.txt'), `${ids.join('\n')}\n`);
    writeFileSync(join(root, 'class_labels.txt'), `${ids.map((id) => `${id},0`).join('\n')}\n`);
    writeFileSync(join(root, 'image_sizes.txt'), `${ids.map((id) => `${id},32,32`).join('\n')}\n`);
    writeFileSync(join(root, 'localization.txt'), `${ids.map((id) => `${id},8,8,24,24`).join('\n')}\n`);
    const data = new Float32Array(32 * 32).fill(0);
    for (let y = 8; y < 24; y++) data.fill(1, y * 32 + 8, y * 32 + 24);
    for (const id of ids) writeScoreMapNpy(join(root, 'cams', `${id}.npy`), { width: 32, height: 32, data });
    const run = await modulesOf([
      'eval',
      root,
      '--cams',
      join(root, 'cams'),
      '--size',
      '32',
      '--json',
      '--trust-sizes',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.loaded.some((url) => url.endsWith('/cli/dist/commands/eval.js'))).toBe(true);
    expect(heavyIn(run.loaded)).toEqual([]);
    expect(otherCommands(run.loaded, 'eval')).toEqual([]);
  });

  it('doctor loads onnxruntime-node and its binding (the hook sees them)', async () => {
    const run = await modulesOf(['doctor']);
    expect(heavyIn(run.loaded).some((url) => url.includes('onnxruntime-node'))).toBe(true);
    expect(heavyIn(run.loaded).some((url) => url.startsWith('native:'))).toBe(true);
  });

  it('--help loads every command, so that it can list them', async () => {
    const run = await modulesOf(['--help']);
    expect(run.code).toBe(0);
    expect(run.loaded.filter((url) => /\/cli\/dist\/commands\//.test(url)).length).toBeGreaterThan(5);
  });
});

describeWithTestBed('modules inspect loads', () => {
  it('inspect loads neither onnxruntime, sharp, fast-glob nor other commands', async () => {
    const run = await modulesOf(['inspect', shared('models', 'untrained', 'resnet18.onnx')]);
    expect(run.code, run.stderr).toBe(0);
    expect(heavyIn(run.loaded)).toEqual([]);
    expect(otherCommands(run.loaded, 'inspect')).toEqual([]);
  });
});
