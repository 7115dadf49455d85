/** Where test/vscode/restrictedWorkspace.ts puts things; restricted.test.ts looks there. */
export const CHECKPOINT = 'runs/models/tiny-mlp';
/** A checkpoint outside the workspace, named only through robustFeatures.runsFolder. */
export const OUTSIDE_NAME = 'other-mlp';
