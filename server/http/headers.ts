import type { IncomingMessage } from 'node:http';

/** A Node request's headers as a fetch-API Headers (what the tRPC context and better-auth read). */
export function toHeaders(raw: IncomingMessage['headers']): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) value.forEach((item) => headers.append(name, item));
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}
