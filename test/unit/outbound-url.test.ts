import { describe, expect, it } from 'vitest';
import { outboundUrl } from '../../templates/_shared/outbound-url.js';

describe('outboundUrl', () => {
  it('points loopback URLs at the Docker host when running in a container (Docker Desktop)', () => {
    const routes = { hostAlias: 'host.docker.internal' };
    expect(outboundUrl('http://localhost:4242/hook?x=1', routes)).toBe(
      'http://host.docker.internal:4242/hook?x=1',
    );
    expect(outboundUrl('http://127.0.0.1:3000/slack/events', routes)).toBe(
      'http://host.docker.internal:3000/slack/events',
    );
    expect(outboundUrl('http://[::1]:80/', routes)).toBe('http://host.docker.internal/');
    expect(outboundUrl('https://example.com/hook', routes)).toBe('https://example.com/hook');
  });

  it("sends loopback http URLs through the home's relay, naming the target in the path (Docker Engine)", () => {
    const routes = { relayUrl: 'http://172.18.0.1:41234', hostAlias: 'host.docker.internal' };
    expect(outboundUrl('http://localhost:4242/hook?x=1', routes)).toBe(
      'http://172.18.0.1:41234/localhost:4242/hook?x=1',
    );
    expect(outboundUrl('http://127.0.0.1:3000/slack/events', routes)).toBe(
      'http://172.18.0.1:41234/127.0.0.1:3000/slack/events',
    );
    expect(outboundUrl('http://[::1]/', routes)).toBe('http://172.18.0.1:41234/[::1]:80/');
    expect(outboundUrl('http://app.localhost:8000/x', routes)).toBe(
      'http://172.18.0.1:41234/app.localhost:8000/x',
    );
    // The relay is plain HTTP: https on localhost falls back to the host alias.
    expect(outboundUrl('https://localhost:4242/hook', routes)).toBe('https://host.docker.internal:4242/hook');
    expect(outboundUrl('http://example.com/hook', routes)).toBe('http://example.com/hook');
  });

  it('leaves every URL alone outside a container', () => {
    expect(outboundUrl('http://localhost:4242/hook', {})).toBe('http://localhost:4242/hook');
  });
});
