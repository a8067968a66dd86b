import type Docker from 'dockerode';
import { AsymError } from '../errors.js';
import { debug } from '../log.js';
import { loadDockerode } from './dockerode-lazy.js';
import type {
  BuildSpec,
  ContainerDetails,
  ContainerExit,
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  ContainerStatus,
  EngineInfo,
  ImageState,
  Labels,
  LogOptions,
  NetworkSpec,
  NetworkState,
  ProgressListener,
  RestartPolicy,
  VolumeSpec,
  VolumeState,
} from './types.js';

const DockerClient = loadDockerode();

/**
 * On a container's network interface: resolve a neighbour's address again every 100 ms,
 * not every second. A backend that connects to its Postgres while that container's
 * interface is still coming up sends an ARP request nobody answers; every connection to
 * that address then waits for the next retry, which cost a spin up to a second
 * (`bench/spin.ts`). Set as `eth0` (the interface a container's creation network gets),
 * which Docker 20.10 applies at start and Docker 27 moves onto the endpoint itself.
 */
const NETWORK_SYSCTLS = { 'net.ipv4.neigh.eth0.retrans_time_ms': '100' };

/**
 * The only module that imports dockerode. It translates between Docker's payloads and our
 * own types, logs at debug level, and rethrows failures with what it was doing.
 */
