/**
 * The `--json` vocabulary: one registry of every line type any command
 * prints, keyed by its `event` (docs/cli.md, "JSON lines"). The zod schemas
 * are the single source: the commands type their lines with them, tests
 * validate real output against them, and scripts/gen-schemas.mjs writes them
 * as JSON Schema to docs/schemas/<event>.schema.json.
 */
import { z } from 'zod';
import { BoardCommandLine, FramRegionsLine, ProvisioningAbortedLine, ProvisioningCompleteLine, ProvisioningErrorLine, ProvisioningPersistedLine, ProvisioningProgressLine, ProvisioningRollbackLine, ProvisioningStartedLine, ReadyLine, StatusLine, StoppedLine } from './board.js';
import { BundleBuiltLine, BundleLine, BundleVerifiedLine, KeygenLine, SignedLine } from './bundle.js';
import { MessageLine, NoteLine, SummaryLine, UnreadableLine } from './capture.js';
import { PortLine, PortsSummaryLine } from './ports.js';
import { ErrorLine } from './common.js';
import { AssignedLine, DiscoveryLine, NodeLine } from './discover.js';
import { DemoDoneLine, DemoImageLine, DemoLinkLine, DemoStatusLine, DemoTransferLine } from './demo.js';
import { FramMapLine, ImageLine, PackedLine } from './files.js';
import { BcastNodeLine, BcastResultLine } from './bcast.js';
import { TrustAddedLine, TrustLine } from './trust.js';
import { AuditLine } from './audit.js';
import { BootcfgLine, ProvisioningEntryLine, ProvisioningSourceLine } from './bootcfg.js';
import { SdCheckLine, SdWrittenLine } from './sd.js';
import { BaudLine, BegunLine, CommittedLine, ConfirmedLine, DoneLine, EndingLine, ProgressLine, ResultLine, VerifiedLocallyLine } from './flash.js';

export { crc32Hex } from './common.js';
export type { ErrorObject } from './common.js';
export { boardEventLine } from './board.js';
export { captureEntryLine, summaryLine } from './capture.js';
export { boardReportJson } from './demo.js';
export { framMapJson } from './files.js';
export { bundleSummary, manifestLine, signerLine } from './bundle.js';
export { transferResultJson } from './flash.js';
export { bcastNodeLine, bcastResultLine } from './bcast.js';

/** Every line type, by event name; the commands that print it in the comment. */
export const JSON_LINES = {
  error: ErrorLine, // every command
  'demo.link': DemoLinkLine, // demo
  'demo.status': DemoStatusLine,
  'demo.image': DemoImageLine,
  'demo.transfer': DemoTransferLine,
  'demo.done': DemoDoneLine,
  image: ImageLine, // inspect
  bundle: BundleLine, // inspect, for a bundle
  packed: PackedLine, // pack
  fram_map: FramMapLine, // fmap --fram
  fram_regions: FramRegionsLine, // fmap <link>
  message: MessageLine, // decode
  note: NoteLine,
  summary: SummaryLine,
  unreadable: UnreadableLine,
  ready: ReadyLine, // target
  stopped: StoppedLine,
  'provisioning.started': ProvisioningStartedLine, // target, demo
  'provisioning.progress': ProvisioningProgressLine,
  'provisioning.complete': ProvisioningCompleteLine,
  'provisioning.error': ProvisioningErrorLine,
  'provisioning.aborted': ProvisioningAbortedLine,
  'provisioning.persisted': ProvisioningPersistedLine,
  'provisioning.rollback': ProvisioningRollbackLine,
  'provisioning.source': ProvisioningSourceLine, // target (boot sequence)
  'provisioning.entry': ProvisioningEntryLine,
  bootcfg: BootcfgLine, // bootcfg get, bootcfg set
  verified_locally: VerifiedLocallyLine, // flash
  baud: BaudLine,
  begun: BegunLine,
  progress: ProgressLine,
  ending: EndingLine,
  done: DoneLine,
  committed: CommittedLine,
  confirmed: ConfirmedLine,
  result: ResultLine,
  bcast_node: BcastNodeLine, // flash --nodes
  bcast_result: BcastResultLine,
  status: StatusLine, // status
  audit: AuditLine, // status --audit
  board_command: BoardCommandLine, // abort, rollback, confirm, reset
  keygen: KeygenLine, // keygen
  bundle_built: BundleBuiltLine, // image build
  bundle_verified: BundleVerifiedLine, // image verify
  signed: SignedLine, // sign
  trust: TrustLine, // trust list
  trust_added: TrustAddedLine, // trust add
  port: PortLine, // ports
  ports_summary: PortsSummaryLine,
  node: NodeLine, // discover
  assigned: AssignedLine,
  discovery: DiscoveryLine,
  sd_written: SdWrittenLine, // sd write
  sd_check: SdCheckLine, // sd check
} as const;

export type JsonEvent = keyof typeof JSON_LINES;
export type JsonLineOf<E extends JsonEvent> = z.infer<(typeof JSON_LINES)[E]>;
export type JsonLine = { [E in JsonEvent]: JsonLineOf<E> }[JsonEvent];

/** A line of the vocabulary, checked against its event's schema (throws on an unknown event, a missing or an extra key). */
export function parseJsonLine(value: unknown): JsonLine {
  const event = typeof value === 'object' && value !== null ? (value as { event?: unknown }).event : undefined;
  if (typeof event !== 'string' || !Object.hasOwn(JSON_LINES, event)) {
    throw new Error(`not a line of the --json vocabulary: event ${JSON.stringify(event)}`);
  }
  return JSON_LINES[event as JsonEvent].parse(value);
}

/** Serialize a line of the vocabulary (newline-terminated); typing it here catches a key the schema does not have. */
export function lineText(line: JsonLine): string {
  return JSON.stringify(line) + '\n';
}

/** The JSON Schema of each line type, by event (what docs/schemas/ holds). */
export function jsonSchemas(): Record<JsonEvent, unknown> {
  const out = {} as Record<JsonEvent, unknown>;
  for (const event of Object.keys(JSON_LINES).sort() as JsonEvent[]) {
    out[event] = { ...z.toJSONSchema(JSON_LINES[event], { target: 'draft-2020-12' }), title: event };
  }
  return out;
}
