/**
 * The container runtime as the rest of the code sees it: narrow types of our own, so
 * nothing outside `docker-runtime.ts` depends on dockerode. `fake-runtime.ts` implements
 * the same interface in memory for fast tests; `test/contract/runtime.contract.ts` runs
 * against both so the fake cannot drift.
 */
export type Labels = Record<string, string>;

export interface PortBinding {
  containerPort: number;
  hostPort: number;
  /** 127.0.0.1 by default; 0.0.0.0 only with --expose. */
  hostIp: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  labels: Labels;
  env?: Record<string, string>;
  cmd?: string[];
  ports?: PortBinding[];
  /** Named volumes: volume name -> mount path. */
  volumes?: Record<string, string>;
  /** Network to join at creation, with DNS aliases. */
  network?: { name: string; aliases: string[] };
  /**
   * Share the host's network namespace (Docker's `NetworkMode: host`): the container
   * listens on the host's own addresses, so it takes neither `network` nor `ports`.
   */
  hostNetwork?: boolean;
  memoryBytes?: number;
  /** Run a tiny init as PID 1 so signals reach the process and zombies are reaped. */
  init?: boolean;
  /** Extra /etc/hosts entries, `name:address` (`host-gateway` is the Docker host). */
  extraHosts?: string[];
  /** Seconds Docker waits after SIGTERM before SIGKILL on stop. */
  stopTimeoutSeconds?: number;
  /**
   * What the engine does when the process exits on its own (a crash, the OOM killer):
   * `unless-stopped` brings it back, but never a container stopped on purpose. Default `no`.
   */
  restartPolicy?: RestartPolicy;
}

export type RestartPolicy = 'no' | 'on-failure' | 'unless-stopped' | 'always';

export type ContainerStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'restarting'
  | 'removing'
  | 'exited'
  | 'dead';

export interface ContainerState {
  id: string;
  name: string;
  image: string;
  labels: Labels;
  status: ContainerStatus;
  /** Names of the networks the container is attached to. */
  networks: string[];
}

/** How a container's process last ended. */
export interface ContainerExit {
  exitCode: number;
  /** The kernel's OOM killer ended it (it hit its memory limit). */
  oomKilled: boolean;
  /** ISO time it ended. */
  at: string;
}

/** What `inspect` adds to a listed container: its history, configuration and bindings. */
export interface ContainerDetails extends ContainerState {
  /** Times the engine restarted it by its restart policy since it was last started by hand. */
  restartCount: number;
  /** Its last exit, or null when it never exited since it was created. */
  lastExit: ContainerExit | null;
  restartPolicy: RestartPolicy;
  env: Record<string, string>;
  ports: PortBinding[];
  /** Id (digest) of the image it runs. */
  imageId: string;
  createdAt: string;
}

export interface VolumeSpec {
  name: string;
  labels: Labels;
}

export interface VolumeState {
  name: string;
  labels: Labels;
}

export interface NetworkSpec {
  name: string;
  labels: Labels;
}

export interface NetworkState {
  id: string;
  name: string;
  labels: Labels;
  /** Ids of the containers attached. */
  containerIds: string[];
  /** The bridge's IPv4 gateway (the host's address on it) and subnet, when it has one. */
  gateway: string | null;
  subnet: string | null;
}

/** What the engine says about itself. */
export interface EngineInfo {
  /** `Docker Desktop` on Docker Desktop; the host's distribution on Docker Engine. */
  operatingSystem: string;
}

export interface ImageState {
  id: string;
  tags: string[];
  labels: Labels;
}

export interface BuildSpec {
  tag: string;
  /** Folder holding the Dockerfile and everything it copies. */
  contextDir: string;
  buildArgs?: Record<string, string>;
  labels?: Labels;
}

export interface LogOptions {
  follow: boolean;
  tail?: number;
}

/** A line of progress from a long Docker operation (build, pull, import). */
export type ProgressListener = (line: string) => void;

export interface ContainerRuntime {
  /** Throws `DOCKER_UNAVAILABLE` when the engine cannot be reached. */
  ping(): Promise<void>;
  engineInfo(): Promise<EngineInfo>;

  createContainer(spec: ContainerSpec): Promise<ContainerState>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  /** Force-removes; a container that is already gone is not an error. */
  removeContainer(id: string): Promise<void>;
  listContainers(labels: Labels): Promise<ContainerState[]>;
  /** A container's details, or null when it is gone. */
  inspectContainer(id: string): Promise<ContainerDetails | null>;
  containerLogs(id: string, options: LogOptions, out: NodeJS.WritableStream): Promise<void>;
  /** Runs a command in a running container; returns its exit code and output. */
  exec(id: string, cmd: string[]): Promise<{ exitCode: number; output: string }>;
  /** Bytes of memory the container uses now. */
  memoryUsage(id: string): Promise<number>;

  createVolume(spec: VolumeSpec): Promise<VolumeState>;
  removeVolume(name: string): Promise<void>;
  listVolumes(labels: Labels): Promise<VolumeState[]>;

  createNetwork(spec: NetworkSpec): Promise<NetworkState>;
  removeNetwork(id: string): Promise<void>;
  listNetworks(labels: Labels): Promise<NetworkState[]>;
  connectNetwork(networkId: string, containerId: string, aliases?: string[]): Promise<void>;
  disconnectNetwork(networkId: string, containerId: string): Promise<void>;

  inspectImage(tag: string): Promise<ImageState | null>;
  buildImage(spec: BuildSpec, onProgress: ProgressListener): Promise<ImageState>;
  /** Pulls `tag`; throws when no registry can serve it. */
  pullImage(tag: string, onProgress: ProgressListener, timeoutMs: number): Promise<ImageState>;
  /** Imports a root filesystem tarball as image `tag`. */
  importImage(tarball: NodeJS.ReadableStream, tag: string): Promise<ImageState>;
  /** Waits until the container has exited and returns its exit code. */
  waitContainer(id: string): Promise<number>;
  /** Makes image `tag` of a container's filesystem (volumes excluded), with these labels added. */
  commitContainer(id: string, tag: string, labels: Labels): Promise<ImageState>;
}
