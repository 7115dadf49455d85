/** The backend banner every command that computes prints. */
import {
  initBackend,
  parseBackendName,
  type BackendInfo,
  type BackendOptions,
} from '../engine/backend/ladder';
import { backendLabel } from '../engine/provenance';

/** Starts the backend and prints a one-line banner to stderr (stdout stays clean for --json). */
export async function startBackend(
  name: string,
  quiet: boolean,
  options: BackendOptions = {},
): Promise<BackendInfo> {
  const info = await initBackend(parseBackendName(name), options);
  if (!quiet) console.error(`backend: ${backendLabel()}${info.forced ? ' (forced)' : ''}`);
  return info;
}
