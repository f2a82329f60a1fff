/**
 * The dependency audit (scripts/audit-deps.ts): how advisories and the documented exceptions are
 * weighed, and the script end to end with the real npm CLI. npm's advisory service is a third
 * party that this machine cannot reach, so a local server speaking its protocol (the registry's
 * bulk advisory endpoint) stands in for it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { assess, findings, readExceptions, isReport, type AuditException, type AuditReport } from '../scripts/audit-deps.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A report as npm audit --json (report version 2) gives one: a direct and a transitive case. */
const REPORT: AuditReport = {
  auditReportVersion: 2,
  vulnerabilities: {
    'deep-lib': {
      name: 'deep-lib', severity: 'critical', isDirect: false,
      via: [
        { source: 1001, name: 'deep-lib', title: 'Prototype pollution', url: 'https://github.com/advisories/GHSA-2222-3333-4444', severity: 'critical', range: '<2.0.1' },
        { source: 1002, name: 'deep-lib', title: 'ReDoS in parse', url: 'https://github.com/advisories/GHSA-5555-6666-7777', severity: 'low', range: '<1.9.0' },
      ],
      effects: ['mid-lib'], fixAvailable: { name: 'top-lib', version: '4.0.0', isSemVerMajor: true },
    },
    'mid-lib': { name: 'mid-lib', severity: 'critical', isDirect: false, via: ['deep-lib'], effects: ['top-lib'], fixAvailable: { name: 'top-lib', version: '4.0.0', isSemVerMajor: true } },
    'top-lib': { name: 'top-lib', severity: 'critical', isDirect: true, via: ['mid-lib'], effects: [], fixAvailable: { name: 'top-lib', version: '4.0.0', isSemVerMajor: true } },
    'web-lib': {
      name: 'web-lib', severity: 'high', isDirect: true,
      via: [{ source: 1003, name: 'web-lib', title: 'Header injection', url: 'https://github.com/advisories/GHSA-8888-9999-cccc', severity: 'high', range: '<=5.1.0' }],
      effects: [], fixAvailable: true,
    },
  },
  metadata: { vulnerabilities: { info: 0, low: 1, moderate: 0, high: 1, critical: 3, total: 5 } },
};

const exception = (over: Partial<AuditException> = {}): AuditException => ({
  id: 'GHSA-8888-9999-cccc',
  package: 'web-lib',
  reason: 'Front Door never passes user input to the affected header helper; upgrade blocked by Fastify 5 peer range.',
  acceptedBy: 'Security lead',
  reviewBy: '2027-01-31',
  ...over,
});

test('advisories are listed once each, with the direct dependency that brings them in', () => {
  const f = findings(REPORT);
  assert.deepEqual(f.map((x) => [x.id, x.severity, x.through.join(',')]), [
    ['GHSA-2222-3333-4444', 'critical', 'top-lib'],
    ['GHSA-8888-9999-cccc', 'high', 'web-lib'],
    ['GHSA-5555-6666-7777', 'low', 'top-lib'],
  ], 'sorted by severity, transitive ones traced to top-lib');
  assert.match(f[0]!.fix, /upgrade top-lib to 4\.0\.0 \(major\)/, 'the fix npm offers');
});

test('high and critical advisories fail unless an in-date exception covers them', () => {
  const none = assess(REPORT, [], 'high', '2026-12-07');
  assert.deepEqual(none.failing.map((f) => f.id), ['GHSA-2222-3333-4444', 'GHSA-8888-9999-cccc'], 'both fail without exceptions');
  assert.deepEqual(none.below.map((f) => f.id), ['GHSA-5555-6666-7777'], 'the low one is reported, not failing');

  const covered = assess(REPORT, [exception()], 'high', '2026-12-07');
  assert.deepEqual(covered.failing.map((f) => f.id), ['GHSA-2222-3333-4444'], 'the excepted one no longer fails');
  assert.deepEqual(covered.excepted.map((x) => x.finding.id), ['GHSA-8888-9999-cccc'], 'and is listed as excepted');

  const expired = assess(REPORT, [exception({ reviewBy: '2026-12-06' })], 'high', '2026-12-07');
  assert.deepEqual(expired.expired.map((e) => e.id), ['GHSA-8888-9999-cccc'], 'an exception past its review date is reported');
  assert.deepEqual(expired.failing.map((f) => f.id), ['GHSA-2222-3333-4444', 'GHSA-8888-9999-cccc'], 'and covers nothing');

  const wrongPackage = assess(REPORT, [exception({ package: 'other-lib' })], 'high', '2026-12-07');
  assert.equal(wrongPackage.failing.length, 2, 'an exception is for one advisory in one package');
  assert.deepEqual(wrongPackage.unused.map((e) => e.package), ['other-lib'], 'and one that matches nothing is reported as unused');

  assert.equal(assess(REPORT, [], 'critical', '2026-12-07').failing.length, 1, 'a higher level lets the high one through');
  assert.equal(assess({ auditReportVersion: 2, vulnerabilities: {} }, [], 'high', '2026-12-07').failing.length, 0, 'a clean report passes');
});

test('the exception list is checked: a bad entry is an error, never "no exceptions"', () => {
  assert.deepEqual(readExceptions(readFileSync(join(root, 'docs', 'audit-exceptions.json'), 'utf8')).length >= 0, true, 'the project’s own list is valid');
  assert.throws(() => readExceptions(JSON.stringify({ exceptions: [{ ...exception(), reason: 'ok' }] })), /reason: must explain why/, 'a reason is required');
  assert.throws(() => readExceptions(JSON.stringify({ exceptions: [{ ...exception(), reviewBy: 'next year' }] })), /reviewBy/, 'a review date is required');
  assert.throws(() => readExceptions(JSON.stringify({ exceptions: [{ ...exception(), id: 'CVE-2026-1' }] })), /GitHub advisory id/, 'the advisory’s GHSA id');
  assert.throws(() => readExceptions('{"exceptions": {}}'), /not valid/, 'the shape');
  assert.equal(isReport({ message: '405 Method Not Allowed' }), false, 'an error from npm is not a report');
});

