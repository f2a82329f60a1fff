import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHtml, renderHtml } from './render-html.js';
import { buildWrittenRecordModel, exampleWrittenRecordSource, recordDocument, writtenRecordSubject } from './written-record.js';
import { profile, leakySource, FORBIDDEN } from './written-record.fixtures.js';

/** What a reader sees: tags removed, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<title>[\s\S]*?<\/title>/, '')
    .replace(/<br>/g, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ');
}

/** Every value the record must show for the example conversation. */
const EXPECTED_VALUES = [
  "Children's Advice and Duty Service",
  'Norfolk County Council',
  'NFK-2026-000123',
  '23 November 2026 at 2:05pm',
  'Sam Okafor',
  'sam.okafor@norfolk.example',
  '01632 960 444',
  '0344 800 8021',
  'cads@norfolk.example',
  'Priya Shah',
  'Designated safeguarding lead',
  'Ellie Smith-Jones',
  '12 April 2017',
  'Jack Smith-Jones',
  '3 September 2020',
  'At Hillside Primary School until 3:15pm, then collected by mum',
  'Neglect',
  'Parenting capacity – substance misuse',
  'have come to school hungry most days',
  'Soon – the child needs help in the next few days',
  'Breakfast club place offered',
  'Consent was not sought because:',
  'It would put the child at risk of significant harm',
  'It would put the person making the referral at risk of significant harm',
  'her partner threatened the headteacher',
  'UK GDPR Article 6(1)(e) public task',
  'The children are not getting enough to eat',
  'Both children are happy in school',
  'A social worker to assess the family',
  'No further action',
  'Early Help request (Request for support)',
  'Level 3 – complex needs (targeted support)',
  'I think Jack needs the same assessment as Ellie',
  'Complete an Early Help request for Jack today.',
  'If you consider the incident to be an emergency, please call 999.',
  'Monday to Friday, 9am to 5pm',
  'Emergency Duty Team',
  '0344 800 8020',
  'Outside CADS opening hours, at weekends and on bank holidays',
  'Resolving Professional Disagreements Policy (Norfolk Safeguarding Children Partnership)',
  'nscb@norfolk.gov.uk',
  'talk to Sam Okafor first',
  'https://frontdoor.example/survey/Qm9ndXNUb2tlbkZvclRoZUV4YW1wbGVSZWNvcmQwMDE',
  'It takes about 2 minutes.',
  'The link works once, for 28 days.',
  'Keep this record for your own files.',
];

