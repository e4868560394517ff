import { parseCandumpLine } from './src/protocol/candump.ts';
import { CaptureDecoder } from './src/protocol/candump-decode.ts';
const gc = (globalThis as any).gc;
const held = () => { gc(); gc(); const m = process.memoryUsage(); return [m.heapUsed/2**20, m.arrayBuffers/2**20].map(x=>x.toFixed(1)).join(' / '); };
for (const kind of ['bytes', 'can']) {
  const d = new CaptureDecoder();
  console.log(kind, 'before', held());
  for (let i = 0; i < 5000; i++) {
    if (kind === 'bytes') d.push(parseCandumpLine(`(1.000000) tty${i} TX 0102`, i + 1));
    else d.push(parseCandumpLine(`(1.000000) can${i} 020#48420106FFFF0000`, i + 1));
  }
  console.log(kind, 'after', held(), JSON.stringify(d.summary()).slice(0, 200));
  await new Promise((r) => setTimeout(r, 200));
  console.log(kind, 'later', held());
}
