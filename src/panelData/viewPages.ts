/**
 * What each view's page loads from the extension's dist folder: its bundle (dist/webview) and its stylesheets
 * (dist/media, after the codicons and webview.css every page has). The webviews and the standalone HTML
 * reports read this one table.
 */
export type ViewName = 'panel' | 'inspector' | 'compare' | 'interventions';

export interface ViewPage {
  bundle: string;
  styles: readonly string[];
}

export const VIEW_PAGES: Record<ViewName, ViewPage> = {
  panel: { bundle: 'panel.js', styles: ['panel.css'] },
  // The panel's stylesheet carries the theme aliases (--dl-*), headings, notes and charts the other views use too.
  inspector: { bundle: 'inspector.js', styles: ['panel.css', 'inspector.css'] },
  compare: { bundle: 'compare.js', styles: ['panel.css', 'compare.css'] },
  interventions: { bundle: 'interventions.js', styles: ['panel.css', 'interventions.css'] },
};

/** The stylesheet every page loads first (after the codicons). */
export const BASE_STYLE = 'webview.css';
