/**
 * The panel's controls, from @vscode-elements (only the components used are imported, to keep the bundle small):
 * the layer and head pickers and the colour-scale switch (the kind tabs and buttons are in webview/shared/controls.ts).
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { HeadChoice, PanelUiState } from '../../src/protocol/panel';
import type { AttentionKind } from '../../src/protocol/trace';
import { el } from '../shared/dom';
import { t } from '../shared/strings';

export interface ControlEvents {
  kind(kind: AttentionKind): void;
  layer(layer: number): void;
  head(head: HeadChoice): void;
  scale(scale: 'sqrt' | 'linear'): void;
}

/** Layer, head and scale pickers above the head view. */
export class HeadControls {
  readonly element: HTMLElement;
  private readonly layer: HTMLElement & { value: string };
  private readonly head: HTMLElement & { value: string };
  private readonly scale: HTMLElement & { checked: boolean };

  constructor(on: ControlEvents) {
    this.layer = el('vscode-single-select', { className: 'pick-layer', attrs: { 'aria-label': t('control.layer') } }) as HTMLElement & {
      value: string;
    };
    this.head = el('vscode-single-select', { className: 'pick-head', attrs: { 'aria-label': t('control.head') } }) as HTMLElement & {
      value: string;
    };
    this.scale = el('vscode-checkbox', {
      className: 'pick-scale',
      title: t('control.sqrtTitle'),
      attrs: { label: t('control.sqrt') },
    }) as HTMLElement & { checked: boolean };
    this.layer.addEventListener('change', () => on.layer(Number(this.layer.value)));
    this.head.addEventListener('change', () => on.head(this.head.value === 'mean' ? 'mean' : Number(this.head.value)));
    this.scale.addEventListener('change', () => on.scale(this.scale.checked ? 'sqrt' : 'linear'));
    this.element = el(
      'div',
      { className: 'head-controls' },
      el('label', {}, t('control.layer')),
      this.layer,
      el('label', {}, t('control.head')),
      this.head,
      this.scale,
    );
  }

  set(state: PanelUiState, layers: number[], heads: HeadChoice[]): void {
    fill(
      this.layer,
      layers.map((l) => [String(l), t('control.layerN', l)]),
      String(state.layer),
    );
    fill(
      this.head,
      heads.map((h) => [String(h), h === 'mean' ? t('control.headMean') : t('control.headN', h)]),
      String(state.head),
    );
    this.scale.checked = state.scale === 'sqrt';
  }
}

/** Replaces a select's options only when they changed (rebuilding resets its open state and focus). */
function fill(select: HTMLElement & { value: string }, options: [string, string][], value: string): void {
  const key = options.map(([v]) => v).join(',');
  if (select.dataset.options !== key) {
    select.dataset.options = key;
    select.replaceChildren(...options.map(([v, label]) => el('vscode-option', { attrs: { value: v } }, label)));
  }
  if (select.value !== value) select.value = value;
  // The element reads its options after they render; set the value again then.
  queueMicrotask(() => {
    if (select.value !== value) select.value = value;
  });
}
