/**
 * The layering in ARCHITECTURE.md, checked: domain/ is pure (no I/O, no platform, no features),
 * and features reach each other only through services, never another feature's repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

test('domain/ imports only other domain modules and pure libraries', () => {
  const allowed = new Set(['zod', 'libphonenumber-js', 'double-metaphone', 'fastest-levenshtein', 'node:test', 'node:assert/strict', 'node:fs', 'node:url', 'node:path']);
  for (const file of walk(join(src, 'domain'))) {
    const isTest = file.endsWith('.test.ts');
    for (const spec of imports(file)) {
      const insideDomain = spec.startsWith('.') && resolve(dirname(file), spec).startsWith(join(src, 'domain') + '/');
      const ok = insideDomain || (allowed.has(spec) && (isTest || !spec.startsWith('node:')));
      assert.ok(ok, `${file.slice(src.length)} imports ${spec}`);
    }
  }
});

// Row types may be shared (they describe data, not behaviour); queries may not.
const valueImports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*import\s(?!type\s)[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

test('no feature imports another feature’s repository', () => {
  for (const file of walk(join(src, 'features'))) {
    const own = file.slice(src.length).split('/')[1];
    for (const spec of valueImports(file)) {
      const m = spec.match(/^\.\.\/([^/]+)\/[^/]+\.repository\.js$/);
      assert.ok(!m || m[1] === own, `${file.slice(src.length)} imports ${spec}`);
    }
  }
});

test('platform/ does not depend on features', () => {
  for (const file of walk(join(src, 'platform'))) {
    for (const spec of imports(file)) assert.ok(!spec.includes('/features/'), `${file.slice(src.length)} imports ${spec}`);
  }
});
