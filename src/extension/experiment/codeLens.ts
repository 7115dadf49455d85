/**
 * CodeLens over an experiment file: "Run all steps" above the file, and Run / Build / Evaluate
 * above each step, each wired to robustFeatures.runExperimentStep (which maps it to the command).
 * Shown only while the file is valid: a lens must not run a step the schema rejects.
 */
import * as vscode from 'vscode';
import { findNodeAtLocation } from 'jsonc-parser/lib/esm/main.js';
import { parseExperiment } from '../../shared/experiment';
import { lensTitle } from './resolve';

export const RUN_STEP_COMMAND = 'robustFeatures.runExperimentStep';
export const RUN_ALL_COMMAND = 'robustFeatures.runExperiment';

export class ExperimentCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const { experiment, tree } = parseExperiment(doc.getText());
    if (!experiment || !tree) return [];
    const at = (offset: number) => new vscode.Range(doc.positionAt(offset), doc.positionAt(offset));
    const lenses = [
      new vscode.CodeLens(at(tree.offset), {
        title: `$(run-all) Run all ${experiment.steps.length} steps`,
        command: RUN_ALL_COMMAND,
        arguments: [doc.uri],
      }),
    ];
    experiment.steps.forEach((step, i) => {
      const node = findNodeAtLocation(tree, ['steps', i]);
      if (!node) return;
      lenses.push(
        new vscode.CodeLens(at(node.offset), {
          title: lensTitle(step),
          command: RUN_STEP_COMMAND,
          arguments: [doc.uri, i],
        }),
      );
    });
    return lenses;
  }
}
