/** The trace header: model, input size, how generation stopped, and what could not be captured (and why). */
import type { PanelTraceMeta } from '../../src/protocol/panel';
import { el } from '../shared/dom';
import { t } from '../shared/strings';

export function traceHeader(meta: PanelTraceMeta, actions: HTMLElement[]): HTMLElement {
  const m = meta.model;
  const facts = [
    m.architecture,
    t('header.size', m.layers, m.heads),
    t('header.inputTokens', meta.inputTokens.length),
    t('header.generated', meta.generated.length, t(`header.stop.${meta.stopReason}`)),
    t(m.kvCache ? 'header.kvOn' : 'header.kvOff'),
  ];
  const notes: HTMLElement[] = [];
  if (meta.dropped.length) notes.push(note('warning', t('header.dropped'), meta.dropped.join('; ')));
  for (const u of meta.unavailable) notes.push(note('info', t('header.unavailable', u.node), u.reason));
  const averaged = meta.captures.filter((c) => c.headAveraged).map((c) => `${c.kind} L${c.layer}`);
  if (averaged.length) notes.push(note('info', t('header.averaged'), averaged.join(', ')));
  return el(
    'header',
    { className: 'trace-header' },
    el(
      'div',
      { className: 'title-row' },
      el('h1', { title: m.path }, m.name),
      el('span', { className: 'facts' }, facts.join(' · ')),
      el('span', { className: 'actions' }, ...actions),
    ),
    ...notes,
  );
}

function note(icon: 'warning' | 'info', lead: string, text: string): HTMLElement {
  return el(
    'p',
    { className: `note note-${icon}` },
    el('span', { className: `codicon codicon-${icon}`, attrs: { 'aria-hidden': 'true' } }),
    el('strong', {}, lead),
    text,
  );
}
