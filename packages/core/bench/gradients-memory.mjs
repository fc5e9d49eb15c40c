/**
 * The child process of the memory rows of gradients.bench.mjs: opens one session (on this thread,
 * the core's own session options, default threads), notes the RSS, runs one batch twice and
 * prints the peak. A process of its own per measure, so that no other session's memory counts.
 *
 *   node gradients-memory.mjs MODEL.onnx OUTPUTS(comma-separated) BATCH [TARGETS_INPUT]
 *
 * With TARGETS_INPUT (the backward graph's `grad_targets`), each image's target is its predicted
 * class (-1). Prints one JSON line, in kB: rssLoaded / hwmLoaded (VmRSS / VmHWM after the session
 * was created, before any run), hwm (VmHWM after the runs), maxRss (getrusage's, the same peak).
 */
import { readFileSync } from 'node:fs';
import { createSession } from '../dist/runtime/session.js';

function status() {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const [file, outputs, batchText, targetsInput] = process.argv.slice(2);
const batch = Number(batchText);
const session = await createSession(file, {
  device: 'cpu',
  thread: 'main',
  outputs: outputs.split(','),
  file,
});
const loaded = status();
const input = new Float32Array(batch * 3 * 224 * 224);
for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.37) * 2;
const extra =
  targetsInput === undefined
    ? undefined
    : { [targetsInput]: { data: new BigInt64Array(batch).fill(-1n), dims: [batch, 1] } };
for (let run = 0; run < 2; run++) await session.run(input, batch, extra === undefined ? {} : { extra });
const peak = status();
await session.release();
console.log(
  JSON.stringify({
    rssLoaded: loaded.rss,
    hwmLoaded: loaded.hwm,
    hwm: peak.hwm,
    maxRss: process.resourceUsage().maxRSS,
  }),
);
