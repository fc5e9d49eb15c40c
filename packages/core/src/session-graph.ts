/**
 * The graph a CamModel's session runs, chosen once at load: the model with its feature tensor as an
 * output (the JS path), with the closed-form CAMs appended (`--cam-on-device`, cam-graph.ts), with the
 * backward graph (grad/), or with the backward graph and the gradient CAMs in the graph. Also the
 * preprocessing a model gets (resolved, fitted to its input, with where each value came from).
 */
import { existsSync } from 'node:fs';
import type { DeviceCamMethod } from './cam/device-cam-methods.js';
import type { DeviceCamRequest } from './cam/device-cam-plan.js';
import type { CamMethodName } from './cam/registry.js';
import type { Normalization } from './cam/types.js';
import type { BackpropModel } from './grad/backprop-model.js';
import { appendGradientCamGraph, type GradientCamGraph } from './grad/gradient-cam-graph.js';
import type { CamHead } from './head/types.js';
import { type PreprocessOverrides, readSidecarPreprocess, sidecarPaths } from './image/config.js';
import type { PreprocessConfig } from './image/presets.js';
import {
  fitToModelInput,
  type PreprocessProvenance,
  resolvePreprocessWithSources,
} from './image/provenance.js';
import { addGraphOutputs } from './onnx/add-outputs.js';
import { appendCamGraph, type CamGraph } from './onnx/cam-graph.js';
import type { OnnxModel } from './onnx/schema.js';

/** Gradient CAMs computed in the graph, and the request they serve. */
export interface GradientMapsOnDevice {
  readonly graph: GradientCamGraph;
  readonly method: CamMethodName;
  readonly normalization: Normalization;
  readonly request: DeviceCamRequest;
}

export interface SessionGraph {
  readonly bytes: Uint8Array;
  /** The outputs to ask the session for. */
  readonly outputs: readonly string[];
  /** Closed-form CAMs in the graph, when so. */
  readonly camGraph: CamGraph | undefined;
  /** Gradient CAMs in the graph, when so. */
  readonly gradientMaps: GradientMapsOnDevice | undefined;
  /** The inputs the graph adds beside the image (targets). */
  readonly addedInputs: readonly string[];
}

/** The session's graph for `head`, the backward graph (if any) and the on-device decision. */
export function sessionGraph(
  onnx: OnnxModel,
  head: CamHead,
  backprop: BackpropModel | undefined,
  request: DeviceCamRequest | undefined,
  onDevice: boolean,
): SessionGraph {
  if (backprop !== undefined) {
    const gradientMaps =
      onDevice && request !== undefined
        ? {
            graph: appendGradientCamGraph(onnx, {
              layers: backprop.layers,
              scoreTensor: backprop.logits,
              probed: backprop.probed,
              method: request.method,
              grid: backprop.grids[0]!,
              normalization: request.normalization,
              maxRank: request.maxRank,
            }),
            method: request.method,
            normalization: request.normalization,
            request,
          }
        : undefined;
    const graph = gradientMaps?.graph ?? backprop.graph;
    return {
      bytes: graph.bytes,
      outputs: [...new Set([backprop.scoreOutput, ...graph.outputs])],
      camGraph: undefined,
      gradientMaps,
      addedInputs: [graph.targetsInput],
    };
  }
  if (onDevice && request !== undefined) {
    const camGraph = appendCamGraph(onnx, head, {
      method: request.method as DeviceCamMethod,
      normalization: request.normalization,
      maxRank: request.maxRank,
    });
    return {
      bytes: camGraph.bytes,
      outputs: [...camGraph.outputs],
      camGraph,
      gradientMaps: undefined,
      addedInputs: [camGraph.targetsInput],
    };
  }
  return {
    bytes: addGraphOutputs(onnx, [head.featureTensor]),
    outputs: [head.scoreTensor, head.featureTensor],
    camGraph: undefined,
    gradientMaps: undefined,
    addedInputs: [],
  };
}

/** The preprocessing of a model: resolved from its metadata, sidecar and the overrides, fitted to its input. */
export async function modelPreprocessing(
  onnx: OnnxModel,
  overrides: PreprocessOverrides | undefined,
  fixedInput: readonly [number, number] | undefined,
): Promise<{ config: PreprocessConfig; provenance: PreprocessProvenance }> {
  const sidecar = await readSidecarPreprocess(onnx.path);
  const resolved = resolvePreprocessWithSources({
    metadata: onnx.metadata,
    sidecar,
    sidecarFile: sidecar === null ? undefined : sidecarPaths(onnx.path).find((p) => existsSync(p)),
    overrides: overrides ?? null,
    modelFile: onnx.path,
  });
  // A preset made for another input size is fitted to the model's before any image is read.
  const fitted = fitToModelInput(resolved.config, resolved.provenance.sources, fixedInput, {
    cropFixed: overrides?.crop !== undefined,
    file: onnx.path,
  });
  return {
    config: fitted.config,
    provenance: {
      ...resolved.provenance,
      sources: fitted.sources,
      ...(fitted.adapted === undefined ? {} : { adapted: fitted.adapted }),
    },
  };
}
