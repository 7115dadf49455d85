/**
 * Routes the worker's console output (tfjs banners, engine warnings) into log notifications,
 * so it reaches the extension's LogOutputChannel tagged with the running job. stdout/stderr
 * still receive a copy: the client keeps their tail for crash reports, where IPC may be gone.
 */
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { format } from 'node:util';
import { LogNotification, type LogLevel } from '../shared/workerProtocol';

export function forwardConsole(
  connection: MessageConnection,
  jobId: () => string | undefined,
): void {
  const levels: [keyof Console & ('log' | 'info' | 'warn' | 'error' | 'debug'), LogLevel][] = [
    ['log', 'info'],
    ['info', 'info'],
    ['warn', 'warn'],
    ['error', 'error'],
    ['debug', 'debug'],
  ];
  for (const [method, level] of levels) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      original(...args);
      const line = format(...args);
      void connection
        .sendNotification(LogNotification, { jobId: jobId(), level, line })
        .catch(() => undefined);
    };
  }
}
