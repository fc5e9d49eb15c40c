import type { FaithfulnessSummary } from '../src/index.js';

export interface CompareOptions {
  readonly model: string;
  readonly dataset: string;
  readonly images: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly roadImages: number;
  readonly preset?: string;
  readonly log?: (line: string) => void;
}

export interface Comparison {
  readonly images: number;
  readonly seconds: number;
  readonly cam: FaithfulnessSummary;
  readonly random: FaithfulnessSummary;
  readonly cost: {
    metric: string;
    images: number;
    passesPerImage: number;
    msPerImage: number;
    forwardMsPerImage: number;
  }[];
}

export function compareWithRandom(options: CompareOptions): Promise<Comparison>;
export function formatComparison(result: Comparison, settings: string): string;
