/**
 * Reproduce Paper: the Figure 2 / Table 1 pipeline (engine/reproduce) into a run folder, then
 * results.md opens. Profile 'quick' (~5,000 images) or 'full'; a rerun on the same folder resumes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProfileName } from '../../shared/workerProtocol';
import { dataSpecSetting } from '../config';
import type { Services } from '../services';
import { jobsAllowed } from '../trust';
import { ensureDataFound } from '../data';
import type { JobOutcome } from '../worker/job';
import { outputFolder, runJob } from './runJob';

export interface ReproduceCommandArgs {
  profile?: ProfileName;
  data?: string;
  outDir?: string;
  name?: string;
  /** Open results.md when done (default true). */
  open?: boolean;
}

export async function reproduceCommand(
  services: () => Promise<Services>,
  args: ReproduceCommandArgs = {},
): Promise<JobOutcome | undefined> {
  if (!jobsAllowed()) return undefined;
  if (!args.data && !ensureDataFound()) return undefined;
  let profile = args.profile;
  if (!profile) {
    const items: (vscode.QuickPickItem & { profile: ProfileName })[] = [
      {
        label: 'smoke',
        description: 'mlp, 300 images, 2 epochs: a minute, to see every step (numbers mean little)',
        profile: 'smoke',
      },
      {
        label: 'quick',
        description: 'cnn, 5,000 images, 10 epochs per model: 30–75 minutes on 2 cores',
        profile: 'quick',
      },
      {
        label: 'full',
        description: 'the whole training set, 20 epochs, 1000-step inversions: many hours',
        profile: 'full',
      },
    ];
    const p = await vscode.window.showQuickPick(items, {
      title: 'Reproduce Figure 2 and Table 1: profile',
      ignoreFocusOut: true,
    });
    if (!p) return undefined;
    profile = p.profile;
  }
  const folder = outputFolder(args.outDir, `reproduce-${profile}`);
  if (!folder) return undefined;
  const outcome = await runJob(
    services,
    args.name ?? `Reproduce (${profile})`,
    {
      kind: 'reproduce',
      params: { profile, data: args.data ?? dataSpecSetting(), outDir: folder.dir },
    },
    folder.given,
  );
  if (outcome?.state === 'succeeded' && outcome.outDir && args.open !== false)
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(outcome.outDir, 'results.md')), {
      preview: true,
    });
  return outcome;
}
