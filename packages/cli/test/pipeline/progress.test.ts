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

  it('logs a plain line every interval when stderr is not a TTY, and stops at finish', async () => {
    const sink = new Sink(false);
    const progress = new Progress({
      total: 4,
      label: 'run',
      stream: sink as unknown as NodeJS.WriteStream,
      intervalSeconds: 0.02,
    });
    progress.tick(true);
    await new Promise((done) => setTimeout(done, 120));
    progress.tick(false);
    const lines = sink.written.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(sink.written).not.toContain('\r');
    for (const line of lines)
      expect(line).toMatch(/^run [12]\/4 \([\d.]+ img\/s, ETA \S+(, 1 failed)?\), \S+ elapsed$/);
    progress.finish();
    const written = sink.written;
    await new Promise((done) => setTimeout(done, 80));
    expect(sink.written).toBe(written);
  });

  it('logs nothing with interval 0, and nothing once all images are done', async () => {
    const off = new Sink(false);
    const quiet = new Progress({
      total: 2,
      label: 'run',
      stream: off as unknown as NodeJS.WriteStream,
      intervalSeconds: 0,
    });
    quiet.tick(true);
    const doneSink = new Sink(false);
    const done = new Progress({
      total: 1,
      label: 'run',
      stream: doneSink as unknown as NodeJS.WriteStream,
      intervalSeconds: 0.01,
    });
    done.tick(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    quiet.finish();
    done.finish();
    expect(off.written).toBe('');
    expect(doneSink.written).toBe('');
  });

  it('keeps the bar below lines printed above it on a TTY', () => {
    const sink = new Sink(true);
    const out = new Sink(true);
    const progress = new Progress({
      total: 3,
      label: 'predict',
      stream: sink as unknown as NodeJS.WriteStream,
    });
    progress.tick(true);
    sink.written = '';
    progress.printAbove(out as unknown as NodeJS.WriteStream, 'row\n');
    expect(out.written).toBe('row\n');
    expect(sink.written.startsWith('\r\x1b[2Kpredict 1/3 ')).toBe(true);
  });

  it('formats durations', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3h07m');
  });
});
