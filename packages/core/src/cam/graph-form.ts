/**
 * What a CAM method's graph form sees: a small builder over the graph fragment that
 * onnx/cam-graph.ts appends to the model. A method with a closed form in the graph implements
 * `CamMethod.graphWeights` (channel weights [N,T,K] from the head); a gradient method implements
 * `CamMethod.graphGradientMap` (the map [N,1,h,w] from the layer and its gradient, both [N,K,h,w]).
 * The methods stay whole in their files; the builder knows ONNX, the methods know their formulas.
 */

export interface GraphOps {
  /** Adds a node; returns its (first) output. */
  op(op: string, inputs: readonly string[]): string;
  scalar(value: number): string;
  /** ReduceSum / ReduceMean over `axes`, kept (in the form the model's opset defines). */
  sum(x: string, axes: readonly number[]): string;
  mean(x: string, axes: readonly number[]): string;
  /** 1 where x != 0, else 0 (float). */
  nonZero(x: string): string;
  /** 1 where x > 0, else 0 (float). */
  positive(x: string): string;
}

export interface CamGraphBuilder extends GraphOps {
  /** Grid cells h*w of the feature map. */
  readonly gridSize: number;
  /** [N,T,K]: the target classes' rows of the head's weights, each mapped by `f` (class maps: one-hot). */
  classRows(f: (w: number) => number): string;
  /** [N,1,K]: each channel's sum over the grid. */
  channelSums(): string;
}

export interface GradientGraphBuilder extends GraphOps {
  /** The layer [N,K,h,w]. */
  readonly activation: string;
  /** d score / d layer [N,K,h,w] for each image's target class. */
  readonly gradient: string;
}
