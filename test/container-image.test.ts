/**
 * The production image definition (Containerfile, .dockerignore), checked without building it:
 * there is no registry access here to pull the base image. These checks hold the file to what
 * docs/deployment.md promises: production dependencies only (and the app really needs no other),
 * a non-root user, a health check, no secrets built in, and nothing the app reads at run time left
 * out of the build context.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const containerfile = readFileSync(join(root, 'Containerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** The Containerfile's instructions, with continuation lines joined and comments dropped. */
const instructions = containerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = instructions.reduce<string[][]>((acc, l) => (/^FROM\b/i.test(l) ? [...acc, [l]] : (acc.at(-1)?.push(l), acc)), []);
const runtime = stages.at(-1)!;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? (name === 'node_modules' ? [] : files(p)) : [p];
  });
}

/** .dockerignore's patterns as regular expressions over paths relative to the context. */
const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((p) => {
    const body = p
      .split('**/')
      .map((part) => part.replace(/[.+^${}()|[\]]/g, '\\$&').replace(/\*/g, '[^/]*'))
      .join('(?:.*/)?');
    return new RegExp(`^${body}(?:/.*)?$`);
  });
const isIgnored = (path: string) => ignored.some((r) => r.test(path));

test('the image is built from Node 20 slim, with production dependencies only', () => {
  assert.match(containerfile, /ARG NODE_IMAGE=node:20-[a-z]+-slim\b/, 'a Node 20 slim base');
  assert.ok(stages.length >= 2, 'dependencies are installed in a stage of their own');
  assert.ok(stages.every((s) => /^FROM \$\{NODE_IMAGE\}/.test(s[0]!)), 'every stage on the same base, so native modules match');
  const install = instructions.filter((l) => /\bnpm (ci|install)\b/.test(l));
  assert.equal(install.length, 1, 'one install');
  assert.match(install[0]!, /npm ci --omit=dev\b/, 'from the lockfile, without dev dependencies');
  assert.ok(!runtime.some((l) => /\bnpm (ci|install)\b/.test(l)), 'nothing is installed in the final stage');
});

test('the app needs no dev dependency at run time (so --omit=dev is safe)', () => {
  const runtimeFiles = [...files(join(root, 'src')), join(root, 'scripts', 'build-assets.ts'), join(root, 'scripts', 'audit-verify.ts')].filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && existsSync(f),
  );
  const builtins = new Set(builtinModules);
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const f of runtimeFiles) {
    const text = readFileSync(f, 'utf8');
    // Value imports only: `import type` is erased when tsx runs the file.
    for (const m of text.matchAll(/^\s*(?:import(?!\s+type\b)[^'"]*?from\s+|import\s+|export\s+(?!type\b)[^'"]*?from\s+)['"]([^'".][^'"]*)['"]/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      seen.add(name);
      if (!(name in pkg.dependencies)) missing.push(`${relative(root, f)} imports ${name}${name in pkg.devDependencies ? ' (a dev dependency)' : ''}`);
    }
  }
  assert.ok(runtimeFiles.length > 100, `the app's files were found (${runtimeFiles.length})`);
  assert.ok(['fastify', 'kysely', 'pg', 'nunjucks', 'zod', 'sass'].every((n) => seen.has(n)), `the scan finds the app's imports: ${[...seen].join(', ')}`);
  assert.deepEqual(missing, [], 'every package the app imports is a production dependency');
  assert.ok('tsx' in pkg.dependencies, 'tsx, which runs the TypeScript, is a production dependency');
});

test('it runs as an unprivileged user, with a health check, as node itself', () => {
  const user = runtime.findIndex((l) => /^USER\b/.test(l));
  assert.ok(user > 0, 'a USER in the final stage');
  assert.match(runtime[user]!, /^USER node$/, 'the node image’s unprivileged user');
  assert.ok(runtime.slice(user + 1).every((l) => !/^(RUN|COPY|ADD)\b/.test(l)), 'nothing runs or is copied as root after switching user');
  const copies = runtime.filter((l) => /^COPY\b/.test(l));
  assert.ok(copies.every((l) => !/--chown/.test(l)), 'the code stays owned by root: the app cannot change it');
  const health = runtime.find((l) => /^HEALTHCHECK\b/.test(l));
  assert.ok(health, 'a HEALTHCHECK');
  assert.match(health!, /\/healthz/, 'it asks /healthz');
  assert.match(health!, /--interval=\d+s .*--timeout=\d+s/, 'with an interval and a timeout');
  assert.match(runtime.find((l) => /^CMD\b/.test(l)) ?? '', /^CMD \["node", "--import", "tsx", "src\/main\.ts"\]$/, 'node is PID 1 and gets SIGTERM');
  assert.match(runtime.find((l) => /^ENV\b/.test(l)) ?? '', /NODE_ENV=production.*HOST=0\.0\.0\.0/, 'production, listening beyond the container');
});

test('no secret is built into the image', () => {
  for (const l of instructions.filter((x) => /^(ENV|ARG|LABEL)\b/.test(x))) {
    assert.doesNotMatch(l, /\b(SESSION_SECRET|DATABASE_URL|SMTP_URL|NOTIFY_API_KEY|NOTIFY_CALLBACK_TOKEN|TWILIO_AUTH_TOKEN|OIDC_CLIENT_SECRET|PASSWORD|SECRET|TOKEN)\b\s*=/i, `a secret in the image: ${l}`);
  }
  for (const secret of ['.env', '.env.production', '.data/session-secret', '.data/twilio-auth-token', 'server.key', 'backup.dump']) {
    assert.ok(isIgnored(secret), `${secret} is kept out of the build context`);
  }
});

test('everything the app reads at run time is in the build context and copied', () => {
  const copied = instructions.filter((l) => /^COPY\b/.test(l) && !/--from=/.test(l)).flatMap((l) => l.replace(/^COPY\s+/, '').split(/\s+/).slice(0, -1));
  for (const src of copied) {
    assert.ok(existsSync(join(root, src)), `COPY ${src}: it exists`);
    assert.ok(!isIgnored(src), `COPY ${src}: not excluded by .dockerignore`);
  }
  const needed = [
    'package.json', 'package-lock.json', 'tsconfig.json', 'src/main.ts', 'src/worker.ts', 'src/views/layout.njk', 'src/assets/app.scss',
    'scripts/build-assets.ts', 'config/calendar/bank-holidays.json', ...files(join(root, 'config', 'authorities')).map((f) => relative(root, f)),
    ...files(join(root, 'migrations')).map((f) => relative(root, f)), ...files(join(root, 'data')).map((f) => relative(root, f)).slice(0, 5),
  ];
  for (const path of needed) {
    assert.ok(!isIgnored(path), `${path} is excluded by .dockerignore`);
    assert.ok(copied.some((c) => path === c || path.startsWith(`${c}/`)), `${path} is not copied into the image`);
  }
  for (const path of ['node_modules/fastify/package.json', '.data/pglite/PG_VERSION', 'test/support/harness.ts', 'src/features/auth/auth.int.test.ts', '.git/HEAD']) {
    assert.ok(isIgnored(path), `${path} is kept out of the build context`);
  }
});
