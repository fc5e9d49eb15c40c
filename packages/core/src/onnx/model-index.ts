/**
 * The parsed model as callers see it (OnnxModel): its header fields and graph, with the lookups
 * the head detector and graph editors need (initializers by name, declared shapes and types,
 * producers and consumers of a value), built once on first use.
 */
import type { ParsedGraph } from './decode-model.js';
import type { LazyTensor } from './lazy-tensor.js';
import type { OnnxDim, OnnxModel, OnnxNode, OnnxOpset, OnnxTensor, OnnxValueInfo } from './schema.js';

export class IndexedModel implements OnnxModel {
  readonly opset: number;
  private readonly inits: Map<string, LazyTensor>;
  private readonly infos = new Map<string, OnnxValueInfo>();
  private producers: Map<string, OnnxNode> | undefined;
  private consumerMap: Map<string, OnnxNode[]> | undefined;

  constructor(
    readonly path: string,
    readonly bytes: Uint8Array,
    readonly irVersion: number,
    readonly producerName: string,
    readonly producerVersion: string,
    readonly opsets: readonly OnnxOpset[],
    readonly graph: ParsedGraph,
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    this.inits = graph.initializers;
    const def = opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    this.opset = def?.version ?? 0;
    for (const list of [graph.valueInfo, graph.inputs, graph.outputs]) {
      for (const v of list) this.infos.set(v.name, v);
    }
  }

  initializer(name: string): OnnxTensor | undefined {
    return this.inits.get(name);
  }

  realInputs(): OnnxValueInfo[] {
    return this.graph.inputs.filter((i) => !this.inits.has(i.name));
  }

  tensorShape(name: string): readonly OnnxDim[] | undefined {
    const v = this.infos.get(name);
    if (v?.shape != null) return v.shape;
    const init = this.inits.get(name);
    if (init !== undefined) return init.dims;
    return undefined;
  }

  tensorType(name: string): number | undefined {
    const v = this.infos.get(name);
    if (v?.elemType != null) return v.elemType;
    return this.inits.get(name)?.dataType;
  }

  private index(): void {
    if (this.producers !== undefined) return;
    this.producers = new Map();
    this.consumerMap = new Map();
    for (const n of this.graph.nodes) {
      for (const o of n.outputs) if (o !== '') this.producers.set(o, n);
      for (const i of n.inputs) {
        if (i === '') continue;
        let list = this.consumerMap.get(i);
        if (list === undefined) this.consumerMap.set(i, (list = []));
        list.push(n);
      }
    }
  }

  producer(name: string): OnnxNode | undefined {
    this.index();
    return this.producers!.get(name);
  }

  consumers(name: string): readonly OnnxNode[] {
    this.index();
    return this.consumerMap!.get(name) ?? [];
  }
}
