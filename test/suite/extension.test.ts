import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands, InternalCommands } from '../../src/host/commands';
import { activateExtension, extensionId, manifest } from './helpers';

suite('Extension', () => {
  test('activates in the real extension host', async () => {
    const ext = await activateExtension();
    assert.equal(ext.id.toLowerCase(), extensionId.toLowerCase());
    assert.ok(ext.isActive, 'extension did not become active');
    assert.ok(ext.exports && typeof ext.exports === 'object', 'activate() should return the test API');
  });

  test('every contributed command is registered, and every decoderLens.* command is contributed', async () => {
    await activateExtension();
    const contributed: string[] = (manifest.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    const internal: string[] = Object.values(InternalCommands as Record<string, string>);
    // VS Code registers `<viewId>.focus`, `.resetViewLocation`… for every contributed view; those are not ours.
    const views: string[] = Object.values((manifest.contributes?.views ?? {}) as Record<string, { id: string }[]>)
      .flat()
      .map((v) => v.id);
    const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('decoderLens.'));

    const notRegistered = contributed.filter((c) => !registered.includes(c));
    assert.deepEqual(notRegistered, [], `contributed in package.json but not registered: ${notRegistered.join(', ')}`);
    const undocumented = registered.filter(
      (c) => !contributed.includes(c) && !internal.includes(c) && !views.some((v) => c.startsWith(`${v}.`)),
    );
    assert.deepEqual(undocumented, [], `registered but neither contributed nor listed in InternalCommands: ${undocumented.join(', ')}`);
    // The typed table in src/host/commands.ts is what the code registers from.
    for (const id of Object.values(Commands as Record<string, string>))
      assert.ok(registered.includes(id), `${id} (Commands table) is not registered`);
  });
});