// ---------------------------------------------------------------------------------------------
// End to end: npm audit against a local advisory service.
// ---------------------------------------------------------------------------------------------

let service: Server;
let registry: string;
let dir: string;
/** What the service answers to the bulk advisory request; null: 405, as a registry without one. */
let advisories: Record<string, unknown[]> | null = {};
let asked: string[] = [];
let runs = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'front-door-audit-'));
  service = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/-/npm/v1/security/advisories/bulk') {
        if (advisories === null) {
          res.writeHead(405, { allow: 'GET,HEAD' }).end();
          return;
        }
        const raw = Buffer.concat(chunks);
        const body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as Record<string, string[]>;
        asked = Object.keys(body);
        const answer = Object.fromEntries(Object.entries(advisories).filter(([name]) => name in body));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        return;
      }
      // Package documents (npm asks for them to work out fixes): none here.
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    });
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${(service.address() as { port: number }).port}/`;
});

after(async () => {
  await new Promise((resolve) => service?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the script (asynchronously: the stand-in service answers from this same process). */
function audit(env: Record<string, string> = {}, args: string[] = []): Promise<{ status: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'audit-deps.ts'), ...args], {
    cwd: root,
    // A cache of its own: npm keeps advisory answers, and each test's service answers differently.
    env: { ...process.env, npm_config_registry: registry, npm_config_cache: join(dir, `npm-cache-${++runs}`), npm_config_audit: 'true', AUDIT_UNAVAILABLE: '', ...env },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}

const nunjucksAdvisory = { id: 1100001, url: 'https://github.com/advisories/GHSA-j3f2-9r4m-w7xq', title: 'Template sandbox escape', severity: 'high', vulnerable_versions: '<=99.0.0', cwe: ['CWE-94'], cvss: { score: 8.1, vectorString: null } };

test('npm audit end to end: a high advisory in a production dependency fails CI, naming it', async () => {
  advisories = { nunjucks: [nunjucksAdvisory] };
  const r = await audit();
  assert.equal(r.status, 1, `fails: ${r.out}`);
  assert.match(r.out, /FAILING: 1 high-or-worse advisory without an exception/, 'says why');
  assert.match(r.out, /GHSA-j3f2-9r4m-w7xq\s+nunjucks <=99\.0\.0: Template sandbox escape/, 'names the advisory and package');
  assert.ok(asked.includes('nunjucks') && asked.includes('fastify'), 'npm asked about the production dependencies');
  assert.ok(!asked.includes('typescript'), 'and not the dev dependencies (--omit=dev)');
});

test('npm audit end to end: a documented, in-date exception lets it through, and says so', async () => {
  advisories = { nunjucks: [nunjucksAdvisory] };
  const file = join(dir, 'exceptions.json');
  writeFileSync(file, JSON.stringify({ exceptions: [exception({ id: 'GHSA-j3f2-9r4m-w7xq', package: 'nunjucks', reviewBy: '2999-12-31' })] }));
  const r = await audit({ AUDIT_EXCEPTIONS: file });
  assert.equal(r.status, 0, `passes: ${r.out}`);
  assert.match(r.out, /excepted \(docs\/audit-exceptions\.json\):[\s\S]*GHSA-j3f2-9r4m-w7xq[\s\S]*accepted by Security lead, review by 2999-12-31/, 'lists the exception and its review date');
  writeFileSync(file, JSON.stringify({ exceptions: [exception({ id: 'GHSA-j3f2-9r4m-w7xq', package: 'nunjucks', reviewBy: '2020-01-01' })] }));
  const expired = await audit({ AUDIT_EXCEPTIONS: file });
  assert.equal(expired.status, 1, `an expired exception fails: ${expired.out}`);
  assert.match(expired.out, /past their review date/, 'says why');
});

test('npm audit end to end: below the level, or only in dev dependencies, passes', async () => {
  advisories = { nunjucks: [{ ...nunjucksAdvisory, severity: 'moderate' }], typescript: [{ ...nunjucksAdvisory, id: 1100002, url: 'https://github.com/advisories/GHSA-m4v6-xh2c-q8fp', severity: 'critical' }] };
  const r = await audit();
  assert.equal(r.status, 0, `passes: ${r.out}`);
  assert.match(r.out, /below high \(not failing\):[\s\S]*moderate\s+GHSA-j3f2-9r4m-w7xq/, 'the moderate one is still shown');
  assert.doesNotMatch(r.out, /GHSA-m4v6-xh2c-q8fp/, 'the dev-only one is not part of the production audit');
  const dev = await audit({}, ['--include-dev']);
  assert.equal(dev.status, 1, `with --include-dev the critical dev advisory fails: ${dev.out}`);
});

test('an audit that cannot reach the advisory service is a failure, or NOT RUN when told; never a pass', async () => {
  advisories = null;
  const r = await audit();
  assert.equal(r.status, 2, `could not run: ${r.out}`);
  assert.match(r.out, /could not run: npm could not reach the advisory service \(405 Method Not Allowed/, 'says why');
  const warned = await audit({ AUDIT_UNAVAILABLE: 'warn' });
  assert.equal(warned.status, 0, `told to warn: ${warned.out}`);
  assert.match(warned.out, /NOT RUN/, 'and says it did not run');
  assert.doesNotMatch(warned.out, /audit: passed/, 'not "passed"');
});
