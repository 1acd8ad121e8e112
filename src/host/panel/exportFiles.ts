/** Export: the PNG the panel composed, and the whole trace as a standalone HTML report, where the user says. */
import * as vscode from 'vscode';
import type { PanelData } from '../../panelData/serve';
import type { CompareReport } from '../../core/compare/compare';
import type { BisectReport } from '../../core/interventions/bisect';
import { compareReportHtml } from '../../panelData/node/compareReportHtml';
import { readReportAssets, reportHtml } from '../../panelData/node/reportHtml';
import { lastSegment } from '../../panelData/pathName';

function defaultUri(name: string): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ? vscode.Uri.joinPath(folder, name) : undefined;
}

export async function savePng(name: string, png: Uint8Array): Promise<string | null> {
  const safe = name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '') || 'attention.png';
  const uri = await vscode.window.showSaveDialog({
    defaultUri: defaultUri(safe),
    filters: { [vscode.l10n.t('PNG image')]: ['png'] },
    title: vscode.l10n.t('Save the attention view as PNG'),
  });
  if (!uri) return null;
  await vscode.workspace.fs.writeFile(uri, png);
  void vscode.window.showInformationMessage(vscode.l10n.t('Decoder Lens: saved {0}', uri.fsPath));
  return uri.fsPath;
}

export async function saveHtmlReport(data: PanelData, extensionUri: vscode.Uri, target?: vscode.Uri): Promise<string | null> {
  const name = `decoder-lens-${data.meta.model.name.replace(/[^\w.-]+/g, '_')}.html`;
  const dist = vscode.Uri.joinPath(extensionUri, 'dist').fsPath;
  return writeHtml(
    name,
    vscode.l10n.t('Export the trace as a standalone HTML report'),
    () => reportHtml(data, readReportAssets(dist)),
    target,
  );
}

/** The comparison as a standalone HTML page (the compare view's Export HTML). */
export async function saveCompareReport(
  report: CompareReport,
  extensionUri: vscode.Uri,
  target?: vscode.Uri,
  bisect?: BisectReport,
): Promise<string | null> {
  const base = (path: string) => lastSegment(path, 'model').replace(/[^\w.-]+/g, '_');
  const name = `decoder-lens-compare-${base(report.a.label)}-vs-${base(report.b.label)}.html`;
  const dist = vscode.Uri.joinPath(extensionUri, 'dist').fsPath;
  return writeHtml(
    name,
    vscode.l10n.t('Export the comparison as a standalone HTML report'),
    () => compareReportHtml(report, readReportAssets(dist, 'compare'), 'report', bisect),
    target,
  );
}

async function writeHtml(name: string, title: string, html: () => string, target?: vscode.Uri): Promise<string | null> {
  const uri =
    target ??
    (await vscode.window.showSaveDialog({ defaultUri: defaultUri(name), filters: { [vscode.l10n.t('HTML report')]: ['html'] }, title }));
  if (!uri) return null;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(html()));
  if (!target) {
    void vscode.window
      .showInformationMessage(vscode.l10n.t('Decoder Lens: wrote {0}', uri.fsPath), vscode.l10n.t('Open in Browser'))
      .then((choice) => {
        if (choice) void vscode.env.openExternal(uri);
      });
  }
  return uri.fsPath;
}
