/**
 * Compile-time test (tsc checks it in the static tier; nothing runs): the engine satisfies the
 * wire types that src/shared/workerProtocol.ts declares on its own. The configs a client sends
 * must equal the engine's (a field the engine adds or renames is a protocol change); what the
 * engine returns must be assignable to the declared result (it may carry more).
 * When a line here fails to compile, update the declaration and bump PROTOCOL_VERSION.
 */
import type * as wire from '../../src/shared/workerProtocol';
import type { BackendInfo, BackendName, RungReport } from '../../src/engine/backend/ladder';
import type { ArchName } from '../../src/engine/models/registry';
import type { ProfileName } from '../../src/engine/formats/profiles';
import type { ConstructConfig, ConstructKind } from '../../src/engine/construct/config';
import type { AdversarialConfig, TrainConfig } from '../../src/engine/train/config';
import type { ProgressEvent } from '../../src/engine/types';
import type { TheoryConfig } from '../../src/engine/theory/config';
import type { TransferOptions, transfer } from '../../src/engine/transfer/transfer';
import type { GradientReportOptions, gradientReport } from '../../src/engine/interpret/report';
import type { CheckpointMetrics } from '../../src/engine/train/writeCheckpoint';
import type { ReproduceResults } from '../../src/engine/reproduce/report';
import type { trainModel } from '../../src/engine/train/trainModel';
import type { buildConstructed } from '../../src/engine/construct/build';

/** true only when A and B are the same type (each assignable to the other, optionality included). */
type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Satisfies<A, B> = [A] extends [B] ? true : false;
type Returned<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

/** Each entry must be `true`; a `false` is a compile error here. */
export const sameVocabulary: [
  Same<wire.BackendName, BackendName>,
  Same<wire.ArchName, ArchName>,
  Same<wire.ProfileName, ProfileName>,
  Same<wire.ConstructKind, ConstructKind>,
  Same<wire.RungReport, RungReport>,
  Same<wire.BackendInfo, BackendInfo>,
  Same<wire.ProgressEvent, ProgressEvent>,
] = [true, true, true, true, true, true, true];

export const sameParams: [
  Same<wire.AdversarialConfig, AdversarialConfig>,
  Same<wire.TrainConfig, TrainConfig>,
  Same<wire.ConstructConfig, ConstructConfig>,
  Same<wire.TheoryConfig, TheoryConfig>,
  Same<wire.TransferOptions, TransferOptions>,
  Same<wire.GradientReportOptions, GradientReportOptions>,
] = [true, true, true, true, true, true];

export const resultsSatisfied: [
  Same<wire.CheckpointMetrics, CheckpointMetrics>,
  Same<wire.ReproduceResults, ReproduceResults>,
  Satisfies<Returned<typeof trainModel>, wire.TrainResult>,
  Satisfies<Returned<typeof buildConstructed>, wire.ConstructResult>,
  Satisfies<Returned<typeof transfer> & { outDir: string }, wire.TransferResult>,
  Satisfies<Returned<typeof gradientReport>, wire.GradientsResult>,
] = [true, true, true, true, true, true];
