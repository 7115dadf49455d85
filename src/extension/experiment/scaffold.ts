/**
 * New Experiment File: a commented, valid `*.rfl.json` for Fashion-MNIST that walks through the
 * paper's §3 in five steps (standard and robust models, D_R and D_det, an evaluation), with
 * budgets small enough for a laptop.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';

export function scaffoldText(name: string): string {
  return `// Robust Features Lab experiment (JSON with comments). Hover a property for help;
// the CodeLens above each step runs it. Reference: Ilyas et al. 2019, "Adversarial Examples
// Are Not Bugs, They Are Features".
{
  "name": ${JSON.stringify(name)},
  "description": "Robust and non-robust features on Fashion-MNIST",
  // 'fashion-mnist' is Debian's /usr/share/datasets/fashion-mnist (package dataset-fashion-mnist).
  "dataset": "fashion-mnist",
  "model": "mlp", // mlp (seconds per epoch), cnn (the reference), resnet, vgg
  // The adversary: adversarial training and the evaluation's ε (L2 on pixels in [0, 1]).
  "threatModel": { "norm": "l2", "eps": 1.5, "steps": 7 },
  // Small budgets: minutes on two cores. Remove the limits for the full datasets.
  "budgets": { "epochs": 3, "trainLimit": 5000, "testLimit": 1000, "attackSteps": 20, "seed": 0 },
  "steps": [
    { "type": "train", "out": "standard" },
    { "type": "adversarialTrain", "out": "robust" },
    // D_R: images whose robust-model representation matches the originals (§3.1).
    { "type": "construct", "kind": "robust", "checkpoint": "robust", "out": "D_R", "limit": 1000, "steps": 100, "stepSize": 0.15 },
    // D_det: relabelled by a targeted attack on the standard model (§3.2, Table 1).
    { "type": "construct", "kind": "det", "checkpoint": "standard", "out": "D_det", "limit": 1000, "steps": 25, "stepSize": 0.2, "eps": 3 },
    { "type": "train", "out": "standard_on_D_R", "data": "D_R" },
    { "type": "evaluate", "checkpoint": "standard", "eps": [0.5, 1, 1.5, 2] }
  ]
}
`;
}

export interface NewExperimentArgs {
  /** File to create (absolute); default <workspace>/<name>.rfl.json. */
  file?: string;
  name?: string;
  /** Open it in an editor (default true). */
  open?: boolean;
}

export async function newExperimentFile(
  args: NewExperimentArgs = {},
): Promise<vscode.Uri | undefined> {
  let file = args.file;
  let name = args.name;
  if (!file) {
    const ws = vscode.workspace.workspaceFolders?.[0];
    if (!ws || ws.uri.scheme !== 'file') {
      // No folder: an untitled document the user saves where they like.
      const doc = await vscode.workspace.openTextDocument({
        language: 'jsonc',
        content: scaffoldText(name ?? 'fashion-features'),
      });
      await vscode.window.showTextDocument(doc);
      return doc.uri;
    }
    name ??= await vscode.window.showInputBox({
      title: 'New experiment: name (also its file name and output folder)',
      value: 'fashion-features',
      validateInput: (v) =>
        /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v) ? undefined : 'letters, digits, . _ -',
    });
    if (!name) return undefined;
    file = path.join(ws.uri.fsPath, `${name}.rfl.json`);
  }
  name ??= path.basename(file).replace(/\.rfl\.json$/, '');
  if (fs.existsSync(file)) {
    const ok = await vscode.window.showWarningMessage(
      `${path.basename(file)} exists. Overwrite it?`,
      { modal: true },
      'Overwrite',
    );
    if (ok !== 'Overwrite') return undefined;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, scaffoldText(name));
  const uri = vscode.Uri.file(file);
  if (args.open !== false) await vscode.window.showTextDocument(uri);
  return uri;
}
