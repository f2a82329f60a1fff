import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, toCsv } from './csv.js';

test('cells that could start a formula are prefixed with a quote', () => {
  for (const s of ['=SUM(A1:A2)', '+441234', '-1+2', '@cmd', '\t=1', '\r=1']) {
    assert.ok(csvCell(s).replace(/^"/, '').startsWith("'"), `${JSON.stringify(s)} should be neutralised, got ${csvCell(s)}`);
  }
  assert.equal(csvCell('Plain text'), 'Plain text', 'ordinary text is left alone');
  assert.equal(csvCell('a=b'), 'a=b', 'an equals sign later in the text is harmless');
});

test('commas, quotes and line breaks are quoted', () => {
  assert.equal(csvCell('Smith, Ann'), '"Smith, Ann"', 'a comma is quoted');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""', 'quotes are doubled');
  assert.equal(csvCell('one\ntwo'), '"one\ntwo"', 'a line break is quoted');
  assert.equal(csvCell('=HYPERLINK("x","y")'), `"'=HYPERLINK(""x"",""y"")"`, 'both rules apply together');
  assert.equal(csvCell(null), '', 'null is an empty cell');
  assert.equal(csvCell(-3), '-3', 'numbers are written as numbers');
});

test('a CSV has a header row and CRLF line ends', () => {
  assert.equal(toCsv(['a', 'b'], [['1', null]]), 'a,b\r\n1,\r\n', 'header then rows');
});
