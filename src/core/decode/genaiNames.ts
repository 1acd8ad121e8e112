/**
 * ONNX Runtime GenAI names a decoder's inputs and outputs in genai_config.json (templates with %d for the layer).
 * The decode loop speaks the Optimum names (input_ids, attention_mask, position_ids, past_key_values.N.key,
 * present.N.key, logits); a GenAI session whose names differ is given a view in those names: its feeds are
 * renamed on the way in and its outputs on the way out, so nothing else needs to know.
 */
import type * as ort from 'onnxruntime-node';
import type { GenAiSettings } from '../model/config';
import type { DecodeSession } from './session';

/** model name → Optimum name, for the names this session has that the templates give. */
function renames(names: readonly string[], pairs: [template: string | null, optimum: string][]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [template, optimum] of pairs) {
    if (!template) continue;
    if (!template.includes('%d')) {
      if (template !== optimum && names.includes(template)) map.set(template, optimum);
      continue;
    }
    const [before, after] = template.split('%d');
    for (const name of names) {
      if (!name.startsWith(before) || !name.endsWith(after)) continue;
      const layer = name.slice(before.length, name.length - after.length);
      if (/^\d+$/.test(layer)) map.set(name, optimum.replace('%d', layer));
    }
  }
  for (const [from, to] of map) if (from === to) map.delete(from);
  return map;
}

export function withGenAiNames(session: DecodeSession, genai: GenAiSettings | undefined): DecodeSession {
  if (!genai) return session;
  const s = session.session;
  const inputs = renames(s.inputNames, [
    [genai.inputs.inputIds, 'input_ids'],
    [genai.inputs.attentionMask, 'attention_mask'],
    [genai.inputs.positionIds, 'position_ids'],
    [genai.inputs.pastKey, 'past_key_values.%d.key'],
    [genai.inputs.pastValue, 'past_key_values.%d.value'],
  ]);
  const outputs = renames(s.outputNames, [
    [genai.outputs.logits, 'logits'],
    [genai.outputs.presentKey, 'present.%d.key'],
    [genai.outputs.presentValue, 'present.%d.value'],
  ]);
  if (inputs.size === 0 && outputs.size === 0) return session;
  const toModel = new Map([...inputs].map(([model, optimum]) => [optimum, model]));
  const inName = (name: string) => inputs.get(name) ?? name;
  const outName = (name: string) => outputs.get(name) ?? name;
  const view = {
    inputNames: s.inputNames.map(inName),
    outputNames: s.outputNames.map(outName),
    inputMetadata: s.inputMetadata.map((m) => ({ ...m, name: inName(m.name) })),
    outputMetadata: s.outputMetadata.map((m) => ({ ...m, name: outName(m.name) })),
    async run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
      const renamed: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) renamed[toModel.get(name) ?? name] = tensor;
      const result = (await s.run(renamed)) as Record<string, ort.Tensor>;
      const back: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(result)) back[outName(name)] = tensor;
      return back;
    },
    release: () => s.release(),
  };
  return { ...session, session: view as unknown as ort.InferenceSession };
}
