/**
 * The one contract between the extension host and the webview panels (one typed contract per
 * boundary: docs/ARCHITECTURE.md, "Processes"): unions keyed on `type`, imported by both
 * sides. Everything that arrives from a webview is `unknown` until `parseFromWebview` accepts
 * it; the host drops the rest. No `vscode` or DOM import here: both bundles include this file.
 */
import type { StrongestEvaluation } from './strongestEvaluation';

export const VIEW_TYPES = {
  results: 'robustFeatures.results',
  gallery: 'robustFeatures.gallery',
  diff: 'robustFeatures.diff',
  theory: 'robustFeatures.theory',
} as const;
export type PanelKind = keyof typeof VIEW_TYPES;

/** One image: image `index` of a dataset folder, or of that folder's source set (`source`). */
export interface ImageRef {
  folder: string;
  index: number;
  source?: boolean;
  /** `folder` is a PNG file (index 0), e.g. two images chosen in the Explorer. */
  file?: boolean;
}

// ---------- data the host sends ----------

export interface AccPair {
  standardAcc: number;
  robustAcc: number;
}
export type Figure2Key = 'standard_D' | 'adversarial_D' | 'standard_DR' | 'standard_DNR';
export type Table1Key = 'D_rand' | 'D_det';
export interface Table1Cell {
  testAcc: number;
  attackSuccess: number;
}
/** Figure 3 (engine/transfer): one point per architecture, correlations with 95% intervals. */
export interface Figure3Data {
  sourceArch: string;
  points: {
    arch: string;
    dRandAcc: number;
    standardAcc: number;
    untargetedTransfer: number;
    targetedTransfer: number;
  }[];
  correlations: Record<
    'untargeted' | 'targeted',
    Record<'pearson' | 'spearman', { r: number | null; ci: [number | null, number | null] }>
  >;
  threatModel: { norm: string; eps: number; steps: number };
}
export interface ResultsData {
  folder: string;
  results?: {
    /** One run's numbers, or the means over seeds (then `spread` holds the rest). */
    figure2: Record<Figure2Key, AccPair>;
    table1: Record<Table1Key, Table1Cell>;
    threatModel: { norm: string; eps: number; steps: number };
    /** reproduce --seeds: each cell's sample standard deviation over `seeds`. */
    spread?: {
      seeds: number[];
      figure2: Record<Figure2Key, AccPair>;
      table1: Record<Table1Key, Table1Cell>;
    };
  };
  figure3?: Figure3Data;
  /** Paper's CIFAR-10 numbers in % (paperNumbers.ts). */
  paper: {
    threat: string;
    figure2: Record<string, { standardAcc: number; robustAcc: number; note?: string }>;
    table1: Record<string, { testAcc: number }>;
  };
  /** One per checkpoint folder found: accuracy vs ε (ε = 0 is standard accuracy), training history. */
  checkpoints: {
    name: string;
    norm?: string;
    curve: { eps: number; acc: number }[];
    history: { epoch: number; loss: number; accuracy: number; testAccuracy?: number }[];
    /** The strongest evaluation in its metrics.json (shared/strongestEvaluation.ts), if any. */
    strongest?: StrongestEvaluation;
  }[];
  updatedAt: string;
}

export interface GalleryColumn {
  /** 'source' or the construction kind (robust, nonrobust, rand, det). */
  key: string;
  title: string;
  folder: string;
  /** Label of each row in this column (assigned label for constructed sets); null if unavailable. */
  labels: number[] | null;
  available: boolean;
  note?: string;
}
export interface GalleryData {
  folder: string;
  rows: number;
  classNames: string[];
  /** True (source) label of each row. */
  trueLabels: number[];
  columns: GalleryColumn[];
  /** Top-1 predictions per checkpoint, per column (null: no predictions file for that column). */
  predictions: { name: string; role: 'standard' | 'robust'; top1: (number[] | null)[] }[];
  /** The host can compute predictions (a worker hook was given to registerPanels). */
  canPredict: boolean;
}
export interface Thumb {
  row: number;
  col: number;
  /** data:image/png;base64,… or '' when the image is unavailable. */
  src: string;
}

export interface DiffSide {
  ref: ImageRef;
  title: string;
  label: number;
  labelName: string;
  png: string;
  /** Top-3 predictions of each checkpoint with a predictions file for this image's set. */
  predictions: { name: string; top3: { label: number; labelName: string; p: number }[] }[];
}
export interface DiffData {
  a: DiffSide;
  b: DiffSide;
  /** b − a, mean over channels, divided by max |b − a|, RdBu colormap. */
  diffPng: string;
  l2: number;
  linf: number;
  amplification: number;
  shape: [number, number, number];
}

/** The Gaussian model of §4 (a theory run's theory.json), what the Theory panel plots. */
export interface TheoryData {
  folder: string;
  dim: number;
  /** Plane of the ellipse plot (2-D: the input coordinates). */
  plane?: string;
  muStar?: [number, number];
  /** Σ_r·d/tr(Σ_r) per ε, projected on the plane, and the direction of Σ_r⁻¹μ* there. */
  ellipses: { eps: number; points: [number, number][]; gradient: [number, number] }[];
  /** Angle between the input gradient Σ⁻¹μ* and μ* (Theorem 3): standard, and robust per ε. */
  standardAngleDeg: number;
  angles: { eps: number; angleDeg: number }[];
  /** Closed form (Theorem 2) vs numerical min–max solver: relative Frobenius error per ε. */
  agreement: {
    eps: number;
    relError: number | null;
    converged: boolean | null;
    iterations: number | null;
  }[];
  maxRelError: number | null;
  method: string;
}

