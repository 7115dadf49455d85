/**
 * The CLI's contract with scripts: -h on every verb (generated from its option table), `help
 * VERB`, exit code 2 for usage errors and 1 for failures, the RFL_* variables in --help.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildBundles } from '../../helpers/bundles';

const root = path.resolve(__dirname, '../../..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    cwd: root,
  });

/** The verbs the general help lists (the lines under "commands:"). */
function listedVerbs(): string[] {
  const help = cli('--help').stdout;
  const block = help.split('commands:\n')[1]?.split('\n\n')[0] ?? '';
  return block.split('\n').map((l) => l.trim().split(/\s+/)[0] as string);
}

before(() => {
  buildBundles('cli');
});

test('-h, --help and `help VERB` print the same help on every verb, exit 0', () => {
  const verbs = listedVerbs();
  for (const v of ['info', 'train', 'eval', 'construct', 'merge', 'reproduce', 'run', 'theory'])
    assert.ok(verbs.includes(v), `${v} missing from --help: ${verbs.join(' ')}`);
  assert.equal(cli('train', '--help').stdout, cli('train', '-h').stdout);
  for (const verb of verbs) {
    const short = cli(verb, '-h');
    assert.equal(short.status, 0, `${verb} -h: ${short.stderr}`);
    assert.match(short.stdout, new RegExp(`^usage: robust-features ${verb} `), verb);
    assert.match(short.stdout, /-h, --help/, verb);
    assert.equal(cli('help', verb).stdout, short.stdout, `help ${verb}`);
    // Every line fits the 100 columns the help is wrapped to.
    for (const line of short.stdout.split('\n'))
      assert.ok(line.length <= 100, `${verb} -h: ${line.length} columns: ${line}`);
  }
});

test('usage errors exit 2 with the usage line; failures exit 1', () => {
  const usage: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['help', 'frobnicate'], /unknown command 'frobnicate'/],
    [['train', '--no-such-flag', '--out', '/tmp/x'], /Unknown option '--no-such-flag'/],
    [['train'], /--out DIR is required/],
    [
      ['train', '--out', '/tmp/x', '--optimizer', 'rmsprop'],
      /--optimizer must be one of adam, sgd/,
    ],
    [['train', '--out', '/tmp/x', '--adv'], /--adv needs --eps > 0/],
    [['eval', '--checkpoint', '/tmp'], /--eps LIST is required/],
    [
      ['construct', '--kind', 'robust', '--checkpoint', 'a', '--out', 'b', '--shard', '4/2'],
      /--shard must be i\/n/,
    ],
    [['merge', '--out', '/tmp/x'], /expected SHARD_DIR/],
    [
      ['reproduce', '--out', '/tmp/x', '--profile', 'huge'],
      /--profile must be one of smoke, quick, full/,
    ],
    [['run'], /expected EXP\.rfl\.json/],
    [['run', 'x.rfl.json', '--progress', 'xml'], /--progress must be one of bar, json, none/],
    [['theory', '--out', '/tmp/x', 'extra'], /Unexpected argument 'extra'|positional/i],
    [
      ['construct', '--kind', 'robust', '--checkpoint', 'a', '--out', 'b', '--norm', 'linf'],
      /--norm applies to relabelling \(rand, det\) only/,
    ],
    [['reproduce', '--out', '/tmp/x', '--train-limit', '0'], /--train-limit must be a whole/],
    [['reproduce', '--out', '/tmp/x', '--test-limit', '2.5'], /--test-limit must be a whole/],
    [['reproduce', '--out', '/tmp/x', '--seed', '1', '--seeds', '1,2'], /exclude each other/],
    [['reproduce', '--out', '/tmp/x', '--seeds', '1,1'], /--seeds lists a seed twice/],
    [
      ['reproduce', '--out', '/tmp/x', '--seeds', '0,1', '--eval', 'autoattack'],
      /--eval autoattack evaluates one run's models/,
    ],
    [['eval', '--checkpoint', 'a', '--eps', '1', '--attack', 'fab'], /--attack must be one of/],
    [
      ['eval', '--checkpoint', 'a', '--eps', '1', '--attack', 'autoattack', '--version', 'custom'],
      /--version custom needs --attacks LIST/,
    ],
    [['eval', '--checkpoint', 'a', '--eps', '1', '--classes', '10'], /give --data SPEC/],
    [['train', '--out', '/tmp/x', '--layout', 'chwn'], /--layout must be one of nchw, nhwc/],
    [['transfer', '--source', 'a', '--out', 'b', '--norm', 'l1'], /--norm must be one of l2, linf/],
    [['transfer', '--source', 'a', '--out', 'b', '--archs', 'mlp,alexnet'], /alexnet/],
    [['export', '--format', 'npy-nchw', '--out', '/tmp/x'], /either --checkpoint DIR or --dataset/],
    [
      ['export', '--checkpoint', 'a', '--format', 'imagefolder', '--out', '/tmp/x'],
      /--format for a checkpoint must be safetensors/,
    ],
    [['import', '--from', 'a.safetensors', '--out', '/tmp/x', '--shape', '32x32'], /--shape/],
  ];
  for (const [args, re] of usage) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace for a usage error');
  }
  const failed = cli('eval', '--checkpoint', '/nonexistent/ckpt', '--eps', '1');
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stderr, /\/nonexistent\/ckpt\/manifest.json: missing/);
});

test('--help lists every RFL_* variable the code reads', () => {
  const help = cli('--help').stdout;
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts'))
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/process\.env\.(RFL_\w+)/g))
          names.add(m[1] as string);
    }
  };
  walk(path.join(root, 'src'));
  assert.ok(names.has('RFL_BACKEND'), 'the scan found RFL_BACKEND');
  for (const n of names) assert.match(help, new RegExp(`^  ${n}\\s`, 'm'), `${n} not in --help`);
});
