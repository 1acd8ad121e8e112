import { Connection } from '../../src/protocol/rpc';
import type { PanelEvents, PanelHostMethods, PanelMethods } from '../../src/protocol/panel';
import { el } from '../shared/dom';
import { hostPort } from '../shared/vscodePort';

const root = document.getElementById('root')!;

const connection = new Connection<PanelMethods, PanelHostMethods, PanelEvents>(hostPort(), {
  showModel({ summary }) {
    root.replaceChildren(
      el('h2', {}, 'Model outputs'),
      el('p', {}, summary.path),
      ...summary.files.map((f) =>
        el('section', { className: 'model-file', dataset: { role: f.role } }, el('h3', {}, `${f.role}: ${f.file}`), el('ul', {}, ...f.outputs.map((o) => el('li', { className: 'output-name' }, o)))),
      ),
    );
  },
  showError({ message }) {
    root.replaceChildren(el('p', { className: 'error' }, message));
  },
});
connection.announceReady();
