/** `robust-features construct --kind robust|nonrobust|rand|det --checkpoint DIR --out DIR [--shard i/n]` */
import { parse, startBackend, num, poolOption } from '../args';
import { terminalProgress } from '../progress';
import { buildConstructed } from '../../engine/construct/build';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';
import { parseNorm } from '../../engine/formats/profiles';
import {
  CONSTRUCT_KINDS,
  KIND_NAMES,
  constructDefaults,
  parseShard,
  type ConstructKind,
} from '../../engine/construct/config';

const HELP = `robust-features construct --kind KIND --checkpoint DIR --out DIR [options]
  --kind robust|nonrobust|rand|det   D_R (give a robust checkpoint), D_NR (a standard one), D_rand, D_det (a standard one)
  --data SPEC        source training set (default fashion-mnist)   --limit N   --seed N
  --steps N --step-size X            (defaults: inversion 1000 × 0.1; relabelling 100 × 0.1, the paper's)
  --eps X            relabelling only: radius in --norm (default 0.5)
  --norm l2|linf     relabelling only: the targeted attack's norm (default l2, the paper's main one)
  --start other-image|noise          inversion only: where x_r starts (default other-image, the paper's)
  --exact-relu       inversion only: differentiate g's final ReLU exactly (default: as the identity,
                     robustness' fake_relu=True, which its inversion uses; without it x_r stalls)
  --chunk N --batch N                images per resumable chunk (default 500), per attack batch (default 250)
  --pool N           cores: N worker threads, each its own single-threaded wasm instance (default: one per
                     core; 1 = this thread, single-threaded); same result for any N
  --shard i/n        build only chunks k ≡ i (mod n); join the n folders with 'robust-features merge'
  A killed build resumes where it stopped when run again with the same arguments.`;

export async function runConstruct(argv: string[]): Promise<void> {
  const o = parse(
    argv,
    {
      kind: { type: 'string' },
      checkpoint: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string', default: 'fashion-mnist' },
      limit: { type: 'string' },
      seed: { type: 'string', default: '0' },
      steps: { type: 'string' },
      'step-size': { type: 'string' },
      eps: { type: 'string' },
      norm: { type: 'string' },
      start: { type: 'string' },
      chunk: { type: 'string' },
      batch: { type: 'string' },
      shard: { type: 'string' },
      pool: { type: 'string' },
      'exact-relu': { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!o.kind || !(CONSTRUCT_KINDS as readonly string[]).includes(o.kind))
    throw new Error(`--kind must be one of ${CONSTRUCT_KINDS.join(', ')}\n\n${HELP}`);
  if (!o.checkpoint || !o.out)
    throw new Error(`--checkpoint DIR and --out DIR are required\n\n${HELP}`);
  if (o.start !== undefined && o.start !== 'other-image' && o.start !== 'noise')
    throw new Error(`--start must be other-image or noise, got '${o.start}'`);
  const kind = o.kind as ConstructKind;
  if (o.norm !== undefined && kind !== 'rand' && kind !== 'det')
    throw new Error(
      `--norm applies to relabelling (rand, det) only: the inversion (${kind}) has no radius`,
    );
  const d = constructDefaults(kind);
  const pool = poolOption(o.pool) ?? defaultPoolSize();
  await startBackend(o.backend, o.json, { threads: wasmThreadsForPool(pool) });
  const bar = terminalProgress(o.json, kind);
  const r = await buildConstructed(
    {
      ...d,
      kind,
      checkpoint: o.checkpoint,
      data: o.data,
      limit: num(o.limit, 'limit'),
      seed: num(o.seed, 'seed') ?? 0,
      steps: num(o.steps, 'steps') ?? d.steps,
      stepSize: num(o['step-size'], 'step-size') ?? d.stepSize,
      ...(kind === 'rand' || kind === 'det'
        ? { eps: num(o.eps, 'eps') ?? d.eps, norm: o.norm ? parseNorm(o.norm) : d.norm }
        : { start: o.start ?? d.start, fakeRelu: !o['exact-relu'] }),
      chunkSize: num(o.chunk, 'chunk') ?? d.chunkSize,
      batchSize: num(o.batch, 'batch') ?? d.batchSize,
    },
    o.out,
    {
      onProgress: bar.onProgress,
      log: bar.log,
      shard: o.shard ? parseShard(o.shard) : undefined,
      poolSize: pool,
    },
  );
  bar.stop();
  if (o.json) console.log(JSON.stringify(r));
  else if (!r.complete)
    console.log(
      `${o.out}: shard done, ${r.chunksDone} of ${r.chunks} chunks built; join the shards with 'robust-features merge'`,
    );
  else
    console.log(
      `${KIND_NAMES[kind]}: ${r.n} images in ${o.out}` +
        (r.attackSuccess !== undefined
          ? `; targeted attack success ${(100 * r.attackSuccess).toFixed(1)}%`
          : `; mean ‖g(x_r) − g(x)‖₂ ${r.meanDistance?.toFixed(4)} (from ${r.meanStartDistance?.toFixed(4)})`),
    );
}
