/**
 * Layer names that depend on the model only, not on what else the process built before it.
 *
 * tfjs-layers names an unnamed layer from a per-process counter ('dense_Dense3' when two dense
 * layers were made earlier), and tfjs-core suffixes a variable whose name is taken ('logits/kernel_1').
 * So the same model, trained to the same weights, was saved with other names by a process that had
 * built or loaded another model first: a resumed `reproduce` or `transfer` wrote a different
 * model.json and snapshot than an uninterrupted run. Saved files use canonical names instead: each
 * auto-named layer numbered by its position among the model's layers of its class (the names a
 * fresh process gives), explicit names ('image', 'logits') kept.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

interface LayerJson {
  class_name: string;
  name?: string;
  config?: { name?: string };
}

/** Auto-generated layer name → canonical one, for the layers of a model topology. */
export function canonicalLayerNames(topology: object): Map<string, string> {
  const layers = (topology as { config?: { layers?: LayerJson[] } }).config?.layers ?? [];
  const counters = new Map<string, number>();
  const rename = new Map<string, string>();
  for (const layer of layers) {
    const name = layer.config?.name ?? layer.name;
    if (!name) continue;
    // tfjs-layers' auto names: `${snake_case(class)}_${class}${counter}`.
    const m = /^(.*_([A-Za-z0-9]+?))(\d+)$/.exec(name);
    if (!m || m[2] !== layer.class_name) continue;
    const prefix = m[1] as string;
    const k = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, k);
    rename.set(name, `${prefix}${k}`);
  }
  return rename;
}

/** Replaces every JSON string that is a renamed layer, or starts with one and a '/', in one pass. */
export function renameInJson(json: string, rename: Map<string, string>): string {
  if (rename.size === 0) return json;
  return json.replace(/"([^"/\\]+)(?=["/])/g, (all, name: string) => {
    const to = rename.get(name);
    return to === undefined ? all : `"${to}`;
  });
}

/** A weight name ('dense_Dense3/kernel') with its layer renamed. */
export function renameWeight(name: string, rename: Map<string, string>): string {
  const slash = name.indexOf('/');
  const layer = slash < 0 ? name : name.slice(0, slash);
  const to = rename.get(layer);
  return to === undefined ? name : to + name.slice(layer.length);
}

/**
 * The canonical weight name of each of the model's variables, keyed by the tfjs-core variable
 * name that an optimizer's slots are named after ('logits/kernel_1' → 'logits/kernel').
 */
export function canonicalVariableNames(model: tfl.LayersModel): Map<string, string> {
  const rename = canonicalLayerNames(model.toJSON(null, false) as object);
  return new Map(
    model.weights.map((w) => [
      (w.read() as tf.Variable).name,
      renameWeight(w.originalName, rename),
    ]),
  );
}
