// Shared test helpers: paths, and starting the real server binary.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(WEB, '..');
export const DIST = path.join(WEB, 'dist');
export const ARTIFACTS = path.join(REPO, 'test-artifacts');

export function serverBinary() {
  if (process.env.MELDESTELLE_BIN) return path.resolve(WEB, process.env.MELDESTELLE_BIN);
  const target = process.env.CARGO_TARGET_DIR ?? path.join(REPO, 'target');
  return path.resolve(WEB, target, 'debug', 'meldestelle');
}
