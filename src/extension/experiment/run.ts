/** Runs a step (or all steps, in order, stopping at the first that does not succeed) of an experiment file. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkExperimentPaths, parseExperiment } from '../../shared/experiment';
import { dataSpecSetting, runsFolder } from '../config';
import { jobsAllowed } from '../trust';
import { ensureDataFound } from '../data';
import type { JobOutcome } from '../worker/job';
import { resolveStep, type ResolveContext } from './resolve';

/** A Uri, also when it arrives serialised ({ scheme, path, … }) through a command bridge. */
function asUri(u: unknown): vscode.Uri | undefined {
  if (u instanceof vscode.Uri) return u;
  const o = u as { scheme?: unknown; path?: unknown } | undefined;
  if (o && typeof o.scheme === 'string' && typeof o.path === 'string')
    return vscode.Uri.from({ scheme: o.scheme, path: o.path });
  return undefined;
}

async function load(uri: vscode.Uri) {
  const doc = await vscode.workspace.openTextDocument(uri);
  const { experiment, problems } = parseExperiment(doc.getText());
  if (!experiment) {
    const first = problems[0];
    const line = first ? doc.positionAt(first.offset).line + 1 : 0;
    void vscode.window.showErrorMessage(
      `Robust Features: ${path.basename(uri.fsPath)} is not a valid experiment${first ? ` (line ${line}: ${first.message})` : ''}.`,
    );
    return undefined;
  }
  const ws = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
  const ctx: ResolveContext = {
    fileDir: path.dirname(uri.fsPath),
    workspaceDir: ws,
    runsFolder: runsFolder(uri) ?? path.join(ws, 'runs'),
    defaultData: dataSpecSetting(uri),
  };
  // Workspace content must not make the extension write or load a model outside the workspace
  // and the runs folder (also through symlinks): refuse before any step starts.
  const outside = checkExperimentPaths(experiment, uri.fsPath, ctx);
  if (outside.length) {
    void vscode.window.showErrorMessage(`Robust Features: ${outside.join('; ')}`);
    return undefined;
  }
  // A step that reads the default dataset cannot start without it: say how to fix that first.
  if (!experiment.dataset && !ensureDataFound(uri)) return undefined;
  return { experiment, ctx };
}

export async function runExperimentStep(
  uri?: vscode.Uri,
  index?: number,
): Promise<JobOutcome | undefined> {
  uri ??= vscode.window.activeTextEditor?.document.uri;
  if (!uri || !jobsAllowed()) return undefined;
  const loaded = await load(uri);
  if (!loaded) return undefined;
  let i = index;
  if (i === undefined) {
    const pick = await vscode.window.showQuickPick(
      loaded.experiment.steps.map((s, k) => ({
        label: `${k + 1}. ${s.type}`,
        description: 'out' in s ? s.out : '',
        k,
      })),
      { title: `${loaded.experiment.name}: run which step?` },
    );
    if (!pick) return undefined;
    i = pick.k;
  }
  const { command, args } = resolveStep(loaded.experiment, i, loaded.ctx);
  return vscode.commands.executeCommand<JobOutcome | undefined>(command, args);
}

export async function runExperiment(arg?: unknown): Promise<JobOutcome[]> {
  const uri = asUri(arg) ?? vscode.window.activeTextEditor?.document.uri;
  if (!uri || !jobsAllowed()) return [];
  const loaded = await load(uri);
  if (!loaded) return [];
  const outcomes: JobOutcome[] = [];
  for (let i = 0; i < loaded.experiment.steps.length; i++) {
    const { command, args } = resolveStep(loaded.experiment, i, loaded.ctx);
    const o = await vscode.commands.executeCommand<JobOutcome | undefined>(command, args);
    if (!o) break;
    outcomes.push(o);
    if (o.state !== 'succeeded') break;
  }
  return outcomes;
}
