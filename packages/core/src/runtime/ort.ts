/**
 * Loading onnxruntime-node. This is the ONLY module that names onnxruntime-node, and it loads it
 * lazily (`await import('onnxruntime-node')`), so importing @cam-localize/core loads no native
 * code. Other runtime modules take its types from here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { DeviceError } from '../errors.js';

export type OrtModule = typeof Ort;
export type OrtSession = Ort.InferenceSession;
export type OrtSessionOptions = Ort.InferenceSession.SessionOptions;
export type OrtTensor = Ort.Tensor;
export type OrtResult = Ort.InferenceSession.ReturnType;

let ortModule: Promise<OrtModule> | undefined;

/** Loads onnxruntime-node on first use. */
export async function loadOrt(): Promise<OrtModule> {
  ortModule ??= import('onnxruntime-node').then((m) => {
    // A CommonJS package imported from ESM: its module.exports is `default`, when that has the API.
    const cjs = (m as { default?: OrtModule }).default;
    return typeof cjs?.InferenceSession === 'function' ? cjs : (m as OrtModule);
  });
  try {
    return await ortModule;
  } catch (cause) {
    ortModule = undefined;
    throw new DeviceError('onnxruntime-node cannot be loaded', {
      cause,
      hint: 'reinstall dependencies (pnpm install); onnxruntime-node ships prebuilt binaries for linux, macOS and Windows',
    });
  }
}

/** The folder of onnxruntime-node's package.json (resolved from this package), or undefined. */
export function ortPackageFolder(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  } catch {
    return undefined;
  }
}

/** Where onnxruntime-node keeps its native binaries for this platform. */
export function ortBinaryFolder(): string | undefined {
  const pkg = ortPackageFolder();
  return pkg === undefined ? undefined : join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
}

/** onnxruntime-node's main file (for a child process to require), or undefined. */
export function ortEntryFile(): string | undefined {
  const pkg = ortPackageFolder();
  return pkg === undefined ? undefined : join(pkg, readPackageJson(pkg)?.main ?? 'index.js');
}

/** The installed onnxruntime-node's version, from its package.json. */
export function ortPackageVersion(): string | null {
  const pkg = ortPackageFolder();
  return pkg === undefined ? null : (readPackageJson(pkg)?.version ?? null);
}

function readPackageJson(folder: string): { version?: string; main?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
      version?: string;
      main?: string;
    };
  } catch {
    return undefined;
  }
}
