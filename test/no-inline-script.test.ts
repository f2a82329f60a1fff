/**
 * The Content-Security-Policy allows scripts only from our own files (and GOV.UK's one-line
 * "js-enabled" script, by a per-response nonce), so a template with inline script or an event
 * handler attribute would silently stop working. This keeps every template free of both, and
 * every script a file that exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function templates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return templates(p);
    return e.name.endsWith('.njk') ? [p] : [];
  });
}

const files = templates(join(root, 'src'));

/** Problems in one template's text, each with its line number. */
function inlineScriptProblems(text: string): string[] {
  const problems: string[] = [];
  const line = (index: number) => text.slice(0, index).split('\n').length;
  for (const m of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    const attrs = m[1]!;
    if (!/\bsrc\s*=/.test(attrs)) problems.push(`line ${line(m.index!)}: inline <script> (move it to src/assets and load it with src=)`);
    else if (m[2]!.trim()) problems.push(`line ${line(m.index!)}: <script src> with a body`);
  }
  for (const m of text.matchAll(/<[a-z][^>]*?\s(on[a-z]+)\s*=/gi)) problems.push(`line ${line(m.index!)}: event handler attribute ${m[1]}= (use addEventListener in a script file)`);
  for (const m of text.matchAll(/(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:/gi)) problems.push(`line ${line(m.index!)}: javascript: URL`);
  return problems;
}

test('the check finds what it looks for', () => {
  assert.equal(inlineScriptProblems('<script>alert(1)</script>').length, 1, 'inline script');
  assert.equal(inlineScriptProblems('<script nonce="{{ cspNonce }}">x()</script>').length, 1, 'a nonce does not make our own inline script acceptable');
  assert.equal(inlineScriptProblems('<button class="x" onclick="go()">').length, 1, 'event handler');
  assert.equal(inlineScriptProblems('<a href="javascript:void(0)">').length, 1, 'javascript: URL');
  assert.deepEqual(inlineScriptProblems('<script type="module" src="/static/init.js"></script><p>online</p>'), [], 'a script file and the word "online"');
});

test('no template has inline script, event handler attributes or javascript: URLs', () => {
  assert.ok(files.length >= 50, `only ${files.length} templates found`);
  const found = files.flatMap((f) => inlineScriptProblems(readFileSync(f, 'utf8')).map((p) => `${relative(root, f)} ${p}`));
  assert.deepEqual(found, [], `templates that the CSP would break:\n${found.join('\n')}`);
});

test('every script a template loads is one of our static files', () => {
  const srcs = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => [relative(root, f), m[1]!] as const));
  assert.ok(srcs.length >= 2, 'the layout loads its scripts');
  for (const [file, src] of srcs) {
    assert.match(src, /^\/static\/[\w.-]+\.js$/, `${file}: ${src} is not one of our own files`);
    const name = src.slice('/static/'.length);
    const source = name === 'govuk-frontend.min.js' ? join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk', 'govuk-frontend.min.js') : join(root, 'src', 'assets', name);
    assert.ok(existsSync(source), `${file}: ${src} has no source file (${relative(root, source)})`);
  }
});