export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;

  constructor(options: Docker.DockerOptions = {}) {
    this.docker = new DockerClient(options);
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw new AsymError('DOCKER_UNAVAILABLE', `Cannot reach the Docker engine (${describe(error)}).`, {
        hint: 'Start Docker (or set DOCKER_HOST) and try again; `asymmetric doctor` checks the setup.',
        cause: error,
      });
    }
  }

  async engineInfo(): Promise<EngineInfo> {
    const info = (await this.wrap('read engine info', () => this.docker.info())) as {
      OperatingSystem?: string;
    };
    return { operatingSystem: info.OperatingSystem ?? '' };
  }

  async createContainer(spec: ContainerSpec): Promise<ContainerState> {
    debug(`Creating container ${spec.name}...`);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const port of spec.ports ?? []) {
      exposed[`${port.containerPort}/tcp`] = {};
      bindings[`${port.containerPort}/tcp`] = [{ HostIp: port.hostIp, HostPort: String(port.hostPort) }];
    }
    const container = await this.wrap(`create container ${spec.name}`, () =>
      this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Labels: spec.labels,
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(spec.cmd ? { Cmd: spec.cmd } : {}),
        ExposedPorts: exposed,
        ...(spec.stopTimeoutSeconds === undefined ? {} : { StopTimeout: spec.stopTimeoutSeconds }),
        HostConfig: {
          PortBindings: bindings,
          Binds: Object.entries(spec.volumes ?? {}).map(([volume, path]) => `${volume}:${path}`),
          ...(spec.memoryBytes ? { Memory: spec.memoryBytes } : {}),
          ...(spec.init ? { Init: true } : {}),
          ...(spec.extraHosts ? { ExtraHosts: spec.extraHosts } : {}),
          ...(spec.hostNetwork
            ? { NetworkMode: 'host' }
            : spec.network
              ? { NetworkMode: spec.network.name }
              : {}),
          RestartPolicy: { Name: spec.restartPolicy ?? 'no' },
          ...(spec.network && !spec.hostNetwork ? { Sysctls: NETWORK_SYSCTLS } : {}),
        },
        ...(spec.network && !spec.hostNetwork
          ? {
              NetworkingConfig: {
                EndpointsConfig: { [spec.network.name]: { Aliases: spec.network.aliases } },
              },
            }
          : {}),
      }),
    );
    debug(`Created container ${spec.name} (${container.id.slice(0, 12)})`);
    return this.inspectCreated(container.id);
  }

  async startContainer(id: string): Promise<void> {
    debug(`Starting container ${id.slice(0, 12)}...`);
    await this.wrap(`start container ${id.slice(0, 12)}`, () => this.docker.getContainer(id).start(), [304]);
    debug(`Started container ${id.slice(0, 12)}`);
  }

  async stopContainer(id: string, timeoutSeconds = 5): Promise<void> {
    debug(`Stopping container ${id.slice(0, 12)}...`);
    await this.wrap(
      `stop container ${id.slice(0, 12)}`,
      () => this.docker.getContainer(id).stop({ t: timeoutSeconds }),
      [304, 404],
    );
    debug(`Stopped container ${id.slice(0, 12)}`);
  }

  async removeContainer(id: string): Promise<void> {
    debug(`Removing container ${id.slice(0, 12)}...`);
    await this.wrap(
      `remove container ${id.slice(0, 12)}`,
      () => this.docker.getContainer(id).remove({ force: true, v: false }),
      [404, 409],
    );
    debug(`Removed container ${id.slice(0, 12)}`);
  }

  async listContainers(labels: Labels): Promise<ContainerState[]> {
    const items = await this.wrap('list containers', () =>
      this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) } }),
    );
    return items.map((item) => ({
      id: item.Id,
      name: (item.Names[0] ?? '').replace(/^\//, ''),
      image: item.Image,
      labels: item.Labels ?? {},
      status: item.State as ContainerStatus,
      networks: Object.keys(item.NetworkSettings?.Networks ?? {}),
    }));
  }

  async inspectContainer(id: string): Promise<ContainerDetails | null> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(id).inspect();
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.translate(`inspect container ${id.slice(0, 12)}`, error);
    }
    const state = mapInspect(info);
    const everExited = hasTime(info.State.FinishedAt);
    let lastExit: ContainerExit | null = null;
    if (everExited && !info.State.Running && !info.State.Restarting) {
      lastExit = {
        exitCode: info.State.ExitCode,
        oomKilled: info.State.OOMKilled,
        at: info.State.FinishedAt,
      };
    } else if (everExited) {
      // Running again (restarted by its policy): the engine has reset the exit code, so the
      // exit is read back from its event log ("die", with "oom" just before when killed so).
      lastExit = (await this.lastDieEvent(id, info.Created)) ?? {
        exitCode: -1,
        oomKilled: info.State.OOMKilled,
        at: info.State.FinishedAt,
      };
    }
    return { ...state, ...inspectDetails(info), lastExit };
  }

  private async lastDieEvent(id: string, since: string): Promise<ContainerExit | null> {
    try {
      const stream = await this.docker.getEvents({
        since: Math.floor(Date.parse(since) / 1000),
        // Now, to the millisecond: an `until` in the future makes the engine wait for it.
        until: (Date.now() / 1000).toFixed(3),
        filters: { container: [id], event: ['die', 'oom'] },
      } as unknown as Docker.GetEventsOptions);
      let text = '';
      for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString('utf8');
      let oomAt = 0;
      let last: ContainerExit | null = null;
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as {
          Action?: string;
          timeNano?: number;
          Actor?: { Attributes?: Record<string, string> };
        };
        const at = Number(event.timeNano ?? 0);
        if (event.Action === 'oom') oomAt = at;
        if (event.Action === 'die') {
          last = {
            exitCode: Number(event.Actor?.Attributes?.exitCode ?? -1),
            // The OOM event comes a moment before the die it causes.
            oomKilled: oomAt > 0 && at - oomAt < 5e9,
            at: new Date(at / 1e6).toISOString(),
          };
          oomAt = 0;
        }
      }
      return last;
    } catch (error) {
      debug(`could not read the events of ${id.slice(0, 12)}: ${describe(error)}`);
      return null;
    }
  }

  async containerLogs(id: string, options: LogOptions, out: NodeJS.WritableStream): Promise<void> {
    const container = this.docker.getContainer(id);
    const common = {
      stdout: true,
      stderr: true,
      timestamps: false,
      ...(options.tail ? { tail: options.tail } : {}),
    };
    if (options.follow) {
      const stream = await this.wrap('read logs', () => container.logs({ ...common, follow: true }));
      this.docker.modem.demuxStream(stream, out, out);
      await new Promise<void>((resolve) => stream.on('end', () => resolve()));
      return;
    }
    const buffer = await this.wrap('read logs', () => container.logs({ ...common, follow: false }));
    out.write(demuxBuffer(buffer));
  }

  async exec(id: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
    const container = this.docker.getContainer(id);
    const exec = await this.wrap('exec', () =>
      container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true }),
    );
    const stream = await this.wrap('exec', () => exec.start({ hijack: true, stdin: false }));
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output: demuxBuffer(Buffer.concat(chunks)).toString('utf8') };
  }

  async memoryUsage(id: string): Promise<number> {
    const stats = (await this.wrap('read stats', () =>
      this.docker.getContainer(id).stats({ stream: false }),
    )) as unknown as { memory_stats?: { usage?: number; stats?: Record<string, number> } };
    const usage = stats.memory_stats?.usage ?? 0;
    // Like `docker stats`: page cache that the kernel can drop does not count as use.
    const cache =
      stats.memory_stats?.stats?.inactive_file ?? stats.memory_stats?.stats?.total_inactive_file ?? 0;
    return Math.max(0, usage - cache);
  }

  async createVolume(spec: VolumeSpec): Promise<VolumeState> {
    debug(`Creating volume ${spec.name}...`);
    await this.wrap(`create volume ${spec.name}`, () =>
      this.docker.createVolume({ Name: spec.name, Labels: spec.labels }),
    );
    debug(`Created volume ${spec.name}`);
    return { name: spec.name, labels: spec.labels };
  }

  async removeVolume(name: string): Promise<void> {
    debug(`Removing volume ${name}...`);
    await this.wrap(
      `remove volume ${name}`,
      () => this.docker.getVolume(name).remove({ force: true }),
      [404],
    );
    debug(`Removed volume ${name}`);
  }

  async listVolumes(labels: Labels): Promise<VolumeState[]> {
    const result = await this.wrap('list volumes', () =>
      this.docker.listVolumes({ filters: { label: labelFilters(labels) } }),
    );
    return (result.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async createNetwork(spec: NetworkSpec): Promise<NetworkState> {
    debug(`Creating network ${spec.name}...`);
    const network = await this.wrap(`create network ${spec.name}`, () =>
      this.docker.createNetwork({
        Name: spec.name,
        Labels: spec.labels,
        CheckDuplicate: true,
        Driver: 'bridge',
      }),
    );
    debug(`Created network ${spec.name} (${network.id.slice(0, 12)})`);
    const info = await this.wrap(`inspect network ${spec.name}`, () => network.inspect());
    return { id: network.id, name: spec.name, labels: spec.labels, containerIds: [], ...ipv4Of(info) };
  }

  async removeNetwork(id: string): Promise<void> {
    debug(`Removing network ${id.slice(0, 12)}...`);
    await this.wrap(`remove network ${id.slice(0, 12)}`, () => this.docker.getNetwork(id).remove(), [404]);
    debug(`Removed network ${id.slice(0, 12)}`);
  }

  async listNetworks(labels: Labels): Promise<NetworkState[]> {
    const summaries = await this.wrap('list networks', () =>
      this.docker.listNetworks({ filters: { label: labelFilters(labels) } }),
    );
    // The network's own Containers field lists running containers only; a stopped member is
    // still connected, and the container list's network filter (by name: by id it misses
    // containers that never ran) sees it.
    return Promise.all(
      summaries.map(async (summary) => {
        const members = await this.wrap(`list containers of network ${summary.Name}`, () =>
          this.docker.listContainers({ all: true, filters: { network: [summary.Name] } }),
        );
        return {
          id: summary.Id,
          name: summary.Name,
          labels: summary.Labels ?? {},
          containerIds: members.map((c) => c.Id),
          ...ipv4Of(summary),
        };
      }),
    );
  }

  async connectNetwork(networkId: string, containerId: string, aliases: string[] = []): Promise<void> {
    debug(`Connecting ${containerId.slice(0, 12)} to network ${networkId.slice(0, 12)}`);
    await this.wrap('connect network', () =>
      this.docker
        .getNetwork(networkId)
        .connect({ Container: containerId, EndpointConfig: { Aliases: aliases } }),
    );
  }

  async disconnectNetwork(networkId: string, containerId: string): Promise<void> {
    debug(`Disconnecting ${containerId.slice(0, 12)} from network ${networkId.slice(0, 12)}`);
    await this.wrap(
      'disconnect network',
      () => this.docker.getNetwork(networkId).disconnect({ Container: containerId, Force: true }),
      [404],
    );
  }

  async inspectImage(tag: string): Promise<ImageState | null> {
    try {
      const info = await this.docker.getImage(tag).inspect();
      return { id: info.Id, tags: info.RepoTags ?? [], labels: info.Config?.Labels ?? {} };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.translate('inspect image', error);
    }
  }

  async buildImage(spec: BuildSpec, onProgress: ProgressListener): Promise<ImageState> {
    debug(`Building image ${spec.tag}...`);
    const stream = await this.wrap(`build image ${spec.tag}`, () =>
      this.docker.buildImage(
        { context: spec.contextDir, src: ['.'] },
        { t: spec.tag, buildargs: spec.buildArgs ?? {}, labels: spec.labels ?? {}, rm: true, forcerm: true },
      ),
    );
    await this.followProgress(stream, onProgress, `build image ${spec.tag}`);
    debug(`Built image ${spec.tag}`);
    return this.requireImage(spec.tag);
  }

  async pullImage(tag: string, onProgress: ProgressListener, timeoutMs: number): Promise<ImageState> {
    debug(`Pulling image ${tag}...`);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const stream = (await this.wrap(`pull image ${tag}`, () =>
        this.docker.pull(tag, { abortSignal: abort.signal }),
      )) as NodeJS.ReadableStream;
      await this.followProgress(stream, onProgress, `pull image ${tag}`);
    } finally {
      clearTimeout(timer);
    }
    debug(`Pulled image ${tag}`);
    return this.requireImage(tag);
  }

  async importImage(tarball: NodeJS.ReadableStream, tag: string): Promise<ImageState> {
    const [repo, version] = splitTag(tag);
    debug(`Importing image ${tag}...`);
    const stream = await this.wrap(`import image ${tag}`, () =>
      this.docker.importImage(tarball as never, { repo, tag: version }),
    );
    await this.followProgress(stream as NodeJS.ReadableStream, () => {}, `import image ${tag}`);
    debug(`Imported image ${tag}`);
    return this.requireImage(tag);
  }

  async waitContainer(id: string): Promise<number> {
    const result = (await this.wrap(`wait for container ${id.slice(0, 12)}`, () =>
      this.docker.getContainer(id).wait(),
    )) as { StatusCode?: number };
    return result.StatusCode ?? -1;
  }

  async commitContainer(id: string, tag: string, labels: Labels): Promise<ImageState> {
    const [repo, version] = splitTag(tag);
    debug(`Committing container ${id.slice(0, 12)} as ${tag}...`);
    await this.wrap(`commit container ${id.slice(0, 12)}`, () =>
      this.docker.getContainer(id).commit({
        repo,
        tag: version,
        pause: false,
        changes: Object.entries(labels).map(([key, value]) => `LABEL ${key}=${JSON.stringify(value)}`),
      }),
    );
    debug(`Committed ${tag}`);
    return this.requireImage(tag);
  }

  private async inspectCreated(id: string): Promise<ContainerState> {
    const info = await this.wrap('inspect container', () => this.docker.getContainer(id).inspect());
    return mapInspect(info);
  }

  private async requireImage(tag: string): Promise<ImageState> {
    const image = await this.inspectImage(tag);
    if (!image)
      throw new AsymError('DOCKER_ERROR', `Docker reported success but image ${tag} does not exist.`);
    return image;
  }

  private followProgress(
    stream: NodeJS.ReadableStream,
    onProgress: ProgressListener,
    what: string,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (error: unknown, output: Array<{ error?: string }>) => {
          const failed = error ? describe(error) : output.find((o) => o.error)?.error;
          if (failed) reject(new AsymError('DOCKER_ERROR', `Docker could not ${what}: ${failed.trim()}`));
          else resolve();
        },
        (event: { stream?: string; status?: string; progress?: string; error?: string }) => {
          const line = (event.stream ?? [event.status, event.progress].filter(Boolean).join(' ')).trim();
          if (line) onProgress(line);
        },
      );
    });
  }

  /** Runs a Docker call; statuses in `tolerated` mean "already so" and are not errors. */
  private async wrap<T>(what: string, call: () => Promise<T>, tolerated: number[] = []): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      if (status !== undefined && tolerated.includes(status)) return undefined as T;
      throw this.translate(what, error);
    }
  }

  private translate(what: string, error: unknown): AsymError {
    if (isConnectionError(error)) {
      return new AsymError('DOCKER_UNAVAILABLE', `Cannot reach the Docker engine to ${what}.`, {
        hint: 'Start Docker (or set DOCKER_HOST) and try again; `asymmetric doctor` checks the setup.',
        cause: error,
      });
    }
    return new AsymError('DOCKER_ERROR', `Docker could not ${what}: ${describe(error)}`, { cause: error });
  }
}

