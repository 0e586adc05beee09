/**
 * How much serving quantization costs the built-in model (or any checkpoint): size on disk and the
 * change in held-out loss against the float model, for int8, NF4 and absmax 4-bit.
 *
 *   npm run model:quantize-report
 *   npm run model:quantize-report -- --checkpoint path/to/dir
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../model/backend';
import { loadModel } from '../model/model-checkpoint';
import { createTokenizer } from '../model/tokenizer';
import { disposeGPT } from '../model/transformer';
import { quantizationReport, quantizeForServing } from '../model/quantize-model';
import { generateCorpus } from '../domain/arithmetic';
import { disposeBatch, makeBatch, packChats } from '../train/chat-batches';

const BASE_MODEL_DIR = path.resolve(__dirname, '../assets/base-model');
const SCHEMES = ['int8', 'nf4', 'absmax4'] as const;

async function main() {
  const { values } = parseArgs({ options: { checkpoint: { type: 'string', default: BASE_MODEL_DIR } } });
  await selectBackend();
  const { model, manifest } = await loadModel(values.checkpoint);
  const tok = createTokenizer(manifest.tokenizer);
  const heldout = generateCorpus({ count: 64, seed: 12345, split: 'heldout' });
  const packed = packChats(
    tok,
    heldout.map((e) => [
      { role: 'user' as const, content: e.prompt },
      { role: 'assistant' as const, content: e.completion },
    ]),
  );
  const batches = [0, 1, 2, 3].map((k) =>
    makeBatch(
      packed,
      Array.from({ length: 16 }, (_, r) => k * 16 + r),
      128,
    ),
  );

  const rows = [];
  for (const scheme of SCHEMES) {
    // Cached dequantised weights: the loss is the same, and the report runs at float speed.
    const quantized = quantizeForServing(model, { scheme, blockSize: 64, cacheDequantized: true });
    rows.push(await quantizationReport(model, quantized, batches));
    disposeGPT(quantized);
  }
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  console.log(`\nHeld-out loss over answer tokens of ${heldout.length} held-out chats; float loss ${rows[0].floatLoss.toFixed(5)}, float size ${mb(rows[0].floatBytes)}\n`);
  console.log('scheme    size on disk   loss        change');
  for (const r of rows) console.log(`${r.scheme.padEnd(9)} ${mb(r.quantizedBytes).padStart(12)}   ${r.quantizedLoss.toFixed(5)}   ${(r.lossDelta >= 0 ? '+' : '') + r.lossDelta.toFixed(5)}`);
  batches.forEach(disposeBatch);
  disposeGPT(model);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