describe('renderHtml', () => {
  const model = buildWrittenRecordModel(leakySource());
  const html = renderHtml(model);
  const text = visibleText(html);

  test('is a complete HTML document in English with the subject as its title', () => {
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
    assert.ok(html.includes('<meta charset="utf-8">'));
    assert.ok(html.includes(`<title>${escapeHtml(writtenRecordSubject(model))}</title>`));
    assert.match(html, /<\/html>\n$/);
  });

  test('has one h1, then an h2 for every section in order, and h3s only inside sections', () => {
    assert.equal(html.match(/<h1[ >]/g)?.length, 1);
    const headings = [...html.matchAll(/<h([123])[^>]*>([^<]*)<\/h\1>/g)].map((m) => [Number(m[1]), m[2]!] as const);
    assert.equal(headings[0]![0], 1);
    assert.equal(headings[0]![1], 'Record of your conversation');
    assert.equal(headings[1]![0], 2, 'no h3 before the first h2');
    const h2s = headings.filter(([level]) => level === 2).map(([, t]) => t.replace(/&#39;/g, "'"));
    assert.deepEqual(h2s, recordDocument(model).sections.map((s) => s.heading));
    assert.ok(h2s.includes('If the situation changes') && h2s.includes('If you disagree') && h2s.includes('Tell us what you thought'));
  });

  test('uses row headers for label–value pairs and real lists', () => {
    const ths = html.match(/<th[ >][^>]*>/g) ?? [];
    assert.ok(ths.length > 20);
    for (const th of ths) assert.match(th, /scope="row"/);
    assert.match(html, /<th scope="row"[^>]*>Reference number<\/th><td[^>]*>NFK-2026-000123<\/td>/);
    assert.match(html, /<ul[^>]*>\s*<li[^>]*>It would put the child at risk of significant harm<\/li>/);
  });

  test('uses inline styles only: no style sheet, classes, scripts or images', () => {
    for (const banned of ['<style', '<script', '<img', '<link ', 'class=', '<svg', 'javascript:']) assert.ok(!html.includes(banned), banned);
    assert.ok(html.includes('color:#0b0c0c'));
    assert.ok(html.includes('background-color:#ffffff'));
    assert.ok(html.includes('max-width:640px'));
    for (const a of html.match(/<a [^>]*>/g) ?? []) assert.match(a, /style="color:#1d70b8;text-decoration:underline;"/);
    assert.match(html, /font-family:-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif/);
  });

  test('shows every section and value of the record', () => {
    for (const value of EXPECTED_VALUES) assert.ok(text.includes(value), `missing: ${value}`);
    assert.ok(html.includes('<a href="https://frontdoor.example/survey/Qm9ndXNUb2tlbkZvclRoZUV4YW1wbGVSZWNvcmQwMDE"'));
    assert.ok(html.includes('href="mailto:cads@norfolk.example"'));
    assert.ok(html.includes('href="tel:03448008021"'));
  });

  test('shows nothing else we hold about the children', () => {
    for (const secret of FORBIDDEN) assert.ok(!html.includes(secret), `leaked: ${secret}`);
  });

  test('keeps the line breaks of free text', () => {
    const src = leakySource();
    const m = buildWrittenRecordModel({ ...src, version: { ...src.version, worries: 'First line\nsecond line\n\nNew paragraph' } });
    assert.match(renderHtml(m), /<p[^>]*>First line<br>\nsecond line<\/p>\n<p[^>]*>New paragraph<\/p>/);
  });

  test('escapes everything people typed', () => {
    const src = leakySource({ amended: true });
    const hostile = '<script>alert("x")</script> & <b>bold</b>';
    const m = buildWrittenRecordModel({
      ...src,
      version: { ...src.version, concern_detail: hostile, caller_name: `O'Brien <img src=x onerror=alert(1)>`, amendment_reason: hostile },
      children: src.children.map((c) => ({ ...c, where_now: hostile, next_steps_by: '"><script>' })),
      worker: { name: '<i>Sam</i>', email: 'sam@example.com"><script>', phone: null },
      surveyUrl: 'https://frontdoor.example/survey/abc"onmouseover="alert(1)',
    });
    const out = renderHtml(m);
    assert.ok(!out.includes('<script'), 'no script element');
    assert.ok(!out.includes('<img'), 'no image element');
    assert.ok(!out.includes('<b>') && !out.includes('<i>'));
    assert.ok(out.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;'));
    assert.ok(out.includes('O&#39;Brien &lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(out.includes('href="https://frontdoor.example/survey/abc&quot;onmouseover=&quot;alert(1)"'));
    assert.ok(!out.includes('"onmouseover'), 'the quote cannot end the attribute');
  });

  test('never links to anything but web, email and phone addresses', () => {
    const m = buildWrittenRecordModel({ ...leakySource(), surveyUrl: 'javascript:alert(1)' });
    const out = renderHtml(m);
    assert.ok(out.includes('<a href="#"'));
    assert.ok(!out.includes('href="javascript:'));
  });

  test('marks an amended record at the top, with the reason and what changed', () => {
    const m = buildWrittenRecordModel(leakySource({ amended: true }));
    const out = renderHtml(m);
    const h1 = out.indexOf('<h1');
    const notice = out.indexOf('Amended record – this replaces the record dated 23 November 2026, version 1');
    assert.ok(h1 > 0 && notice > h1 && notice < out.indexOf('<h2'), 'the notice sits between the title and the first section');
    assert.ok(out.includes('>Amended record of your conversation</h1>'));
    assert.ok(visibleText(out).includes('Why we changed it: The caller phoned back'));
    assert.ok(out.includes('<li style="margin:0 0 5px 0;">Caller&#39;s phone number</li>'));
    assert.ok(out.includes('Agreed outcome for Ellie Smith-Jones: was &#39;No further action&#39;, now &#39;Referral for a social care assessment&#39;'));
    assert.ok(out.includes('Details of the concern were changed'));
    assert.ok(out.includes('<th scope="row" style="text-align:left;vertical-align:top;font-weight:700;padding:10px 20px 10px 0;border-bottom:1px solid #b1b4b6;width:40%;">Version</th><td style="text-align:left;vertical-align:top;padding:10px 0;border-bottom:1px solid #b1b4b6;">2</td>'));
    for (const secret of FORBIDDEN) assert.ok(!out.includes(secret), `leaked: ${secret}`);
  });

  test('writes out different hours on different days (Stoke-on-Trent)', () => {
    const out = visibleText(renderHtml(buildWrittenRecordModel(exampleWrittenRecordSource(profile('stoke-on-trent')))));
    assert.ok(out.includes('Monday to Thursday, 8:30am to 5pm\nFriday, 8:30am to 4:30pm'));
    assert.ok(out.includes("Children's advice and duty service"));
  });
});

test('escapeHtml escapes the five HTML-special characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
