/**
 * The standalone compare report: the page carries the comparison (JSON, base64) and answers the view's requests
 * itself over an in-page channel. It has no traces, so showing A or B in the attention panel says where to do it.
 */
import { Connection } from '../../src/protocol/rpc';
import type { CompareHostEvents, CompareHostMethods, CompareViewEvents, CompareViewMethods } from '../../src/protocol/compare';
import { reviveCompareOpen } from '../../src/panelData/compareReport';
import { readComparePage } from '../../src/panelData/embedded';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { localPortPair } from '../shared/vscodePort';
import { CompareApp } from './app';

export function startCompareReport(root: HTMLElement, base64: string): void {
  let page: { open?: unknown; text?: unknown };
  try {
    page = readComparePage(base64);
  } catch (error) {
    root.replaceChildren(el('p', { className: 'error' }, t('report.damaged', (error as Error).message)));
    return;
  }
  const open = reviveCompareOpen(page.open);
  if (!open) {
    root.replaceChildren(el('p', { className: 'error' }, t('compare.unreadable')));
    return;
  }
  const text = typeof page.text === 'string' ? page.text : '';
  const [hostSide, pageSide] = localPortPair();
  new Connection<CompareHostMethods, CompareViewMethods, CompareHostEvents, CompareViewEvents>(hostSide, {
    open: () => open,
    openTrace: () => ({ shown: false, message: t('compare.noTraces') }),
    openText: () => download('decoder-lens-compare.txt', text),
    exportHtml: () => ({ saved: null }),
    bisect: () => ({ ran: false, message: t('compare.noTraces') }),
  });
  let state: unknown;
  const app = new CompareApp(root, {
    connection: new Connection<CompareViewMethods, CompareHostMethods, CompareViewEvents, CompareHostEvents>(pageSide),
    getState: () => state,
    setState: (s) => (state = s),
    standalone: true,
  });
  void app.start();
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
