/**
 * Worker threads, shared by the packages that use them (core's session-thread-worker, eval's scoring
 * pool): starting a worker module from its compiled `.js`, or from its `.ts` source when the
 * package runs from src/ (vitest), and carrying typed errors across the thread boundary.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import {
  CamError,
  CamLocalizeError,
  type CamLocalizeErrorCode,
  DataError,
  DeviceError,
  GradientError,
  HeadNotFoundError,
  ImageError,
  ModelError,
  UsageError,
} from './errors.js';

/**
 * Module hooks (as a data: URL for `module.register`) that let Node 20 load TypeScript sources:
 * `.ts` files are transpiled with the workspace's `typescript`, and relative `./x.js` imports
 * from them resolve to `./x.ts`. Used only when a compiled worker is absent (running from src/).
 *
 * Each transpiled module is kept in a cache folder under the system's temporary folder, keyed by
 * a hash of its source and path, so a later worker reads it back instead of loading `typescript`
 * and transpiling its whole module graph again (about a CPU-second per worker thread under
 * vitest: eval's parallel tests took 62 CPU-s with every worker transpiling, 38 with the cache).
 * A changed source has another key; a failed cache write only costs the next worker. Only the
 * source path uses it (tests, a checkout without a build); the built package never does.
 */
export function typeScriptSourceHooks(): string {
  const code = `
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
const require = createRequire(${JSON.stringify(import.meta.url)});
const cache = join(tmpdir(), 'cam-localize-transpiled-v1');
let ts;
export async function resolve(specifier, context, nextResolve) {
  if (/^\\.\\.?\\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(url)) return { url: url.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
function transpile(file, text) {
  ts ??= require('typescript');
  return ts.transpileModule(text, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, inlineSourceMap: true },
  }).outputText;
}
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const text = await readFile(file, 'utf8');
  const kept = join(cache, createHash('sha256').update(file).update('\\0').update(text).digest('hex') + '.js');
  let source;
  try {
    source = readFileSync(kept, 'utf8');
  } catch {
    source = transpile(file, text);
    try {
      mkdirSync(cache, { recursive: true });
      const temporary = kept + '.' + process.pid + '.' + Math.random().toString(36).slice(2);
      writeFileSync(temporary, source);
      renameSync(temporary, kept);
    } catch {}
  }
  return { format: 'module', source, shortCircuit: true };
}`;
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

/** How a worker module next to `callerUrl` would start: compiled, from source, or not at all. */
export function workerModuleFlavour(callerUrl: string, name: string): 'compiled' | 'source' | 'missing' {
  if (existsSync(new URL(`./${name}.js`, callerUrl))) return 'compiled';
  if (existsSync(new URL(`./${name}.ts`, callerUrl))) return 'source';
  return 'missing';
}

/**
 * The node flags to start a worker with: undefined (Node passes the parent's options on, V8 ones
 * such as `--max-old-space-size` included) unless the parent has `--input-type`, which a worker
 * started from a file or a URL refuses (`node --input-type=module -e ...`); then the parent's
 * flags without it. An explicit list may not name V8 or per-process flags (Node throws
 * ERR_WORKER_INVALID_EXEC_ARGV): `startModuleWorker` then starts the worker with none.
 */
function workerExecArgv(): string[] | undefined {
  const argv = process.execArgv;
  if (!argv.some((a) => a === '--input-type' || a.startsWith('--input-type='))) return undefined;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--input-type') i++;
    else if (!argv[i]!.startsWith('--input-type=')) out.push(argv[i]!);
  }
  return out;
}