/** A network's IPv4 gateway and subnet from Docker's IPAM config (null when it has none). */
export function ipv4Of(info: { IPAM?: { Config?: Array<{ Gateway?: string; Subnet?: string }> | null } }): {
  gateway: string | null;
  subnet: string | null;
} {
  const config = (info.IPAM?.Config ?? []).find((c) => c.Subnet && !c.Subnet.includes(':'));
  return { gateway: config?.Gateway ?? null, subnet: config?.Subnet ?? null };
}

function mapInspect(info: Docker.ContainerInspectInfo): ContainerState {
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    labels: info.Config.Labels ?? {},
    status: info.State.Status as ContainerStatus,
    networks: Object.keys(info.NetworkSettings?.Networks ?? {}),
  };
}

/** The parts of `inspect` that describe configuration and history (pure, so it is tested). */
export function inspectDetails(
  info: Docker.ContainerInspectInfo,
): Omit<ContainerDetails, keyof ContainerState | 'lastExit'> {
  const env: Record<string, string> = {};
  for (const entry of info.Config.Env ?? []) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const ports: ContainerDetails['ports'] = [];
  for (const [key, bindings] of Object.entries(info.HostConfig.PortBindings ?? {})) {
    for (const binding of (bindings as Array<{ HostIp?: string; HostPort?: string }> | null) ?? []) {
      ports.push({
        containerPort: Number.parseInt(key, 10),
        hostPort: Number(binding.HostPort),
        hostIp: binding.HostIp || '0.0.0.0',
      });
    }
  }
  return {
    restartCount: info.RestartCount ?? 0,
    restartPolicy: (info.HostConfig.RestartPolicy?.Name || 'no') as RestartPolicy,
    env,
    ports,
    imageId: info.Image,
    createdAt: info.Created,
  };
}

/** Docker's zero time (`0001-01-01T00:00:00Z`) means "never". */
const hasTime = (iso: string | undefined) => Boolean(iso) && !iso!.startsWith('0001-');

function labelFilters(labels: Labels): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

function splitTag(tag: string): [string, string] {
  const at = tag.lastIndexOf(':');
  return at > tag.lastIndexOf('/') ? [tag.slice(0, at), tag.slice(at + 1)] : [tag, 'latest'];
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'ECONNRESET';
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const json = (error as { json?: { message?: string } }).json;
    if (json?.message) return json.message;
    if (error instanceof Error) return error.message;
  }
  return String(error);
}

/** Docker multiplexes stdout/stderr in 8-byte-framed chunks when there is no TTY. */
export function demuxBuffer(buffer: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const streamType = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if (streamType === undefined || streamType > 2 || offset + 8 + size > buffer.length) {
      return buffer; // Not framed (TTY container): the buffer is the text.
    }
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return parts.length > 0 ? Buffer.concat(parts) : buffer;
}
