// The terminal summary of a score (`decoder-lens trace --max-new-tokens 0`): every input token with its
// probability and surprisal, and what the model would put next — not an empty table of generated steps.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decode, openModel } from '../../../src/core/decode';
import { SessionCache } from '../../../src/core/decode/sessionCache';
import { summarizeTrace } from '../../../src/core/trace/summary';
import { reference } from '../decode/reference';
import { fixture } from '../paths';

interface SurprisalReference {
  prompt: string;
  tokens: string[];
  input_surprisal: { probs: number[] };
}

const ref = reference<SurprisalReference>('tiny-gpt');
const sessions = new SessionCache();
after(() => sessions.clear());

test('a score lists each input token with the probability torch gives it, its surprisal and the next tokens', async () => {
  const trace = await decode(await openModel(fixture('tiny-gpt')), sessions, { text: ref.prompt, maxNewTokens: 0 });
  const text = summarizeTrace(trace);
  assert.doesNotMatch(text, /^Step {2}token/m, 'no step table for a score');
  assert.match(text, /scored, nothing generated/);
  const rows = text.split('\n').filter((line) => /^ {0,3}\d+ {2}"/.test(line));
  assert.equal(rows.length, ref.tokens.length, text);
  // The first token has no probability; token i + 1 has torch's probs[i].
  assert.match(rows[0], /^ {3}0 {2}"copy" +— +—$/);
  ref.input_surprisal.probs.forEach((p, i) => {
    const row = rows[i + 1];
    assert.ok(row.includes(`${(p * 100).toFixed(1)}%`), `${row} has ${(p * 100).toFixed(1)}%`);
    assert.ok(row.includes(`${(-Math.log2(p)).toFixed(2)} bits`), `${row} has surprisal ${(-Math.log2(p)).toFixed(2)} bits`);
  });
  const mean = ref.input_surprisal.probs.reduce((s, p) => s - Math.log2(p), 0) / ref.input_surprisal.probs.length;
  assert.match(text, new RegExp(`mean surprisal ${mean.toFixed(2)} bits per token`));
  // Next: the copy task's answer starts with the first copied word.
  const next = text.split('\n').find((line) => line.startsWith('Next'));
  assert.ok(next, text);
  assert.match(next, /^Next +" the" \d+\.\d%/);
  assert.match(text, /Most-attended token from the last position/);
});

test('an encoder-decoder score says input probabilities are not available and still shows the next tokens', async () => {
  const trace = await decode(await openModel(fixture('tiny-t5')), sessions, { text: 'copy: a b c', maxNewTokens: 0 });
  const text = summarizeTrace(trace);
  assert.match(text, /not available for this model/);
  assert.match(text, /^Next +"/m);
});