/** `new Worker`, retried without node flags where the explicit list holds one a worker refuses. */
function newWorker(url: URL, options: WorkerOptions): Worker {
  try {
    return new Worker(url, options);
  } catch (error) {
    if (
      options.execArgv === undefined ||
      (error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV'
    ) {
      throw error;
    }
    return new Worker(url, { ...options, execArgv: [] });
  }
}

export interface StartWorkerOptions {
  readonly workerData: unknown;
  readonly transferList?: readonly ArrayBuffer[];
  /** The error to throw when neither the compiled module nor its source exists. */
  readonly missing: (compiledPath: string) => Error;
  /** The thread's stack in MiB (Node's default for workers is 4). */
  readonly stackSizeMb?: number;
}

/**
 * Starts the worker module `<name>.js` beside `callerUrl` (pass `import.meta.url`), or its
 * `<name>.ts` source through {@link typeScriptSourceHooks} when the package runs from src/.
 */
export function startModuleWorker(callerUrl: string, name: string, options: StartWorkerOptions): Worker {
  const execArgv = workerExecArgv();
  const base: WorkerOptions = {
    workerData: options.workerData,
    ...(execArgv === undefined ? {} : { execArgv }),
    transferList: [...(options.transferList ?? [])],
    ...(options.stackSizeMb === undefined ? {} : { resourceLimits: { stackSizeMb: options.stackSizeMb } }),
  };
  const compiled = new URL(`./${name}.js`, callerUrl);
  if (existsSync(compiled)) return newWorker(compiled, base);
  const source = new URL(`./${name}.ts`, callerUrl);
  if (existsSync(source)) {
    // An ES module bootstrap (not `eval`, whose flavour follows the parent's --input-type).
    const boot = `import { register } from 'node:module';
register(${JSON.stringify(typeScriptSourceHooks())});
await import(${JSON.stringify(source.href)});`;
    return newWorker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), base);
  }
  throw options.missing(fileURLToPath(compiled));
}

/** An error as plain data, to post between threads. */
export interface SerializedError {
  /** The class name: one of the typed errors, or 'Error' for anything else. */
  kind: string;
  code: CamLocalizeErrorCode | null;
  message: string;
  hint: string | null;
  file: string | null;
  line: number | null;
  stack: string | null;
  cause: { name: string; message: string; stack: string | null } | null;
}

/** The typed errors a thread may throw, by class name (any constructor shape: revived alike). */
const CLASSES: Record<string, abstract new (...args: never[]) => CamLocalizeError> = {
  CamLocalizeError,
  ModelError,
  HeadNotFoundError,
  DeviceError,
  ImageError,
  CamError,
  DataError,
  UsageError,
  GradientError,
};

function plain(e: unknown): { name: string; message: string; stack: string | null } {
  return e instanceof Error
    ? { name: e.name, message: e.message, stack: e.stack ?? null }
    : { name: 'Error', message: String(e), stack: null };
}

export function serializeError(e: unknown): SerializedError {
  const p = plain(e);
  const typed = e instanceof CamLocalizeError;
  const cause = e instanceof Error && e.cause !== undefined ? plain(e.cause) : null;
  return {
    kind: typed && CLASSES[e.name] !== undefined ? e.name : typed ? 'CamLocalizeError' : 'Error',
    code: typed ? e.code : null,
    message: p.message,
    hint: typed ? (e.hint ?? null) : null,
    file: typed ? (e.file ?? null) : null,
    line: typed ? (e.line ?? null) : null,
    stack: p.stack,
    cause,
  };
}

/**
 * Rebuilds an error from a worker as the class it was thrown as there (code, hint, file, line
 * and cause kept); `prefix` goes before the message, `thread` names the worker in the stack.
 */
export function reviveError(s: SerializedError, options: { prefix?: string; thread?: string } = {}): Error {
  const message = `${options.prefix ?? ''}${s.message}`;
  const cause =
    s.cause === null
      ? undefined
      : Object.assign(new Error(s.cause.message), {
          name: s.cause.name,
          ...(s.cause.stack === null ? {} : { stack: s.cause.stack }),
        });
  const Cls = CLASSES[s.kind];
  const e =
    Cls === undefined || s.code === null
      ? new Error(message, cause === undefined ? undefined : { cause })
      : // The base constructor with the class as new.target: every class revives alike, whether it
        // sets its own code or takes one, and keeps the code it was thrown with.
        (Reflect.construct(
          CamLocalizeError,
          [
            s.code,
            message,
            {
              ...(s.hint === null ? {} : { hint: s.hint }),
              ...(s.file === null ? {} : { file: s.file }),
              ...(s.line === null ? {} : { line: s.line }),
              ...(cause === undefined ? {} : { cause }),
            },
          ],
          Cls,
        ) as CamLocalizeError);
  if (s.stack !== null) {
    e.stack = `${e.name}: ${message}\n    --- thrown in ${options.thread ?? 'a worker thread'} ---\n${s.stack.split('\n').slice(1).join('\n')}`;
  }
  return e;
}
