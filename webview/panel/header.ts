/** The trace header: model, input size, how generation stopped, and what could not be captured (and why). */
import type { PanelTraceMeta } from '../../src/protocol/panel';
import { el } from '../shared/dom';

export function traceHeader(meta: PanelTraceMeta, actions: HTMLElement[]): HTMLElement {
  const m = meta.model;
  const facts = [
    m.architecture,
    `${m.layers} layers × ${m.heads} heads`,
    `${meta.inputTokens.length} input tokens`,
    `${meta.generated.length} generated (${meta.stopReason === 'eos' ? 'stopped at end of sequence' : meta.stopReason === 'scored' ? 'scored, nothing generated' : 'stopped at max new tokens'})`,
    `KV cache ${m.kvCache ? 'on' : 'off'}`,
  ];
  const notes: HTMLElement[] = [];
  if (meta.dropped.length) notes.push(note('warning', 'Not captured in full: ', meta.dropped.join('; ')));
  for (const u of meta.unavailable) notes.push(note('info', `No probabilities for ${u.node}: `, u.reason));
  const averaged = meta.captures.filter((c) => c.headAveraged).map((c) => `${c.kind} L${c.layer}`);
  if (averaged.length) notes.push(note('info', 'Heads averaged by the capture cap: ', averaged.join(', ')));
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
