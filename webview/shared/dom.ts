/** Builds elements from untrusted text: children are always text nodes, never parsed HTML. */
export interface ElProps {
  className?: string;
  title?: string;
  dataset?: Record<string, string>;
  /** Plain attributes (ARIA, role, tabindex, …). Event handlers and inline styles are refused: CSP forbids them. */
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: ElProps,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K];
export function el(tag: string, props?: ElProps, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, props: ElProps = {}, ...children: (Node | string)[]): HTMLElement {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.title) element.title = props.title;
  for (const [k, v] of Object.entries(props.dataset ?? {})) element.dataset[k] = v;
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (/^on/i.test(k) || k.toLowerCase() === 'style') throw new Error(`el(): attribute "${k}" is not allowed`);
    element.setAttribute(k, v);
  }
  for (const child of children) element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return element;
}

/** Sets a CSS custom property through the CSSOM (allowed by a CSP without 'unsafe-inline'). */
export function setVar(element: HTMLElement, name: `--${string}`, value: string): void {
  element.style.setProperty(name, value);
}
