import { QueryClient, defaultShouldDehydrateQuery } from '@tanstack/react-query';
import superjson from 'superjson';

/** One QueryClient per browser tab (and per server request when used on the server). */
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Data shown on one page is fresh enough for a few seconds; the queue is fetched explicitly.
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => failureCount < 2 && !isClientError(error),
      },
      dehydrate: { serializeData: superjson.serialize, shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === 'pending' },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}

/** 4xx answers (bad input, no access, conflicts) are not worth retrying. */
function isClientError(error: unknown): boolean {
  const status = (error as { data?: { httpStatus?: number } } | null)?.data?.httpStatus;
  return typeof status === 'number' && status >= 400 && status < 500;
}
