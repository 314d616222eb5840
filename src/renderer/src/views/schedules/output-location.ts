/** An s3:// location split into bucket and key prefix, or undefined for anything else. */
export function parseS3Url(location: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  return match ? { bucket: match[1]!, prefix: match[2]! } : undefined;
}

/** The AWS console page listing that folder of the bucket (the console asks to sign in if needed). */
export function s3ConsoleUrl({ bucket, prefix }: { bucket: string; prefix: string }): string {
  const url = new URL(`https://s3.console.aws.amazon.com/s3/buckets/${encodeURIComponent(bucket)}`);
  if (prefix) url.searchParams.set('prefix', prefix);
  return url.toString();
}
