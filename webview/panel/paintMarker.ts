/**
 * Marks on the root element when a trace's first screen — the model grid and the head view — has been painted:
 * `data-painted` = the trace id, `data-painted-at` = the wall-clock time (ms since the epoch) of the frame after
 * both were drawn, plus a performance mark. The first-result benchmark reads it from outside the webview and
 * compares it with when the command was run; a person never sees it.
 */
export class PaintMarker {
  private traceId = '';
  private parts = new Set<string>();

  constructor(private readonly root: HTMLElement) {}

  /** The panel received `traceId` (before it asks the host for anything to draw): `data-shown-at`, wall clock. */
  shown(traceId: string): void {
    this.root.dataset.shownAt = String(Math.round(performance.timeOrigin + performance.now()));
    this.root.dataset.shown = traceId;
  }

  /** How long the request for `part`'s data took (host busy or slow shows here, not in the paint): `data-waited`. */
  waited(traceId: string, part: 'grid' | 'head', ms: number): void {
    if (traceId !== this.traceId) {
      this.traceId = traceId;
      this.parts = new Set();
    }
    if (this.parts.has('marked')) return;
    const before = this.root.dataset.waitedFor === traceId ? (JSON.parse(this.root.dataset.waited ?? '{}') as Record<string, number>) : {};
    this.root.dataset.waited = JSON.stringify({ ...before, [part]: Math.round(ms) });
    this.root.dataset.waitedFor = traceId;
  }

  /** `part` of `traceId` was drawn; once both parts are, the next frame is marked. */
  drawn(traceId: string, part: 'grid' | 'head'): void {
    if (traceId !== this.traceId) {
      this.traceId = traceId;
      this.parts = new Set();
    }
    if (this.parts.has('marked')) return;
    this.parts.add(part);
    if (!this.parts.has('grid') || !this.parts.has('head')) return;
    this.parts.add('marked');
    // Two frames: the first runs before the drawn canvases are presented, the second after.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        if (this.traceId !== traceId) return;
        performance.mark(`decoder-lens:painted:${traceId}`);
        this.root.dataset.paintedAt = String(Math.round(performance.timeOrigin + performance.now()));
        this.root.dataset.painted = traceId;
      }),
    );
  }
}
