// What the "Why This Token?" underline's hover says: the chosen token (escaped: token text is untrusted), the step
// as people count it (from 1), the move in percentage points with its sign, and p before and after.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { occlusionHover } from '../../../src/host/editor/hoverText';

test('a token that supported the choice: p moves down, in points, with both probabilities', () => {
  assert.equal(
    occlusionHover(' Paris', 0, 0.62, -0.54),
    'Hiding this token moves p(␣Paris) at step 1 by −54.0 points (from 62.0% to 8.0%).',
  );
});

test('a token that held the choice back: p moves up', () => {
  assert.equal(occlusionHover('x', 2, 0.1, 0.05), 'Hiding this token moves p(x) at step 3 by +5.0 points (from 10.0% to 15.0%).');
});

test('the chosen token is escaped, never Markdown', () => {
  const hover = occlusionHover('*[a](b)*', 0, 0.5, -0.1);
  assert.doesNotMatch(hover, /\*|\[|\]|\(b\)/);
});
