/** The window check: config.json's sliding_window against the window each decoder self-attention layer applies. */
import type { Trace } from '../trace/types';
import type { LayerView } from './expected';
import type { CheckContext, Evidence, Finding, FindingRun } from './types';
import { layerWindow, windowsAgree } from './window';
import { tokenRef, wording } from './wording';

export function checkWindow(trace: Trace, views: LayerView[], run: FindingRun, context: CheckContext): Finding | null {
  const declared = context.window;
  if (!declared) return null;
  const w = wording(context.locale);
  const ignored: { view: LayerView; cell: { query: number; key: number }; distance: number }[] = [];
  const undeclared: { view: LayerView; size: number; cell: { query: number; key: number } }[] = [];
  const differs: { view: LayerView; size: number; cell: { query: number; key: number } }[] = [];
  let unseen = Infinity;
  for (const view of views) {
    if (view.kind !== 'self') continue;
    const windowed = declared.size !== null && (declared.layers === null || declared.layers.includes(view.layer));
    const shape = layerWindow(trace, view);
    if (shape.shape === 'other') continue;
    if (windowed) {
      const size = declared.size!;
      if (shape.shape === 'band') {
        if (!windowsAgree(size, shape.size)) differs.push({ view, size: shape.size, cell: shape.cell });
      } else if (shape.far && shape.longest > size) {
        ignored.push({ view, cell: shape.far, distance: shape.longest });
      } else unseen = Math.min(unseen, shape.longest);
    } else if (shape.shape === 'band') {
      undeclared.push({ view, size: shape.size, cell: shape.cell });
    }
  }
  const configEvidence: Evidence = { run, layer: null, kind: null, read: 'config', tensor: `config.json: ${declared.source}`, cells: [] };
  const evidence = (items: { view: LayerView; cell: { query: number; key: number } }[]): Evidence[] => [
    configEvidence,
    ...items.map(({ view, cell }) => {
      const tensor = context.taps?.find((t) => t.layer === view.layer && t.kind === view.kind);
      return {
        run,
        layer: view.layer,
        kind: view.kind,
        read: view.mask ? ('mask' as const) : ('attention' as const),
        tensor: (view.mask ? tensor?.mask : tensor?.tensor) ?? null,
        cells: [[cell.query, cell.key]] as [number, number][],
      };
    }),
  ];
  const make = (items: { view: LayerView; cell: { query: number; key: number } }[], message: string): Finding => ({
    check: 'window',
    severity: 'error',
    message,
    cells: items.map(({ view, cell }) => ({ layer: view.layer, kind: view.kind, query: cell.query, key: cell.key })),
    cellCount: items.length,
    run,
    evidence: evidence(items),
  });
  const where = (items: { view: LayerView }[]) => w.whereList(items.map((i) => i.view));
  if (ignored.length) {
    const first = ignored[0];
    return make(
      ignored,
      w.windowIgnored({
        window: declared.size!,
        source: declared.source.split(',')[0],
        where: where(ignored),
        query: w.token(tokenRef(trace, 'self', 'query', first.cell.query)),
        key: w.token(tokenRef(trace, 'self', 'key', first.cell.key)),
        distance: first.distance,
      }),
    );
  }
  if (differs.length) {
    return make(
      differs,
      w.windowDiffers({
        window: declared.size!,
        source: declared.source.split(',')[0],
        graphWindow: differs[0].size,
        where: where(differs),
      }),
    );
  }
  if (undeclared.length) return make(undeclared, w.windowUndeclared({ graphWindow: undeclared[0].size, where: where(undeclared) }));
  if (unseen !== Infinity) context.note?.(w.windowUnseen({ window: declared.size!, longest: unseen }));
  return null;
}
