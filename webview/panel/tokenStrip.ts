/**
 * The token strip: every input and generated token, tinted by surprisal, whitespace and special tokens visible,
 * the selected query outlined and the token it predicted underlined. Click or arrow keys select the query.
 * Token text is untrusted: it only ever becomes a text node.
 */
import type { PanelTraceMeta } from '../../src/protocol/panel';
import { el, setVar } from '../shared/dom';
import { t } from '../shared/strings';
import { formatProb } from '../shared/tokenText';
import { FULL_TINT_BITS, stepOfQuery, stripItems, type StripItem } from './tokens';

export class TokenStrip {
  readonly element: HTMLElement;
  private items: StripItem[] = [];
  private nodes: HTMLElement[] = [];
  private axis: 'positions' | 'input' = 'positions';
  private selected = -1;

  constructor(private readonly onSelect: (axis: 'positions' | 'input', index: number) => void) {
    this.element = el('div', {
      className: 'strip',
      attrs: { role: 'listbox', tabindex: '0', 'aria-label': t('strip.aria') },
    });
    this.element.addEventListener('click', (e) => {
      const node = (e.target as HTMLElement).closest<HTMLElement>('.tok');
      const item = node ? this.items[Number(node.dataset.i)] : undefined;
      if (item) this.onSelect(item.axis, item.select);
    });
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  setTrace(meta: PanelTraceMeta): void {
    this.items = stripItems(meta);
    this.nodes = this.items.map((item, i) => {
      const classes = ['tok', item.role];
      if (item.token.special) classes.push('special');
      if (item.token.partial) classes.push('partial');
      const node = el(
        'span',
        {
          className: classes.join(' '),
          title: item.title,
          dataset: { i: String(i), axis: item.axis },
          attrs: { role: 'option', id: `tok-${i}`, 'aria-selected': 'false' },
        },
        item.label,
      );
      setVar(node, '--tint', item.tint.toFixed(3));
      if (item.role === 'generated') node.append(confidenceBar(item.prob));
      return node;
    });
    const firstGenerated = this.items.findIndex((i) => i.role === 'generated' || i.role === 'decoder-start');
    const children: Node[] = [...this.nodes];
    if (firstGenerated > 0)
      children.splice(
        firstGenerated,
        0,
        el('span', {
          className: 'strip-sep codicon codicon-arrow-right',
          title: 'generated from here on',
          attrs: { 'aria-hidden': 'true' },
        }),
      );
    const legend = el('div', { className: 'strip-legend' }, t('strip.legend', FULL_TINT_BITS));
    this.element.replaceChildren(el('div', { className: 'strip-tokens' }, ...children), legend);
  }

  /** Marks the selected query on the axis of the current kind, and the token that query predicted. */
  setSelection(meta: PanelTraceMeta, axis: 'positions' | 'input', query: number): void {
    this.axis = axis;
    const step = axis === 'positions' ? stepOfQuery(meta, query) : null;
    this.selected = -1;
    this.items.forEach((item, i) => {
      const isQuery = item.axis === axis && item.index === query;
      const node = this.nodes[i];
      node.classList.toggle('query', isQuery);
      node.classList.toggle('next', step !== null && item.role === 'generated' && isNextOf(this.items, i, step));
      node.classList.toggle('other-axis', item.axis !== axis);
      node.setAttribute('aria-selected', String(isQuery));
      if (isQuery) this.selected = i;
    });
    if (this.selected >= 0) {
      this.element.setAttribute('aria-activedescendant', `tok-${this.selected}`);
      this.nodes[this.selected].scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    }
  }

  private onKey(e: KeyboardEvent): void {
    const onAxis = this.items.map((item, i) => ({ item, i })).filter(({ item }) => item.axis === this.axis && item.index !== null);
    if (!onAxis.length) return;
    const at = Math.max(
      0,
      onAxis.findIndex(({ i }) => i === this.selected),
    );
    let to = at;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') to = at + 1;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') to = at - 1;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = onAxis.length - 1;
    else return;
    e.preventDefault();
    const target = onAxis[Math.max(0, Math.min(onAxis.length - 1, to))].item;
    this.onSelect(target.axis, target.index!);
  }
}

/** Generated step s's own token is the s-th generated item. */
function isNextOf(items: StripItem[], i: number, step: number): boolean {
  let s = -1;
  for (let j = 0; j <= i; j++) if (items[j].role === 'generated') s++;
  return s === step;
}

function confidenceBar(prob: number): HTMLElement {
  const bar = el('span', { className: 'conf', title: t('strip.barTitle', formatProb(prob)), attrs: { 'aria-hidden': 'true' } });
  setVar(bar, '--p', String(Number.isFinite(prob) ? Math.max(0, Math.min(1, prob)) : 0));
  return bar;
}
