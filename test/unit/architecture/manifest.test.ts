import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { commandUri, Commands, InternalCommands } from '../../../src/host/commands';
import { SETTING_DEFAULTS, settingId, type SettingKey } from '../../../src/host/settingDefaults';
import { repoRoot } from '../paths';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
// Titles and categories are `%key%` placeholders (localised); the English text is in package.nls.json.
const nls: Record<string, string> = JSON.parse(readFileSync(join(repoRoot, 'package.nls.json'), 'utf8'));
const english = (value: string) => value.replace(/^%(.+)%$/, (_, key: string) => nls[key] ?? value);

test('every command is contributed with the "Decoder Lens" category and a title', () => {
  const commands: { command: string; title: string; category: string }[] = manifest.contributes.commands;
  assert.ok(commands.length > 0);
  for (const c of commands) {
    assert.match(c.command, /^decoderLens\./);
    assert.equal(english(c.category), 'Decoder Lens', c.command);
    assert.ok(english(c.title).length > 0 && !english(c.title).startsWith('%'), c.command);
  }
});

test('the commands table in src/host/commands.ts and the manifest agree; internal commands stay out of the palette', () => {
  const publicIds: string[] = Object.values(Commands);
  const internalIds: string[] = Object.values(InternalCommands);
  const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual([...publicIds, ...internalIds].sort(), contributed);
  const hidden = (manifest.contributes.menus.commandPalette ?? [])
    .filter((m: { when: string }) => m.when === 'false')
    .map((m: { command: string }) => m.command);
  assert.deepEqual(hidden.sort(), [...internalIds].sort());
});

test('a hover link carries the focus command with its typed arguments, as VS Code passes them back', () => {
  const uri = commandUri(InternalCommands.focusPanel, { resultId: 3, query: 5, layer: 1 });
  const [id, query] = uri.replace(/^command:/, '').split('?');
  assert.equal(id, 'decoderLens.focusPanel');
  assert.deepEqual(JSON.parse(decodeURIComponent(query)), [{ resultId: 3, query: 5, layer: 1 }]);
});

test('every setting in package.json is in src/host/settingDefaults.ts with the same default, and no other', () => {
  const properties: Record<string, { default: unknown }> = manifest.contributes.configuration.properties;
  const declared = Object.fromEntries(Object.entries(properties).map(([id, p]) => [id, p.default]));
  const table = Object.fromEntries(Object.entries(SETTING_DEFAULTS).map(([key, value]) => [settingId(key as SettingKey), value]));
  assert.deepEqual(table, declared);
});

test('the manifest runs where the model is, and activates only from its contributions', () => {
  assert.deepEqual(manifest.extensionKind, ['workspace']);
  assert.equal(manifest.name, 'decoder-lens');
  assert.equal(manifest.displayName, 'Decoder Lens');
  // VS Code derives activation from contributions; an explicit "*" would load us in every window.
  assert.ok(!(manifest.activationEvents ?? []).includes('*'));
  assert.equal(manifest.bin['decoder-lens'], './dist/cli.js');
});

test('onnxruntime-node is installed without its CUDA download', () => {
  // npm 11 runs a dependency's install script only when package.json's allowScripts allows it; the CPU binaries
  // ship inside the package, so its postinstall (a CUDA download that fails offline) is denied outright.
  assert.equal(manifest.allowScripts?.['onnxruntime-node'], false);
  // The old .npmrc key makes npm 11 warn that it "will stop working in the next major version".
  assert.ok(!existsSync(join(repoRoot, '.npmrc')) || !/onnxruntime-node-install/.test(readFileSync(join(repoRoot, '.npmrc'), 'utf8')));
});
