import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseText } from '../../templates/_shared/response-text.js';

/** The properties a node-server Response holds until something turns it into a full one. */
const isLightweight = (response: Response) =>
  Object.getOwnPropertySymbols(response).some(
    (symbol) => symbol.description === 'cache' && (response as never)[symbol] !== undefined,
  );

describe('responseText', () => {
  const seen: Array<{ text: string; lightweight: boolean }> = [];
  let origin = '';
  let close: () => void = () => {};

  beforeAll(async () => {
    const app = new Hono();
    app.use(async (c, next) => {
      await next();
      seen.push({ text: await responseText(c.res), lightweight: isLightweight(c.res) });
    });
    app.get('/json', (c) => c.json({ id: 'cus_1', name: 'Ada' }, 201));
    app.get('/stream', (c) =>
      stream(c, async (out) => {
        await out.write('part one, ');
        await out.write('part two');
      }),
    );
    app.get('/bytes', () => new Response(new TextEncoder().encode('raw bytes')));
    await new Promise<void>((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
        origin = `http://127.0.0.1:${info.port}`;
        resolve();
      });
      close = () => server.close();
    });
  });
  afterAll(() => close());

  it("reads a handler's JSON where it lies, and the client still gets all of it", async () => {
    const response = await fetch(`${origin}/json`);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: 'cus_1', name: 'Ada' });
    expect(seen.at(-1)).toEqual({ text: '{"id":"cus_1","name":"Ada"}', lightweight: true });
  });

  it('reads a streamed body by a clone, and the client still gets all of it', async () => {
    const response = await fetch(`${origin}/stream`);
    expect(await response.text()).toBe('part one, part two');
    expect(seen.at(-1)?.text).toBe('part one, part two');
  });

  it('reads a byte body by a clone, and the client still gets all of it', async () => {
    const response = await fetch(`${origin}/bytes`);
    expect(await response.text()).toBe('raw bytes');
    expect(seen.at(-1)?.text).toBe('raw bytes');
  });
});
