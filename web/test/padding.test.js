import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketFor, largestBucket, padDocument, padAttachment, agePayloadLength } from '../src/padding.js';

const MAX = 1024 * 1024;

test('buckets: 1 KiB, 4 KiB, 16 KiB, 64 KiB, then multiples of 64 KiB', () => {
  assert.equal(bucketFor(0, MAX), 1024);
  assert.equal(bucketFor(1024, MAX), 1024);
  assert.equal(bucketFor(1025, MAX), 4096);
  assert.equal(bucketFor(4097, MAX), 16384);
  assert.equal(bucketFor(16385, MAX), 65536);
  assert.equal(bucketFor(65537, MAX), 131072);
  assert.equal(bucketFor(200000, MAX), 262144);
  assert.equal(bucketFor(MAX, MAX), MAX);
  assert.equal(bucketFor(MAX + 1, MAX), null);
  assert.equal(bucketFor(5000, 4096), null);
});

test('largest bucket under a limit', () => {
  assert.equal(largestBucket(MAX), MAX);
  assert.equal(largestBucket(MAX + 5), MAX);
  assert.equal(largestBucket(5000), 4096);
  assert.equal(largestBucket(100), 0);
});

test('documents are padded with spaces and still parse as the same JSON', () => {
  const doc = { v: 1, kind: 'report', lang: 'de', text: 'Grüße – ü'.repeat(100) };
  const padded = padDocument(doc, MAX);
  assert.equal(padded.length, 4096);
  const text = new TextDecoder().decode(padded);
  assert.ok(text.endsWith('    '));
  assert.deepEqual(JSON.parse(text), doc);
  assert.equal(padDocument({ text: 'x'.repeat(MAX) }, MAX), null);
});

test('attachments are padded with zero bytes', () => {
  const bytes = new Uint8Array(3000).fill(7);
  const padded = padAttachment(bytes, MAX);
  assert.equal(padded.length, 4096);
  assert.deepEqual(padded.subarray(0, 3000), bytes);
  assert.ok(padded.subarray(3000).every((b) => b === 0));
});

test('age payload length of a bucket', () => {
  assert.equal(agePayloadLength(1024), 16 + 1024 + 16);
  assert.equal(agePayloadLength(65536), 16 + 65536 + 16);
  assert.equal(agePayloadLength(131072), 16 + 131072 + 32);
});
