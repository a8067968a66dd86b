import { randomBytes } from 'node:crypto';
import { AsymError } from '../errors.js';
import type {
  BuildSpec,
  ContainerDetails,
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  EngineInfo,
  ImageState,
  Labels,
  LogOptions,
  NetworkSpec,
  NetworkState,
  ProgressListener,
  VolumeSpec,
  VolumeState,
} from './types.js';

interface FakeContainer extends ContainerState {
  spec: ContainerSpec;
  restartCount: number;
  lastExit: ContainerExit | null;
  createdAt: string;
  imageId: string;
}

/**
 * An in-memory container runtime for fast tests of services and the CLI. It keeps the
 * rules of the real engine that our code relies on (unique names, label filters, a volume
 * in use cannot be removed, a network with containers cannot be removed, published host
 * ports are exclusive); the shared contract suite holds it to the real engine's behaviour.
 */
export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly volumes = new Map<string, VolumeState>();
  readonly networks = new Map<string, NetworkState>();
  readonly images = new Map<string, ImageState>();
  available = true;
  /** What engineInfo() reports (tests play Docker Desktop by changing it). */
  operatingSystem = 'Debian GNU/Linux 12 (bookworm)';
  private subnets = 0;
  /** Called when a container starts; tests use it to play the container's process. */
  onStart: ((container: ContainerState, spec: ContainerSpec) => void) | undefined;
  /** Called when a running container stops or is removed. */
  onStop: ((container: ContainerState) => void) | undefined;

  async ping(): Promise<void> {
    this.assertUp();
  }

  async engineInfo(): Promise<EngineInfo> {
    this.assertUp();
    return { operatingSystem: this.operatingSystem };
  }

  async createContainer(spec: ContainerSpec): Promise<ContainerState> {
    this.assertUp();
    if ([...this.containers.values()].some((c) => c.name === spec.name)) {
      throw new AsymError(
        'DOCKER_ERROR',
        `Docker could not create container ${spec.name}: name already in use`,
      );
    }
    if (!this.images.has(spec.image)) {
      throw new AsymError(
        'DOCKER_ERROR',
        `Docker could not create container ${spec.name}: no such image ${spec.image}`,
      );
    }
    for (const volume of Object.keys(spec.volumes ?? {})) {
      if (!this.volumes.has(volume)) this.volumes.set(volume, { name: volume, labels: {} });
    }
    const network = spec.network && !spec.hostNetwork ? this.findNetwork(spec.network.name) : undefined;
    const container: FakeContainer = {
      id: randomBytes(32).toString('hex'),
      name: spec.name,
      image: spec.image,
      labels: { ...spec.labels },
      status: 'created',
      networks: spec.hostNetwork ? ['host'] : network ? [network.name] : [],
      spec,
      restartCount: 0,
      lastExit: null,
      createdAt: new Date().toISOString(),
      imageId: this.images.get(spec.image)?.id ?? '',
    };
    this.containers.set(container.id, container);
    if (network) network.containerIds.push(container.id);
    return snapshot(container);
  }

  async startContainer(id: string): Promise<void> {
    this.assertUp();
    const container = this.get(id);
    if (container.status === 'running') return;
    for (const port of container.spec.ports ?? []) {
      const holder = [...this.containers.values()].find(
        (c) =>
          c.id !== id && c.status === 'running' && c.spec.ports?.some((p) => p.hostPort === port.hostPort),
      );
      if (holder) {
        throw new AsymError(
          'DOCKER_ERROR',
          `Docker could not start container ${id.slice(0, 12)}: Bind for ${port.hostIp}:${port.hostPort} failed: port is already allocated`,
        );
      }
    }
    container.status = 'running';
    // Like `docker start`: a start by hand begins a new restart history.
    container.restartCount = 0;
    this.onStart?.(snapshot(container), container.spec);
  }

  async stopContainer(id: string): Promise<void> {
    this.assertUp();
    const container = this.containers.get(id);
    if (container?.status === 'running') {
      this.onStop?.(snapshot(container));
      container.lastExit = { exitCode: 0, oomKilled: false, at: new Date().toISOString() };
    }
    if (container) container.status = 'exited';
  }

  /**
   * The container's process ends on its own (a crash, or the OOM killer with
   * `oomKilled`): its restart policy decides whether the engine starts it again, as Docker
   * does. `docker kill` is `kill()`: a stop by hand that no policy undoes.
   */
  crash(id: string, exit: { exitCode: number; oomKilled?: boolean } = { exitCode: 137 }): void {
    const container = this.get(id);
    if (container.status !== 'running') return;
    this.onStop?.(snapshot(container));
    container.lastExit = {
      exitCode: exit.exitCode,
      oomKilled: Boolean(exit.oomKilled),
      at: new Date().toISOString(),
    };
    const policy = container.spec.restartPolicy ?? 'no';
    const restarts =
      policy === 'always' || policy === 'unless-stopped' || (policy === 'on-failure' && exit.exitCode !== 0);
    if (!restarts) {
      container.status = 'exited';
      return;
    }
    container.restartCount += 1;
    this.onStart?.(snapshot(container), container.spec);
  }

  /** `docker kill`: the process gets SIGKILL and, stopped by hand, stays down. */
  kill(id: string): void {
    const container = this.get(id);
    if (container.status !== 'running') return;
    this.onStop?.(snapshot(container));
    container.lastExit = { exitCode: 137, oomKilled: false, at: new Date().toISOString() };
    container.status = 'exited';
  }

  async removeContainer(id: string): Promise<void> {
    this.assertUp();
    const container = this.containers.get(id);
    if (container?.status === 'running') this.onStop?.(snapshot(container));
    this.containers.delete(id);
    for (const network of this.networks.values()) {
      network.containerIds = network.containerIds.filter((c) => c !== id);
    }
  }

  async listContainers(labels: Labels): Promise<ContainerState[]> {
    this.assertUp();
    return [...this.containers.values()].filter((c) => matches(c.labels, labels)).map(snapshot);
  }

  async inspectContainer(id: string): Promise<ContainerDetails | null> {
    this.assertUp();
    const container = this.containers.get(id);
    if (!container) return null;
    return {
      ...snapshot(container),
      restartCount: container.restartCount,
      lastExit: container.lastExit ? { ...container.lastExit } : null,
      restartPolicy: container.spec.restartPolicy ?? 'no',
      env: { ...(container.spec.env ?? {}) },
      ports: (container.spec.ports ?? []).map((p) => ({ ...p })),
      imageId: container.imageId,
      createdAt: container.createdAt,
    };
  }

  async containerLogs(id: string, _options: LogOptions, out: NodeJS.WritableStream): Promise<void> {
    this.get(id);
    out.write(`fake logs of ${id.slice(0, 12)}\n`);
  }

  async exec(id: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
    this.get(id);
    return { exitCode: 0, output: cmd.join(' ') };
  }

  async memoryUsage(id: string): Promise<number> {
    return this.get(id).status === 'running' ? 50 * 1024 * 1024 : 0;
  }

  async createVolume(spec: VolumeSpec): Promise<VolumeState> {
    this.assertUp();
    // Like Docker: creating a volume that exists returns it unchanged.
    const volume = this.volumes.get(spec.name) ?? { name: spec.name, labels: { ...spec.labels } };
    this.volumes.set(spec.name, volume);
    return volume;
  }

  async removeVolume(name: string): Promise<void> {
    this.assertUp();
    const inUse = [...this.containers.values()].some((c) => Object.keys(c.spec.volumes ?? {}).includes(name));
    if (inUse)
      throw new AsymError('DOCKER_ERROR', `Docker could not remove volume ${name}: volume is in use`);
    this.volumes.delete(name);
  }

  async listVolumes(labels: Labels): Promise<VolumeState[]> {
    this.assertUp();
    return [...this.volumes.values()].filter((v) => matches(v.labels, labels));
  }

  async createNetwork(spec: NetworkSpec): Promise<NetworkState> {
    this.assertUp();
    if ([...this.networks.values()].some((n) => n.name === spec.name)) {
      throw new AsymError(
        'DOCKER_ERROR',
        `Docker could not create network ${spec.name}: network already exists`,
      );
    }
    // Like Docker's default address pools: each bridge gets the next /16 and its .1 gateway.
    const octet = 18 + (this.subnets++ % 200);
    const network: NetworkState = {
      id: randomBytes(32).toString('hex'),
      name: spec.name,
      labels: { ...spec.labels },
      containerIds: [],
      gateway: `172.${octet}.0.1`,
      subnet: `172.${octet}.0.0/16`,
    };
    this.networks.set(network.id, network);
    return { ...network, containerIds: [] };
  }

  async removeNetwork(id: string): Promise<void> {
    this.assertUp();
    const network = this.networks.get(id);
    if (!network) return;
    if (network.containerIds.length > 0) {
      throw new AsymError(
        'DOCKER_ERROR',
        `Docker could not remove network ${network.name}: it has active endpoints`,
      );
    }
    this.networks.delete(id);
  }

  async listNetworks(labels: Labels): Promise<NetworkState[]> {
    this.assertUp();
    return [...this.networks.values()]
      .filter((n) => matches(n.labels, labels))
      .map((n) => ({ ...n, containerIds: [...n.containerIds] }));
  }

  async connectNetwork(networkId: string, containerId: string): Promise<void> {
    this.assertUp();
    const network = this.networks.get(networkId);
    const container = this.get(containerId);
    if (!network)
      throw new AsymError('DOCKER_ERROR', `Docker could not connect network: no such network ${networkId}`);
    if (!network.containerIds.includes(containerId)) network.containerIds.push(containerId);
    if (!container.networks.includes(network.name)) container.networks.push(network.name);
  }

  async disconnectNetwork(networkId: string, containerId: string): Promise<void> {
    this.assertUp();
    const network = this.networks.get(networkId);
    if (!network) return;
    network.containerIds = network.containerIds.filter((c) => c !== containerId);
    const container = this.containers.get(containerId);
    if (container) container.networks = container.networks.filter((n) => n !== network.name);
  }

  async inspectImage(tag: string): Promise<ImageState | null> {
    this.assertUp();
    return this.images.get(tag) ?? null;
  }

  async buildImage(spec: BuildSpec, onProgress: ProgressListener): Promise<ImageState> {
    this.assertUp();
    onProgress(`Step 1/1 : fake build of ${spec.tag}`);
    return this.addImage(spec.tag, spec.labels ?? {});
  }

  async pullImage(tag: string): Promise<ImageState> {
    this.assertUp();
    throw new AsymError('DOCKER_ERROR', `Docker could not pull image ${tag}: no registry is reachable`);
  }

  async importImage(_tarball: NodeJS.ReadableStream, tag: string): Promise<ImageState> {
    this.assertUp();
    return this.addImage(tag, {});
  }

  async waitContainer(id: string): Promise<number> {
    this.assertUp();
    const container = this.get(id);
    return container.lastExit?.exitCode ?? 0;
  }

  async commitContainer(id: string, tag: string, labels: Labels): Promise<ImageState> {
    this.assertUp();
    const container = this.get(id);
    const parent = this.images.get(container.spec.image);
    return this.addImage(tag, { ...(parent?.labels ?? {}), ...labels });
  }

  addImage(tag: string, labels: Labels = {}): ImageState {
    const image = { id: `sha256:${randomBytes(32).toString('hex')}`, tags: [tag], labels };
    this.images.set(tag, image);
    return image;
  }

  private findNetwork(nameOrId: string): NetworkState {
    const network =
      this.networks.get(nameOrId) ?? [...this.networks.values()].find((n) => n.name === nameOrId);
    if (!network) throw new AsymError('DOCKER_ERROR', `Docker could not find network ${nameOrId}`);
    return network;
  }

  private get(id: string): FakeContainer {
    const container = this.containers.get(id);
    if (!container) throw new AsymError('DOCKER_ERROR', `Docker could not find container ${id.slice(0, 12)}`);
    return container;
  }

  private assertUp(): void {
    if (!this.available) {
      throw new AsymError('DOCKER_UNAVAILABLE', 'Cannot reach the Docker engine (fake runtime is down).', {
        hint: 'Start Docker (or set DOCKER_HOST) and try again; `asymmetric doctor` checks the setup.',
      });
    }
  }
}

function matches(actual: Labels, wanted: Labels): boolean {
  return Object.entries(wanted).every(([k, v]) => actual[k] === v);
}

function snapshot(container: FakeContainer): ContainerState {
  const { id, name, image, labels, status, networks } = container;
  return { id, name, image, status, labels: { ...labels }, networks: [...networks] };
}
