/**
 * The onnxruntime-node side of sessions: loading the runtime, picking the execution provider and
 * running a session on the thread that calls it. This is the ONLY module that loads
 * onnxruntime-node, and it does so lazily (`await import('onnxruntime-node')`), so importing
 * @cam-localize/core loads no native code. `createSession` (session.ts) uses it directly on the
 * main thread, or through the worker in session-worker.ts.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { DeviceError, ModelError, UsageError } from '../errors.js';
import type { Device, ModelSession, OutputTensor, Provider, SessionOptions } from './session.js';

type OrtModule = typeof Ort;
let ortModule: Promise<OrtModule> | undefined;

/** Loads onnxruntime-node on first use. */
export async function loadOrt(): Promise<OrtModule> {
  ortModule ??= import('onnxruntime-node').then((m) => {
    const mod = (m as { default?: OrtModule }).default ?? m;
    return (typeof (mod as OrtModule).InferenceSession === 'function' ? mod : m) as OrtModule;
  });
  try {
    return await ortModule;
  } catch (cause) {
    ortModule = undefined;
    throw new DeviceError('E_DEVICE', 'onnxruntime-node cannot be loaded', {
      cause,
      hint: 'reinstall dependencies (pnpm install); onnxruntime-node ships prebuilt binaries for linux, macOS and Windows',
    });
  }
}

/** Where onnxruntime-node keeps its native binaries for this platform. */
export function ortBinaryFolder(): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    const pkg = req.resolve('onnxruntime-node/package.json');
    return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

function cudaProviderFile(): string {
  return process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
}

/** The hint for a missing CUDA provider: onnxruntime-node's install script and its flag. */
export const CUDA_INSTALL_HINT =
  'onnxruntime-node downloads its CUDA provider in its install script, which pnpm does not run by default: ' +
  'allow it (`pnpm approve-builds`, or add onnxruntime-node to onlyBuiltDependencies in pnpm-workspace.yaml), ' +
  'then run it with the CUDA flag: `ONNXRUNTIME_NODE_INSTALL=cuda12 pnpm rebuild onnxruntime-node` ' +
  '(or `npm_config_onnxruntime_node_install=cuda12`, or `node <onnxruntime-node>/script/install.js ' +
  '--onnxruntime-node-install=cuda12`); it needs network access, CUDA 12 and cuDNN 9';

export interface ProviderAvailability {
  readonly provider: Provider;
  /** Listed by onnxruntime-node and (for CUDA) its provider library present. */
  readonly installed: boolean;
  readonly detail: string;
}

/** What onnxruntime-node can offer here (without starting any session). */
export async function availableProviders(): Promise<ProviderAvailability[]> {
  const ort = await loadOrt();
  const listed = new Set(ort.listSupportedBackends().map((b) => b.name));
  const folder = ortBinaryFolder();
  const cudaLib = folder === undefined ? undefined : join(folder, cudaProviderFile());
  const cudaPresent = cudaLib !== undefined && existsSync(cudaLib);
  return [
    { provider: 'cpu', installed: listed.has('cpu'), detail: 'bundled' },
    {
      provider: 'cuda',
      installed: listed.has('cuda') && cudaPresent,
      detail: cudaPresent ? `provider library at ${cudaLib}` : `no ${cudaProviderFile()} in ${folder ?? '?'}`,
    },
    {
      provider: 'webgpu',
      installed: listed.has('webgpu'),
      detail: listed.has('webgpu') ? 'bundled' : 'not built in',
    },
  ];
}

function describeCause(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]!.slice(0, 500) : String(e);
}

