/**
 * Image folders, the format most people's own data is in: one subfolder per class
 * (class index = position of the folder name in code-unit sorted order, so it does not
 * depend on the OS or locale), PNG or JPEG files inside (decoded by content, not name).
 * Optional `train/` and `test/` subfolders, each holding the class folders; then class names
 * are the sorted union of both, so indices agree across splits.
 *
 * Channel rule: an image counts as grayscale when R = G = B in every pixel (whatever its
 * file says), else RGB. Unless `channels` is given, the folder becomes 1-channel if strictly
 * more images are grayscale than RGB, otherwise 3-channel (a tie keeps colour). RGB → gray
 * uses ITU-R BT.601 luma (as PIL's "L"); gray → RGB repeats the value. Alpha is dropped.
 * Hidden files, non-image extensions and nested folders inside a class folder are ignored.
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { throwIfAborted, type Dataset } from '../types';
import { describeFsError, readFileBytes } from './bytes';
import { DataFormatError } from './errors';
import { checkJpegEnd, checkPngStructure } from './pngCheck';
import type { Split } from './idx';
import { materialize, type RawDataset } from './raw';
import { errorMessage } from '../../shared/errorMessage';

export interface ImageFolderOptions {
  split?: Split;
  /** Force 1 (grayscale) or 3 (RGB) channels instead of the majority rule. */
  channels?: 1 | 3;
  /** Resize every image to [height, width] (stretched, as torchvision's Resize((h, w))). */
  size?: [number, number];
  signal?: AbortSignal;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

export interface DecodedImage {
  width: number;
  height: number;
  /** width × height × 4, RGBA. */
  rgba: Uint8Array;
}

/** Decodes PNG or JPEG bytes (detected by signature). Throws DataFormatError naming the file. */
export function decodeImage(bytes: Uint8Array, file: string): DecodedImage {
  const isPng =
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  // Structural checks first: they say "truncated" or "unsupported mode" where the decoders
  // would say something about streams.
  if (isPng) checkPngStructure(bytes, file);
  if (isJpeg) checkJpegEnd(bytes, file);
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: png.data };
    }
    if (isJpeg) {
      // Limits keep a corrupt header from asking for gigabytes.
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: 50,
        maxMemoryUsageInMB: 512,
      });
      return { width: img.width, height: img.height, rgba: img.data };
    }
  } catch (e) {
    const msg = errorMessage(e);
    throw new DataFormatError(
      file,
      `corrupt ${isPng ? 'PNG' : 'JPEG'} data, cannot decode: ${msg}`,
      {
        cause: e,
      },
    );
  }
  throw new DataFormatError(file, 'not a PNG or JPEG file (unrecognised signature)');
}

async function listDir(dir: string): Promise<{ dirs: string[]; files: string[] }> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new DataFormatError(dir, describeFsError(e), { cause: e });
  }
  const visible = entries.filter((e) => !e.name.startsWith('.'));
  const dirs: string[] = [];
  const files: string[] = [];
  for (const e of visible) {
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      // Datasets are often assembled from symlinks (a subset of a larger set): follow them, and
      // say so when one is broken instead of silently skipping the image.
      const link = path.join(dir, e.name);
      try {
        const st = await fsp.stat(link);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch (err) {
        const target = await fsp.readlink(link).catch(() => '?');
        throw new DataFormatError(
          link,
          `broken symlink: its target ${target} ${describeFsError(err) === 'no such file or folder' ? 'does not exist' : `cannot be read (${describeFsError(err)})`}`,
          { cause: err },
        );
      }
    }
    if (isDir) dirs.push(e.name);
    else if (isFile) files.push(e.name);
  }
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { dirs: dirs.sort(byName), files: files.sort(byName) };
}

