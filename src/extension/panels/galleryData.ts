/**
 * The gallery's model: one row per source image, one column per set (original, D_R, D_NR,
 * D_rand, D_det) built from the same source selection. Labels go to the webview at once (small);
 * thumbnails only for the rows it shows (PNG data URLs, encoded on demand).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RowSource } from './rowSource';
import type { GalleryColumn, GalleryData, Thumb } from '../../shared/webviewProtocol';
import { findConstructed, KIND_TITLES, sourceKey, thumb, type DatasetCache } from './datasets';
import { readPredictions } from './predictions';
import type { PredictionsFile } from '../../shared/panelsPredictions';
import { errorMessage } from '../../shared/errorMessage';

/** 'robust' when the checkpoint's manifest records adversarial training, else 'standard'. */
function roleOf(p: PredictionsFile): 'standard' | 'robust' {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(p.checkpoint, 'manifest.json'), 'utf8')) as {
      training?: { adversarial?: unknown };
    };
    return m.training?.adversarial ? 'robust' : 'standard';
  } catch {
    return 'standard';
  }
}

export class GalleryModel {
  private constructor(
    readonly data: GalleryData,
    private readonly sets: (RowSource | undefined)[],
  ) {}

  static async load(folder: string, cache: DatasetCache): Promise<GalleryModel> {
    const all = findConstructed(folder);
    if (all.length === 0)
      throw new Error(
        `${folder} holds no constructed dataset (manifest.json with kind "constructed-dataset")`,
      );
    const first = all[0]!;
    const key = sourceKey(first);
    const columns: GalleryColumn[] = [];
    const sets: (RowSource | undefined)[] = [];
    let source: RowSource | undefined;
    let note: string | undefined;
    try {
      source = await cache.source(first);
      if (source.shape[0] !== first.n)
        throw new Error(`source has ${source.shape[0]} images, ${first.n} expected`);
    } catch (e) {
      source = undefined;
      note = `source ${first.config.data ?? '?'} unavailable: ${errorMessage(e)}`;
    }
    columns.push({
      key: 'source',
      title: 'original',
      folder: first.folder,
      labels: source ? Array.from(source.labels) : null,
      available: !!source,
      ...(note ? { note } : {}),
    });
    sets.push(source);
    for (const info of all) {
      const title = KIND_TITLES[info.construction] ?? info.construction;
      if (sourceKey(info) !== key || info.n !== first.n) {
        columns.push({
          key: info.construction,
          title,
          folder: info.folder,
          labels: null,
          available: false,
          note: `built from another source selection than ${path.basename(first.folder)}`,
        });
        sets.push(undefined);
        continue;
      }
      const ds = await cache.folder(info.folder);
      columns.push({
        key: info.construction,
        title,
        folder: info.folder,
        labels: Array.from(ds.labels),
        available: true,
      });
      sets.push(ds);
    }
    const ref = source ?? sets.find((s) => s)!;
    // Rows of robust/nonrobust keep the source label; rand/det carry the assigned one.
    const orig = all.find((i) => i.perImage.originalLabel)?.perImage.originalLabel;
    const trueLabels = source
      ? Array.from(source.labels)
      : orig && orig.length === first.n
        ? orig
        : Array.from(ref.labels);
    // Predictions per checkpoint and column, from the files the worker wrote beside each set.
    const perColumn = columns.map((c) =>
      c.available
        ? readPredictions(c.folder, c.key === 'source', first.n)
        : new Map<string, PredictionsFile>(),
    );
    const files = new Map(perColumn.flatMap((m) => [...m]));
    // Standard checkpoints first, then robust (adversarially trained, from their manifest), by name.
    const names = [...files.keys()].sort(
      (a, b) =>
        Number(roleOf(files.get(a)!) === 'robust') - Number(roleOf(files.get(b)!) === 'robust') ||
        a.localeCompare(b),
    );
    const predictions = names.map((name) => ({
      name,
      role: roleOf(files.get(name)!),
      top1: perColumn.map((m) => m.get(name)?.top3.map((t) => t[0]?.[0] ?? -1) ?? null),
    }));
    return new GalleryModel(
      {
        folder,
        rows: first.n,
        classNames: ref.classNames ?? Array.from({ length: ref.numClasses }, (_, i) => String(i)),
        trueLabels,
        columns,
        predictions,
        canPredict: false,
      },
      sets,
    );
  }

  thumbs(rows: readonly number[]): Thumb[] {
    const out: Thumb[] = [];
    for (const row of rows) {
      if (row >= this.data.rows) continue;
      this.sets.forEach((ds, col) => out.push({ row, col, src: ds ? thumb(ds, row) : '' }));
    }
    return out;
  }
}
