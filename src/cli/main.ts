/**
 * `robust-features <command>`: the engine headless, for servers, CI and clusters.
 * Each command lives in its own file; this one only dispatches and turns errors into messages.
 */
import { runInfo } from './commands/info';
import { runTrain } from './commands/train';
import { runEval } from './commands/evalCmd';
import { runBench } from './commands/bench';
import { runTheory } from './commands/theory';
import { runConstruct } from './commands/construct';
import { runMerge } from './commands/merge';
import { runReproduce } from './commands/reproduce';
import { runGradients } from './commands/gradients';
import { runTransfer } from './commands/transfer';
import { runExport } from './commands/export';
import { runImport } from './commands/import';
import { DATA_FLAGS_HELP } from './dataFlags';
import { TOOL_VERSION } from '../engine/provenance';
import { errorMessage } from '../shared/errorMessage';

type Command = (argv: string[]) => Promise<void>;

const commands: Record<string, { run: Command; summary: string }> = {
  info: {
    run: runInfo,
    summary: 'version, the compute backend chosen (and why others were skipped), datasets found',
  },
  train: {
    run: runTrain,
    summary:
      'train a model: --model cnn --data fashion-mnist [--adv --norm l2 --eps 1.5] --epochs N --out DIR',
  },
  eval: {
    run: runEval,
    summary:
      'robust accuracy: --checkpoint DIR --norm l2 --eps 0.5,1,1.5 --steps 20 [--restarts R] [--limit N] [--json]',
  },
  construct: {
    run: runConstruct,
    summary:
      'build D_R, D_NR, D_rand or D_det: --kind robust|nonrobust|rand|det --checkpoint DIR --out DIR [--shard i/n]',
  },
  merge: { run: runMerge, summary: 'join shard builds: --out DIR SHARD_DIR...' },
  reproduce: {
    run: runReproduce,
    summary:
      "the paper's Figure 2 and Table 1 end to end: [--profile quick|full] [--data SPEC] --out DIR",
  },
  transfer: {
    run: runTransfer,
    summary:
      'transferability (paper §3.3): D_rand from a source, every architecture trained on it, accuracy vs transfer: --source CKPT --out DIR',
  },
  gradients: {
    run: runGradients,
    summary:
      'input gradients and class drawings of a standard vs a robust checkpoint, with an edge-alignment measure',
  },
  export: {
    run: runExport,
    summary:
      'to PyTorch: --checkpoint DIR --format safetensors --out FILE, or --dataset SPEC --format imagefolder|npy-nchw --out DIR',
  },
  import: {
    run: runImport,
    summary:
      'a PyTorch state_dict (safetensors) as a checkpoint: --from FILE --model ARCH --shape HxWxC --out DIR',
  },
  theory: {
    run: runTheory,
    summary:
      'Gaussian model of §4: standard vs robust MLE across ε (Thm 2 closed form vs numerical), Thm 1/3 quantities: [--config FILE] --out DIR [--json]',
  },
  bench: {
    run: runBench,
    summary:
      'images/s of the train, PGD, inversion and adversarial-training steps of each model × input shape, against PyTorch where present [--model M --shape HxWxC] [--json]',
  },
};

function usage(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    `robust-features ${TOOL_VERSION}`,
    '',
    'usage: robust-features <command> [options]',
    '',
    ...rows,
    '',
    'Every command takes --backend auto|tfjs-node-gpu|tfjs-node|wasm|cpu and --help.',
    DATA_FLAGS_HELP,
  ].join('\n');
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  if (name === '--version') {
    console.log(TOOL_VERSION);
    return;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`robust-features: unknown command '${name}'\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  await cmd.run(rest);
}

main().catch((e: unknown) => {
  console.error(`robust-features: ${errorMessage(e)}`);
  if (process.env.RFL_DEBUG && e instanceof Error) console.error(e.stack);
  process.exitCode = 1;
});
