/**
 * `diagnostics_channel` publishing with zero cost when nobody listens. The module is loaded only where it
 * exists (`process.getBuiltinModule`), so browser bundles never import a Node built-in; a channel's
 * `hasSubscribers` is checked before any message object is built.
 */

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

/** Channel names (fixed by the public contract). */
export const CHANNEL_NAMES = {
  gpStart: "rcu:gp:start",
  gpEnd: "rcu:gp:end",
  stall: "rcu:stall",
  pressure: "rcu:pressure",
  error: "rcu:error",
} as const;

type ChannelKey = keyof typeof CHANNEL_NAMES;

interface Channels {
  readonly gpStart?: Channel;
  readonly gpEnd?: Channel;
  readonly stall?: Channel;
  readonly pressure?: Channel;
  readonly error?: Channel;
}

let channels: Channels | undefined;

interface ProcessLike {
  getBuiltinModule?: (id: string) => unknown;
}

function load(): Channels {
  const proc = (globalThis as { process?: ProcessLike }).process;
  const dc = proc?.getBuiltinModule?.("node:diagnostics_channel") as { channel(name: string): Channel } | undefined;
  if (dc === undefined) return {};
  const out: Record<string, Channel> = {};
  for (const key of Object.keys(CHANNEL_NAMES) as ChannelKey[]) out[key] = dc.channel(CHANNEL_NAMES[key]);
  return out;
}

/** Publishes `make()` on `key` if anyone listens. */
export function publish(key: ChannelKey, make: () => unknown): void {
  channels ??= load();
  const channel = channels[key];
  if (channel?.hasSubscribers === true) channel.publish(make());
}

/** Loads a Node built-in where the runtime offers one, `undefined` elsewhere (browsers). */
export function builtin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: ProcessLike }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}
