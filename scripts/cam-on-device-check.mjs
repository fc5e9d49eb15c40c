// CAM on the device against the JS path on one execution provider, and what it costs.
//   node scripts/cam-on-device-check.mjs CORE_DIR ORT_DIR MODEL PROVIDER [BATCH] [SECONDS]
// CORE_DIR: a built @cam-localize/core (its dist/); ORT_DIR: a folder from which require('onnxruntime-node')
// resolves (GPU.md's $ORT / $ORT_CUDA). PROVIDER: cpu | cuda | webgpu. For each TF32 setting the provider takes
// (cuda: default and use_tf32=0), one session runs the model with the appended CAM graph AND the feature tensor as
// outputs, so the JS path (CamMethod + resampleScoreMap) sees the very features the device saw; it prints the
// largest map difference per method, then the images/s of the forward with the CAM graph vs with the features out.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [coreDir, ortDir, modelPath, provider, batchArg, secondsArg] = process.argv.slice(2);
// Graph editing and the device-CAM table are internal to core: read them from its build.
const coreModule = (path) => import(pathToFileURL(resolve(coreDir, 'dist', path)).href);
const core = Object.assign(
  {},
  await coreModule('index.js'),
  await coreModule('onnx/index.js'),
  await coreModule('cam/index.js'),
);
const ort = createRequire(`${resolve(ortDir)}/`)('onnxruntime-node');
const batch = Number(batchArg ?? 32);
const seconds = Number(secondsArg ?? 5);

const onnx = await core.readOnnxModel(modelPath);
const head = await core.detectCamHead(onnx);
const [, channels, h, w] = head.featureShape;
const input = onnx.realInputs()[0];
const [H, W] = [Number(input.shape[2]), Number(input.shape[3])];
const x = new ort.Tensor(
  'float32',
  Float32Array.from({ length: batch * 3 * H * W }, (_, i) => Math.sin(i * 0.37) * 2),
  [batch, 3, H, W],
);
const targets = new ort.Tensor('int64', new BigInt64Array(batch).fill(-1n), [batch, 1]);
const tf32Settings = provider === 'cuda' ? [undefined, 0] : [undefined];

async function throughput(session, feeds) {
  for (let i = 0; i < 3; i++) await session.run(feeds);
  let n = 0;
  const t = performance.now();
  while (performance.now() - t < seconds * 1000) {
    await session.run(feeds);
    n++;
  }
  return +((n * batch) / ((performance.now() - t) / 1000)).toFixed(1);
}

for (const tf32 of tf32Settings) {
  const ep = provider === 'cpu' ? 'cpu' : tf32 === undefined ? provider : { name: provider, use_tf32: tf32 };
  const options = { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  const setting = tf32 === undefined ? 'default' : `use_tf32=${tf32}`;
  for (const method of core.DEVICE_CAM_METHODS) {
    const graph = core.appendCamGraph(onnx, head, {
      method,
      resize: { width: W, height: H, mode: 'bilinear' },
    });
    const both = core.addGraphOutputs(core.parseOnnxModel(graph.bytes), [head.featureTensor]);
    const session = await ort.InferenceSession.create(both, options);
    const out = await session.run({ [input.name]: x, [graph.targetsInput]: targets });
    const features = out[head.featureTensor].data;
    const scores = out[head.scoreTensor].data;
    const maps = out[graph.camOutput].data;
    const classes = scores.length / batch;
    const per = features.length / batch;
    let worst = 0;
    for (let i = 0; i < batch; i++) {
      const imageScores = scores.subarray(i * classes, (i + 1) * classes);
      const cls = core.rankClasses(imageScores, 1)[0];
      const map = await core.createCamMethod(method).compute(
        {
          features: features.subarray(i * per, (i + 1) * per),
          channels: Number(channels),
          height: h,
          width: w,
          head,
          scores: imageScores,
        },
        cls,
        'relu-minmax',
      );
      const expected = core.resampleScoreMap(map, W, H, 'bilinear').data;
      for (let p = 0; p < expected.length; p++)
        worst = Math.max(worst, Math.abs(maps[i * W * H + p] - expected[p]));
    }
    console.log(JSON.stringify({ provider, setting, method, batch, max_abs_diff_vs_js: worst }));
    if (method === 'cam') {
      const withCam = await throughput(session, { [input.name]: x, [graph.targetsInput]: targets });
      await session.release();
      const plain = await ort.InferenceSession.create(
        core.addGraphOutputs(onnx, [head.featureTensor]),
        options,
      );
      const withFeatures = await throughput(plain, { [input.name]: x });
      await plain.release();
      console.log(
        JSON.stringify({
          provider,
          setting,
          batch,
          img_s_cam_graph_224: withCam,
          img_s_features_out: withFeatures,
        }),
      );
    } else {
      await session.release();
    }
  }
}
