import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { csvCell, toCsv, toXlsx } from './tabular.js';

test('CSV cells: quoting, numbers, and formulas neutralised', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a, b'), '"a, b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell(12), '12');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvCell('+44 1603'), "'+44 1603");
  assert.equal(csvCell('-1'), "'-1", 'text that looks like a negative number stays text');
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
});

test('CSV cells: formulas after a tab or carriage return, line breaks, booleans and missing values', () => {
  for (const v of ['\t=1', '\r=1']) assert.ok(csvCell(v).replace(/^"/, '').startsWith("'"), `${JSON.stringify(v)} should be neutralised, got ${csvCell(v)}`);
  assert.equal(csvCell('a=b'), 'a=b', 'an equals sign later in the text is harmless');
  assert.equal(csvCell('one\ntwo'), '"one\ntwo"', 'a line break is quoted');
  assert.equal(csvCell(-3), '-3', 'numbers are written as numbers');
  assert.equal(csvCell(true), 'true');
  assert.equal(csvCell(undefined), '');
});

test('CSV file: BOM, header row, CRLF', () => {
  assert.equal(toCsv({ headers: ['A', 'B'], rows: [['x', 1], ['y', null]] }), '\uFEFFA,B\r\nx,1\r\ny,\r\n');
});

/** The text of one file inside a zip, found through the zip's central directory. */
function zipEntry(zip: Buffer, name: string): string {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const skip = nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    if (zip.subarray(p + 46, p + 46 + nameLen).toString() === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return (method === 8 ? inflateRawSync(data) : data).toString();
    }
    p += 46 + skip;
  }
  throw new Error(`${name} not in the workbook`);
}

test('XLSX: a real workbook with one sheet per table, text kept as text', async () => {
  const buf = await toXlsx([{ name: 'Outcomes: by child', headers: ['Outcome', 'Children'], rows: [['=cmd', 3]] }, { name: 'Second', headers: ['X'], rows: [] }]);
  assert.equal(buf.subarray(0, 2).toString(), 'PK', 'a zip file');
  const workbook = zipEntry(buf, 'xl/workbook.xml');
  assert.match(workbook, /name="Outcomes  by child"/, 'sheet names lose characters Excel refuses');
  assert.match(workbook, /name="Second"/);
  const shared = zipEntry(buf, 'xl/sharedStrings.xml');
  assert.match(shared, /=cmd/, 'formula-looking text is stored as a string');
  assert.doesNotMatch(zipEntry(buf, 'xl/worksheets/sheet1.xml'), /<f>/, 'no formulas');
});
