/**
 * The panel's controls, from @vscode-elements (only the components used are imported, to keep the bundle small):
 * kind tabs, layer and head pickers, the colour-scale switch, and the export buttons.
 */
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HeadChoice, PanelKind, PanelUiState } from '../../src/protocol/panel';
import { el } from '../shared/dom';

const KIND_LABEL: Record<PanelKind, string> = { self: 'Self-attention', cross: 'Cross-attention', encoder: 'Encoder' };

export interface ControlEvents {
  kind(kind: PanelKind): void;
  layer(layer: number): void;
  head(head: HeadChoice): void;
  scale(scale: 'sqrt' | 'linear'): void;
}

/** Kind tabs; the shared views go in their default slot (no tab panels: every kind uses the same views). */
export class KindTabs {
  readonly element: HTMLElement;
  private kinds: PanelKind[] = [];

  constructor(
    content: HTMLElement,
    private readonly onKind: (kind: PanelKind) => void,
  ) {
    this.element = el('vscode-tabs', { className: 'kind-tabs' }, content);
    this.element.addEventListener('vsc-tabs-select', (e) => {
      const kind = this.kinds[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex];
      if (kind) this.onKind(kind);
    });
  }

  setKinds(kinds: PanelKind[], selected: PanelKind): void {
    this.kinds = kinds;
    this.element.querySelectorAll('vscode-tab-header').forEach((h) => h.remove());
    // A decoder-only model has one kind: no tabs to pick from.
    if (kinds.length > 1)
      this.element.prepend(
        ...kinds.map((k) => el('vscode-tab-header', { dataset: { kind: k }, attrs: { slot: 'header' } }, KIND_LABEL[k])),
      );
    this.select(selected);
  }

  select(kind: PanelKind): void {
    this.element.setAttribute('selected-index', String(Math.max(0, this.kinds.indexOf(kind))));
  }
}

/** Layer, head and scale pickers above the head view. */
export class HeadControls {
  readonly element: HTMLElement;
  private readonly layer: HTMLElement & { value: string };
  private readonly head: HTMLElement & { value: string };
  private readonly scale: HTMLElement & { checked: boolean };

  constructor(on: ControlEvents) {
    this.layer = el('vscode-single-select', { className: 'pick-layer', attrs: { 'aria-label': 'Layer' } }) as HTMLElement & {
      value: string;
    };
    this.head = el('vscode-single-select', { className: 'pick-head', attrs: { 'aria-label': 'Head' } }) as HTMLElement & { value: string };
    this.scale = el('vscode-checkbox', {
      className: 'pick-scale',
      title: '√ scale spreads the small weights attention is mostly made of',
      attrs: { label: '√ colour scale' },
    }) as HTMLElement & { checked: boolean };
    this.layer.addEventListener('change', () => on.layer(Number(this.layer.value)));
    this.head.addEventListener('change', () => on.head(this.head.value === 'mean' ? 'mean' : Number(this.head.value)));
    this.scale.addEventListener('change', () => on.scale(this.scale.checked ? 'sqrt' : 'linear'));
    this.element = el(
      'div',
      { className: 'head-controls' },
      el('label', {}, 'Layer'),
      this.layer,
      el('label', {}, 'Head'),
      this.head,
      this.scale,
    );
  }

  set(state: PanelUiState, layers: number[], heads: HeadChoice[]): void {
    fill(
      this.layer,
      layers.map((l) => [String(l), `Layer ${l}`]),
      String(state.layer),
    );
    fill(
      this.head,
      heads.map((h) => [String(h), h === 'mean' ? 'Mean of heads' : `Head ${h}`]),
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

export function actionButton(icon: string, label: string, onClick: () => void, className: string): HTMLElement {
  const button = el('vscode-button', { className, title: label, attrs: { icon, secondary: '' } }, label);
  button.addEventListener('click', onClick);
  return button;
}
