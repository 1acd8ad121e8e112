import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moveThroughEdit, moveThroughEdits } from '../../../src/host/decode/rangeTracking';

const range = { start: 10, end: 20 };

test('an edit before the decoded text moves it by the change in length', () => {
  assert.deepEqual(moveThroughEdit(range, { offset: 2, length: 3, insertedLength: 7 }), { start: 14, end: 24 });
  assert.deepEqual(moveThroughEdit(range, { offset: 10, length: 0, insertedLength: 2 }), { start: 12, end: 22 }, 'typing just before it');
});

test('an edit after the decoded text leaves it alone', () => {
  assert.deepEqual(moveThroughEdit(range, { offset: 20, length: 5, insertedLength: 0 }), range);
});

test('an edit inside or across the decoded text makes the result stale', () => {
  assert.equal(moveThroughEdit(range, { offset: 12, length: 0, insertedLength: 1 }), undefined);
  assert.equal(moveThroughEdit(range, { offset: 5, length: 6, insertedLength: 0 }), undefined);
  assert.equal(moveThroughEdit(range, { offset: 19, length: 3, insertedLength: 3 }), undefined);
});

test('several edits of one change event (offsets against the old text) combine', () => {
  // Insert 3 chars at 0 and delete 2 at 30: the range moves by +3 only.
  assert.deepEqual(
    moveThroughEdits(range, [
      { offset: 0, length: 0, insertedLength: 3 },
      { offset: 30, length: 2, insertedLength: 0 },
    ]),
    { start: 13, end: 23 },
  );
  assert.equal(
    moveThroughEdits(range, [
      { offset: 0, length: 0, insertedLength: 3 },
      { offset: 15, length: 1, insertedLength: 0 },
    ]),
    undefined,
  );
});
