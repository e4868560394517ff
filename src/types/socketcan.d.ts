/**
 * Local declaration of the part of `socketcan` 4.3.1 hilbridge uses. The
 * package's own .d.ts imports "../build/Release/can.node" types it does not
 * ship, so strict builds cannot use it.
 */
declare module 'socketcan' {
  /** A frame as the addon hands it over (received) or takes it (sent). */
  export interface RawMessage {
    id: number;
    ext?: boolean;
    rtr?: boolean;
    err?: boolean;
    data: Buffer;
  }
  export interface RawFilter {
    id: number;
    mask: number;
    invert?: boolean;
  }
  export interface RawChannel {
    addListener(event: 'onMessage', listener: (msg: RawMessage) => void): RawChannel;
    addListener(event: 'onStopped', listener: () => void): RawChannel;
    start(): RawChannel;
    stop(): RawChannel;
    /** Bytes written, or -1 (errno is not exposed; with non_block_send, a full queue). */
    send(msg: RawMessage): number;
    sendFD(msg: RawMessage): number;
    setRxFilters(filters: RawFilter | RawFilter[]): RawChannel;
    setErrorFilters(mask: number): RawChannel;
    disableLoopback(): RawChannel;
  }
  export interface ChannelOptions {
    timestamps?: boolean;
    protocol?: number;
    non_block_send?: boolean;
  }
  export function createRawChannelWithOptions(channel: string, options: ChannelOptions): RawChannel;
}
