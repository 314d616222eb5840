import { request } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request sent as given: the path is not normalised and no Host header is added
 * unless listed. `body` may be a function that writes a chunked body itself.
 */
export function httpRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer | ((write: (chunk: Buffer) => boolean) => Promise<void>) },
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {}, setHost: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < 1024 * 1024) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // A server may answer and close while the body is still being sent (a refused upload): the
    // write then fails, but the answer it sent first is what counts.
    req.on('error', (err) => setTimeout(() => reject(err), 500));
    const body = options.body;
    if (typeof body === 'function') {
      body((chunk) => !req.destroyed && req.write(chunk))
        .then(() => req.end())
        .catch(() => req.destroy());
    } else req.end(body);
  });
}
