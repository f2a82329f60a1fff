/**
 * issue10-G: the real server (`src/main.ts`) and the real worker (`src/worker.ts`) as child
 * processes, for the fault tests and the load test: started against a schema of their own, with a
 * clean environment, and killed the way an operating system kills them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface ChildService {
  child: ChildProcess;
  /** Everything it wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** The last lines it wrote to stdout (its log, when LOG_LEVEL lets it write one). */
  stdout(): string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServerProcess extends ChildService {
  port: number;
  baseUrl: string;
}

/** Only what the service needs, nothing of the test runner's environment. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const env: NodeJS.ProcessEnv = Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  return { ...env, ...extra };
}

function start(script: string, env: NodeJS.ProcessEnv, ready: (line: string) => number | boolean | null, started: ChildService[]): Promise<{ service: ChildService; value: number | boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
    if (err.length > 20_000) err = err.slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const out: string[] = [];
  const service: ChildService = { child, stderr: () => err, stdout: () => out, exited };
  started.push(service);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not say it was ready within ${START_TIMEOUT_MS} ms. stderr:\n${err}`)), START_TIMEOUT_MS);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${script} stopped while starting (exit ${code ?? signal}). stderr:\n${err}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      out.push(line);
      if (out.length > 2000) out.splice(0, out.length - 2000);
      const value = ready(line);
      if (value !== null && value !== false) {
        clearTimeout(timer);
        resolve({ service, value });
      }
    });
  });
}

export interface ServerOptions {
  databaseUrl: string;
  schema: string;
  jobsSchema: string;
  sessionSecret: string;
  /** 0 (the default) for any free port. */
  port?: number;
  poolSize?: number;
  runWorker?: boolean;
  env?: Record<string, string>;
}

/**
 * Starts `src/main.ts` (what `npm start` runs) on the given schema, and resolves once it prints the
 * address it is serving. Added to `started` first, so an `after` hook stops it even if it never
 * gets ready. Each server has a data folder of its own (removed by `stopService`).
 */
export async function startServer(opts: ServerOptions, started: ChildService[]): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'front-door-server-'));
  const env = cleanEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: String(opts.port ?? 0),
    HOST: '127.0.0.1',
    DATABASE_URL: opts.databaseUrl,
    DB_SCHEMA: opts.schema,
    JOBS_SCHEMA: opts.jobsSchema,
    DB_POOL_SIZE: String(opts.poolSize ?? 10),
    DEMO_DATA: 'false',
    DATA_DIR: dataDir,
    SESSION_SECRET: opts.sessionSecret,
    TWILIO_AUTH_TOKEN: 'fault-tests-twilio-token-0123456789',
    RUN_WORKER: String(opts.runWorker ?? false),
    ...opts.env,
  });
  try {
    const { service, value } = await start('src/main.ts', env, (line) => {
      const m = line.match(/^Front Door is running at http:\/\/localhost:(\d+)/);
      return m ? Number(m[1]) : null;
    }, started);
    void service.exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = value as number;
    return { ...service, port, baseUrl: `http://127.0.0.1:${port}` };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

export interface WorkerOptions {
  databaseUrl: string;
  schema: string;
  jobsSchema: string;
  sessionSecret: string;
  env?: Record<string, string>;
}

/** Starts `src/worker.ts` (what `npm run worker` runs) and resolves once it says it is ready. */
export async function startWorkerProcess(opts: WorkerOptions, started: ChildService[]): Promise<ChildService> {
  const env = cleanEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: opts.databaseUrl,
    DB_SCHEMA: opts.schema,
    JOBS_SCHEMA: opts.jobsSchema,
    SESSION_SECRET: opts.sessionSecret,
    TWILIO_AUTH_TOKEN: 'fault-tests-twilio-token-0123456789',
    ...opts.env,
  });
  const { service } = await start('src/worker.ts', env, (line) => line.trim() === '{"worker":"ready"}', started);
  return service;
}

/** SIGKILL: no handler runs, nothing is flushed, connections are cut mid-flight. */
export async function killHard(p: ChildService): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGKILL');
  await p.exited;
}

/** SIGTERM (a clean stop), then SIGKILL if it hangs. */
export async function stopService(p: ChildService | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}
