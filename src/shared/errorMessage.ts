/**
 * The text to show for anything caught: `throw` accepts any value, and only an Error has a
 * message. Shared so the engine, the worker, the CLI, the extension and the webviews word a
 * failure the same way.
 */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
