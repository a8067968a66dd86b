import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import forge from 'node-forge';
import writeFileAtomic from 'write-file-atomic';

/**
 * The home's own certificate authority for `asymmetric run`: made here on first use, kept in
 * the home (the key readable by its owner only), never installed anywhere. A wrapped
 * command trusts it only through the variables `run` sets for it.
 */
export interface RunCertificateAuthority {
  /** The CA certificate alone (NODE_EXTRA_CA_CERTS adds it to Node's roots). */
  caPath: string;
  /** The CA plus the usual roots, for tools whose CA variable replaces their roots. */
  bundlePath: string;
  /** A certificate for `hosts` signed by the CA, with its own key (PEM). */
  issue(hosts: readonly string[]): { cert: string; key: string };
}

const CA_DIR = 'run-ca';

/** RSA keys from node:crypto (native, fast); node-forge builds and signs the certificates. */
function rsaKeyPair() {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e), pem: privateKey };
}

// Positive (top bit clear) and unique: two leaves of one CA must not share a serial.
const serialNumber = () => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
};

const years = (n: number) => n * 365 * 24 * 3600_000;

function createCa(homeId: string): { cert: string; key: string } {
  const { key, publicKey, pem } = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + years(10));
  const name = [
    { name: 'commonName', value: `asymmetric run CA (home ${homeId})` },
    { name: 'organizationName', value: 'asymmetric (local, this home only)' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: pem };
}

/**
 * The CA files in `<home>/run-ca/`, made on first use. Made in a folder of its own and
 * renamed into place, so two first runs at once end with one CA, never a mixed pair.
 */
function loadOrCreateCaFiles(
  homeDir: string,
  homeId: string,
): { dir: string; cert: string; key: string; leafKey: string } {
  const dir = join(homeDir, CA_DIR);
  const certPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'ca-key.pem');
  if (!existsSync(keyPath)) {
    const staging = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}`;
    mkdirSync(staging, { recursive: true, mode: 0o700 });
    const { cert, key } = createCa(homeId);
    writeFileSync(join(staging, 'ca.pem'), cert, { mode: 0o644 });
    writeFileSync(join(staging, 'ca-key.pem'), key, { mode: 0o600 });
    // The leaves' key, made once too: a 2048-bit key takes from 0.1 s to over a second.
    writeFileSync(join(staging, 'leaf-key.pem'), rsaKeyPair().pem, { mode: 0o600 });
    try {
      renameSync(staging, dir);
    } catch {
      // Another run made it first: use that one.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const leafKeyPath = join(dir, 'leaf-key.pem');
  if (!existsSync(leafKeyPath)) {
    try {
      writeFileSync(leafKeyPath, rsaKeyPair().pem, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return {
    dir,
    cert: readFileSync(certPath, 'utf8'),
    key: readFileSync(keyPath, 'utf8'),
    leafKey: readFileSync(leafKeyPath, 'utf8'),
  };
}

/** The roots the command would have used: its own CA file, the system's, else Node's. */
function usualRoots(env: NodeJS.ProcessEnv): string {
  const candidates = [
    env.SSL_CERT_FILE,
    '/etc/ssl/certs/ca-certificates.crt',
    '/etc/pki/tls/certs/ca-bundle.crt',
    '/etc/ssl/cert.pem',
  ];
  for (const path of candidates) {
    if (path && existsSync(path)) {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        // Unreadable: try the next one.
      }
    }
  }
  return rootCertificates.join('\n');
}

export async function loadRunCertificateAuthority(
  homeDir: string,
  homeId: string,
  env: NodeJS.ProcessEnv,
): Promise<RunCertificateAuthority> {
  const files = loadOrCreateCaFiles(homeDir, homeId);
  const caCert = forge.pki.certificateFromPem(files.cert);
  const leafKey = forge.pki.privateKeyFromPem(files.leafKey) as forge.pki.rsa.PrivateKey;
  const leafPublicKey = forge.pki.setRsaPublicKey(leafKey.n, leafKey.e);
  const bundlePath = join(files.dir, 'ca-bundle.pem');
  await writeFileAtomic(bundlePath, `${files.cert.trim()}\n${usualRoots(env).trim()}\n`, { mode: 0o644 });
  return {
    caPath: join(files.dir, 'ca.pem'),
    bundlePath,
    issue(hosts) {
      const cert = forge.pki.createCertificate();
      cert.publicKey = leafPublicKey;
      cert.serialNumber = serialNumber();
      cert.validity.notBefore = new Date(Date.now() - 3600_000);
      // Short-lived: a leaf is made per run, so it never needs to outlast one for long.
      cert.validity.notAfter = new Date(Date.now() + 30 * 24 * 3600_000);
      cert.setSubject([{ name: 'commonName', value: hosts[0] ?? 'localhost' }]);
      cert.setIssuer(caCert.subject.attributes);
      cert.setExtensions([
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        // DNS names are type 2, IP addresses type 7 (RFC 5280 4.2.1.6).
        {
          name: 'subjectAltName',
          altNames: hosts.map((value) => (isIP(value) ? { type: 7, ip: value } : { type: 2, value })),
        },
        { name: 'subjectKeyIdentifier' },
        {
          name: 'authorityKeyIdentifier',
          keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
        },
      ]);
      // Signed by node:crypto (native) rather than forge's JavaScript RSA: a run starts faster.
      cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption as string;
      cert.signatureOid = cert.siginfo.algorithmOid;
      const tbs = forge.asn1
        .toDer(
          (
            forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }
          ).getTBSCertificate(cert),
        )
        .getBytes();
      cert.signature = sign('sha256', Buffer.from(tbs, 'binary'), files.key).toString('binary');
      return { cert: forge.pki.certificateToPem(cert), key: files.leafKey };
    },
  };
}
