import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffJson, jsonEqual } from './json-diff.js';

describe('diffJson', () => {
  it('finds nothing between equal documents, whatever the key order', () => {
    assert.deepEqual(diffJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), []);
    assert.deepEqual(diffJson([], []), []);
    assert.deepEqual(diffJson(null, null), []);
  });

  it('names a changed value by its path through objects', () => {
    assert.deepEqual(diffJson({ edt: { phone: '0344 800 8020', name: 'EDT' } }, { edt: { phone: '0344 800 8021', name: 'EDT' } }), [
      { path: 'edt.phone', before: '0344 800 8020', after: '0344 800 8021' },
    ]);
  });

  it('compares arrays index by index', () => {
    const before = { openingHours: { monday: [{ open: '09:00', close: '17:00' }] } };
    const after = { openingHours: { monday: [{ open: '08:30', close: '17:00' }] } };
    assert.deepEqual(diffJson(before, after), [{ path: 'openingHours.monday[0].open', before: '09:00', after: '08:30' }]);
  });

  it('reports added and removed keys', () => {
    assert.deepEqual(diffJson({ a: 1, gone: 'x' }, { a: 1, added: { y: 2 } }), [
      { path: 'gone', before: 'x', after: undefined },
      { path: 'added', before: undefined, after: { y: 2 } },
    ]);
  });

  it('reports added and removed array items', () => {
    assert.deepEqual(diffJson({ list: [1, 2] }, { list: [1, 2, 3] }), [{ path: 'list[2]', before: undefined, after: 3 }]);
    assert.deepEqual(diffJson({ list: [1, 2, 3] }, { list: [1] }), [
      { path: 'list[1]', before: 2, after: undefined },
      { path: 'list[2]', before: 3, after: undefined },
    ]);
  });

  it('treats a change of kind as one change to the whole value', () => {
    assert.deepEqual(diffJson({ a: { b: 1 } }, { a: [1] }), [{ path: 'a', before: { b: 1 }, after: [1] }]);
    assert.deepEqual(diffJson({ a: null }, { a: { b: 1 } }), [{ path: 'a', before: null, after: { b: 1 } }]);
    assert.deepEqual(diffJson(1, 2), [{ path: '', before: 1, after: 2 }]);
  });

  it('quotes keys that are not plain names', () => {
    assert.deepEqual(diffJson({ 'a-b': 1 }, { 'a-b': 2 }), [{ path: '["a-b"]', before: 1, after: 2 }]);
    assert.deepEqual(diffJson({ x: { 'two words': 1 } }, { x: {} }), [{ path: 'x["two words"]', before: 1, after: undefined }]);
  });

  it('does not count undefined keys as present', () => {
    assert.deepEqual(diffJson({ a: 1, b: undefined }, { a: 1 }), []);
    assert.ok(jsonEqual({ a: 1, b: undefined }, { a: 1 }));
  });
});
