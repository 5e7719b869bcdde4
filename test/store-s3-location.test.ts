/** `--blob s3://…` locations: what they configure, and a clear refusal for anything malformed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseS3Location, S3LocationError } from '@tranche/server';

test('a full location: bucket, prefix, endpoint, path style, region, presign', () => {
  const endpoint = encodeURIComponent('http://127.0.0.1:9000');
  assert.deepEqual(parseS3Location(`s3://uploads.example/tranche/prod/?endpoint=${endpoint}&forcePathStyle=true&region=eu-west-3&presign=900`), {
    bucket: 'uploads.example',
    prefix: 'tranche/prod/',
    endpoint: 'http://127.0.0.1:9000',
    forcePathStyle: true,
    region: 'eu-west-3',
    presignSeconds: 900,
  });
});

test('a bare bucket: AWS itself, virtual-hosted style, region and credentials from the SDK chain, no presigning', () => {
  assert.deepEqual(parseS3Location('s3://my-bucket'), { bucket: 'my-bucket', prefix: '', forcePathStyle: false });
  assert.deepEqual(parseS3Location('s3://my-bucket/'), { bucket: 'my-bucket', prefix: '', forcePathStyle: false });
  // An unencoded endpoint works too: only "&" and "#" would cut it short.
  assert.equal(parseS3Location('s3://b12?endpoint=https://s3.example.com:8443/&forcePathStyle=false').endpoint, 'https://s3.example.com:8443');
});

const MALFORMED: Array<[string, RegExp]> = [
  ['http://bucket', /must start with s3:\/\//],
  ['s3://', /not a URL|not a valid bucket/],
  ['s3://AKIA:secret@bucket', /credentials do not belong in the URL/],
  ['s3://Bucket_Name', /not a valid bucket name/],
  ['s3://ab', /not a valid bucket name/],
  ['s3://a..b', /not a valid bucket name/],
  ['s3://bucket:9000', /cannot carry a port/],
  ['s3://bucket/../x', /key prefix segment/],
  ['s3://bucket/a//b', /key prefix segment/],
  ['s3://bucket/a b', /key prefix segment/],
  ['s3://bucket?region=us-east-1&region=eu-west-1', /given twice/],
  ['s3://bucket?forcepathstyle=true', /unknown parameter "forcepathstyle"/],
  ['s3://bucket?accessKeyId=AKIA', /unknown parameter "accessKeyId"/],
  ['s3://bucket?forcePathStyle=yes', /forcePathStyle must be true or false/],
  ['s3://bucket?region=EU West', /not a region name/],
  ['s3://bucket?presign=0', /presign must be a number of seconds from 1 to 604800/],
  ['s3://bucket?presign=604801', /presign must be/],
  ['s3://bucket?presign=1.5', /presign must be/],
  ['s3://bucket?presign=', /presign must be/],
  ['s3://bucket?endpoint=localhost:9000', /endpoint must be an http/],
  ['s3://bucket?endpoint=ftp%3A%2F%2Fhost', /endpoint must be an http/],
  ['s3://bucket?endpoint=not%20a%20url', /is not a URL/],
  ['s3://bucket?endpoint=http%3A%2F%2Fuser%3Apass%40host', /credentials do not belong in the endpoint/],
  ['s3://bucket#frag', /fragment/],
];

for (const [location, problem] of MALFORMED) {
  test(`refused: ${location}`, () => {
    assert.throws(() => parseS3Location(location), (error: unknown) => {
      assert.ok(error instanceof S3LocationError);
      assert.match(error.message, problem);
      assert.match(error.message, /Expected s3:\/\/BUCKET/);
      assert.doesNotMatch(error.message, /secret|pass@/, 'credentials are never echoed');
      return true;
    });
  });
}
