import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from '../../src/pipeline/progress.js';

class Sink {
  written = '';
  isTTY: boolean;
  constructor(tty: boolean) {
    this.isTTY = tty;
  }
  write(chunk: string) {
    this.written += chunk;
    return true;
  }
}

describe('Progress', () => {
  it('draws on a TTY, with rate, ETA and failures', () => {
    const sink = new Sink(true);
    const progress = new Progress({ total: 2, label: 'run', stream: sink as unknown as NodeJS.WriteStream });
    progress.tick(true);
    progress.tick(false);
    expect(sink.written).toMatch(/run 2\/2 \([\d.]+ img\/s, ETA \S+, 1 failed\)/);
  });

  it('stays silent when stderr is not a TTY', () => {
    const sink = new Sink(false);
    const progress = new Progress({ total: 1, label: 'run', stream: sink as unknown as NodeJS.WriteStream });
    progress.tick(true);
    progress.finish();
    expect(sink.written).toBe('');
  });

  it('formats durations', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3h07m');
  });
});
