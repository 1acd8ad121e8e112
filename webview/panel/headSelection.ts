/**
 * Heads chosen in the model grid for "Ablate and rerun": Space (or Ctrl/⌘/Shift+click) toggles a head, "all
 * heads of layer L" toggles a layer, and the button posts the choice to the host (absent in the HTML report).
 */
import type { AblateHeadsRequest } from '../../src/protocol/panel';
import type { AttentionKind } from '../../src/protocol/trace';
import { el } from '../shared/dom';
import { t } from '../shared/strings';

type Head = AblateHeadsRequest['heads'][number];

export class HeadSelection {
  readonly element: HTMLElement;
  private readonly chosen = new Map<string, Head>();
  private readonly count = el('span', { className: 'ablate-count muted' });
  private readonly layerButton = el('button', { className: 'ablate-layer', attrs: { type: 'button' } });
  private readonly mode = el('select', { className: 'ablate-mode', attrs: { 'aria-label': t('ablate.mode') } });
  private readonly run = el('button', { className: 'ablate-run', attrs: { type: 'button' } }, t('ablate.run'));
  private current: { kind: AttentionKind; layer: number; heads: number } = { kind: 'self', layer: 0, heads: 0 };

  constructor(
    private readonly post: (heads: Head[], mode: AblateHeadsRequest['mode']) => void,
    private readonly onChange: () => void,
  ) {
    for (const mode of ['zero', 'mean'] as const) this.mode.append(el('option', { attrs: { value: mode } }, t(`ablate.${mode}`)));
    const clear = el('button', { className: 'ablate-clear', attrs: { type: 'button' } }, t('ablate.clear'));
    this.layerButton.addEventListener('click', () => this.toggleLayer());
    clear.addEventListener('click', () => {
      this.chosen.clear();
      this.changed();
    });
    this.run.addEventListener('click', () => {
      if (this.chosen.size) this.post(this.heads(), this.mode.value === 'mean' ? 'mean' : 'zero');
    });
    this.element = el(
      'div',
      { className: 'ablate-bar' },
      el('span', { className: 'muted' }, t('ablate.hint')),
      this.layerButton,
      clear,
      this.mode,
      this.run,
      this.count,
    );
    this.changed();
  }

  /** The grid's kind, focused layer and its head count (what "all heads of layer L" means). */
  setCurrent(kind: AttentionKind, layer: number, heads: number): void {
    this.current = { kind, layer, heads };
    this.layerButton.textContent = t('ablate.layer', layer);
  }

  has(kind: AttentionKind, layer: number, head: number): boolean {
    return this.chosen.has(`${kind}.${layer}.${head}`);
  }

  toggle(kind: AttentionKind, layer: number, head: number): void {
    const key = `${kind}.${layer}.${head}`;
    if (this.chosen.has(key)) this.chosen.delete(key);
    else this.chosen.set(key, { kind, layer, head });
    this.changed();
  }

  /** Chooses every head of the focused layer, or clears them if all were chosen. */
  private toggleLayer(): void {
    const { kind, layer, heads } = this.current;
    const all = Array.from({ length: heads }, (_, h) => h);
    const every = all.every((h) => this.has(kind, layer, h));
    for (const h of all) {
      const key = `${kind}.${layer}.${h}`;
      if (every) this.chosen.delete(key);
      else this.chosen.set(key, { kind, layer, head: h });
    }
    this.changed();
  }

  heads(): Head[] {
    return [...this.chosen.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.layer - b.layer || a.head - b.head);
  }

  private changed(): void {
    this.count.textContent = t('ablate.count', this.chosen.size);
    this.run.toggleAttribute('disabled', this.chosen.size === 0);
    this.onChange();
  }
}
