/**
 * The header: the model, the runs to switch between (radio buttons: the original, a check decode that showed a
 * finding, the rerun) and Reset, which drops the rerun.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { InspectorSnapshot } from '../../src/protocol/inspector';
import { el } from '../shared/dom';
import { t } from '../shared/strings';

export class RunBar {
  readonly element: HTMLElement;
  private readonly title = el('p', { className: 'model-line' });
  private readonly runs = el('div', { className: 'runs', attrs: { role: 'radiogroup', 'aria-label': t('runs.aria') } });
  private readonly reset: HTMLElement;

  constructor(on: { run(runId: string): void; reset(): void }) {
    this.reset = el(
      'vscode-button',
      { className: 'reset', title: t('runs.resetTitle'), attrs: { secondary: '', icon: 'discard' } },
      t('runs.reset'),
    );
    this.reset.addEventListener('click', () => on.reset());
    this.runs.addEventListener('change', (e) => {
      const input = e.target as HTMLInputElement;
      if (input.checked) on.run(input.value);
    });
    this.element = el('header', { className: 'run-bar' }, this.title, el('div', { className: 'run-row' }, this.runs, this.reset));
  }

  update(snapshot: InspectorSnapshot, runId: string): void {
    const m = snapshot.model;
    this.title.textContent = `${m.name} · ${m.architecture}${m.kvCache ? ` · ${t('runs.kvCache')}` : ''}`;
    this.title.title = m.path;
    this.runs.replaceChildren(
      ...snapshot.runs.map((r) => {
        const input = el('input', { attrs: { type: 'radio', name: 'run', value: r.runId } });
        input.checked = r.runId === runId;
        return el('label', { className: `run-choice ${r.role}`, dataset: { role: r.role } }, input, r.label);
      }),
    );
    this.runs.hidden = snapshot.runs.length < 2;
    this.reset.hidden = !snapshot.runs.some((r) => r.role === 'rerun');
  }
}
