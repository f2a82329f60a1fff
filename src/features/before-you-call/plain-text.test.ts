import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageErrors, toBlocks } from './plain-text.js';

test('paragraphs are separated by blank lines; lines in a paragraph join', () => {
  assert.deepEqual(toBlocks('One\ntwo\n\nThree'), [{ kind: 'paragraph', text: 'One two' }, { kind: 'paragraph', text: 'Three' }], 'two paragraphs');
});

test('lines starting "- " are bullets, one list per run', () => {
  assert.deepEqual(
    toBlocks('This includes:\n- one\n- two\nAfter\n\n- three'),
    [{ kind: 'paragraph', text: 'This includes:' }, { kind: 'bullets', items: ['one', 'two'] }, { kind: 'paragraph', text: 'After' }, { kind: 'bullets', items: ['three'] }],
    'lists and paragraphs',
  );
});

test('HTML is kept as text for the template to escape', () => {
  assert.deepEqual(toBlocks('<b>hi</b>'), [{ kind: 'paragraph', text: '<b>hi</b>' }], 'not parsed');
  assert.deepEqual(toBlocks('\r\n\r\n  '), [], 'blank');
});

test('a page needs a heading, text and a change note', () => {
  assert.deepEqual(pageErrors({ title: '', body: '', note: '' }).map((e) => e.field), ['title', 'body', 'note'], 'all missing');
  assert.deepEqual(pageErrors({ title: 'T', body: 'B', note: 'N' }), [], 'fine');
  assert.equal(pageErrors({ title: 'x'.repeat(301), body: 'B', note: 'N' })[0]?.field, 'title', 'too long');
});
