/**
 * The Chinese UI in a real VS Code whose display language is zh-cn (the integration harness's second pass; in the
 * English pass this suite is skipped). VS Code itself applies package.nls.zh-cn.json to the manifest and loads
 * l10n/bundle.l10n.zh-cn.json for vscode.l10n.t: the tests read what VS Code reports and what the extension shows.
 * The expected Chinese strings are written here by hand, not read from the translation files.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Trace } from '../../src/core/trace/types';
import { Commands } from '../../src/host/commands';
import type { DecoderLensApi } from '../../src/host/extension';
import { activateExtension, extensionId, repoRoot, settlesWithin } from './helpers';

const hasChinese = (s: string) => /[\u4e00-\u9fff]/.test(s);

suite('Chinese UI (zh-cn display language)', () => {
  let api: DecoderLensApi;

  suiteSetup(async function () {
    // The harness's zh-cn pass says so: there, a VS Code that stayed English is a failure, not a skip.
    if (process.env.DECODER_LENS_EXPECT_LANGUAGE)
      assert.equal(vscode.env.language, process.env.DECODER_LENS_EXPECT_LANGUAGE, 'the display language VS Code runs with');
    if (vscode.env.language !== 'zh-cn') this.skip();
    api = (await activateExtension()).exports as DecoderLensApi;
  });

  test('VS Code reports the extension with its Chinese command titles and view name', () => {
    const manifest = vscode.extensions.getExtension(extensionId)!.packageJSON;
    // VS Code keeps the English of a localised command title beside it ({ value, original }) for the palette.
    type Localized = string | { value: string; original: string };
    const title = (id: string): Localized => manifest.contributes.commands.find((c: { command: string }) => c.command === id)?.title;
    assert.deepEqual(title(Commands.decodeSelection), { value: '解码所选文本', original: 'Decode Selection' });
    assert.deepEqual(title(Commands.scoreSelection), { value: '为所选文本打分（不生成）', original: 'Score Selection' });
    assert.equal((title(Commands.selectModel) as { value: string }).value, '选择模型');
    assert.equal((title(Commands.showAttentionPanel) as { value: string }).value, '显示注意力面板');
    assert.equal((title(Commands.openMaskInspector) as { value: string }).value, '打开掩码检查器');
    assert.equal(manifest.contributes.views.decoderLens[0].name, '掩码');
    assert.ok(hasChinese(manifest.contributes.configuration.properties['decoderLens.maxNewTokens'].description));
  });

  test('the hover over a decoded token speaks Chinese (vscode.l10n.t with the zh-cn bundle)', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'sample.txt')));
    const range = editor.document.lineAt(0).range;
    editor.selection = new vscode.Selection(range.start, range.end);
    const trace = await settlesWithin(
      vscode.commands.executeCommand<Trace | undefined>(Commands.decodeSelection),
      60_000,
      'Decode Selection',
    );
    assert.ok(trace, 'Decode Selection returned a trace');
    const index = trace.input.tokens.findIndex((t, i) => i > 1 && t.start !== null && t.end! - t.start! > 1);
    const position = editor.document.positionAt(editor.document.offsetAt(range.start) + trace.input.tokens[index].start! + 1);
    const hovers =
      (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, position)) ?? [];
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).find((t) => t.includes('| token |'));
    assert.ok(text, 'a Decoder Lens hover');
    assert.match(text, /模型给出的概率：/);
    assert.match(text, /主要关注的 token（第 \d+ 层，\d+ 个头取平均）：/);
    assert.match(text, /\[在面板中打开\]/);
  });

  test('the attention panel gets its labels in Chinese (the page the host writes for the webview)', async () => {
    const panel = api.attention.current;
    assert.ok(panel, 'the decode opened the attention panel');
    const html = panel.panel.webview.html;
    assert.match(html, /<html lang="zh-cn">/);
    // The table is JSON in an attribute, its characters escaped as numeric entities.
    const attribute = /data-strings="([^"]*)"/.exec(html)![1].replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
    const strings = JSON.parse(attribute) as Record<string, string>;
    assert.equal(strings['panel.savePng'], '保存 PNG');
    assert.equal(strings['chart.topk'], '下一个 token 的概率（top-k）');
    assert.equal(strings['kind.cross'], '交叉注意力');
  });

  test('a mask finding in Chinese reaches the Masks view (the checks are worded in the display language)', async () => {
    // The fixture whose cross-attention reads the encoder's padding (a deliberately broken export).
    const broken = path.join(repoRoot, 'test', 'fixtures', 'models', 'tiny-t5-cross-reads-padding');
    const config = vscode.workspace.getConfiguration('decoderLens');
    await config.update('modelPath', broken, vscode.ConfigurationTarget.Global);
    try {
      const source = 'the red fox saw a big moon';
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: source }));
      editor.selection = new vscode.Selection(editor.document.positionAt(0), editor.document.positionAt(source.length));
      const trace = await settlesWithin(vscode.commands.executeCommand<Trace | undefined>(Commands.decodeSelection), 60_000, 'decode');
      assert.ok(trace, 'Decode Selection returned a trace');
      await vscode.commands.executeCommand(Commands.openMaskInspector);
      const end = Date.now() + 60_000;
      let snapshot = api.masks.session.snapshot();
      while (!(snapshot && !snapshot.checking && snapshot.model.path === broken) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        snapshot = api.masks.session.snapshot();
      }
      const finding = snapshot?.findings.find((f) => f.check === 'cross-padding');
      assert.ok(finding, `a cross-padding finding (${JSON.stringify(snapshot?.findings.map((f) => f.check))})`);
      assert.match(finding.message, /^交叉注意力读取了编码器的填充：/);
      assert.match(finding.message, /encoder_attention_mask/);
    } finally {
      await config.update('modelPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('the Masks view receives its run labels in Chinese', async () => {
    await vscode.commands.executeCommand(Commands.openMaskInspector);
    const snapshot = api.masks.session.snapshot();
    assert.ok(snapshot, 'the Masks view follows the decode');
    assert.equal(snapshot.runs[0].label, '原始运行');
  });
});
