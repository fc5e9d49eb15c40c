/**
 * A reader that stops early (`cam-localize predict ... --json | head`) closes stdout. The command
 * then feeds no new images, finishes the ones in flight (a run directory keeps their records) and
 * ends normally, as Unix tools do. Before, the unhandled EPIPE killed it, and a `process.exit`
 * there is no way out either: exiting while the ONNX session runs in its thread aborts the process
 * (interrupt.ts).
 */
let closed = false;

/** Watches stdout for the rest of the process (main calls it once). */
export function watchStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (!closed && error.code !== 'EPIPE') {
      process.stderr.write(
        `cam-localize: cannot write to stdout (${error.code ?? error.message}); stopping\n`,
      );
    }
    closed = true;
  });
}

/** Whether stdout has been closed by its reader (or failed). */
export function stdoutClosed(): boolean {
  return closed;
}

/** The items, until stdout closes. */
export function* untilStdoutCloses<T>(items: Iterable<T>): Generator<T> {
  for (const item of items) {
    if (closed) return;
    yield item;
  }
}
