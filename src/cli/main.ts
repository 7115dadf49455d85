/**
 * `robust-features <command>`: the engine headless, for servers, CI and clusters.
 * Each command lives in its own file with its option table; this one only dispatches, prints
 * help and turns errors into messages and exit codes (2 for usage errors, 1 for failures).
 */
import { runInfo, infoVerb } from './commands/info';
import { runTrain, trainVerb } from './commands/train';
import { runEval, evalVerb } from './commands/evalCmd';
import { runBench, benchVerb } from './commands/bench';
import { runTheory, theoryVerb } from './commands/theory';
import { runConstruct, constructVerb } from './commands/construct';
import { runMerge, mergeVerb } from './commands/merge';
import { runReproduce, reproduceVerb } from './commands/reproduce';
import { runGradients, gradientsVerb } from './commands/gradients';
import { runTransfer, transferVerb } from './commands/transfer';
import { runRun, runVerb } from './commands/run';
import { runExport, exportVerb } from './commands/export';
import { runImport, importVerb } from './commands/import';
import { HelpShown, UsageError, verbHelp, type VerbSpec } from './options';
import { environmentHelp } from './environment';
import { TOOL_VERSION } from '../engine/provenance';
import { errorMessage } from '../shared/errorMessage';

interface Command {
  spec: VerbSpec;
  run: (argv: string[]) => Promise<void>;
}

const commands: Command[] = [
  { spec: infoVerb, run: runInfo },
  { spec: trainVerb, run: runTrain },
  { spec: evalVerb, run: runEval },
  { spec: constructVerb, run: runConstruct },
  { spec: mergeVerb, run: runMerge },
  { spec: reproduceVerb, run: runReproduce },
  { spec: transferVerb, run: runTransfer },
  { spec: gradientsVerb, run: runGradients },
  { spec: exportVerb, run: runExport },
  { spec: importVerb, run: runImport },
  { spec: theoryVerb, run: runTheory },
  { spec: runVerb, run: runRun },
  { spec: benchVerb, run: runBench },
];

const find = (name: string) => commands.find((c) => c.spec.name === name);

function usage(): string {
  const rows = commands.map((c) => `  ${c.spec.name.padEnd(10)} ${c.spec.summary}`);
  return [
    `robust-features ${TOOL_VERSION}`,
    '',
    'usage: robust-features <command> [options]',
    '       robust-features help <command>     (or: robust-features <command> -h)',
    '',
    'commands:',
    ...rows,
    '',
    'Every command takes --backend auto|tfjs-node-gpu|tfjs-node|wasm|cpu, --json and -h/--help.',
    'Exit codes: 0 done, 1 failed, 2 usage error.',
    'Verbs that take --data also take --layout nchw|nhwc and --classes N (npy: arrays) and',
    '--size HxW (to resize folder: images).',
    '',
    'environment:',
    ...environmentHelp(),
  ].join('\n');
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h') return void console.log(usage());
  if (name === '--version') return void console.log(TOOL_VERSION);
  if (name === 'help') {
    const topic = rest[0];
    if (!topic) return void console.log(usage());
    const cmd = find(topic);
    if (!cmd) throw new UsageError(`unknown command '${topic}'`, usage());
    return void console.log(verbHelp(cmd.spec));
  }
  const cmd = find(name);
  if (!cmd) throw new UsageError(`unknown command '${name}'`, usage());
  await cmd.run(rest);
}

main().catch((e: unknown) => {
  if (e instanceof HelpShown) return;
  if (e instanceof UsageError) {
    const verb = process.argv[2];
    const hint = e.help
      ? `\n\n${e.help}`
      : verb && find(verb)
        ? `\n(robust-features ${verb} -h lists the options)`
        : '';
    console.error(`robust-features: ${e.message}${hint}`);
    process.exitCode = 2;
    return;
  }
  console.error(`robust-features: ${errorMessage(e)}`);
  if (process.env.RFL_DEBUG && e instanceof Error) console.error(e.stack);
  process.exitCode = 1;
});
