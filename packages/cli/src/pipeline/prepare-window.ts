/**
 * The preparation stage of the streaming pipeline (stream.ts): images are submitted for decoding
 * up to the plan's prefetch ahead, in groups of one batch each, whose tensors the decode workers
 * write straight into the group's batch memory (shared, so the session reads it as one input);
 * groups are handed on in input order, once each of their images is prepared or has failed.
 */
import type { PreparedImage } from '@cam-localize/core';
import { errorRecord, type ImageRecord, type WorkItem } from './image-work.js';

/** An image as prepared (or not). */
export interface Prepared<T> {
  readonly item: T;
  readonly prepared?: PreparedImage;
  readonly error?: unknown;
  readonly ms: number;
  /** Where its tensor sits in the group's batch memory. */
  readonly position: number;
}

/** A batch's worth of images, ready for the forward pass. */
export interface Group<T> {
  /** Records of images that failed before the forward pass (in input order among the others). */
  readonly slots: ({ kind: 'failed'; record: ImageRecord; item: T } | { kind: 'ok'; index: number })[];
  readonly ready: Prepared<T>[];
  readonly memory: SharedArrayBuffer | undefined;
}

/** Prepares one image, its tensor written at `position` of `memory` (when there is one). */
export type PrepareOne<T> = (
  item: T,
  memory: SharedArrayBuffer | undefined,
  position: number,
) => Promise<Prepared<T>>;

/** Batch memories (shared, so decode workers write into them), reused group after group. */
export class BatchMemory {
  private readonly free: SharedArrayBuffer[] = [];
  constructor(private readonly bytes: number) {}
  acquire(): SharedArrayBuffer {
    return this.free.pop() ?? new SharedArrayBuffer(this.bytes);
  }
  release(memory: SharedArrayBuffer): void {
    this.free.push(memory);
  }
}

/** A group of images submitted for preparation, and the batch memory they are written into. */
interface Submitted<T> {
  readonly entries: Promise<Prepared<T>>[];
  readonly memory: SharedArrayBuffer | undefined;
}

export class PreparationWindow<T extends WorkItem> {
  private readonly pending: Submitted<T>[] = [];
  private open: Submitted<T> | undefined;
  private submitted = 0;
  private exhausted = false;

  /** `memory` undefined: images are prepared on this thread, each into its own tensor. */
  constructor(
    private readonly items: Iterator<T>,
    private readonly batchSize: number,
    private readonly prefetch: number,
    private readonly prepare: PrepareOne<T>,
    private readonly memory: BatchMemory | undefined,
  ) {}

  /** The next group, in input order, once each of its images is settled; undefined after the last. */
  async next(): Promise<Group<T> | undefined> {
    this.fill();
    const head = this.pending.shift();
    if (head === undefined) return undefined;
    if (head === this.open) this.open = undefined;
    this.submitted -= head.entries.length;
    const group: Group<T> = { slots: [], ready: [], memory: head.memory };
    for (const entry of head.entries) {
      const p = await entry;
      this.fill();
      if (p.prepared === undefined)
        group.slots.push({ kind: 'failed', record: errorRecord(p.item, p.error), item: p.item });
      else group.slots.push({ kind: 'ok', index: group.ready.push(p) - 1 });
    }
    return group;
  }

  /** Submits images until `prefetch` are in preparation or the items run out. */
  private fill(): void {
    while (!this.exhausted && this.submitted < this.prefetch) {
      const next = this.items.next();
      if (next.done === true) {
        this.exhausted = true;
        this.open = undefined;
        break;
      }
      if (this.open === undefined) {
        this.open = { entries: [], memory: this.memory?.acquire() };
        this.pending.push(this.open);
      }
      const position = this.open.entries.length;
      this.open.entries.push(this.prepare(next.value, this.open.memory, position));
      this.submitted++;
      if (this.open.entries.length === this.batchSize) this.open = undefined;
    }
  }
}
