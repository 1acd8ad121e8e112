/**
 * The input mask over the tokens (attention_mask, or encoder_attention_mask of an encoder-decoder model): one
 * toggle per token. Click one, or press on one and drag across others, to hide or show them; arrow keys move
 * between tokens and Space or Enter toggles. Token text is untrusted: it only ever becomes a text node.
 */
import type { ViewToken } from '../../src/protocol/trace';
import { displayText } from '../shared/tokenText';
import { el } from '../shared/dom';
import { t } from '../shared/strings';

export class MaskStrip {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private buttons: HTMLButtonElement[] = [];
  private mask: number[] = [];
  private focusIndex = 0;
  /** While a pointer is down: the value every token it passes gets. */
  private painting: number | null = null;

  constructor(private readonly onChange: (mask: number[]) => void) {
    this.list = el('div', {
      className: 'mask-tokens',
      attrs: { role: 'group', 'aria-label': t('strip.maskAria') },
    });
    this.element = this.list;
    this.list.addEventListener('pointerdown', (e) => {
      const i = this.indexOf(e.target);
      if (i < 0 || e.button !== 0) return;
      e.preventDefault();
      // Touch captures the pointer on the first token; release it so the drag reaches the others.
      (e.target as Element).releasePointerCapture?.(e.pointerId);
      this.painting = this.mask[i] ? 0 : 1;
      this.focus(i);
      this.set(i, this.painting);
    });
    this.list.addEventListener('pointerover', (e) => {
      const i = this.indexOf(e.target);
      if (this.painting !== null && i >= 0) this.set(i, this.painting);
    });
    const stop = () => (this.painting = null);
    window.addEventListener('pointerup', stop);
    window.addEventListener('pointercancel', stop);
    // Pointer presses were handled above; a click with detail 0 comes from the keyboard (Space, Enter).
    this.list.addEventListener('click', (e) => {
      const i = this.indexOf(e.target);
      if (i >= 0 && e.detail === 0) this.set(i, this.mask[i] ? 0 : 1);
    });
    this.list.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Shows the tokens with `mask`; `applied` is the mask of the run shown (edits differ from it). */
  update(tokens: ViewToken[], mask: number[], applied: Uint8Array, encoderDecoder: boolean): void {
    this.mask = [...mask];
    if (this.buttons.length !== tokens.length || this.list.dataset.tokens !== tokens.map((t) => t.id).join()) {
      this.list.dataset.tokens = tokens.map((t) => t.id).join();
      this.buttons = tokens.map((t, i) => {
        const classes = ['mtok', t.special ? 'special' : '', t.partial ? 'partial' : ''].filter(Boolean).join(' ');
        return el('button', { className: classes, dataset: { i: String(i) }, attrs: { type: 'button', tabindex: '-1' } }, displayText(t));
      });
      this.list.replaceChildren(...this.buttons);
      this.focusIndex = Math.min(this.focusIndex, Math.max(0, tokens.length - 1));
    }
    this.buttons.forEach((b, i) => {
      const hidden = this.mask[i] === 0;
      b.classList.toggle('hidden', hidden);
      b.classList.toggle('edited', this.mask[i] !== applied[i]);
      b.setAttribute('aria-pressed', String(hidden));
      b.tabIndex = i === this.focusIndex ? 0 : -1;
      b.title = `${t(encoderDecoder ? 'strip.sourceToken' : 'strip.token', i, JSON.stringify(tokens[i].text), tokens[i].id, t(hidden ? 'grid.hidden' : 'strip.shown'))}${this.mask[i] !== applied[i] ? ` ${t('strip.edited')}` : ''}`;
    });
  }

  private set(i: number, value: number): void {
    if (this.mask[i] === value) return;
    this.mask[i] = value;
    this.onChange([...this.mask]);
  }

  private focus(i: number): void {
    this.focusIndex = i;
    this.buttons.forEach((b, j) => (b.tabIndex = j === i ? 0 : -1));
    this.buttons[i]?.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const i = this.indexOf(e.target);
    if (i < 0) return;
    const moves: Record<string, number> = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1, Home: -Infinity, End: Infinity };
    if (!(e.key in moves)) return;
    e.preventDefault();
    this.focus(Math.max(0, Math.min(this.buttons.length - 1, i + moves[e.key])));
  }

  private indexOf(target: EventTarget | null): number {
    const node = (target as HTMLElement | null)?.closest?.<HTMLElement>('.mtok');
    return node ? Number(node.dataset.i) : -1;
  }
}
