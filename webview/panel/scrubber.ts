/** The step scrubber: a slider over the generated steps; moving it selects the query that predicted the step. */
import type { PanelTraceMeta } from '../../src/protocol/panel';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { displayText, formatProb } from '../shared/tokenText';
import { stepOfQuery } from './tokens';

export class Scrubber {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly label: HTMLElement;

  constructor(onStep: (step: number) => void) {
    this.input = el('input', {
      className: 'scrub',
      attrs: { type: 'range', min: '0', max: '0', step: '1', 'aria-label': t('scrubber.aria') },
    });
    this.label = el('span', { className: 'scrub-label', attrs: { 'aria-live': 'polite' } });
    this.input.addEventListener('input', () => onStep(Number(this.input.value)));
    this.element = el(
      'div',
      { className: 'scrubber' },
      el('span', { className: 'codicon codicon-debug-step-over', attrs: { 'aria-hidden': 'true' } }),
      this.input,
      this.label,
    );
  }

  setTrace(meta: PanelTraceMeta): void {
    this.element.hidden = meta.generated.length === 0;
    this.input.max = String(Math.max(0, meta.generated.length - 1));
  }

  setQuery(meta: PanelTraceMeta, query: number, onPositions: boolean): void {
    const step = onPositions ? stepOfQuery(meta, query) : null;
    this.input.disabled = step === null && !onPositions;
    if (step === null) {
      this.label.textContent = t(onPositions ? 'scrubber.noStep' : 'scrubber.decoderOnly');
      this.element.classList.add('idle');
      return;
    }
    this.element.classList.remove('idle');
    this.input.value = String(step);
    const g = meta.generated[step];
    this.label.textContent = `Step ${step + 1} of ${meta.generated.length}: chose “${displayText(g)}” (${formatProb(g.prob)})`;
  }
}
