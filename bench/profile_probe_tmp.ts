import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '/work/main/src/engine/backend/ladder';
(async () => {
  const info = await initBackend((process.argv[2] as any) ?? 'auto');
  console.log(JSON.stringify(info.ladder), info.wasmFeatures);
  const m = tfl.sequential({ layers: [
    tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tfl.layers.maxPooling2d({ poolSize: 2 }),
    tfl.layers.flatten(), tfl.layers.dense({ units: 128, activation: 'relu' }), tfl.layers.dense({ units: 10 })] });
  const x = tf.randomUniform([128, 28, 28, 1]); const y = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32'), 10);
  const opt = tf.train.adam(1e-3);
  const step = () => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, m.apply(x) as tf.Tensor) as tf.Scalar, true)!.dataSync();
  try { step(); } catch (e) { console.log('train step failed:', (e as Error).message); }
  const t0 = Date.now(); let n = 0; try { for (; n < 3; n++) step(); } catch (e) { console.log((e as Error).message) }
  console.log('train ms/step', (Date.now() - t0) / Math.max(n,1));
  const g = tf.grad((xi: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, m.apply(xi) as tf.Tensor));
  g(x).dataSync(); const t1 = Date.now(); for (let i = 0; i < 3; i++) g(x).dataSync(); console.log('pgd ms/step', (Date.now() - t1) / 3);
  const p = await tf.profile(() => { g(x).dataSync(); });
  const agg: Record<string, number> = {}; for (const k of p.kernels) agg[k.name] = (agg[k.name] ?? 0) + (k.kernelTimeMs as number);
  console.log(Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 8));
})();
