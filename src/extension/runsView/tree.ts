/**
 * The Runs view (its own activity-bar container): experiment files, then checkpoints,
 * constructed datasets, reproductions and theory runs found under the runs folder and the
 * workspace, each with its key numbers; in each group first, the runs interrupted before they
 * finished (the same command resumes them). Refreshed (debounced) on file changes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeArtifact, resumeNote } from '../artifacts/describe';
import { scanRuns, type Artifact, type ArtifactKind, type InterruptedRun } from '../artifacts/scan';
import { artifactRoots } from '../commands/pick';

type Group = { type: 'group'; kind: ArtifactKind | 'experiment'; label: string; icon: string };
type Node =
  | Group
  | { type: 'artifact'; artifact: Artifact }
  | { type: 'interrupted'; run: InterruptedRun }
  | { type: 'experiment'; uri: vscode.Uri };

const GROUPS: Group[] = [
  { type: 'group', kind: 'experiment', label: 'Experiments', icon: 'beaker' },
  { type: 'group', kind: 'checkpoint', label: 'Checkpoints', icon: 'symbol-class' },
  { type: 'group', kind: 'constructed-dataset', label: 'Constructed datasets', icon: 'database' },
  { type: 'group', kind: 'reproduction', label: 'Reproductions', icon: 'graph' },
  { type: 'group', kind: 'theory', label: 'Theory runs', icon: 'symbol-misc' },
];
const ICONS: Record<ArtifactKind, string> = {
  checkpoint: 'symbol-class',
  'constructed-dataset': 'database',
  reproduction: 'graph',
  theory: 'symbol-misc',
};

export class RunsTreeProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private runs: { artifacts: Artifact[]; interrupted: InterruptedRun[] } | undefined;
  private experiments: vscode.Uri[] | undefined;
  private timer: NodeJS.Timeout | undefined;

  refresh(now = false): void {
    clearTimeout(this.timer);
    const go = () => {
      this.runs = undefined;
      this.experiments = undefined;
      this.changed.fire(undefined);
    };
    if (now) go();
    else this.timer = setTimeout(go, 300);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) return GROUPS;
    if (node.type !== 'group') return [];
    if (node.kind === 'experiment') {
      this.experiments ??= (
        await vscode.workspace.findFiles('**/*.rfl.json', '**/node_modules/**', 500)
      ).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
      return this.experiments.map((uri) => ({ type: 'experiment', uri }));
    }
    this.runs ??= scanRuns(artifactRoots());
    // Interrupted runs first: the same command resumes them.
    return [
      ...this.runs.interrupted
        .filter((r) => r.kind === node.kind)
        .map((run): Node => ({ type: 'interrupted', run })),
      ...this.runs.artifacts
        .filter((a) => a.kind === node.kind)
        .map((artifact): Node => ({ type: 'artifact', artifact })),
    ];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = `group.${node.kind}`;
        item.id = `group:${node.kind}`;
        return item;
      }
      case 'experiment': {
        const item = new vscode.TreeItem(
          path.basename(node.uri.fsPath).replace(/\.rfl\.json$/, ''),
        );
        item.description = vscode.workspace.asRelativePath(node.uri);
        item.resourceUri = node.uri;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.contextValue = 'experiment';
        item.command = { command: 'vscode.open', title: 'Open', arguments: [node.uri] };
        item.id = `experiment:${node.uri.toString()}`;
        return item;
      }
      case 'artifact': {
        const a = node.artifact;
        const uri = vscode.Uri.file(a.dir);
        const item = new vscode.TreeItem(path.basename(a.dir));
        const resumed = resumeNote(a);
        item.description = [describeArtifact(a), ...(resumed ? [resumed.short] : [])].join(' · ');
        item.tooltip = new vscode.MarkdownString(
          [describeArtifact(a), ...(resumed ? [resumed.long] : []), `\`${a.dir}\``].join('\n\n'),
        );
        item.resourceUri = uri;
        item.iconPath = new vscode.ThemeIcon(ICONS[a.kind]);
        item.contextValue = a.kind;
        item.id = `artifact:${a.dir}`;
        const open =
          a.kind === 'reproduction'
            ? 'results.md'
            : a.kind === 'theory'
              ? 'ellipses.svg'
              : a.kind === 'constructed-dataset'
                ? 'preview.png'
                : 'metrics.json';
        item.command = {
          command: 'vscode.open',
          title: 'Open',
          arguments: [vscode.Uri.file(path.join(a.dir, open))],
        };
        return item;
      }
      case 'interrupted':
        return interruptedItem(node.run);
      default: {
        const never: never = node;
        return never;
      }
    }
  }

  /** TEST HOOK: every item's label and description, grouped. */
  async snapshot(): Promise<
    { group: string; label: string; description: string; contextValue: string }[]
  > {
    const out: { group: string; label: string; description: string; contextValue: string }[] = [];
    for (const g of GROUPS)
      for (const child of await this.getChildren(g)) {
        const item = this.getTreeItem(child);
        out.push({
          group: g.label,
          label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
          description: String(item.description ?? ''),
          contextValue: item.contextValue ?? '',
        });
      }
    return out;
  }
}

/** The folder a tree item (or an Explorer selection) stands for. */
export function nodeUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const n = arg as Node | undefined;
  if (n?.type === 'artifact') return vscode.Uri.file(n.artifact.dir);
  if (n?.type === 'interrupted') return vscode.Uri.file(n.run.dir);
  if (n?.type === 'experiment') return n.uri;
  return undefined;
}

/** A run whose worker died before it finished: how it stopped, and how to continue it. */
function interruptedItem(r: InterruptedRun): vscode.TreeItem {
  const last = r.job.runs.at(-1);
  const why = last?.reason ?? 'interrupted';
  const item = new vscode.TreeItem(path.basename(r.dir));
  item.description = `interrupted (${why}) · run it again to resume`;
  item.tooltip = new vscode.MarkdownString(
    [
      `**${r.job.name}**, started ${last?.startedAt.replace('T', ' ').slice(0, 16) ?? '?'}, was interrupted: ${why}.`,
      'Running the same command with the same settings resumes it in this folder; deleting the folder starts it over.',
      `\`${r.dir}\``,
    ].join('\n\n'),
  );
  item.resourceUri = vscode.Uri.file(r.dir);
  item.iconPath = new vscode.ThemeIcon('debug-pause');
  item.contextValue = 'interrupted';
  item.id = `interrupted:${r.dir}`;
  return item;
}
