/** The model summary ("Inspect Model Outputs") and error views the host can ask the panel to show. */
import type { ModelSummary } from '../../src/protocol/model';
import { el } from '../shared/dom';
import { t } from '../shared/strings';

export function modelSummary(summary: ModelSummary): HTMLElement {
  return el(
    'section',
    { className: 'model-summary' },
    el('h2', {}, t('summary.title')),
    el('p', {}, summary.path),
    ...summary.files.map((f) =>
      el(
        'section',
        { className: 'model-file', dataset: { role: f.role } },
        el('h3', {}, `${f.role}: ${f.file}`),
        el('ul', {}, ...f.outputs.map((o) => el('li', { className: 'output-name' }, o))),
      ),
    ),
  );
}

export function errorView(message: string): HTMLElement {
  return el(
    'p',
    { className: 'error', attrs: { role: 'alert' } },
    el('span', { className: 'codicon codicon-error', attrs: { 'aria-hidden': 'true' } }),
    message,
  );
}