/** A gradients run (robust-features gradients): per image, both models' maps and class drawings. */
export interface GradientsData {
  folder: string;
  n: number;
  numClasses: number;
  /** Per model: the mean edge alignment and, per image, its value. */
  models: {
    which: 'standard' | 'robust';
    checkpoint: string;
    edgeAlignment: number;
    perImage: number[];
  }[];
  how: string;
  /** Per image: the image, each model's normalised gradient map, and its targeted drawings (one per class). */
  images: { image: string; gradient: Record<string, string>; targeted: Record<string, string[]> }[];
}

export type HostMessage =
  | { type: 'results'; data: ResultsData }
  | { type: 'gallery'; data: GalleryData }
  | { type: 'thumbs'; thumbs: Thumb[] }
  | { type: 'diff'; data: DiffData }
  | { type: 'theory'; data: TheoryData }
  | { type: 'gradients'; data: GradientsData }
  | { type: 'saved'; path: string }
  | { type: 'error'; message: string };

// ---------- messages from webviews ----------

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'requestThumbs'; rows: number[] }
  | { type: 'openDiff'; a: ImageRef; b: ImageRef }
  | { type: 'computePredictions' }
  | { type: 'export'; name: string; format: 'csv' | 'png' | 'svg'; data: string }
  | { type: 'log'; level: 'info' | 'error'; message: string };

const MAX_ROWS_PER_REQUEST = 200;
const MAX_EXPORT_CHARS = 20_000_000;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isStr = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length <= max;

export function isImageRef(v: unknown): v is ImageRef {
  return (
    isObj(v) &&
    isStr(v.folder) &&
    v.folder.length > 0 &&
    isIndex(v.index) &&
    (v.source === undefined || typeof v.source === 'boolean') &&
    (v.file === undefined || typeof v.file === 'boolean')
  );
}

/** Accepts a message from a webview or returns a reason to drop it. */
export function parseFromWebview(v: unknown): WebviewMessage | { invalid: string } {
  if (!isObj(v) || typeof v.type !== 'string') return { invalid: 'not a {type} object' };
  switch (v.type) {
    case 'ready':
      return { type: 'ready' };
    case 'computePredictions':
      return { type: 'computePredictions' };
    case 'requestThumbs':
      if (!Array.isArray(v.rows) || v.rows.length > MAX_ROWS_PER_REQUEST || !v.rows.every(isIndex))
        return { invalid: 'requestThumbs.rows must be ≤ 200 non-negative integers' };
      return { type: 'requestThumbs', rows: v.rows };
    case 'openDiff':
      if (!isImageRef(v.a) || !isImageRef(v.b)) return { invalid: 'openDiff needs two ImageRefs' };
      return { type: 'openDiff', a: v.a, b: v.b };
    case 'export': {
      const fmt = v.format;
      if (fmt !== 'csv' && fmt !== 'png' && fmt !== 'svg') return { invalid: 'export.format' };
      if (!isStr(v.name, 100) || !/^[\w-]+$/.test(v.name)) return { invalid: 'export.name' };
      if (!isStr(v.data, MAX_EXPORT_CHARS)) return { invalid: 'export.data' };
      if (fmt === 'png' && !v.data.startsWith('data:image/png;base64,'))
        return { invalid: 'export.data must be a PNG data URL' };
      return { type: 'export', name: v.name, format: fmt, data: v.data };
    }
    case 'log':
      if ((v.level !== 'info' && v.level !== 'error') || !isStr(v.message, 10_000))
        return { invalid: 'log' };
      return { type: 'log', level: v.level, message: v.message };
    default:
      return { invalid: `unknown type ${v.type.slice(0, 40)}` };
  }
}

/** Panel state kept by the webview (vscode.setState) and given back to the serializer. */
export interface PanelState {
  folder?: string;
  a?: ImageRef;
  b?: ImageRef;
  scrollTop?: number;
  classFilter?: number;
  changedOnly?: boolean;
  flippedOnly?: boolean;
  predIndex?: number;
}

export function parsePanelState(v: unknown): PanelState {
  if (!isObj(v)) return {};
  const s: PanelState = {};
  if (isStr(v.folder)) s.folder = v.folder;
  if (isImageRef(v.a)) s.a = v.a;
  if (isImageRef(v.b)) s.b = v.b;
  if (typeof v.scrollTop === 'number' && Number.isFinite(v.scrollTop)) s.scrollTop = v.scrollTop;
  if (typeof v.classFilter === 'number' && Number.isInteger(v.classFilter))
    s.classFilter = v.classFilter;
  if (typeof v.changedOnly === 'boolean') s.changedOnly = v.changedOnly;
  if (typeof v.flippedOnly === 'boolean') s.flippedOnly = v.flippedOnly;
  if (isIndex(v.predIndex)) s.predIndex = v.predIndex;
  return s;
}
