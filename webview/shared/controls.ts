/** Controls more than one view uses: the attention-kind tabs and a labelled icon button (@vscode-elements). */
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { AttentionKind } from '../../src/protocol/trace';
import { el } from './dom';
import { t } from './strings';

const kindLabel = (kind: AttentionKind): string => t(`kind.${kind}`);

/** Kind tabs; the shared views go in their default slot (no tab panels: every kind uses the same views). */
export class KindTabs {
  readonly element: HTMLElement;
  private kinds: AttentionKind[] = [];

  constructor(
    content: HTMLElement,
    private readonly onKind: (kind: AttentionKind) => void,
  ) {
    this.element = el('vscode-tabs', { className: 'kind-tabs' }, content);
    this.element.addEventListener('vsc-tabs-select', (e) => {
      const kind = this.kinds[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex];
      if (kind) this.onKind(kind);
    });
  }

  setKinds(kinds: AttentionKind[], selected: AttentionKind): void {
    this.kinds = kinds;
    this.element.querySelectorAll('vscode-tab-header').forEach((h) => h.remove());
    // A decoder-only model has one kind: no tabs to pick from.
    if (kinds.length > 1)
      this.element.prepend(...kinds.map((k) => el('vscode-tab-header', { dataset: { kind: k }, attrs: { slot: 'header' } }, kindLabel(k))));
    this.select(selected);
  }

  select(kind: AttentionKind): void {
    this.element.setAttribute('selected-index', String(Math.max(0, this.kinds.indexOf(kind))));
  }
}

export function actionButton(icon: string, label: string, onClick: () => void, className: string): HTMLElement {
  const button = el('vscode-button', { className, title: label, attrs: { icon, secondary: '' } }, label);
  button.addEventListener('click', onClick);
  return button;
}
