/**
 * A transfer that steps the line rate down when errors rise (docs/protocol.md
 * 7.5): every `errorWindowFrames` frames sent, the share of frames that went
 * wrong ((retransmits + CRC errors + malformed) / frames sent) is compared
 * with `errorThreshold`. Above it, the host stops sending (the target keeps
 * the session), moves both ends one rate down with SET_BAUD, and resumes the
 * same session at the lower rate: only what the target lacks is sent again.
 * The engine's transfer itself is not changed: this is stop / switch / resume.
 */
import { Observable, asyncScheduler } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { ImageReader } from '../../image/reader.js';
import type { FrameChannel } from '../types.js';
import { BAUD_DEFAULTS } from './baud.js';
import type { TransferCounters } from './counters.js';
import { commonRates, switchBaud } from './host-baud.js';
import type { BaudAttempt, BaudOptions } from './host-baud.js';
import type { PeerInfo } from './host-connect.js';
import { addSavings, type TransferEvent, type TransferOptions, type TransferResult, type TransferSavings } from './host-options.js';
import { newSessionId } from './host-begin.js';
import { transferCoded, type DeltaOptions } from './host-delta.js';

export interface FallbackOptions extends BaudOptions {
  /** The rate both ends run at when the transfer starts. */
  readonly rate: number;
  /** Default 64 frames. */
  readonly errorWindowFrames?: number;
  /** Default 0.1. */
  readonly errorThreshold?: number;
}

/** A rate change during the transfer. */
export interface BaudEvent {
  readonly kind: 'baud';
  readonly from: number;
  readonly rate: number;
  readonly attempt: BaudAttempt;
  /** The error share that triggered it. */
  readonly errorRate: number;
}

export type AdaptiveTransferEvent = TransferEvent | BaudEvent;

/** Fallback switches that may fail (no answer, unproven) before the transfer stays at its rate. */
const MAX_FAILED_SWITCHES = 3;

const errorsOf = (c: TransferCounters): number => c.retransmits + c.crcErrors + c.malformed;

function sumCounters(a: TransferCounters, b: TransferCounters): TransferCounters {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof TransferCounters)[]) out[k] = a[k] + b[k];
  return out;
}

/**
 * `transfer()` with the fallback above. The 'done' result covers the whole
 * transfer: transferMs from the first BEGIN, counters summed over every
 * segment, resumed/alreadyHeld as at the start. `baud` events say when and why the rate changed.
 */
export function transferWithFallback(channel: FrameChannel, source: ImageReader, opts: TransferOptions & DeltaOptions, fb: FallbackOptions): Observable<AdaptiveTransferEvent> {
  return new Observable<AdaptiveTransferEvent>((out) => {
    const scheduler = opts.scheduler ?? fb.scheduler ?? asyncScheduler;
    const windowFrames = fb.errorWindowFrames ?? BAUD_DEFAULTS.errorWindowFrames;
    const threshold = fb.errorThreshold ?? BAUD_DEFAULTS.errorThreshold;
    let sub: Subscription | undefined;
    let stopped = false;
    let peer: PeerInfo = opts.peer;
    let rate = fb.rate;
    // One session id for every segment, so each resume continues the target's session.
    const sessionId = opts.sessionId ?? newSessionId(source.sha256, scheduler);
    let carried: TransferCounters | undefined;
    // a coded transfer's savings: the segments before the current one, and the current one's latest
    let carriedSavings: TransferSavings | undefined;
    let segmentSavings: TransferSavings | undefined;
    let first: { resumed: boolean; alreadyHeld: number; startedAt: number } | undefined;
    // A refusal ends falling back; a switch that could not be made (no answer, unproven) may be retried a few times.
    let failedSwitches = 0;
    let canFall = true;

    const run = (segment: number): void => {
      let window = { frames: 0, errors: 0 };
      // once END went out the target verifies and commits by itself: a rate change then would race its DONE
      let ending = false;
      segmentSavings = undefined;
      const resume = segment === 0 ? opts : { ...opts, resume: true, fresh: false };
      sub = transferCoded(channel, source, { ...resume, scheduler, peer, sessionId }).subscribe({
        next: (e) => {
          switch (e.kind) {
            case 'begun': {
              // A later segment continues this command's own session: after a fresh start, all it holds came from here.
              const own = segment > 0 && opts.fresh === true;
              first ??= { resumed: own ? false : e.resumed, alreadyHeld: own ? 0 : e.heldBytes, startedAt: scheduler.now() };
              if (segment === 0) out.next(e);
              return;
            }
            case 'progress': {
              const counters = carried === undefined ? e.counters : sumCounters(carried, e.counters);
              segmentSavings = e.savings;
              const savings = addSavings(carriedSavings, e.savings);
              out.next({ ...e, counters, ...(savings === undefined ? {} : { savings }) });
              if (ending) return;
              const frames = e.counters.framesSent - window.frames;
              if (frames < windowFrames) return;
              const share = (errorsOf(e.counters) - window.errors) / frames;
              window = { frames: e.counters.framesSent, errors: errorsOf(e.counters) };
              const lower = commonRates(peer, fb.rates).filter((r) => r < rate).at(-1);
              if (share > threshold && canFall && lower !== undefined) fallBack(segment, e.counters, lower, share);
              return;
            }
            case 'ending':
              ending = true;
              out.next(e);
              return;
            case 'done': {
              const r = e.result;
              const result: TransferResult = {
                ...r,
                resumed: first?.resumed ?? r.resumed,
                alreadyHeld: first?.alreadyHeld ?? r.alreadyHeld,
                transferMs: first === undefined ? r.transferMs : scheduler.now() - first.startedAt,
                counters: carried === undefined ? r.counters : sumCounters(carried, r.counters),
                savings: addSavings(carriedSavings, r.savings),
              };
              out.next({ kind: 'done', result });
              return;
            }
          }
        },
        error: (err: unknown) => out.error(err),
        complete: () => out.complete(),
      });
    };

    const fallBack = (segment: number, counters: TransferCounters, lower: number, share: number): void => {
      sub?.unsubscribe();
      carried = carried === undefined ? counters : sumCounters(carried, counters);
      carriedSavings = addSavings(carriedSavings, segmentSavings);
      const from = rate;
      switchBaud(channel, peer, rate, lower, { ...fb, scheduler }).then(
        (step) => {
          if (stopped) return;
          peer = step.peer;
          rate = step.rate;
          if (step.attempt.outcome === 'refused' || (step.attempt.outcome !== 'switched' && ++failedSwitches >= MAX_FAILED_SWITCHES)) canFall = false;
          out.next({ kind: 'baud', from, rate, attempt: step.attempt, errorRate: share });
          run(segment + 1);
        },
        (err: unknown) => out.error(err),
      );
    };

    run(0);
    return () => {
      stopped = true;
      sub?.unsubscribe();
    };
  });
}
