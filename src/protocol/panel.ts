/** Host ⇄ attention panel webview. */
import type { Method } from './rpc';
import type { ModelSummary } from './model';

/** Served by the host, asked by the panel. */
export type PanelHostMethods = Record<string, never>;

/** Served by the panel, asked by the host. */
export type PanelMethods = {
  showModel: Method<{ summary: ModelSummary }, void>;
  showError: Method<{ message: string }, void>;
};
export type PanelEvents = Record<string, never>;
