import { UsageError } from '@cam-localize/core';
import type { Command } from 'commander';

/**
 * Progress on stderr. On a TTY: one rewritten line with images/s and ETA, redrawn at most a few
 * times a second. Elsewhere (logs, CI, a pipe): a plain line every `intervalSeconds`, so a long job
 * shows life without filling the log with carriage returns; 0 turns those lines off.
 */
export interface ProgressOptions {
  readonly total: number;
  readonly label: string;
  readonly stream?: NodeJS.WriteStream;
  /** Force the TTY bar on/off; default: on when the stream is a TTY. */
  readonly enabled?: boolean;
  /** Seconds between log lines when the bar is off (default {@link DEFAULT_PROGRESS_INTERVAL}; 0: none). */
  readonly intervalSeconds?: number;
}

/** Seconds between progress lines when stderr is not a terminal. */
export const DEFAULT_PROGRESS_INTERVAL = 10;

export class Progress {
  private done = 0;
  private failed = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  private lastLog: number;
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.enabled = options.enabled ?? this.stream.isTTY === true;
    this.intervalMs = this.enabled ? 0 : 1000 * (options.intervalSeconds ?? DEFAULT_PROGRESS_INTERVAL);
    this.lastLog = this.started;
    if (this.intervalMs > 0 && options.total > 0) {
      // Also while no image finishes (a slow model, a stalled disk): the line says how long it has been.
      this.timer = setInterval(() => this.logIfDue(performance.now()), this.intervalMs);
      this.timer.unref();
    }
  }

  tick(ok: boolean): void {
    this.done++;
    if (!ok) this.failed++;
    const now = performance.now();
    if (this.enabled && (now - this.lastDraw > 200 || this.done === this.options.total)) {
      this.lastDraw = now;
      this.stream.write(`\r\x1b[2K${this.line(now)}`);
    } else {
      this.logIfDue(now);
    }
  }

  /**
   * Writes `text` (whole lines) to `out` without tearing the bar: clears it, writes, redraws.
   * For output that shares the terminal with the bar (predict's table on stdout).
   */
  printAbove(out: NodeJS.WritableStream, text: string): void {
    if (!this.enabled) {
      out.write(text);
      return;
    }
    this.stream.write('\r\x1b[2K');
    out.write(text);
    if (this.done > 0) this.stream.write(this.line());
  }

  /** Clears the progress line and stops the log lines. */
  finish(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  line(now = performance.now()): string {
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const left = this.options.total - this.done;
    const eta = rate > 0 ? formatDuration(left / rate) : '?';
    const failed = this.failed > 0 ? `, ${this.failed} failed` : '';
    return `${this.options.label} ${this.done}/${this.options.total} (${rate.toFixed(1)} img/s, ETA ${eta}${failed})`;
  }

  private logIfDue(now: number): void {
    if (this.intervalMs <= 0 || now - this.lastLog < this.intervalMs || this.done >= this.options.total)
      return;
    this.lastLog = now;
    this.stream.write(`${this.line(now)}, ${formatDuration((now - this.started) / 1000)} elapsed\n`);
  }
}

/** `--progress-interval <seconds>`: a number >= 0. */
export function parseProgressInterval(value: string): number {
  const seconds = Number(value);
  if (!(Number.isFinite(seconds) && seconds >= 0)) {
    throw new UsageError(`--progress-interval expects seconds >= 0, got '${value}'`);
  }
  return seconds;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `--progress-interval`: how often a job whose stderr is not a terminal logs a progress line. */
export function addProgressOption(command: Command): Command {
  return command.option(
    '--progress-interval <seconds>',
    'when stderr is not a terminal: a progress line (done/total, rate, ETA) this often; 0: none',
    parseProgressInterval,
    DEFAULT_PROGRESS_INTERVAL,
  );
}
