import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { renderPdf, toWinAnsi } from './render-pdf.js';
import { buildWrittenRecordModel, recordDocument } from './written-record.js';
import { leakySource, FORBIDDEN } from './written-record.fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'written-record-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Skipped only on a developer's machine without poppler-utils: on CI a missing tool fails the tests.
const hasPoppler = spawnSync('pdftotext', ['-v']).error === undefined || process.env.CI === 'true';
const NO_POPPLER = 'pdftotext is not installed (apt-get install poppler-utils); CI installs it';

function poppler(tool: 'pdftotext' | 'pdfinfo', pdf: Buffer, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  const args = tool === 'pdftotext' ? ['-enc', 'UTF-8', file, '-'] : [file];
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  assert.equal(r.error, undefined, `${tool} could not run: ${r.error?.message} (apt-get install poppler-utils)`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** pdftotext breaks lines where the PDF wraps them: compare with all whitespace as single spaces. */
function squash(s: string): string {
  return s.replace(/\s+/g, ' ');
}

/** The value of an indirect object `n 0 obj … endobj`, as written. */
function object(pdf: string, ref: string): string {
  const start = pdf.indexOf(`\n${ref} obj\n`);
  assert.ok(start >= 0, `object ${ref} not found`);
  return pdf.slice(start, pdf.indexOf('endobj', start));
}

describe('renderPdf', async () => {
  const model = buildWrittenRecordModel(leakySource());
  const pdf = await renderPdf(model);
  const bytes = pdf.toString('latin1');

  test('is a PDF 1.7 file', () => {
    assert.ok(Buffer.isBuffer(pdf));
    assert.equal(bytes.slice(0, 8), '%PDF-1.7');
    assert.match(bytes, /%%EOF\s*$/);
  });

  test('is tagged, in British English, and shows its title', () => {
    const catalog = object(bytes, bytes.match(/\n(\d+ 0) obj\n<<\n\/Type \/Catalog/)![1]!);
    assert.match(catalog, /\/Lang \(en-GB\)/);
    assert.match(catalog, /\/StructTreeRoot \d+ 0 R/);
    const markInfo = catalog.match(/\/MarkInfo (?:(\d+ 0) R|<<([^>]*)>>)/);
    assert.ok(markInfo, 'the catalog has /MarkInfo');
    assert.match(markInfo[1] ? object(bytes, markInfo[1]) : markInfo[2]!, /\/Marked true/);
    assert.match(object(bytes, catalog.match(/\/ViewerPreferences (\d+ 0) R/)![1]!), /\/DisplayDocTitle true/);
  });

  test('tags headings, paragraphs, sections, tables with row headers, lists and links', () => {
    for (const type of ['Document', 'H1', 'H2', 'H3', 'P', 'Sect', 'Table', 'TR', 'TH', 'TD', 'L', 'LI', 'Lbl', 'LBody', 'Link']) {
      assert.match(bytes, new RegExp(`/S /${type}\\n`), type);
    }
    assert.match(bytes, /\/Scope \/Row/);
    assert.match(bytes, /\/StructParents \d+/, 'pages point into the structure tree');
  });

  test('has the record title, service and reference as document information', () => {
    assert.ok(bytes.includes("(Children's Advice and Duty Service: record of your conversation NFK-2026-000123)"));
    assert.ok(bytes.includes('(Record of your conversation: reference NFK-2026-000123, version 1)'));
    assert.ok(bytes.includes("(Children's Advice and Duty Service)"), 'author');
    assert.ok(bytes.includes('(D:20261123144800Z)'), 'created when the record was sent');
  });

  test('contains the headings, reference, children, values and survey link as text', { skip: !hasPoppler && NO_POPPLER }, () => {
    const text = squash(poppler('pdftotext', pdf, 'record.pdf'));
    const d = recordDocument(model);
    for (const heading of [d.title, ...d.sections.map((s) => s.heading)]) assert.ok(text.includes(heading), `heading: ${heading}`);
    for (const value of [
      'NFK-2026-000123',
      '23 November 2026 at 2:05pm',
      'Ellie Smith-Jones',
      'Jack Smith-Jones',
      '12 April 2017',
      '3 September 2020',
      'Sam Okafor',
      '0344 800 8021',
      'Parenting capacity – substance misuse',
      'It would put the person making the referral at risk of significant harm',
      'Early Help request (Request for support)',
      'I think Jack needs the same assessment as Ellie',
      'If you consider the incident to be an emergency, please call 999.',
      'Monday to Friday, 9am to 5pm',
      'Resolving Professional Disagreements Policy (Norfolk Safeguarding Children Partnership)',
      'https://frontdoor.example/survey/Qm9ndXNUb2tlbkZvclRoZUV4YW1wbGVSZWNvcmQwMDE',
      'The link works once, for 28 days.',
      'Keep this record for your own files.',
      'Page 1 of',
    ]) {
      assert.ok(text.includes(value), `missing: ${value}`);
    }
    for (const secret of FORBIDDEN) assert.ok(!text.includes(secret), `leaked: ${secret}`);
  });

  test('numbers every page "Page n of N"', { skip: !hasPoppler && NO_POPPLER }, () => {
    const info = poppler('pdfinfo', pdf, 'info.pdf');
    const pages = Number(info.match(/^Pages:\s+(\d+)/m)![1]);
    assert.ok(pages >= 2);
    assert.match(info, /^Tagged:\s+yes/m);
    assert.match(info, /^Page size:\s+595\.2\d? x 841\.8\d? pts \(A4\)/m);
    const text = poppler('pdftotext', pdf, 'pages.pdf');
    for (let n = 1; n <= pages; n++) assert.ok(text.includes(`Page ${n} of ${pages}`), `Page ${n} of ${pages}`);
  });

  test('marks an amended record at the top, with what changed', { skip: !hasPoppler && NO_POPPLER }, async () => {
    const amended = await renderPdf(buildWrittenRecordModel(leakySource({ amended: true })));
    const text = squash(poppler('pdftotext', amended, 'amended.pdf'));
    const notice = text.indexOf('Amended record – this replaces the record dated 23 November 2026, version 1');
    assert.ok(notice > 0 && notice < text.indexOf('Reference number'));
    assert.ok(text.includes("Agreed outcome for Ellie Smith-Jones: was 'No further action', now 'Referral for a social care assessment'"));
    assert.ok(text.includes('Details of the concern were changed'));
  });

  test('wraps and breaks long text over pages without losing any of it', { skip: !hasPoppler && NO_POPPLER }, async () => {
    const src = leakySource();
    const paragraphs = Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1}: ${'The caller described what she saw at the school gate and what the children said. '.repeat(4)}`);
    const longWord = `Ward${'x'.repeat(150)}End`;
    const m = buildWrittenRecordModel({
      ...src,
      version: { ...src.version, concern_detail: paragraphs.join('\n\n'), worries: longWord },
      children: src.children.map((c, i) => (i === 0 ? { ...c, next_steps: paragraphs.slice(0, 12).join('\n') } : c)),
    });
    const long = await renderPdf(m);
    const info = poppler('pdfinfo', long, 'long-info.pdf');
    assert.ok(Number(info.match(/^Pages:\s+(\d+)/m)![1]) >= 5);
    const text = squash(poppler('pdftotext', long, 'long.pdf'));
    for (const marker of ['Paragraph 1:', 'Paragraph 40:', 'Tell us what you thought', 'Keep this record for your own files.']) assert.ok(text.includes(marker), marker);
    assert.ok(text.replace(/ /g, '').includes(longWord), 'a word wider than the page is broken, not cut off');
  });

  test('draws names outside the standard fonts without wrong letters', { skip: !hasPoppler && NO_POPPLER }, async () => {
    const src = leakySource();
    const m = buildWrittenRecordModel({ ...src, children: [{ ...src.children[0]!, given_name: 'Łucja', family_name: 'Wiśniewska' }] });
    const text = poppler('pdftotext', await renderPdf(m), 'names.pdf');
    assert.ok(text.includes('Lucja Wisniewska'));
  });
});

describe('toWinAnsi', () => {
  test('keeps what Helvetica can draw', () => {
    assert.equal(toWinAnsi('Zoë O’Brien – “quoted” • €5 Müller'), 'Zoë O’Brien – “quoted” • €5 Müller');
  });

  test('drops accents it cannot draw and folds letters with no decomposition', () => {
    assert.equal(toWinAnsi('Łucja Wiśniewska, Đorđe, Ağaoğlu'), 'Lucja Wisniewska, Dorde, Agaoglu');
  });

  test('replaces anything else with a question mark, never a wrong glyph', () => {
    assert.equal(toWinAnsi('李 😀'), '? ?');
  });
});
