/**
 * The findings of the checks: one button per finding (severity icon, plain-language message, the run that showed
 * it); picking one shows its layer with its cells highlighted. Messages quote token text: text nodes only.
 */
import type { InspectorSnapshot } from '../../src/protocol/inspector';
import { el } from '../shared/dom';
import { t } from '../shared/strings';

const ICON = { error: 'codicon-error', warning: 'codicon-warning', info: 'codicon-info' } as const;

export class FindingsList {
  readonly element = el('div', { className: 'findings', attrs: { role: 'list', 'aria-label': t('findings.aria') } });

  constructor(private readonly onPick: (index: number) => void) {
    this.element.addEventListener('click', (e) => {
      const i = (e.target as HTMLElement).closest<HTMLElement>('[data-finding]')?.dataset.finding;
      if (i !== undefined) this.onPick(Number(i));
    });
  }

  update(snapshot: InspectorSnapshot, picked: number | null): void {
    const runLabel = (runId: string) => snapshot.runs.find((r) => r.runId === runId)?.label ?? '';
    const items: HTMLElement[] = snapshot.findings.map((f, i) => {
      const cells = f.cellCount ? ` · ${f.cellCount} cell${f.cellCount === 1 ? '' : 's'}` : '';
      return el(
        'div',
        { attrs: { role: 'listitem' } },
        el(
          'button',
          {
            className: `finding ${f.severity}${picked === i ? ' picked' : ''}`,
            dataset: { finding: String(i), check: f.check },
            attrs: { type: 'button', 'aria-pressed': String(picked === i) },
          },
          el('span', { className: `codicon ${ICON[f.severity]}`, attrs: { 'aria-label': f.severity } }),
          el('span', { className: 'finding-text' }, f.message, el('span', { className: 'finding-where' }, `${runLabel(f.runId)}${cells}`)),
        ),
      );
    });
    if (snapshot.findings.length === 0 && !snapshot.checking) {
      items.push(
        el(
          'div',
          { className: 'all-clear', attrs: { role: 'listitem' } },
          el('span', { className: 'codicon codicon-pass', attrs: { 'aria-hidden': 'true' } }),
          t('findings.allClear'),
        ),
      );
    }
    if (snapshot.checking)
      items.push(
        el(
          'div',
          { className: 'checking', attrs: { role: 'listitem' } },
          el('span', { className: 'codicon codicon-loading codicon-modifier-spin', attrs: { 'aria-hidden': 'true' } }),
          t('findings.checking'),
        ),
      );
    for (const note of snapshot.checkNotes)
      items.push(
        el(
          'div',
          { className: 'check-note', attrs: { role: 'listitem' } },
          el('span', { className: 'codicon codicon-info', attrs: { 'aria-hidden': 'true' } }),
          note,
        ),
      );
    this.element.replaceChildren(...items);
  }
}
