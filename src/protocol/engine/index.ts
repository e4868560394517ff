/**
 * The transfer engine's public API.
 *
 * Host:   connect(channel, opts) -> Promise<PeerInfo>
 *         transfer(channel, source, opts) -> Observable<TransferEvent>
 *         query/status/rollback/confirm/factoryReset/fmap/abortSession (host-commands.ts)
 * Target: serveTarget(channel, backend, opts) -> TargetHandle
 */
export { connect, CONNECT_DEFAULTS } from './host-connect.js';
export { precheckImage, precheckBundle, beginSlot, BundleUnsupportedError, UnsignedImageError } from './host-precheck.js';
export { chunkLimit } from '../messages-types.js';
export type { ConnectOptions, PeerInfo } from './host-connect.js';
export { transfer, HostState } from './host-transfer.js';
export { transferCoded, MAX_CODED_IMAGE } from './host-delta.js';
export type { DeltaOptions } from './host-delta.js';
export { TRANSFER_DEFAULTS } from './host-options.js';
export type { TransferEvent, TransferOptions, TransferResult, TransferSavings } from './host-options.js';
export type { TransferCounters } from './counters.js';
export { serveTarget } from './target.js';
export { TargetState, SERVE_DEFAULTS } from './target-types.js';
export type { ServeOptions, TargetCounters, TargetHandle } from './target-types.js';
export { FileSink, SinkError } from './file-sink.js';
export type { FileSinkOptions } from './file-sink.js';
export { ConfirmFailedError, TransferAbortedError } from './errors.js';
export { RtoEstimator, RTO_DEFAULTS } from './rto.js';
export { REQUEST_DEFAULTS, silentBudgetMs } from './request-timing.js';
export type { RtoOptions } from './rto.js';
export { query, status, rollback, confirm, factoryReset, fmap, abortSession, trustList, trustAdd } from './host-commands.js';
export type { CommandOptions, CommandOutcome } from './host-commands.js';
export { NOTHING_TO_DO } from './host-commands.js';
export { DEFAULT_LINE_RATES, BAUD_DEFAULTS } from './baud.js';
export type { LineRateControl } from './baud.js';
export type { TargetBaudOptions } from './target-baud.js';
export { MAX_BAUD_CONFIRM_MS } from './target-baud.js';
export { negotiateBaud, switchBaud, commonRates } from './host-baud.js';
export type { BaudAttempt, BaudNegotiation, BaudOptions, BaudStep } from './host-baud.js';
export { transferWithFallback } from './host-baud-transfer.js';
export type { AdaptiveTransferEvent, BaudEvent, FallbackOptions } from './host-baud-transfer.js';
export { broadcastFlash } from './bcast-master.js';
export type { BcastImage } from './bcast-master.js';
export { BCAST_DEFAULTS, BcastPhase, NodePhase } from './bcast-types.js';
export type { BcastCounters, BcastNodeOutcome, BcastNodeResult, BcastOptions, BcastProgress, BcastResult } from './bcast-types.js';
export { auditTrail, challenge, signCommand, attachAuth } from './auth.js';
export { bootcfgGet, bootcfgSet } from './host-bootcfg.js';
export type { CommandSigner, AuthOptions } from './auth.js';
