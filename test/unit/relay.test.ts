import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cidrMatcher, createRelayServer, relayTarget } from '../../src/relay/relay-server.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function listen(server: Server, host: string): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

/** A raw request, so the test controls the request line (absolute-form proxy requests). */
function send(port: number, path: string, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the delivery relay', () => {
  it('passes a request to a receiver on the loopback and its answer back', async () => {
    const seen: Array<{ url: string; host: string; signature: string; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({
          url: req.url ?? '',
          host: req.headers.host ?? '',
          signature: String(req.headers['stripe-signature']),
          body,
        });
        res.writeHead(202, { 'x-answer': 'yes' }).end('thanks');
      });
    });
    const receiverPort = await listen(receiver, '127.0.0.1');
    const relayPort = await listen(createRelayServer({ allowPeer: cidrMatcher('127.0.0.0/8') }), '127.0.0.1');

    const answer = await new Promise<{ status: number; header: string; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: relayPort,
          method: 'POST',
          path: `/localhost:${receiverPort}/hook?x=1`,
          headers: { 'stripe-signature': 't=1,v1=abc', 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, header: String(res.headers['x-answer']), text }),
          );
        },
      );
      req.on('error', reject);
      req.end('{"id":"evt_1"}');
    });
    expect(answer).toEqual({ status: 202, header: 'yes', text: 'thanks' });
    expect(seen).toEqual([
      {
        url: '/hook?x=1',
        host: `localhost:${receiverPort}`,
        signature: 't=1,v1=abc',
        body: '{"id":"evt_1"}',
      },
    ]);
  });

  it('refuses every target that is not the loopback, and proxy-style requests', async () => {
    const relayPort = await listen(createRelayServer({ allowPeer: cidrMatcher('127.0.0.0/8') }), '127.0.0.1');
    for (const path of [
      '/example.com:80/',
      '/10.0.0.1:80/hook',
      '/127.0.0.2:80/',
      '/localhost.example.com:80/',
      'http://example.com/',
      '/localhost/',
    ]) {
      const answer = await send(relayPort, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
      expect(answer.text).toMatch(/only deliveries to this machine/);
    }
  });

  it('relays deliveries (POST) only', async () => {
    const relayPort = await listen(createRelayServer({ allowPeer: cidrMatcher('127.0.0.0/8') }), '127.0.0.1');
    const answer = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: relayPort, path: '/127.0.0.1:80/', method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(answer).toBe(405);
  });

  it('drops connections from outside the allowed subnet', async () => {
    const relayPort = await listen(createRelayServer({ allowPeer: cidrMatcher('10.0.0.0/8') }), '127.0.0.1');
    await expect(send(relayPort, '/127.0.0.1:80/')).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('reads targets and subnets', () => {
    expect(relayTarget('/127.0.0.1:3000/slack/events')).toMatchObject({
      port: 3000,
      addresses: ['127.0.0.1'],
      path: '/slack/events',
    });
    expect(relayTarget('/[::1]:80?x')).toMatchObject({ addresses: ['::1'], path: '/?x' });
    expect(relayTarget('/localhost:70000/')).toBeNull();
    const inHome = cidrMatcher('172.18.0.0/16');
    expect([inHome('172.18.3.4'), inHome('::ffff:172.18.0.2'), inHome('172.19.0.1'), inHome('::1')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
