import type { Handlers } from '../protocol/rpc';
import type { MasksWorkerMethods } from '../protocol/inspector';
import { MasksStore } from './masksStore';

/** The worker's methods for the Masks view (see MasksStore). */
export function masksHandlers(store = new MasksStore()): Handlers<MasksWorkerMethods> {
  return {
    async masksTrace(part) {
      store.receive(part);
    },
    async masksForget({ traceIds }) {
      store.forget(traceIds);
    },
    async masksGrids(request) {
      return store.grids(request);
    },
    async masksGrid(request) {
      return store.grid(request);
    },
    async masksCheck(request) {
      return store.check(request);
    },
    async masksCompare({ baseTraceId, otherTraceId }) {
      return store.compare(baseTraceId, otherTraceId);
    },
  };
}
