/** The FrameChannel openers the engine is given one of. */
export { openByteStreamChannel } from './channel-bytes.js';
export type { ByteStreamChannelOptions } from './channel-bytes.js';
export { openCanChannel } from './channel-can.js';
export type { CanChannelOptions } from './channel-can.js';
export type { ChannelRole } from './channel-core.js';
