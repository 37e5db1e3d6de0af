// Start-up calls to a Temporal server still opening its data: timeouts and unavailability are
// tried again, a real refusal is not, and a server that never answers still fails in the end.
import { ServiceError } from '@temporalio/client';
import { describe, expect, test } from 'vitest';
import { whileTemporalStarts } from '../../runtime/temporal-client.ts';

const grpc = (code: number, text: string) =>
  new ServiceError('Failed to describe schedule', { cause: Object.assign(new Error(text), { code }) });

describe('whileTemporalStarts', () => {
  test('a deadline exceeded or unavailable server is asked again until it answers', async () => {
    const failures = [grpc(4, '4 DEADLINE_EXCEEDED'), grpc(14, '14 UNAVAILABLE')];
    let calls = 0;
    const answer = await whileTemporalStarts(
      async () => {
        calls++;
        const failure = failures.shift();
        if (failure) throw failure;
        return 'described';
      },
      5,
      1,
    );
    expect([answer, calls]).toEqual(['described', 3]);
  });

  test('a refusal fails at once, and a server that keeps timing out fails after the last attempt', async () => {
    let calls = 0;
    const notFound = grpc(5, '5 NOT_FOUND');
    await expect(
      whileTemporalStarts(async () => {
        calls++;
        throw notFound;
      }),
    ).rejects.toBe(notFound);
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      whileTemporalStarts(
        async () => {
          calls++;
          throw grpc(4, '4 DEADLINE_EXCEEDED');
        },
        3,
        1,
      ),
    ).rejects.toBeInstanceOf(ServiceError);
    expect(calls).toBe(3);
  });
});
