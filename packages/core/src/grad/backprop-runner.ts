/**
 * Running a model loaded with its backward graph: one session run per target column (each run is
 * a forward and a backward pass of the whole batch), each image's layer activation and gradients
 * turned into [K, h, w] grids. A class no run covered is computed on demand for one image.
 */

import type { DeviceCamRequest, DeviceMaps } from '../cam/device-cam-plan.js';
import type { CamMethodName } from '../cam/registry.js';
import type { Normalization } from '../cam/types.js';
import { CamError } from '../errors.js';
import type { ModelSession, OutputTensor, RunOptions } from '../runtime/types.js';
import type { BackpropModel } from './backprop-model.js';
import type { GradientCamGraph } from './gradient-cam-graph.js';
import { type LayerGrid, valuesToGrid } from './layer.js';

/** d score / d layer for one class of one image, on the layer's grid [K, h, w]. */
export interface ClassGradient {
  readonly classIndex: number;
  readonly values: Float32Array;
}

export interface BackpropImage {
  readonly scores: Float32Array;
  /** The (first) layer's activation as a grid [K, h, w]. */
  readonly features: Float32Array;
  readonly classGradients: readonly ClassGradient[];
  /** The other layers (Layer-CAM's fusion), each with its grid [K, h, w]. */
  readonly moreLayers: readonly LayerValues[];
}

/** One more layer's activation and gradients on its own grid. */
export interface LayerValues {
  readonly grid: readonly [number, number, number];
  readonly features: Float32Array;
  readonly classGradients: readonly ClassGradient[];
}

function gridShape(grid: LayerGrid): [number, number, number] {
  return [grid.channels, grid.height, grid.width];
}

export class BackpropRunner {
  constructor(
    private readonly session: ModelSession,
    readonly model: BackpropModel,
    /** The maps computed in the graph (`--cam-on-device`), when the session runs that graph. */
    readonly onDevice?: {
      readonly graph: GradientCamGraph;
      readonly method: CamMethodName;
      readonly normalization: Normalization;
      readonly request: DeviceCamRequest;
    },
  ) {}

  /**
   * The maps the graph computes (`onDevice`), one run per target column: per image, T maps
   * [T, h, w] and their classes, as DeviceMaps.
   */
  async maps(
    input: Float32Array,
    count: number,
    rows: readonly (readonly number[])[],
    options: RunOptions,
  ): Promise<{ scores: Float32Array[]; maps: DeviceMaps[] }> {
    const device = this.onDevice!;
    const { graph } = device;
    const columns = Math.max(1, rows[0]?.length ?? 1);
    const size = graph.width * graph.height;
    const maps = Array.from({ length: count }, () => ({
      classes: new Float32Array(columns),
      data: new Float32Array(columns * size),
    }));
    let scores: Float32Array[] = [];
    for (let t = 0; t < columns; t++) {
      const outputs = await this.runColumn(input, count, rows, t, graph.targetsInput, options);
      const classes = this.output(outputs, graph.classesOutput).data;
      const cam = this.output(outputs, graph.camOutput).data;
      maps.forEach((m, i) => {
        m.classes[t] = classes[i]!;
        m.data.set(cam.subarray(i * size, (i + 1) * size), t * size);
      });
      if (t === 0) {
        const all = this.output(outputs, graph.scoreOutput).data;
        const per = all.length / count;
        scores = Array.from({ length: count }, (_, i) => all.subarray(i * per, (i + 1) * per));
      }
    }
    return {
      scores,
      maps: maps.map((m) => ({
        method: device.method,
        normalization: device.normalization,
        width: graph.width,
        height: graph.height,
        ...m,
      })),
    };
  }

  /**
   * Runs a batch once per target column: `rows[i]` are image i's targets (a class, or -1-j for the
   * class ranked j+1). The input is only read (it is needed again for every column).
   */
  async run(
    input: Float32Array,
    count: number,
    rows: readonly (readonly number[])[],
    options: RunOptions,
  ): Promise<BackpropImage[]> {
    const columns = rows[0]?.length ?? 1;
    const { graph, grids } = this.model;
    const images = Array.from({ length: count }, () => ({
      scores: new Float32Array(0) as Float32Array,
      layers: grids.map(() => ({
        features: new Float32Array(0) as Float32Array,
        classGradients: [] as ClassGradient[],
      })),
    }));
    for (let t = 0; t < Math.max(1, columns); t++) {
      const outputs = await this.runColumn(input, count, rows, t, graph.targetsInput, options);
      const classes = this.output(outputs, graph.classesOutput).data;
      if (t === 0) {
        const scores = this.output(outputs, this.model.scoreOutput).data;
        const classCount = scores.length / count;
        images.forEach((image, i) => {
          image.scores = scores.subarray(i * classCount, (i + 1) * classCount);
        });
      }
      grids.forEach((grid, l) => {
        const gradients = this.output(outputs, graph.gradientOutputs[l]!).data;
        const per = gradients.length / count;
        const activation = t === 0 ? this.output(outputs, graph.layers[l]!).data : undefined;
        images.forEach((image, i) => {
          const layer = image.layers[l]!;
          if (activation !== undefined)
            layer.features = valuesToGrid(activation.subarray(i * per, (i + 1) * per), grid);
          const classIndex = classes[i]!;
          if (layer.classGradients.some((g) => g.classIndex === classIndex)) return;
          layer.classGradients.push({
            classIndex,
            values: valuesToGrid(gradients.subarray(i * per, (i + 1) * per), grid),
          });
        });
      });
    }
    return images.map(({ scores, layers }) => ({
      scores,
      features: layers[0]!.features,
      classGradients: layers[0]!.classGradients,
      moreLayers: layers.slice(1).map((layer, l) => ({ ...layer, grid: gridShape(grids[l + 1]!) })),
    }));
  }

  /** One session run with column `t` of the targets as `grad_targets` [N,1] (the input is only read). */
  private runColumn(
    input: Float32Array,
    count: number,
    rows: readonly (readonly number[])[],
    t: number,
    targetsInput: string,
    options: RunOptions,
  ): Promise<Record<string, OutputTensor>> {
    const targets = BigInt64Array.from(rows.map((r) => BigInt(r[t] ?? -1)));
    return this.session.run(input, count, {
      ...options,
      transfer: false,
      extra: { ...options.extra, [targetsInput]: { data: targets, dims: [count, 1] } },
    });
  }

  private output(outputs: Record<string, OutputTensor>, name: string): OutputTensor {
    const out = outputs[name];
    if (out === undefined) throw new CamError(`the session did not return '${name}'`);
    return out;
  }
}
