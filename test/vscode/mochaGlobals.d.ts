// The few mocha TDD globals the suites use (mocha itself lives in .vscode-ci/tools, outside the
// project's dependencies, so @types/mocha is not pulled in for these alone).
interface MochaContext {
  timeout(ms: number): void;
  skip(): never;
}
type MochaFn = (this: MochaContext) => void | Promise<void>;
declare function suite(name: string, fn: (this: MochaContext) => void): void;
declare function test(name: string, fn: MochaFn): void;
declare function suiteSetup(fn: MochaFn): void;
declare function suiteTeardown(fn: MochaFn): void;
declare function setup(fn: MochaFn): void;
declare function teardown(fn: MochaFn): void;
