/**
 * A real session on one provider, started in a child process (so that a provider that crashes
 * while loading cannot take the caller down): a one-node Relu model, created with that provider
 * only, run once and checked. For WebGPU this is the real adapter request.
 */
import { spawnSync } from 'node:child_process';
import { ProtoWriter } from '../../onnx/encode.js';
import { ortEntryFile } from '../ort.js';
import type { Provider } from '../types.js';

export interface SessionProbe {
  readonly ok: boolean;
  /** Why it failed (the provider's own message), or null. */
  readonly error: string | null;
  /** The last lines the provider printed on stderr (Dawn and CUDA say why there). */
  readonly stderr: string[];
  readonly seconds: number;
}

/** y = Relu(x), x: float [1,4] (ONNX IR 8, opset 13). */
export function reluModel(): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8);
  w.string(2, 'cam-localize-doctor');
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, 13);
  });
  const value = (g: ProtoWriter, field: number, name: string) =>
    g.message(field, (vi) => {
      vi.string(1, name);
      vi.message(2, (tp) =>
        tp.message(1, (tt) => {
          tt.int(1, 1);
          tt.message(2, (sh) => {
            sh.message(1, (d) => d.int(1, 1));
            sh.message(1, (d) => d.int(1, 4));
          });
        }),
      );
    });
  w.message(7, (g) => {
    g.message(1, (n) => {
      n.string(1, 'x');
      n.string(2, 'y');
      n.string(3, 'relu');
      n.string(4, 'Relu');
    });
    g.string(2, 'doctor');
    value(g, 11, 'x');
    value(g, 12, 'y');
  });
  return w.finish();
}

const SCRIPT = `
const [entry, provider, id, model] = process.argv.slice(1);
const ort = require(entry);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
(async () => {
  const ep = provider === 'cuda' && id !== '' ? [{ name: 'cuda', deviceId: Number(id) }] : [provider];
  try {
    const s = await ort.InferenceSession.create(Buffer.from(model, 'base64'), { executionProviders: ep, logSeverityLevel: 3 });
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 2, -3, 4]), [1, 4]) });
    const y = Array.from(out.y.data).join(',');
    await s.release();
    say(y === '0,2,0,4' ? { ok: true, error: null } : { ok: false, error: 'wrong output ' + y });
  } catch (e) {
    say({ ok: false, error: String((e && e.message) || e).split('\\n')[0].slice(0, 600) });
  }
})();`;

/** Starts a session on `provider` (CUDA device `deviceId`) in a child process and runs it once. */
export function probeSession(
  provider: Provider,
  deviceId: number | null = null,
  env: NodeJS.ProcessEnv = process.env,
): SessionProbe {
  const entry = ortEntryFile();
  const t0 = performance.now();
  if (entry === undefined) {
    return { ok: false, error: 'onnxruntime-node is not installed', stderr: [], seconds: 0 };
  }
  const model = Buffer.from(reluModel()).toString('base64');
  const r = spawnSync(
    process.execPath,
    ['-e', SCRIPT, entry, provider, deviceId === null ? '' : String(deviceId), model],
    {
      encoding: 'utf8',
      timeout: 120_000,
      env,
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const stderr = (r.stderr ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-6);
  const line = (r.stdout ?? '')
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line !== undefined) {
    const out = JSON.parse(line) as { ok: boolean; error: string | null };
    return { ok: out.ok, error: out.error, stderr, seconds };
  }
  const how = r.error?.message ?? (r.signal === null ? `exit code ${r.status}` : `signal ${r.signal}`);
  return { ok: false, error: `the probe process died (${how})`, stderr, seconds };
}
