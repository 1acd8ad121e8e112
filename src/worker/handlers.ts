import { type VocabComparison, compareTokenizerFiles, compareTraces } from '../core/compare';
import { decode, openModel } from '../core/decode';
import { DecoderLensError } from '../core/errors';
import { prepareDecode } from '../core/decode/prepare';
import { SessionCache } from '../core/decode/sessionCache';
import { modelCheckFacts } from '../core/masks/context';
import { ablate } from '../core/interventions/ablate';
import { bisect } from '../core/interventions/bisect';
import { occlude } from '../core/interventions/occlude';
import { patchSweep } from '../core/interventions/patch';
import { rankHeads } from '../core/interventions/rank';
import { findModelLayout } from '../core/model/layout';
import { readTraceFile } from '../core/trace/readTraceFile';
import type { Trace } from '../core/trace/types';
import type { Handlers } from '../protocol/rpc';
import type { WorkerMethods } from '../protocol/worker';
import { SerialQueue } from './serialQueue';
import { masksHandlers } from './masksHandlers';

/** The worker's request handlers: every ORT session lives here, never on the extension host. */
export function createHandlers(sessions = new SessionCache()): Handlers<WorkerMethods> {
  // ORT runs one model at a time well on small machines; decodes wait their turn (each can be cancelled).
  const queue = new SerialQueue();
  return {
    async inspectModel({ modelPath, modelVariant }) {
      const layout = findModelLayout(modelPath, modelVariant ?? '');
      const files = [];
      for (const file of layout.files) {
        const { session } = await sessions.open(file.path, { taps: false });
        files.push({ file: file.path, role: file.role, inputs: [...session.inputNames], outputs: [...session.outputNames] });
      }
      return { path: modelPath, files };
    },
    async checkFacts({ modelPath, modelVariant }) {
      return modelCheckFacts(await openModel(modelPath, modelVariant ?? ''));
    },
    compare({ modelPath, modelVariant, other, ...options }, { signal, progress }) {
      return queue.run(signal, async () => {
        const lens = options.lens || { rows: 'last' as const, k: 10 };
        const onStep = (step: number, total: number) => progress({ step, total });
        const modelA = await openModel(modelPath, modelVariant ?? '');
        const a = await decode(modelA, sessions, { ...options, lens }, { signal, onStep });
        let b: Trace;
        let vocabulary: VocabComparison | null = null;
        if ('modelPath' in other) {
          const modelB = await openModel(other.modelPath, other.modelVariant ?? '');
          b = await decode(modelB, sessions, { ...options, lens }, { signal, onStep });
          vocabulary = compareTokenizerFiles(modelA.layout.dir, modelB.layout.dir);
        } else {
          b = await readTraceFile(other.tracePath);
          try {
            vocabulary = compareTokenizerFiles(modelA.layout.dir, findModelLayout(b.model.path).dir);
          } catch (error) {
            if (!(error instanceof DecoderLensError)) throw error; // the saved trace's model is not here: ids assumed to match
          }
        }
        const labelB = 'modelPath' in other ? variantLabel(other.modelPath, b) : other.tracePath;
        return {
          a,
          b,
          report: compareTraces(
            { trace: a, label: variantLabel(modelPath, a), lens: a.lens },
            { trace: b, label: labelB, lens: b.lens },
            vocabulary,
          ),
        };
      });
    },
    ablate({ modelPath, modelVariant, heads, mode, ...options }, { signal, progress }) {
      return queue.run(signal, async () => {
        const onStep = (step: number, total: number) => progress({ step, total });
        const model = await openModel(modelPath, modelVariant ?? '');
        // Both sides without the lens: ablation runs decode without it, and the two must compare like for like.
        const a = await decode(model, sessions, { ...options, lens: false }, { signal, onStep });
        // Hooked sessions are separate from the cached plain ones and released after the run.
        const b = await ablate(model, null, { ...options, heads, mode }, { signal, onStep });
        const labelB = `${modelPath} (${mode}-ablated ${heads.map((h) => `${h.kind && h.kind !== 'self' ? `${h.kind} ` : ''}L${h.layer}.H${h.head}`).join(', ')})`;
        return { a, b, report: compareTraces({ trace: a, label: modelPath }, { trace: b, label: labelB }, null) };
      });
    },
    occlude({ modelPath, modelVariant, text, step }, { signal }) {
      return queue.run(signal, async () => occlude(await openModel(modelPath, modelVariant ?? ''), null, { text, step }, { signal }));
    },
    rankHeads({ modelPath, modelVariant, text, step }, { signal }) {
      return queue.run(signal, async () => rankHeads(await openModel(modelPath, modelVariant ?? ''), null, { text, step }, { signal }));
    },
    patch({ modelPath, modelVariant, cleanText, corruptText }, { signal, progress }) {
      return queue.run(signal, async () => {
        const model = await openModel(modelPath, modelVariant ?? '');
        const onStep = (step: number, total: number) => progress({ step, total });
        const sweep = await patchSweep(model, null, { cleanText, corruptText }, { signal, onStep });
        const texts = (ids: number[]) => ids.map((id) => model.tokenizer.tokenText(id));
        return { ...sweep, cleanTokens: texts(sweep.cleanIds), corruptTokens: texts(sweep.corruptIds) };
      });
    },
    prepare({ modelPath, modelVariant, ...options }, { signal }) {
      return queue.run(signal, async () => prepareDecode(await openModel(modelPath, modelVariant ?? ''), sessions, options, { signal }));
    },
    bisect({ modelPath, modelVariant, modelPathB, modelVariantB, text, maxNewTokens }, { signal, progress }) {
      return queue.run(signal, async () =>
        bisect(
          await openModel(modelPath, modelVariant ?? ''),
          await openModel(modelPathB, modelVariantB ?? ''),
          { text, maxNewTokens },
          { signal, onStep: (step, total) => progress({ step, total }) },
        ),
      );
    },
    decode({ modelPath, modelVariant, ...options }, { signal, progress }) {
      return queue.run(signal, async () => {
        const model = await openModel(modelPath, modelVariant ?? '');
        return decode(model, sessions, options, { signal, onStep: (step, total) => progress({ step, total }) });
      });
    },
    // The Masks view's grids and checks: not queued behind decodes (they read no session).
    ...masksHandlers(),
  };
}

/** A compare side's label: the model's path, with the variant that ran when the folder has several ("… [q4]"). */
function variantLabel(modelPath: string, trace: Trace): string {
  const variant = trace.model.variant?.name;
  return variant && findModelLayout(modelPath, variant).variants.length > 1 ? `${modelPath} [${variant}]` : modelPath;
}
