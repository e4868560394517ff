/**
 * The node's side of discovery (docs/protocol.md section 4.7), on an
 * open CAN transport it is given: answers DISCOVER with ANNOUNCE after its
 * key-derived delay, answers ASSIGN for its own hardware id with ASSIGNED.
 * It listens to the other nodes' ANNOUNCE and ASSIGNED too, so it refuses an
 * id another node holds (in_use, naming the holder). What the node is and
 * how a node id is kept (FRAM settings on the virtual board) is the backend's.
 */
import { Subject, asyncScheduler } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { CanTransport } from '../../transports/types.js';
import { GroupReceiver, groupSegments } from '../messages-discovery-can.js';
import {
  DiscoveryType,
  decodeAnnounce,
  decodeAssign,
  decodeAssigned,
  encodeAnnounce,
  encodeAssigned,
  replyDelayMs,
  replyKey,
} from '../messages-discovery.js';
import type { AnnounceMsg, AssignResultName } from '../messages-discovery.js';
import { Timer } from './timer.js';

/** What the node says about itself and how it takes a node id. */
export interface DiscoveryBackend {
  readonly hardwareId: string;
  /** The node id it has now, 0 for none. */
  nodeId(): number;
  /** Everything an ANNOUNCE carries but the nonce, as of now. */
  announce(): Omit<AnnounceMsg, 'nonce'>;
  /** Keep `nodeId` as this node's id (persisted); throws when it cannot. */
  assign(nodeId: number): void;
}

export interface DiscoveryServeOptions {
  readonly scheduler?: SchedulerLike;
  /** Send CAN FD segments (64 bytes). Default: the transport's fd. */
  readonly fd?: boolean;
  /** Highest node id ASSIGN may give (default 254; 31 for a node addressed with 11-bit identifiers). */
  readonly maxNodeId?: number;
}

export type DiscoveryServeEvent =
  | { readonly type: 'announced'; readonly nonce: number; readonly nodeId: number }
  | { readonly type: 'assign'; readonly nodeId: number; readonly result: AssignResultName; readonly holder: string | null; readonly detail?: string }
  | { readonly type: 'send_failed'; readonly message: string };

export interface DiscoveryResponder {
  readonly events$: Observable<DiscoveryServeEvent>;
  /** Node ids this node heard other nodes hold, by hardware id. */
  readonly heard: ReadonlyMap<number, string>;
  /** Stop answering (the transport stays open: it is the caller's). */
  close(): void;
}

/** Answer discovery on `transport` for the node `backend` describes. */
export function serveDiscovery(transport: CanTransport, backend: DiscoveryBackend, options: DiscoveryServeOptions = {}): DiscoveryResponder {
  const scheduler = options.scheduler ?? asyncScheduler;
  const fd = options.fd ?? transport.fd;
  const maxNodeId = options.maxNodeId ?? 254;
  const me = backend.hardwareId;
  const events = new Subject<DiscoveryServeEvent>();
  const receiver = new GroupReceiver();
  const heard = new Map<number, string>();
  const timer = new Timer(scheduler);
  let closed = false;
  let lastNonce: number | undefined;
  let sending: Promise<void> = Promise.resolve();

  const send = (type: number, payload: Uint8Array, key: number): void => {
    const frames = groupSegments(type, payload, { role: 'node', key }, fd);
    sending = sending.then(async () => {
      for (const f of frames) {
        if (closed) return;
        await transport.send(f);
      }
    }).catch((e: unknown) => {
      if (!closed) events.next({ type: 'send_failed', message: e instanceof Error ? e.message : String(e) });
    });
  };

  const hold = (nodeId: number, hw: string): void => {
    for (const [id, holder] of heard) if (holder === hw && id !== nodeId) heard.delete(id);
    if (nodeId !== 0) heard.set(nodeId, hw);
  };

  const assign = (nodeId: number): void => {
    const current = backend.nodeId();
    let result: AssignResultName = 'ok';
    let holder: string | null = null;
    let detail: string | undefined;
    const other = heard.get(nodeId);
    if (nodeId < 1 || nodeId > maxNodeId) result = 'bad_id';
    else if (other !== undefined && other !== me) {
      result = 'in_use';
      holder = other;
    } else if (nodeId !== current) {
      try {
        backend.assign(nodeId);
      } catch (e) {
        result = 'fram_error';
        detail = e instanceof Error ? e.message : String(e);
      }
    }
    const now = result === 'ok' ? nodeId : current;
    events.next({ type: 'assign', nodeId, result, holder, ...(detail === undefined ? {} : { detail }) });
    send(DiscoveryType.ASSIGNED, encodeAssigned({ hardwareId: me, result, nodeId: now, holder }), replyKey(0, me));
  };

  const sub: Subscription = transport.rx$.subscribe({
    next: (cf) => {
      if (closed) return;
      const unit = receiver.push(cf);
      if (unit === undefined || unit.kind === 'segment') return;
      if (unit.kind === 'discover') {
        const { nonce, spreadMs } = unit.msg;
        if (nonce === lastNonce) return; // the round's second copy: answer each round once
        lastNonce = nonce;
        const key = replyKey(nonce, me);
        timer.set(replyDelayMs(spreadMs, key), () => {
          const a = backend.announce();
          events.next({ type: 'announced', nonce, nodeId: a.nodeId });
          send(DiscoveryType.ANNOUNCE, encodeAnnounce({ ...a, nonce }), key);
        });
        return;
      }
      const { frame } = unit;
      if (unit.from === 'host' && frame.type === DiscoveryType.ASSIGN) {
        const d = decodeAssign(frame.payload);
        if (d.ok && d.msg.hardwareId === me) assign(d.msg.nodeId);
        return;
      }
      if (unit.from === 'node' && frame.type === DiscoveryType.ANNOUNCE) {
        const d = decodeAnnounce(frame.payload);
        if (d.ok && d.msg.hardwareId !== me) hold(d.msg.nodeId, d.msg.hardwareId);
        return;
      }
      if (unit.from === 'node' && frame.type === DiscoveryType.ASSIGNED) {
        const d = decodeAssigned(frame.payload);
        if (d.ok && d.msg.hardwareId !== me && d.msg.result === 'ok') hold(d.msg.nodeId, d.msg.hardwareId);
      }
    },
    error: () => undefined, // the link's failure is the caller's to report (it owns the transport)
  });

  return {
    events$: events.asObservable(),
    heard,
    close: () => {
      if (closed) return;
      closed = true;
      timer.clear();
      sub.unsubscribe();
      events.complete();
    },
  };
}