/** Where the class folders of `split` are, and the class names shared by all splits. */
async function layout(dir: string, split: Split): Promise<{ root: string; classNames: string[] }> {
  const top = await listDir(dir);
  const hasSplits = top.dirs.includes('train') || top.dirs.includes('test');
  if (!hasSplits) {
    if (split === 'test') {
      throw new DataFormatError(
        dir,
        'no test/ subfolder: this image folder has no test split (add train/ and test/ subfolders)',
      );
    }
    return { root: dir, classNames: top.dirs };
  }
  if (!top.dirs.includes(split))
    throw new DataFormatError(path.join(dir, split), 'no such folder (the other split exists)');
  const names = new Set<string>();
  for (const s of ['train', 'test'])
    if (top.dirs.includes(s)) (await listDir(path.join(dir, s))).dirs.forEach((d) => names.add(d));
  return {
    root: path.join(dir, split),
    classNames: [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

function isGray(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4)
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  return true;
}

/** Loads one split keeping pixels as uint8. */
export async function loadImageFolderRaw(
  dir: string,
  opts: ImageFolderOptions = {},
): Promise<RawDataset> {
  const split = opts.split ?? 'train';
  const { root, classNames } = await layout(dir, split);
  if (classNames.length === 0)
    throw new DataFormatError(dir, 'no class subfolders (expected one folder of images per class)');
  const images: { file: string; img: DecodedImage; gray: boolean; label: number }[] = [];
  let first: { file: string; width: number; height: number } | undefined;
  for (const [label, name] of classNames.entries()) {
    const classDir = path.join(root, name);
    // A class may exist in only one split (class names are the union); any other failure to
    // list the folder is an error, not an empty class.
    if (!existsSync(classDir)) continue;
    const files = (await listDir(classDir)).files;
    for (const f of files.filter((f) => IMAGE_EXT.has(path.extname(f).toLowerCase()))) {
      throwIfAborted(opts.signal, 'loading images');
      const file = path.join(classDir, f);
      let img = decodeImage(await readFileBytes(file), file);
      if (opts.size) img = await resizeImage(img, opts.size, file);
      first ??= { file, width: img.width, height: img.height };
      if (img.width !== first.width || img.height !== first.height) {
        throw new DataFormatError(
          file,
          `image is ${img.width}×${img.height} but ${first.file} is ${first.width}×${first.height}: all images must share one size (width×height), or pass --size HxW to resize them`,
        );
      }
      images.push({ file, img, gray: isGray(img.rgba), label });
    }
  }
  if (!first) throw new DataFormatError(root, 'no PNG or JPEG images in the class folders');
  const grayCount = images.filter((x) => x.gray).length;
  const resized = opts.size
    ? [`${root}: every image resized to ${opts.size.join('×')} (sharp, Lanczos-3, stretched)`]
    : [];
  const c = opts.channels ?? (grayCount > images.length - grayCount ? 1 : 3);
  const per = first.width * first.height;
  const pixels = new Uint8Array(images.length * per * c);
  for (const [k, { img, gray }] of images.entries()) {
    const px = img.rgba;
    const dst = k * per * c;
    for (let p = 0; p < per; p++) {
      const r = px[4 * p]!,
        g = px[4 * p + 1]!,
        b = px[4 * p + 2]!;
      if (c === 1) {
        pixels[dst + p] = gray ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      } else {
        pixels[dst + 3 * p] = r;
        pixels[dst + 3 * p + 1] = g;
        pixels[dst + 3 * p + 2] = b;
      }
    }
  }
  return {
    pixels,
    labels: Int32Array.from(images, (x) => x.label),
    shape: [images.length, first.height, first.width, c],
    numClasses: classNames.length,
    classNames,
    source: root,
    ...(resized.length ? { conversions: resized } : {}),
  };
}

/**
 * Resizes with sharp (libvips, shipped as a binary in its npm packages): a maintained resampler
 * with proper antialiasing. Loaded on first use, so that datasets which need no resizing load
 * without it.
 */
async function resizeImage(
  img: DecodedImage,
  [h, w]: [number, number],
  file: string,
): Promise<DecodedImage> {
  if (img.width === w && img.height === h) return img;
  let sharp: typeof import('sharp').default;
  try {
    sharp = (await import('sharp')).default;
  } catch (e) {
    throw new DataFormatError(
      file,
      `resizing needs the sharp package, which did not load (${e instanceof Error ? e.message : String(e)}): run npm install sharp, or resize the images beforehand`,
      { cause: e },
    );
  }
  const rgba = await sharp(Buffer.from(img.rgba.buffer, img.rgba.byteOffset, img.rgba.byteLength), {
    raw: { width: img.width, height: img.height, channels: 4 },
  })
    .resize(w, h, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  return {
    width: w,
    height: h,
    rgba: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength),
  };
}

/** Loads one split as floats in [0,1]. */
export async function loadImageFolder(
  dir: string,
  opts: ImageFolderOptions = {},
): Promise<Dataset> {
  return materialize(await loadImageFolderRaw(dir, opts));
}
