import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type Database = Kysely<DB>;
export type Tx = Transaction<DB>;
export type Executor = Database | Tx;

// Dates of birth are calendar dates: keep DATE columns as 'YYYY-MM-DD' strings rather
// than letting the driver turn them into midnight instants in the local zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
// bigint counts come back as numbers; our counts are far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  /** Schema placed first on the search path (tests run each file in its own schema). */
  schema?: string;
}

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  schema: string | undefined;
  close(): Promise<void>;
}

export function openDatabase(opts: DatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // issue10-G: so must a client that is checked out (mid-transaction) when the server restarts or the
  // connection is cut: pg emits 'error' on it, and with no listener that is an uncaught exception that
  // kills the whole process. The query in flight fails on its own (the request gets an error), and
  // the pool drops the dead client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const schema = opts.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error('Schema names are lower-case letters, digits and underscores.');
  }
  // With a schema (tests), the search path is set each time a connection is handed out. The
  // embedded engine has one backend session shared by every connection, so a setting made once
  // per connection could be changed under us by another pool; setting it on every checkout keeps
  // each pool in its own schema as long as pools take turns, which the test runner ensures.
  const setPath = schema ? `set search_path to ${schema}, public` : null;
  const checkout = setPath
    ? {
        connect: async () => {
          const client = await pool.connect();
          try {
            await client.query(setPath);
          } catch (err) {
            client.release(true);
            throw err;
          }
          return client;
        },
        end: () => pool.end(),
      }
    : pool;
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: checkout as pg.Pool }) });
  return { db, pool, schema, close: () => db.destroy() };
}
