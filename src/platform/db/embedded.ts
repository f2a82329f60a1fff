import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface EmbeddedEngine {
  url: string;
  stop(): Promise<void>;
}

const serverScript = fileURLToPath(new URL('./embedded-server.ts', import.meta.url));

/**
 * Starts the embedded PGlite engine in a child process and resolves with a
 * connection string once it is accepting connections.
 */
export async function startEmbeddedEngine(dataDir: string, port = 0): Promise<EmbeddedEngine> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', serverScript, dataDir, String(port)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const readyPort = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null) =>
      reject(new Error(`The embedded database stopped while starting (exit code ${code}).`));
    child.once('exit', onExit);
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean; port?: number };
        if (msg.ready && msg.port) {
          child.off('exit', onExit);
          resolve(msg.port);
        }
      } catch {
        // not our line; ignore
      }
    });
  });
  return {
    url: `postgres://postgres@127.0.0.1:${readyPort}/postgres?sslmode=disable`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
