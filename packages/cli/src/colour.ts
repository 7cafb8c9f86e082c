/**
 * Whether to colour what goes to `stream`. On a terminal Node's own hasColors() decides: it honours NO_COLOR,
 * NODE_DISABLE_COLORS, FORCE_COLOR and TERM=dumb. A pipe or file gets colour only when FORCE_COLOR asks for it
 * (as CI logs that render ANSI do), and never under NO_COLOR (https://no-color.org: any non-empty value).
 */
export function colourFor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const tty = stream as Partial<NodeJS.WriteStream>;
  if (tty.isTTY && typeof tty.hasColors === 'function') return tty.hasColors(env);
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  return force !== undefined && force !== '0' && force !== 'false';
}
