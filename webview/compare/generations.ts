/**
 * The two generations side by side: one column per step, A's token above B's, whitespace visible, the step where
 * they part marked, the steps after it (the runs continue from different text) faded. Token text only ever
 * becomes a text node.
 */
import type { CompareReport } from '../../src/protocol/compare';
import { displayText, formatProb } from '../shared/tokenText';
import { el, setVar } from '../shared/dom';
import { t, tn } from '../shared/strings';
import { formatDelta } from './model';

export function generationsView(report: CompareReport): HTMLElement {
  const first = report.firstDifferingStep;
  const status =
    first !== null
      ? el(
          'p',
          { className: 'gen-status parted-status' },
          el('span', { className: 'codicon codicon-git-compare', attrs: { 'aria-hidden': 'true' } }),
          t('gen.parted', first + 1),
        )
      : report.sameInput
        ? el(
            'p',
            { className: 'gen-status same-status' },
            el('span', { className: 'codicon codicon-pass', attrs: { 'aria-hidden': 'true' } }),
            t(report.a.steps === report.b.steps ? 'gen.same' : 'gen.sameShared'),
          )
        : el(
            'p',
            { className: 'gen-status' },
            el('span', { className: 'codicon codicon-warning', attrs: { 'aria-hidden': 'true' } }),
            t('gen.inputsDiffer'),
          );
  if (!report.steps.length)
    return el(
      'section',
      { className: 'generations' },
      el('h2', {}, t('gen.title')),
      status,
      el('p', { className: 'muted' }, t('gen.none')),
    );

  const head = el('tr', {}, el('th', { attrs: { scope: 'col' } }, t('gen.step')));
  const rowA = el('tr', { className: 'row-a' }, el('th', { attrs: { scope: 'row' }, title: report.a.label }, 'A'));
  const rowB = el('tr', { className: 'row-b' }, el('th', { attrs: { scope: 'row' }, title: report.b.label }, 'B'));
  const rowD = el('tr', { className: 'row-delta' }, el('th', { attrs: { scope: 'row' }, title: t('gen.deltaTitle') }, 'Δp'));
  for (const s of report.steps) {
    const parted = s.step === first;
    const classes = [parted ? 'parted' : '', s.sameContext ? '' : 'after'].filter(Boolean).join(' ');
    const dataset = { step: String(s.step) };
    const stepLabel = el('th', { className: classes, dataset, attrs: { scope: 'col' } }, String(s.step + 1));
    if (parted) stepLabel.append(el('span', { className: 'parts-here' }, t('gen.partsHere')));
    head.append(stepLabel);
    const differs = s.a.id !== s.b.id || s.a.text !== s.b.text;
    rowA.append(tokenCell(s.a, classes, dataset, t('gen.cellA', s.step + 1)));
    rowB.append(
      tokenCell(
        s.b,
        [classes, differs ? 'differs' : ''].filter(Boolean).join(' '),
        dataset,
        [
          t('gen.cellB', s.step + 1),
          ...(s.bOfA !== null && differs ? [t('gen.cellBofA', formatProb(s.bOfA))] : []),
          t('gen.cellOverlap', s.topOverlap),
        ].join(' · '),
      ),
    );
    const delta = el('td', { className: `delta ${classes}`, dataset }, formatDelta(s.delta));
    if (s.delta !== null && s.delta !== 0) delta.classList.add(s.delta > 0 ? 'up' : 'down');
    rowD.append(delta);
  }
  const more: HTMLElement[] = [];
  for (const [n, who] of [
    [report.a.steps, 'A'],
    [report.b.steps, 'B'],
  ] as const) {
    const extra = n - report.steps.length;
    if (extra > 0) more.push(el('p', { className: 'muted more-steps' }, tn(extra, 'gen.more.one', 'gen.more.other', who)));
  }
  const table = el(
    'table',
    { className: 'gen-table', attrs: { 'aria-label': t('gen.aria') } },
    el('thead', {}, head),
    el('tbody', {}, rowA, rowB, rowD),
  );
  return el(
    'section',
    { className: 'generations' },
    el('h2', {}, t('gen.titleSteps')),
    status,
    el('div', { className: 'gen-scroll' }, table),
    ...more,
  );
}

function tokenCell(
  t: { id: number; text: string; prob: number },
  className: string,
  dataset: Record<string, string>,
  where: string,
): HTMLElement {
  const cell = el(
    'td',
    { className: `gtok ${className}`.trim(), dataset, title: `${where}: ${JSON.stringify(t.text)} #${t.id} · p = ${formatProb(t.prob)}` },
    el('span', { className: 'gtext' }, displayText(t)),
    el('span', { className: 'gprob' }, formatProb(t.prob)),
  );
  setVar(cell, '--p', String(Number.isFinite(t.prob) ? Math.max(0, Math.min(1, t.prob)) : 0));
  return cell;
}
