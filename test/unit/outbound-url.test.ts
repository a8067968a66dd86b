import { describe, expect, it } from 'vitest';
import { outboundUrl } from '../../templates/_shared/outbound-url.js';

describe('outboundUrl', () => {
  it('points loopback URLs at the Docker host when running in a container', () => {
    const alias = 'host.docker.internal';
    expect(outboundUrl('http://localhost:4242/hook?x=1', alias)).toBe(
      'http://host.docker.internal:4242/hook?x=1',
    );
    expect(outboundUrl('http://127.0.0.1:3000/slack/events', alias)).toBe(
      'http://host.docker.internal:3000/slack/events',
    );
    expect(outboundUrl('http://[::1]:80/', alias)).toBe('http://host.docker.internal/');
    expect(outboundUrl('https://example.com/hook', alias)).toBe('https://example.com/hook');
  });

  it('leaves every URL alone outside a container', () => {
    expect(outboundUrl('http://localhost:4242/hook', undefined)).toBe('http://localhost:4242/hook');
  });
});
