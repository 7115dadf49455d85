import { startBackend } from '../args';
import { parseVerb, type VerbSpec } from '../options';
import { TOOL_VERSION, versions } from '../../engine/provenance';
import { findDatasets } from '../../engine/formats/load';
import { ARCHS, ARCH_DESCRIPTIONS } from '../../engine/models/registry';

export const infoVerb = {
  name: 'info',
  summary: 'version, the compute backend chosen (and why others were skipped), datasets found',
  options: {},
} as const satisfies VerbSpec;

export async function runInfo(argv: string[]): Promise<void> {
  const opts = parseVerb(infoVerb, argv);
  const backend = await startBackend(opts.backend, true);
  const datasets = findDatasets();
  if (opts.json) {
    console.log(
      JSON.stringify(
        { version: TOOL_VERSION, versions: versions(), backend, datasets, models: ARCHS },
        null,
        2,
      ),
    );
    return;
  }
  console.log(`robust-features ${TOOL_VERSION} (tfjs ${versions().tfjs}, node ${process.version})`);
  console.log('\nCompute backend ladder:');
  for (const r of backend.ladder)
    console.log(
      `  ${r.status === 'chosen' ? '→' : ' '} ${r.backend.padEnd(14)} ${r.status.padEnd(9)} ${r.reason}`,
    );
  console.log('\nDatasets:');
  for (const d of datasets)
    console.log(
      `  ${d.found ? '✓' : '✗'} ${d.name.padEnd(14)} ${d.path}${d.found ? '' : `  (${d.hint})`}`,
    );
  console.log('\nModels:');
  for (const a of ARCHS) console.log(`  ${a.padEnd(12)} ${ARCH_DESCRIPTIONS[a]}`);
}
