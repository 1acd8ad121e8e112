/**
 * The compare view's header: the one-line summary of where the change concentrates, A and B (model and what
 * each generated), the vocabulary check and the notes. Paths and generated text are untrusted: text nodes only.
 */
import type { CompareSideSummary, CompareReport } from '../../src/protocol/compare';
import { el } from '../shared/dom';
import { t, tn } from '../shared/strings';
import { lastSegment } from '../../src/panelData/pathName';

export function compareHeader(report: CompareReport, actions: HTMLElement[]): HTMLElement {
  const notes: HTMLElement[] = [];
  const v = report.vocabulary;
  if (v) {
    const vocab = note(v.same ? 'info' : 'warning', t('compare.vocabulary'), v.note, 'vocabulary-note');
    if (!v.same && v.examples.length) vocab.append(el('ul', { className: 'examples' }, ...v.examples.map((e) => el('li', {}, e))));
    notes.push(vocab);
  }
  for (const n of report.notes) if (!v || n !== v.note) notes.push(note('info', '', n, 'report-note'));
  return el(
    'header',
    { className: 'compare-header' },
    el(
      'div',
      { className: 'title-row' },
      el('h1', {}, t('compare.title')),
      el(
        'span',
        { className: 'facts' },
        `${tn(report.commonPositions, 'compare.shared.one', 'compare.shared.other')} · ${tn(report.steps.length, 'compare.stepsCompared.one', 'compare.stepsCompared.other')}`,
      ),
      el('span', { className: 'actions' }, ...actions),
    ),
    el('p', { className: 'summary', attrs: { role: 'status' } }, report.summary),
    el('div', { className: 'sides' }, side('A', report.a), side('B', report.b)),
    ...notes,
  );
}

function side(name: 'A' | 'B', s: CompareSideSummary): HTMLElement {
  return el(
    'div',
    { className: `side side-${name.toLowerCase()}` },
    el('span', { className: 'side-name' }, name),
    el(
      'span',
      { className: 'side-model', title: s.label },
      el('strong', {}, lastSegment(s.label)),
      el('span', { className: 'side-path muted' }, s.label),
    ),
    el(
      'span',
      { className: 'side-generated', title: `${s.steps} generated ${s.steps === 1 ? 'token' : 'tokens'}` },
      s.generatedText === '' ? el('em', { className: 'muted' }, '(nothing generated)') : s.generatedText,
    ),
  );
}

function note(icon: 'warning' | 'info', lead: string, text: string, className: string): HTMLElement {
  return el(
    'div',
    { className: `note note-${icon} ${className}` },
    el('span', { className: `codicon codicon-${icon}`, attrs: { 'aria-hidden': 'true' } }),
    lead ? el('strong', {}, lead) : '',
    text,
  );
}
