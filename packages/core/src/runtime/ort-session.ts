/**
 * Sessions on the thread that calls them: picking the execution provider (with the reason) and
 * running onnxruntime. `createSession` (session.ts) uses it directly on the main thread, or
 * through the worker in session-thread-worker.ts.
 */
import { DeviceError, ModelError, UsageError } from '../errors.js';
import type { DeviceSpec } from './device.js';
import { formatDevice } from './device.js';
import {
  loadOrt,
  type OrtModule,
  type OrtResult,
  type OrtSession,
  type OrtSessionOptions,
  type OrtTensor,
} from './ort.js';
import { availableProviders, deviceFailureAdvice, providerMissingError } from './providers.js';
import {
  checkExtraInputs,
  checkInputDims,
  padExtraInputs,
  padRows,
  runOptions,
  sliceExtraInputs,
} from './run-inputs.js';
import type {
  DeviceChoice,
  ExtraInput,
  ModelSession,
  OutputTensor,
  Provider,
  RunOptions,
  SessionOptions,
} from './types.js';

function describeCause(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]!.slice(0, 500) : String(e);
}

async function makeOrtSession(
  ort: OrtModule,
  model: Uint8Array | string,
  provider: Provider,
  deviceId: number | null,
  options: SessionOptions,
): Promise<OrtSession> {
  const so: OrtSessionOptions = {
    executionProviders:
      provider === 'cpu'
        ? ['cpu']
        : [provider === 'cuda' && deviceId !== null ? { name: 'cuda', deviceId } : provider, 'cpu'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
  if (options.intraOpThreads !== undefined) so.intraOpNumThreads = options.intraOpThreads;
  if (options.interOpThreads !== undefined) so.interOpNumThreads = options.interOpThreads;
  return typeof model === 'string'
    ? await ort.InferenceSession.create(model, so)
    : await ort.InferenceSession.create(model, so);
}

function isModelProblem(e: unknown): boolean {
  const m = describeCause(e);
  return /protobuf|INVALID_GRAPH|INVALID_PROTOBUF|NOT_IMPLEMENTED|Load model|Node \(|shape|Type Error/i.test(
    m,
  );
}

/**
 * Creates an onnxruntime session on the calling thread, on the requested (already parsed)
 * device; `auto` reports the provider it got and why. Throws DeviceError / ModelError.
 */
export async function openOrtSession(
  model: Uint8Array | string,
  device: DeviceSpec,
  options: SessionOptions = {},
): Promise<OrtModelSession> {
  const file = options.file ?? (typeof model === 'string' ? model : undefined);
  const where = file === undefined ? {} : { file };
  const ort = await loadOrt();
  const avail = await availableProviders();
  const cuda = avail.find((a) => a.provider === 'cuda')!;
  const requested = formatDevice(device);

  let session: OrtSession | undefined;
  let choice: DeviceChoice | undefined;
  if (device.kind === 'cuda' || device.kind === 'webgpu') {
    const kind = device.kind;
    const entry = avail.find((a) => a.provider === kind)!;
    if (!entry.installed) throw providerMissingError(kind, entry, file);
    try {
      session = await makeOrtSession(ort, model, kind, device.deviceId, options);
      choice = { requested, provider: kind, reason: `${requested} as requested` };
    } catch (cause) {
      throw new DeviceError(`device '${requested}' failed to start a session: ${describeCause(cause)}`, {
        cause,
        ...where,
        hint: deviceFailureAdvice(kind),
      });
    }
  } else {
    // The reason is one short line on stderr; the long diagnosis is `detail` (and `doctor`'s).
    let reason = device.kind === 'cpu' ? 'cpu as requested' : 'auto: cpu (CUDA provider not installed)';
    let detail = device.kind === 'cpu' ? undefined : cuda.detail;
    if (device.kind === 'auto' && cuda.installed) {
      try {
        session = await makeOrtSession(ort, model, 'cuda', null, options);
        choice = { requested, provider: 'cuda', reason: 'auto: cuda (provider installed and started)' };
      } catch (cause) {
        session = undefined; // fall back to CPU
        reason = 'auto: cpu (CUDA provider did not start)';
        detail = `${describeCause(cause)} (${deviceFailureAdvice('cuda')})`;
      }
    }
    if (session === undefined) {
      try {
        session = await makeOrtSession(ort, model, 'cpu', null, options);
        choice = { requested, provider: 'cpu', reason, ...(detail === undefined ? {} : { detail }) };
      } catch (cause) {
        throw new ModelError(
          isModelProblem(cause) ? 'E_MODEL_FORMAT' : 'E_SESSION',
          `onnxruntime cannot load the model: ${describeCause(cause)}`,
          { cause, ...where },
        );
      }
    }
  }
  return new OrtModelSession(ort, session, choice!, options, file);
}

/** A session that runs on the thread that calls it (run blocks that thread for the forward pass). */
export class OrtModelSession implements ModelSession {
  readonly thread = 'main' as const;
  readonly provider: Provider;
  readonly inputName: string;
  readonly inputShape: readonly (number | string)[];
  readonly extraInputNames: readonly string[];
  readonly fixedBatch: number | null;
  readonly outputNames: readonly string[];
  private released = false;

  constructor(
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    readonly deviceChoice: DeviceChoice,
    options: SessionOptions,
    private readonly file: string | undefined,
  ) {
    this.provider = deviceChoice.provider;
    const names = session.inputNames;
    if (names.length === 0) {
      throw new ModelError('E_MODEL_FORMAT', 'the model has no inputs', this.where());
    }
    this.inputName = names[0]!;
    this.extraInputNames = names.slice(1);
    const meta = session.inputMetadata[0];
    const shape = meta?.isTensor ? meta.shape : [];
    this.inputShape = shape.map((d) => (typeof d === 'number' && d >= 0 ? d : String(d)));
    const b = this.inputShape[0];
    this.fixedBatch = typeof b === 'number' && b > 0 ? b : null;
    const wanted = options.outputs ?? session.outputNames;
    for (const o of wanted) {
      if (!session.outputNames.includes(o)) {
        throw new ModelError(
          'E_SESSION',
          `'${o}' is not an output of the session (outputs: ${session.outputNames.join(', ')})`,
          this.where(),
        );
      }
    }
    this.outputNames = [...wanted];
  }

  private where(): { file?: string } {
    return this.file === undefined ? {} : { file: this.file };
  }

  async run(
    input: Float32Array,
    batch: number,
    options?: readonly number[] | RunOptions,
  ): Promise<Record<string, OutputTensor>> {
    if (this.released) throw new UsageError('the session was released');
    const { dims, extra } = runOptions(options);
    const full = checkInputDims(this.inputName, this.inputShape, input, batch, dims);
    checkExtraInputs(this.extraInputNames, extra, batch);
    const fixed = this.fixedBatch;
    if (fixed === null || fixed === batch) return this.runOnce(input, full, extra ?? {});
    // Runs of exactly `fixed`; a short last run is filled with copies of the last image (and of
    // its extra inputs), whose outputs are dropped.
    const runs = Math.ceil(batch / fixed);
    const per = input.length / batch;
    const parts: Record<string, OutputTensor>[] = [];
    for (let r = 0; r < runs; r++) {
      const from = r * fixed;
      const to = Math.min(batch, from + fixed);
      const slice = padRows(input.subarray(from * per, to * per), per, fixed);
      const extraSlice = padExtraInputs(sliceExtraInputs(extra ?? {}, from, to), fixed);
      parts.push(await this.runOnce(slice, [fixed, ...full.slice(1)], extraSlice));
    }
    const out: Record<string, OutputTensor> = {};
    for (const name of this.outputNames) {
      const first = parts[0]![name]!;
      const rows = first.dims[0] ?? 1;
      // Outputs without the batch axis first (rare) are kept from the first run as they are.
      if (rows !== fixed) {
        out[name] = first;
        continue;
      }
      const row = first.data.length / rows;
      const data = new Float32Array(row * batch);
      for (let r = 0; r < runs; r++) {
        const keep = Math.min(fixed, batch - r * fixed);
        data.set(parts[r]![name]!.data.subarray(0, keep * row), r * fixed * row);
      }
      out[name] = { data, dims: [batch, ...first.dims.slice(1)] };
    }
    return out;
  }

  /** Plain buffers for shared-memory inputs, reused run after run. */
  private readonly free: Float32Array[] = [];

  private staging(input: Float32Array): Float32Array {
    const at = this.free.findIndex((b) => b.length === input.length);
    const buffer = at >= 0 ? this.free.splice(at, 1)[0]! : new Float32Array(input.length);
    if (this.free.length > 4) this.free.shift();
    buffer.set(input);
    return buffer;
  }

  private tensorOf(t: ExtraInput): OrtTensor {
    if (t.data instanceof BigInt64Array) return new this.ort.Tensor('int64', t.data, t.dims);
    if (t.data instanceof Int32Array) return new this.ort.Tensor('int32', t.data, t.dims);
    return new this.ort.Tensor('float32', t.data, t.dims);
  }

  private async runOnce(
    input: Float32Array,
    dims: number[],
    extra: Readonly<Record<string, ExtraInput>>,
  ): Promise<Record<string, OutputTensor>> {
    // onnxruntime-node refuses shared memory ("Invalid argument"): such an input is copied once
    // into plain memory, taken from a small free list so that batches do not churn the heap.
    const shared = typeof SharedArrayBuffer !== 'undefined' && input.buffer instanceof SharedArrayBuffer;
    const plain = shared ? this.staging(input) : input;
    const feeds: Record<string, OrtTensor> = {
      [this.inputName]: new this.ort.Tensor('float32', plain, dims),
    };
    for (const [name, t] of Object.entries(extra)) feeds[name] = this.tensorOf(t);
    let result: OrtResult;
    try {
      result = await this.session.run(feeds, [...this.outputNames]);
    } catch (cause) {
      throw new ModelError(
        'E_SESSION',
        `inference failed on input [${dims.join(',')}]: ${describeCause(cause)}`,
        {
          cause,
          ...this.where(),
        },
      );
    } finally {
      for (const t of Object.values(feeds)) t.dispose();
      if (shared) this.free.push(plain);
    }
    const out: Record<string, OutputTensor> = {};
    for (const name of this.outputNames) {
      const t = result[name];
      if (t === undefined)
        throw new ModelError('E_SESSION', `onnxruntime returned no '${name}'`, this.where());
      const d = t.data;
      const data = d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>, Number);
      out[name] = { data, dims: t.dims.map(Number) };
    }
    return out;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}
