/**
 * What the checks need from a model beyond its trace: each captured layer's tensors and how its kind and layer
 * were inferred (from findTaps on every file; the weakest basis wins), the files' inputs (for the probes), and
 * the sliding window config.json declares. Reads graphs, so it runs where models are opened (CLI, worker), not in
 * the extension host; the masks index does not re-export it.
 */
import { join } from 'node:path';
import type { OpenedModel } from '../decode/model';
import { readJsonIfPresent } from '../model/config';
import { findTaps, readModel } from '../onnx';
import type { AttentionKind } from '../trace/types';
import type { CheckContext, InferenceBasis, Locale, TapFacts } from './types';
import { declaredWindow } from './window';

export interface ModelCheckFacts {
  context: CheckContext;
  /** Each file's role, input names and attention op types (see factsFromInputs). */
  inputs: { role: string; inputs: string[]; attentionOps: string[] }[];
}

const RANK: Record<InferenceBasis, number> = { structure: 0, scope: 1, order: 2, assumed: 3 };

export async function modelCheckFacts(model: OpenedModel, locale?: Locale): Promise<ModelCheckFacts> {
  const taps = new Map<string, TapFacts>();
  const inputs: { role: string; inputs: string[]; attentionOps: string[] }[] = [];
  for (const file of model.layout.files) {
    const info = await readModel(file.path);
    const attention = findTaps(info).attention;
    inputs.push({
      role: file.role,
      inputs: info.graph.inputs.map((i) => i.name),
      attentionOps: [...new Set(attention.map((a) => a.opType))],
    });
    for (const a of attention) {
      const kind: AttentionKind = file.role === 'encoder' ? 'encoder' : a.kind;
      const seen = taps.get(`${kind}.${a.layer}`);
      if (!seen)
        taps.set(`${kind}.${a.layer}`, {
          layer: a.layer,
          kind,
          tensor: a.tensor,
          mask: a.mask,
          inferred: { ...a.inferred },
          node: a.node,
          ...(a.implied ? { implied: a.implied } : {}),
        });
      else {
        if (RANK[a.inferred.kind] > RANK[seen.inferred.kind]) seen.inferred.kind = a.inferred.kind;
        if (RANK[a.inferred.layer] > RANK[seen.inferred.layer]) seen.inferred.layer = a.inferred.layer;
      }
    }
  }
  // No config.json: the window is unknown and not checked.
  const config = readJsonIfPresent(join(model.layout.dir, 'config.json'));
  const window = config ? declaredWindow(config, model.config.layers) : undefined;
  return { context: { taps: [...taps.values()], ...(window ? { window } : {}), ...(locale ? { locale } : {}) }, inputs };
}
