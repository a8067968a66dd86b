import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { inspectDetails } from '../../src/runtime/docker-runtime.js';

describe("mapping Docker's inspect payload", () => {
  it('reads restart count and policy, env, published ports and the image id', () => {
    const info = {
      RestartCount: 2,
      Image: 'sha256:abc',
      Created: '2026-12-01T10:00:00.000Z',
      Config: { Env: ['A=1', 'URL=postgres://x?y=z', 'EMPTY='] },
      HostConfig: {
        RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
        PortBindings: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '45001' }], '9/udp': null },
      },
    } as unknown as Docker.ContainerInspectInfo;
    expect(inspectDetails(info)).toEqual({
      restartCount: 2,
      restartPolicy: 'unless-stopped',
      env: { A: '1', URL: 'postgres://x?y=z', EMPTY: '' },
      ports: [{ containerPort: 3000, hostPort: 45001, hostIp: '127.0.0.1' }],
      imageId: 'sha256:abc',
      createdAt: '2026-12-01T10:00:00.000Z',
    });
  });

  it('defaults a missing policy to no and an empty host ip to all interfaces', () => {
    const info = {
      Image: 'sha256:def',
      Created: '2026-12-01T10:00:00.000Z',
      Config: {},
      HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } },
    } as unknown as Docker.ContainerInspectInfo;
    expect(inspectDetails(info)).toMatchObject({
      restartCount: 0,
      restartPolicy: 'no',
      env: {},
      ports: [{ containerPort: 80, hostPort: 8080, hostIp: '0.0.0.0' }],
    });
  });
});
