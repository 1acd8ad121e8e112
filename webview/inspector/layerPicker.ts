/**
 * Kind tabs (self, cross, encoder) and one small mask per layer of that kind, each a button: click or
 * Enter picks the layer shown large. A layer whose mask differs from what it should be is flagged.
 */
import type { InspectorGrid } from '../../src/protocol/inspector';
import type { AttentionKind } from '../../src/protocol/trace';
import { el } from '../shared/dom';
import { t } from '../shared/strings';
import { paintBytes } from '../shared/heatmap';
import type { Theme } from '../shared/theme';
import { differences } from './maskGrid';

const THUMB = 44;

export class LayerPicker {
  readonly element: HTMLElement;
  private readonly tabs = el('div', { className: 'kind-switch', attrs: { role: 'tablist', 'aria-label': t('picker.kindAria') } });
  private readonly layers = el('div', { className: 'layer-thumbs', attrs: { role: 'group', 'aria-label': t('picker.layersAria') } });

  constructor(on: { kind(kind: AttentionKind): void; layer(layer: number): void }) {
    this.element = el('div', { className: 'layer-picker' }, this.tabs, this.layers);
    this.tabs.addEventListener('click', (e) => {
      const kind = (e.target as HTMLElement).closest<HTMLElement>('[data-kind]')?.dataset.kind;
      if (kind) on.kind(kind as AttentionKind);
    });
    this.tabs.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      const tabs = [...this.tabs.querySelectorAll<HTMLElement>('[data-kind]')];
      const i = tabs.indexOf(e.target as HTMLElement);
      const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
      next?.focus();
      if (next) on.kind(next.dataset.kind as AttentionKind);
    });
    this.layers.addEventListener('click', (e) => {
      const layer = (e.target as HTMLElement).closest<HTMLElement>('[data-layer]')?.dataset.layer;
      if (layer !== undefined) on.layer(Number(layer));
    });
  }

  update(kinds: AttentionKind[], kind: AttentionKind, grids: InspectorGrid[], layer: number, theme: Theme, lut: Uint8ClampedArray): void {
    this.tabs.hidden = kinds.length < 2;
    this.tabs.replaceChildren(
      ...kinds.map((k) => {
        const bad = grids.some((g) => g.kind === k && differences(g).includes(1));
        const tab = el(
          'button',
          {
            className: `kind-tab${bad ? ' bad' : ''}`,
            dataset: { kind: k },
            attrs: { type: 'button', role: 'tab', 'aria-selected': String(k === kind), tabindex: k === kind ? '0' : '-1' },
          },
          t(`kindShort.${k}`),
        );
        if (bad) tab.append(el('span', { className: 'codicon codicon-warning', attrs: { 'aria-label': t('picker.differs') } }));
        return tab;
      }),
    );
    this.layers.replaceChildren(
      ...grids
        .filter((g) => g.kind === kind)
        .map((g) => {
          // A fused op's layer is also flagged where its implied mask and the observed zeros differ.
          const bad = differences(g).includes(1) || (g.implied?.differing ?? 0) > 0;
          const canvas = el('canvas', { className: 'layer-canvas', attrs: { 'aria-hidden': 'true' } });
          paintBytes(
            canvas,
            g.applied ? g.applied.map((v) => (v ? 160 : 0)) : g.weight,
            g.rows,
            g.cols,
            lut,
            g.applied ? g.applied.map((v) => (v ? 0 : 1)) : undefined,
            theme.masked,
          );
          canvas.style.width = canvas.style.height = `${THUMB}px`;
          const status = bad
            ? 'mask differs from what it should be'
            : g.applied
              ? 'mask as expected'
              : g.implied
                ? `mask applied inside ${g.implied.op}, as it implies`
                : 'no mask captured';
          return el(
            'button',
            {
              className: `layer-thumb${g.layer === layer ? ' selected' : ''}${bad ? ' bad' : ''}`,
              title: `Layer ${g.layer}: ${status}`,
              dataset: { layer: String(g.layer) },
              attrs: { type: 'button', 'aria-pressed': String(g.layer === layer), 'aria-label': `Layer ${g.layer}: ${status}` },
            },
            canvas,
            el(
              'span',
              { className: 'thumb-label' },
              `L${g.layer}`,
              el('span', {
                className: `codicon ${bad ? 'codicon-warning' : g.applied || g.implied ? 'codicon-check' : 'codicon-circle-slash'}`,
                attrs: { 'aria-hidden': 'true' },
              }),
            ),
          );
        }),
    );
  }
}
