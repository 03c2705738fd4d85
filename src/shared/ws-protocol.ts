/**
 * What is particular to the WebSocket of `portwatch serve`. The frames themselves are the RPC
 * layer's (src/shared/rpc/frames.ts), sent as JSON text; the limits and close codes are here so the
 * server and the browser client agree.
 */

/** Largest frame the server accepts from a client, bytes (requests are small). */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/**
 * Close codes the server uses. 1008 (policy violation) for a client that broke a rule (flooding,
 * falling too far behind); the reason in the close frame (and the `bye` frame before it) says which.
 */
export const WS_CLOSE = {
  policy: 1008,
  goingAway: 1001,
} as const;

/** The longest close reason the WebSocket protocol allows, bytes (a 125-byte control frame less the code). */
export const MAX_CLOSE_REASON_BYTES = 123;
