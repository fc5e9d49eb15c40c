/**
 * Progress on stderr: one rewritten line with images/s and ETA, only when stderr is a TTY, so
 * logs and CI output stay clean. Redraws at most a few times a second.
 */
export interface ProgressOptions {
  readonly total: number;
  readonly label: string;
  readonly stream?: NodeJS.WriteStream;
  /** Force on/off; default: on when the stream is a TTY. */
  readonly enabled?: boolean;
}

export class Progress {
  private done = 0;
  private failed = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.enabled = options.enabled ?? this.stream.isTTY === true;
  }

  tick(ok: boolean): void {
    this.done++;
    if (!ok) this.failed++;
    const now = performance.now();
    if (this.enabled && (now - this.lastDraw > 200 || this.done === this.options.total)) {
      this.lastDraw = now;
      this.stream.write(`\r\x1b[2K${this.line(now)}`);
    }
  }

  /** Clears the progress line. */
  finish(): void {
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
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
