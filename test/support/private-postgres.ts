/**
 * issue10-G: a PostgreSQL server of a test's own, so the test can crash and restart it without
 * disturbing anything else using the machine's shared server (other test files running at the
 * same moment, a benchmark). It is the machine's own PostgreSQL binaries (initdb, pg_ctl) on a
 * fresh data folder in the temporary directory and a free port; it is removed by `destroy()`.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
 * `postgres` user. `findPostgresBinaries()` says null when there are no server binaries here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort } from './smtp.js';

export interface PostgresBinaries {
  bindir: string;
  version: string;
}

/** The newest PostgreSQL server binaries on this machine (PG_BINDIR, else /usr/lib/postgresql/N/bin), or null. */
export function findPostgresBinaries(): PostgresBinaries | null {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(base, v, 'bin')));
  }
  for (const bindir of candidates) {
    if (existsSync(join(bindir, 'initdb')) && existsSync(join(bindir, 'pg_ctl'))) {
      const out = spawnSync(join(bindir, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
      if (out.status === 0) return { bindir, version: out.stdout.trim() };
    }
  }
  return null;
}

/** Who the server runs as: this process's user, or `postgres` when this process is root. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export class PrivatePostgres {
  private constructor(
    private readonly bin: PostgresBinaries,
    readonly dir: string,
    readonly port: number,
    private readonly user: { uid: number; gid: number } | null,
  ) {}

  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** initdb on a fresh folder and start the server; resolves when it accepts connections. */
  static async create(bin: PostgresBinaries): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'front-door-pg-'));
    const user = runAs();
    if (user) chownSync(dir, user.uid, user.gid);
    const pg = new PrivatePostgres(bin, dir, await reservePort(), user);
    try {
      pg.run('initdb', ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
      pg.start();
    } catch (err) {
      pg.destroy();
      throw err;
    }
    return pg;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private run(tool: string, args: string[]): void {
    const r = spawnSync(join(this.bin.bindir, tool), args, {
      encoding: 'utf8',
      timeout: 120_000,
      ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}),
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8' },
    });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
  }

  /** Starts the server and waits until it accepts connections. */
  start(): void {
    const options = [
      `-p ${this.port}`, "-c listen_addresses='127.0.0.1'", `-c unix_socket_directories='${this.dir}'`,
      '-c max_connections=60', '-c shared_buffers=32MB', '-c fsync=on', '-c synchronous_commit=on',
    ].join(' ');
    this.run('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  }

  /**
   * Stops the server as a crash does (`pg_ctl stop -m immediate`: every backend is killed at once,
   * nothing is checkpointed, and the next start replays the write-ahead log).
   */
  crash(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  /** What the server logged (for failure messages, and to show it recovered from a crash). */
  log(): string {
    const f = join(this.dir, 'server.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  /** Stops the server (if running) and removes its folder. */
  destroy(): void {
    try {
      if (existsSync(join(this.dataDir, 'postmaster.pid'))) this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