async function makeOrtSession(
  ort: OrtModule,
  model: Uint8Array | string,
  provider: Provider,
  options: SessionOptions,
): Promise<Ort.InferenceSession> {
  const so: Ort.InferenceSession.SessionOptions = {
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
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
 * Creates an onnxruntime session on the calling thread, on the requested (already validated)
 * device; `auto` reports the provider it got. Throws DeviceError / ModelError.
 */
export async function openOrtSession(
  model: Uint8Array | string,
  device: Device,
  options: SessionOptions = {},
): Promise<OrtModelSession> {
  const file = options.file ?? (typeof model === 'string' ? model : undefined);
  const ort = await loadOrt();
  const avail = await availableProviders();
  const has = (p: Provider) => avail.find((a) => a.provider === p)?.installed === true;

  let session: Ort.InferenceSession | undefined;
  let provider: Provider = 'cpu';
  if (device === 'cuda' || device === 'webgpu') {
    if (device === 'cuda' && !has('cuda')) {
      throw new DeviceError(
        'E_DEVICE',
        `device 'cuda' requested but the CUDA execution provider is not installed (${avail[1]!.detail})`,
        {
          hint: CUDA_INSTALL_HINT,
          ...(file === undefined ? {} : { file }),
        },
      );
    }
    if (device === 'webgpu' && !has('webgpu')) {
      throw new DeviceError(
        'E_DEVICE',
        "device 'webgpu' requested but this onnxruntime-node build has no WebGPU provider",
        {
          hint: 'use --device cpu',
        },
      );
    }
    try {
      session = await makeOrtSession(ort, model, device, options);
      provider = device;
    } catch (cause) {
      throw new DeviceError(
        'E_DEVICE',
        `device '${device}' failed to start a session: ${describeCause(cause)}`,
        {
          cause,
          ...(file === undefined ? {} : { file }),
          hint:
            device === 'cuda'
              ? 'check the NVIDIA driver, CUDA 12 and cuDNN 9 (nvidia-smi), or use --device cpu'
              : 'WebGPU needs a GPU with Vulkan/Metal/D3D12 drivers; use --device cpu or cuda',
        },
      );
    }
  } else {
    if (device === 'auto' && has('cuda')) {
      try {
        session = await makeOrtSession(ort, model, 'cuda', options);
        provider = 'cuda';
      } catch {
        session = undefined; // fall back to CPU
      }
    }
    if (session === undefined) {
      try {
        session = await makeOrtSession(ort, model, 'cpu', options);
        provider = 'cpu';
      } catch (cause) {
        throw new ModelError(
          isModelProblem(cause) ? 'E_MODEL_FORMAT' : 'E_SESSION',
          `onnxruntime cannot load the model: ${describeCause(cause)}`,
          { cause, ...(file === undefined ? {} : { file }) },
        );
      }
    }
  }
  return new OrtModelSession(ort, session, provider, options, file);
}

/** A session that runs on the thread that calls it (run blocks that thread for the forward pass). */
export class OrtModelSession implements ModelSession {
  readonly thread = 'main' as const;
  readonly inputName: string;
  readonly inputShape: readonly (number | string)[];
  readonly fixedBatch: number | null;
  readonly outputNames: readonly string[];
  private released = false;

  constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly provider: Provider,
    options: SessionOptions,
    private readonly file: string | undefined,
  ) {
    const names = session.inputNames;
    if (names.length !== 1) {
      throw new ModelError(
        'E_MODEL_FORMAT',
        `the model has ${names.length} inputs (${names.join(', ')}); an image classifier with one input is needed`,
        this.where(),
      );
    }
    this.inputName = names[0]!;
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
    dims?: readonly number[],
  ): Promise<Record<string, OutputTensor>> {
    if (this.released) throw new UsageError('E_USAGE', 'the session was released');
    const full = checkInputDims(this.inputName, this.inputShape, input, batch, dims);
    const fixed = this.fixedBatch;
    if (fixed === null || fixed === batch) return this.runOnce(input, full);
    if (batch % fixed !== 0) {
      throw new UsageError(
        'E_USAGE',
        `the model takes batches of exactly ${fixed}; ${batch} is not a multiple of it`,
      );
    }
    const per = input.length / batch;
    const parts: Record<string, OutputTensor>[] = [];
    for (let b = 0; b < batch; b += fixed) {
      const slice = input.subarray(b * per, (b + fixed) * per);
      parts.push(await this.runOnce(slice, [fixed, ...full.slice(1)]));
    }
    const out: Record<string, OutputTensor> = {};
    for (const name of this.outputNames) {
      const first = parts[0]![name]!;
      const chunk = first.data.length;
      const data = new Float32Array(chunk * parts.length);
      for (let i = 0; i < parts.length; i++) data.set(parts[i]![name]!.data, i * chunk);
      out[name] = { data, dims: [(first.dims[0] ?? 1) * parts.length, ...first.dims.slice(1)] };
    }
    return out;
  }

  private async runOnce(input: Float32Array, dims: number[]): Promise<Record<string, OutputTensor>> {
    const tensor = new this.ort.Tensor('float32', input, dims);
    let result: Ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run({ [this.inputName]: tensor }, [...this.outputNames]);
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
      tensor.dispose();
    }
    const out: Record<string, OutputTensor> = {};
    for (const name of this.outputNames) {
      const t = result[name] as Ort.Tensor | undefined;
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

/**
 * The full input dims of a run, checked against the model input (UsageError when they do not fit).
 * Shared by both threads so that a worker session refuses bad input before posting it.
 */
export function checkInputDims(
  inputName: string,
  inputShape: readonly (number | string)[],
  input: Float32Array,
  batch: number,
  dims?: readonly number[],
): number[] {
  if (!Number.isInteger(batch) || batch <= 0) {
    throw new UsageError('E_USAGE', `batch must be a positive integer, got ${batch}`);
  }
  if (dims !== undefined) {
    const n = dims.reduce((a, b) => a * b, 1);
    if (dims[0] !== batch || n !== input.length) {
      throw new UsageError(
        'E_USAGE',
        `input dims [${dims.join(',')}] do not fit batch ${batch} and ${input.length} values`,
      );
    }
    return [...dims];
  }
  const rest = inputShape.slice(1);
  if (rest.some((d) => typeof d !== 'number')) {
    throw new UsageError(
      'E_USAGE',
      `the model input '${inputName}' has dynamic dims [${inputShape.join(',')}]: pass the input dims to run()`,
    );
  }
  const per = (rest as number[]).reduce((a, b) => a * b, 1);
  if (per * batch !== input.length) {
    throw new UsageError(
      'E_USAGE',
      `input has ${input.length} values; batch ${batch} of [${rest.join(',')}] needs ${per * batch}`,
    );
  }
  return [batch, ...(rest as number[])];
}
