/**
 * The fake kube-apiserver's TLS material: a throwaway certificate authority and a server certificate it signs for
 * `127.0.0.1` and `localhost`, as an EKS endpoint serves HTTPS under the cluster's own CA. Clients trust the CA
 * through the kubeconfig's `certificate-authority-data`, so kubectl works unmodified (and sends its bearer token,
 * which it withholds over plain HTTP).
 */
import { generate } from "selfsigned";

/** PEM-encoded TLS material. */
export interface ServingCertificate {
  /** The CA certificate clients trust. */
  caCert: string;
  /** The server certificate (signed by the CA). */
  cert: string;
  /** The server certificate's private key. */
  key: string;
}

const ONE_DAY_MS = 24 * 3_600_000;

/** Generates a CA and a server certificate for 127.0.0.1/localhost, valid from a day ago for a year. */
export async function generateServingCertificate(): Promise<ServingCertificate> {
  const notBeforeDate = new Date(Date.now() - ONE_DAY_MS);
  const notAfterDate = new Date(Date.now() + 365 * ONE_DAY_MS);
  const ca = await generate([{ name: "commonName", value: "stevedore-twin-ca" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: "commonName", value: "kube-apiserver" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  return { caCert: ca.cert, cert: server.cert, key: server.private };
}
