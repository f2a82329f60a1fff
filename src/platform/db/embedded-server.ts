/**
 * The embedded database engine, run as its own process.
 *
 * PGlite is PostgreSQL compiled to WebAssembly. Its queries run on the thread that
 * owns it, so hosting it inside the web process would block the event loop on every
 * query. Instead this process owns PGlite and speaks the Postgres wire protocol on a
 * local socket; the app talks to it with the ordinary `pg` driver, exactly as it talks
 * to a real PostgreSQL server.
 *
 * Usage: tsx embedded-server.ts <data-dir|memory://> <port>
 * Prints one JSON line `{"ready":true,"port":N}` on stdout when it accepts connections.
 */
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dataDir = 'memory://', portArg = '0'] = process.argv.slice(2);
if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });

// issue10-A: one engine per data folder. Two PGlite processes writing the same files would corrupt
// them (and PGlite does not stop it), so the engine keeps its process id in the folder while it runs
// and refuses a folder another live engine holds (npm start and npm run audit:verify, say).
const ENGINE_LOCK_FILE = 'front-door-engine.pid';
const lockFile = dataDir.startsWith('memory://') ? null : join(dataDir, ENGINE_LOCK_FILE);
if (lockFile) {
  let holder = 0;
  try {
    holder = Number(readFileSync(lockFile, 'utf8').trim()) || 0;
  } catch {
    // no lock: the folder is free
  }
  let alive = false;
  if (holder && holder !== process.pid) {
    try {
      process.kill(holder, 0);
      alive = true;
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  if (alive) {
    process.stderr.write(`The embedded database in ${dataDir} is in use by process ${holder} (Front Door is probably running). Stop it first. If that process is not Front Door, delete ${lockFile}.\n`);
    process.exit(3);
  }
  writeFileSync(lockFile, String(process.pid));
}

const db = await PGlite.create({ dataDir, extensions: { pg_trgm, fuzzystrmatch } });
const server = new PGLiteSocketServer({
  db,
  host: '127.0.0.1',
  port: Number(portArg),
  // The multiplexer serialises transactions across connections, so a pool is safe.
  maxConnections: 32,
});
await server.start();

const conn = server.getServerConn();
const port = Number(conn.split(':').pop());
process.stdout.write(JSON.stringify({ ready: true, port }) + '\n');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await server.stop();
    await db.close();
  } finally {
    if (lockFile) rmSync(lockFile, { force: true }); // issue10-A
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// When the parent goes away (its end of our stdin closes) we go too, so no orphan
// holds the data directory.
process.stdin.on('end', stop);
process.stdin.resume();
