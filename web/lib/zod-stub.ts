/**
 * Stands in for `zod` in the browser bundle (src/http/web.ts swaps it in). src/protocol.ts builds
 * the server's payload schemas when it loads; the pages only use its names, constants and types,
 * and zod's full API would be about 90 KB gzipped of the phone page's 150 KB budget. So here every
 * schema builder returns an inert chainable stand-in, and using one to parse throws, rather than
 * silently accepting everything.
 */
const PARSERS = new Set(["parse", "safeParse", "parseAsync", "safeParseAsync", "decode", "encode"]);

function refuse(): never {
  throw new Error("payload schemas are checked by the server; the browser bundle does not include zod");
}

const inert: object = new Proxy(function () {}, {
  get: (_target, key) => (typeof key === "string" && PARSERS.has(key) ? refuse : inert),
  apply: () => inert,
});

export const z = inert;
export default inert;
