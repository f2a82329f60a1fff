import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderText } from './render-text.js';
import { buildWrittenRecordModel, recordDocument, type RecordBlock } from './written-record.js';
import { leakySource, FORBIDDEN } from './written-record.fixtures.js';

/** Every piece of text in the shared document: what the HTML and the PDF show too. */
function allStrings(blocks: RecordBlock[]): string[] {
  return blocks.flatMap((b): string[] => {
    switch (b.kind) {
      case 'paragraph':
        return b.parts.map((p) => (typeof p === 'string' ? p : p.text)).filter((p) => p.trim().length > 1);
      case 'heading':
        return [b.text];
      case 'list':
        return b.items;
      case 'free':
        return b.paragraphs;
      case 'link':
        return [b.href];
      case 'rows':
        return b.rows.flatMap((r) => [r.label, ...r.value.map((v) => (typeof v === 'string' ? v : v.text))]);
    }
  });
}

describe('renderText', () => {
  const model = buildWrittenRecordModel(leakySource());
  const text = renderText(model);

  test('has the same content as the HTML and PDF', () => {
    const d = recordDocument(model);
    const expected = [...d.masthead, d.title, ...allStrings(d.intro), ...d.sections.flatMap((s) => [s.heading, ...allStrings(s.blocks)]), ...d.footer];
    assert.ok(expected.length > 80);
    for (const s of expected) assert.ok(text.includes(s), `missing: ${s}`);
  });

  test('underlines the title and section headings, in order', () => {
    assert.ok(text.startsWith("Children's Advice and Duty Service\nNorfolk County Council\n\nRecord of your conversation\n===========================\n"));
    const headings = [...text.matchAll(/^(.+)\n-+$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, recordDocument(model).sections.map((s) => s.heading));
  });

  test('shows the key facts as label and value', () => {
    for (const line of [
      'Reference number: NFK-2026-000123',
      'Version: 1',
      'Date and time of the conversation: 23 November 2026 at 2:05pm',
      'Social worker: Sam Okafor',
      'CADS phone line for professionals: 0344 800 8021',
      'CADS email: cads@norfolk.example',
      'Date of birth: 12 April 2017',
      'Agreed outcome: Early Help request (Request for support)',
      'Did you agree with the outcome? No',
      'Why you did not agree: I think Jack needs the same assessment as Ellie: he is only 6 and relies on his sister for meals.',
      "Children's Advice and Duty Service:\n  0344 800 8021\n  Monday to Friday, 9am to 5pm\n  Closed on bank holidays",
      'Emergency Duty Team:\n  0344 800 8020\n  Outside CADS opening hours, at weekends and on bank holidays',
      'Consent was not sought because:\n* It would put the child at risk of significant harm\n* It would put the person making the referral at risk of significant harm',
      '\nhttps://frontdoor.example/survey/Qm9ndXNUb2tlbkZvclRoZUV4YW1wbGVSZWNvcmQwMDE\n',
      'Keep this record for your own files.',
    ]) {
      assert.ok(text.includes(line), `missing: ${line}`);
    }
  });

  test('shows nothing else we hold about the children, and no markup', () => {
    for (const secret of FORBIDDEN) assert.ok(!text.includes(secret), `leaked: ${secret}`);
    assert.ok(!/<[a-z/][^>]*>/i.test(text));
    assert.ok(!text.includes('&amp;') && !text.includes('&#39;'));
  });

  test('keeps what people typed exactly, since plain text is never interpreted', () => {
    const src = leakySource();
    const m = buildWrittenRecordModel({ ...src, version: { ...src.version, concern_detail: 'Mum said "don\'t" & <left>' } });
    assert.ok(renderText(m).includes('Mum said "don\'t" & <left>'));
  });

  test('puts the amended-record notice, reason and changes first', () => {
    const out = renderText(buildWrittenRecordModel(leakySource({ amended: true })));
    const notice = out.indexOf('Amended record – this replaces the record dated 23 November 2026, version 1');
    assert.ok(notice > 0 && notice < out.indexOf('Reference number:'));
    assert.ok(out.includes('Why we changed it: The caller phoned back'));
    assert.ok(out.includes("What changed:\n* Caller's phone number\n* Details of the concern were changed\n* Agreed outcome for Ellie Smith-Jones: was 'No further action', now 'Referral for a social care assessment'"));
    assert.ok(out.includes('Version: 2'));
  });
});
