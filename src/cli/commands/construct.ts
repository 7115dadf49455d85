/** `robust-features construct`: D_R, D_NR, D_rand or D_det, resumable and shardable. */
import { startBackend } from '../args';
import { errorMessage } from '../../shared/errorMessage';
import { parseVerb, UsageError, type VerbSpec } from '../options';
import { terminalProgress } from '../progress';
import { buildConstructed } from '../../engine/construct/build';
import { defaultPoolSize, wasmThreadsForPool } from '../../engine/pool/pool';
import {
  CONSTRUCT_KINDS,
  KIND_NAMES,
  constructDefaults,
  parseShard,
} from '../../engine/construct/config';

const INVERSION = constructDefaults('robust');
const RELABELLING = constructDefaults('rand');

export const constructVerb = {
  name: 'construct',
  summary: 'build D_R, D_NR, D_rand or D_det from a checkpoint (paper §3)',
  description:
    'A killed build resumes where it stopped when run again with the same arguments. With --shard i/n\n' +
    "several machines build one dataset; 'robust-features merge' joins their folders.",
  options: {
    kind: {
      kind: 'string',
      choices: CONSTRUCT_KINDS,
      required: true,
      help: 'D_R (give a robust checkpoint), D_NR (a standard one), D_rand, D_det (a standard one)',
    },
    checkpoint: { kind: 'string', arg: 'DIR', required: true, help: 'the source model' },
    out: { kind: 'string', arg: 'DIR', required: true, help: 'dataset folder to write' },
    data: { kind: 'string', arg: 'SPEC', default: 'fashion-mnist', help: 'source training set' },
    limit: { kind: 'int', arg: 'N', min: 1, defaultText: 'all', help: 'images (seeded subset)' },
    seed: { kind: 'int', arg: 'N', min: 0, default: 0, help: 'seed' },
    steps: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: `inversion ${INVERSION.steps}, relabelling ${RELABELLING.steps}, the paper's`,
      help: 'optimisation steps',
    },
    'step-size': {
      kind: 'number',
      defaultText: `inversion ${INVERSION.stepSize}, relabelling ${RELABELLING.stepSize}`,
      help: 'step size',
    },
    eps: {
      kind: 'number',
      defaultText: String(RELABELLING.eps),
      help: 'relabelling only: radius of the targeted attack in --norm',
    },
    norm: {
      kind: 'string',
      choices: ['l2', 'linf'],
      defaultText: "l2, the paper's main one",
      help: "relabelling only: the targeted attack's norm",
    },
    start: {
      kind: 'string',
      choices: ['other-image', 'noise'],
      defaultText: String(INVERSION.start),
      help: "inversion only: where x_r starts (other-image is the paper's)",
    },
    'exact-relu': {
      kind: 'boolean',
      help: "inversion only: differentiate g's final ReLU exactly (default: as the identity, robustness' fake_relu=True, which its inversion uses; without it x_r stalls)",
    },
    chunk: {
      kind: 'int',
      arg: 'N',
      min: 1,
      default: INVERSION.chunkSize,
      help: 'images per resumable chunk (the unit of sharding)',
    },
    batch: {
      kind: 'int',
      arg: 'N',
      min: 1,
      default: INVERSION.batchSize,
      help: 'images per attack batch',
    },
    pool: {
      kind: 'int',
      arg: 'N',
      min: 1,
      defaultText: '$RFL_POOL_SIZE, else one per core',
      help: 'cores: N worker threads, each its own single-threaded wasm instance (1 = this thread, single-threaded); same result for any N',
    },
    shard: {
      kind: 'string',
      arg: 'i/n',
      help: "build only chunks k ≡ i (mod n); join the n folders with 'robust-features merge'",
    },
  },
} as const satisfies VerbSpec;

export async function runConstruct(argv: string[]): Promise<void> {
  const o = parseVerb(constructVerb, argv);
  let shard;
  try {
    shard = o.shard === undefined ? undefined : parseShard(o.shard);
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  const kind = o.kind;
  if (o.norm !== undefined && kind !== 'rand' && kind !== 'det')
    throw new UsageError(
      `--norm applies to relabelling (rand, det) only: the inversion (${kind}) has no radius`,
    );
  const d = constructDefaults(kind);
  const pool = o.pool ?? defaultPoolSize();
  await startBackend(o.backend, o.json, { threads: wasmThreadsForPool(pool) });
  const bar = terminalProgress(o.json, kind);
  const r = await buildConstructed(
    {
      ...d,
      kind,
      checkpoint: o.checkpoint,
      data: o.data,
      limit: o.limit,
      seed: o.seed,
      steps: o.steps ?? d.steps,
      stepSize: o['step-size'] ?? d.stepSize,
      ...(kind === 'rand' || kind === 'det'
        ? { eps: o.eps ?? d.eps, norm: o.norm ?? d.norm }
        : { start: o.start ?? d.start, fakeRelu: !o['exact-relu'] }),
      chunkSize: o.chunk,
      batchSize: o.batch,
    },
    o.out,
    {
      onProgress: bar.onProgress,
      log: bar.log,
      shard,
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
