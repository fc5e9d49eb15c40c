/**
 * The bare forward as a whole process, for `pnpm bench startup`: onnxruntime-node with default
 * options runs the model over preprocessed batches read from one float32 file (what a user's own
 * script would do), nothing else. `node bare-forward.mjs <model.onnx> <batches.f32> <count> <batch>`.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

const [model, file, count, batch] = process.argv.slice(2);
const ort = createRequire(new URL('../../core/package.json', import.meta.url))('onnxruntime-node');
const session = await ort.InferenceSession.create(model);
const per = 3 * 224 * 224;
const fd = openSync(file, 'r');
const data = new Float32Array(Number(batch) * per);
for (let done = 0; done < Number(count); done += Number(batch)) {
  const n = Math.min(Number(batch), Number(count) - done);
  readSync(fd, new Uint8Array(data.buffer, 0, n * per * 4), 0, n * per * 4, done * per * 4);
  await session.run({
    [session.inputNames[0]]: new ort.Tensor('float32', data.subarray(0, n * per), [n, 3, 224, 224]),
  });
}
closeSync(fd);
