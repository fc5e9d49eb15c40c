/**
 * The types of the runtime, in one module that imports nothing: devices, session options, run
 * inputs and outputs, and the session interface both threads implement.
 */

/** The execution providers cam-localize can ask onnxruntime-node for. */
export type Provider = 'cpu' | 'cuda' | 'webgpu';

/**
 * A device as users write it: `auto`, a provider, or `cuda:N` for the CUDA device with id N
 * (parse user input with `parseDevice`).
 */
export type Device = 'auto' | Provider | `cuda:${number}`;

/** Where the forward pass runs: a worker thread of its own, or the thread that calls `run`. */
export type SessionThread = 'worker' | 'main';

export interface SessionOptions {
  /** Default 'auto': CUDA when its provider is installed and starts, else CPU. */
  device?: Device;
  intraOpThreads?: number;
  interOpThreads?: number;
  /** Outputs to fetch on each run; all graph outputs when omitted. */
  outputs?: readonly string[];
  /** For messages: the model file. */
  file?: string;
  /**
   * Default 'worker': the session lives in a worker thread of its own, so the calling thread stays
   * free while the model runs. The model bytes are copied once to the worker; each run copies its
   * input once (unless the caller gives it away, see RunOptions) and gets the outputs transferred back.
   * 'main' runs onnxruntime on the calling thread, which blocks it during each forward pass.
   */
  thread?: SessionThread;
}

export interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

/** A named input besides the image batch (e.g. target class indices), batch along dim 0. */
export interface ExtraInput {
  data: BigInt64Array | Int32Array | Float32Array;
  dims: number[];
}

export interface RunOptions {
  /** The full input dims, when the model's spatial size is dynamic. */
  dims?: readonly number[];
  /** Inputs besides the first, by name: every other input of the model must be given. */
  extra?: Readonly<Record<string, ExtraInput>>;
  /**
   * The caller gives its buffers away: a worker session transfers `input` and the extra inputs
   * (their ArrayBuffers are detached afterwards) instead of copying them. Default false.
   */
  transfer?: boolean;
}

/** Why a session is on the provider it got (`auto` tells what it tried and what it skipped). */
export interface DeviceChoice {
  readonly requested: Device;
  readonly provider: Provider;
  /** One short line: what was picked and why (e.g. "auto: cpu (CUDA provider not installed)"). */
  readonly reason: string;
  /** Where `auto` skipped CUDA: the long why (the provider's folder, the libraries that do not resolve). */
  readonly detail?: string;
}

export interface ModelSession extends AsyncDisposable {
  /** The execution provider the session got. */
  readonly provider: Provider;
  /** What was asked for, what was picked, and why. */
  readonly deviceChoice: DeviceChoice;
  /** Where the forward pass runs. */
  readonly thread: SessionThread;
  /** The first graph input: the image batch. */
  readonly inputName: string;
  /** The declared input shape: numbers, or strings for symbolic dims. */
  readonly inputShape: readonly (number | string)[];
  /** The other graph inputs, each to be given in `RunOptions.extra` on every run. */
  readonly extraInputNames: readonly string[];
  /** The batch the model is fixed to (e.g. 1), or null when the batch is dynamic. */
  readonly fixedBatch: number | null;
  readonly outputNames: readonly string[];
  /**
   * Runs a float32 NCHW batch. A fixed-batch model's batch of another size is split into runs of
   * `fixedBatch` (extra inputs sliced along dim 0 alike), a short last run filled with copies of
   * its last image whose outputs are dropped, and the outputs concatenated along the first axis. `dims` (or `options.dims`) gives the full input dims when the model's
   * spatial size is dynamic. Several runs may be in flight; they run one after another in call
   * order. Without `transfer`, `input` and the extra inputs are only read (never detached or kept).
   */
  run(
    input: Float32Array,
    batch: number,
    options?: readonly number[] | RunOptions,
  ): Promise<Record<string, OutputTensor>>;
  /** Releases the session (and stops its worker); runs already in flight finish first. Idempotent. */
  release(): Promise<void>;
}

/** What onnxruntime-node offers for one provider, without starting a session. */
export interface ProviderAvailability {
  readonly provider: Provider;
  /** Listed by onnxruntime-node and (for CUDA) its provider library present. */
  readonly installed: boolean;
  readonly detail: string;
}
