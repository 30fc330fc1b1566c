/**
 * HTTP/1.1 written byte for byte on a TCP socket, for requests `fetch` will not send: malformed
 * percent-escapes left as typed, any Host header, absolute-form targets. Each request is bounded
 * in time; a server that never answers yields `{ status: "timeout" }` instead of a hung test.
 */
import { connect } from "node:net";

export interface RawResponse {
  /** The status code, or "timeout" / "closed" when no status line arrived. */
  status: number | "timeout" | "closed";
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** The request target exactly as sent, e.g. `/matchmake/joinById/%ZZ`. */
  target: string;
  /** Header lines; Host defaults to 127.0.0.1:<port>, Connection is always `close`. */
  headers?: Record<string, string>;
  body?: string;
}

export function rawHttp(port: number, request: RawRequest, timeoutMs = 5_000): Promise<RawResponse> {
  const body = request.body ?? "";
  const headers: Record<string, string> = { Host: `127.0.0.1:${port}`, ...request.headers, Connection: "close" };
  if (body !== "" || request.method === "POST") headers["Content-Length"] = String(Buffer.byteLength(body));
  const head = [`${request.method ?? "GET"} ${request.target} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join("\r\n");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(`${head}\r\n\r\n${body}`));
    let settled = false;
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(Buffer.concat(chunks).toString("utf8"), timedOut));
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("end", () => finish(false));
    socket.on("close", () => finish(false));
    socket.on("error", () => finish(false));
  });
}

function parse(text: string, timedOut: boolean): RawResponse {
  const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text);
  if (!match) return { status: timedOut ? "timeout" : "closed", headers: {}, body: text };
  const end = text.indexOf("\r\n\r\n");
  const headers: Record<string, string> = {};
  for (const line of text.slice(match[0].length, end < 0 ? undefined : end).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end < 0 ? "" : text.slice(end + 4);
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) body = unchunk(body);
  return { status: Number(match[1]), headers, body };
}

function unchunk(text: string): string {
  let out = "";
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    if (lineEnd < 0) return out;
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
