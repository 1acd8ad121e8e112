/**
 * The Chinese UI stays complete: every key of package.nls.json and of l10n/bundle.l10n.json has its zh-cn
 * translation (same placeholders), every `%key%` in package.json is defined, and every message the host passes
 * to `vscode.l10n.t` (or to an injected `t`) is a literal with a bundle entry — found by reading the sources,
 * so a new message without a translation fails here rather than showing English in a Chinese VS Code.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';
import { english } from '../../../src/host/localize';
import { VIEW_STRINGS } from '../../../src/protocol/strings';
import { repoRoot } from '../paths';

const json = (...p: string[]): Record<string, string> => JSON.parse(readFileSync(join(repoRoot, ...p), 'utf8'));
const placeholders = (s: string) => [...s.matchAll(/\{(\d+)\}/g)].map((m) => m[1]).sort();

/** A call of `vscode.l10n.t(`, `l10n.t(`, `this.t(` or a bare `t(`; group 1 is its first argument when that is a string literal. */
const CALL = /(?:\bl10n\.t|\bthis\.t|(?<![\w.])t)\(\s*('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\$]|\\.)*`)?/g;

/** The one place that passes non-literals: it maps the webviews' label table (checked below, value by value). */
const LABEL_TABLE_FILE = 'webviewStrings.ts';

function hostMessages(): { messages: Map<string, string>; nonLiteral: string[] } {
  const dir = join(repoRoot, 'src', 'host');
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  const messages = new Map<string, string>();
  const nonLiteral: string[] = [];
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(CALL)) {
      const line = source.slice(0, m.index).split('\n').length;
      if (m[1] === undefined) {
        if (file !== LABEL_TABLE_FILE) nonLiteral.push(`src/host/${file}:${line}`);
      } else messages.set(vm.runInNewContext(m[1]) as string, `src/host/${file}:${line}`);
    }
  }
  // The webviews' labels: the host passes each English value of the protocol's table through vscode.l10n.t.
  for (const [key, value] of Object.entries(VIEW_STRINGS)) if (!messages.has(value)) messages.set(value, `src/protocol/strings.ts ${key}`);
  return { messages, nonLiteral };
}

function assertTranslated(english: Record<string, string>, chinese: Record<string, string>, what: string): void {
  const missing = Object.keys(english).filter((k) => typeof chinese[k] !== 'string' || chinese[k].trim() === '');
  assert.deepEqual(missing, [], `${what}: no zh-cn translation for ${missing.map((k) => JSON.stringify(k)).join(', ')}`);
  const stale = Object.keys(chinese).filter((k) => !(k in english));
  assert.deepEqual(stale, [], `${what}: zh-cn keys that the English file no longer has`);
  for (const key of Object.keys(english))
    assert.deepEqual(placeholders(chinese[key]), placeholders(english[key]), `${what}: placeholders of ${JSON.stringify(key)}`);
}

test('every package.nls.json key has its zh-cn translation, and every %key% in package.json is defined', () => {
  const nls = json('package.nls.json');
  assertTranslated(nls, json('package.nls.zh-cn.json'), 'package.nls.zh-cn.json');
  const manifest = readFileSync(join(repoRoot, 'package.json'), 'utf8');
  const used = [...manifest.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]);
  assert.ok(used.length > 20, 'package.json uses %key% placeholders');
  assert.deepEqual(
    used.filter((k) => !(k in nls)),
    [],
    'keys used in package.json but missing from package.nls.json',
  );
  assert.deepEqual(
    Object.keys(nls).filter((k) => !used.includes(k)),
    [],
    'package.nls.json keys that package.json does not use',
  );
  assert.equal(JSON.parse(manifest).l10n, './l10n', 'package.json points VS Code at the l10n bundles');
});

test('every key of l10n/bundle.l10n.json has its zh-cn translation with the same placeholders', () => {
  const bundle = json('l10n', 'bundle.l10n.json');
  for (const [key, value] of Object.entries(bundle)) assert.equal(value, key, 'the English bundle maps each message to itself');
  assertTranslated(bundle, json('l10n', 'bundle.l10n.zh-cn.json'), 'l10n/bundle.l10n.zh-cn.json');
});

test('every vscode.l10n.t message in src/host and every webview label is in the bundle, and the bundle has no unused entry', () => {
  const { messages, nonLiteral } = hostMessages();
  assert.deepEqual(nonLiteral, [], 'l10n.t / t called with something other than a string literal (the bundle cannot list it)');
  assert.ok(messages.size > 30, `found ${messages.size} messages`);
  const bundle = json('l10n', 'bundle.l10n.json');
  const missing = [...messages].filter(([m]) => !(m in bundle)).map(([m, where]) => `${where}: ${JSON.stringify(m)}`);
  assert.deepEqual(missing, [], 'messages missing from l10n/bundle.l10n.json (and its zh-cn translation)');
  assert.deepEqual(
    Object.keys(bundle).filter((k) => !messages.has(k)),
    [],
    'bundle entries no source uses',
  );
});

test('the English fallback fills placeholders as vscode.l10n.t does', () => {
  assert.equal(english('step {0} of {1}', 2, 5), 'step 2 of 5');
  assert.equal(english('{0} and {0}', 'a'), 'a and a');
  assert.equal(english('kept {1}', 'x'), 'kept {1}');
});
