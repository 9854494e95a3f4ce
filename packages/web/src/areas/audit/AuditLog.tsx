/**
 * /audit: the tenant's audit log, newest first, with the hash chain's verification on top. The
 * server verifies the whole chain from entry 1 (GET /audit/verification); that reads every entry,
 * so it runs when the page opens and when asked again, not at every live change (its key is
 * deliberately not a live-channel root). The entries themselves follow the live channel.
 */
import { Alert, Button, Code, Group, Loader, Modal, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useState } from 'react';
import { DataTable, type PageRequest } from '../../components/DataTable.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ok, type paths } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { newestFirstRange } from './paging.js';

type Entry = paths['/rest/v1/audit']['get']['responses'][200]['content']['application/json']['content'][number];
const column = createColumnHelper<Entry>();

/** Mantine's coloured alert titles fall below 4.5:1 on their tinted background; the text colour does not. */
const TITLE = { title: { color: 'var(--mantine-color-text)' } };

function Verification() {
  const session = useSession();
  const verification = useQuery({
    queryKey: ['auditverification'],
    queryFn: async () => ok(session.api.GET('/rest/v1/audit/verification')),
    staleTime: Infinity,
  });
  const again = (
    <Button variant="default" size="xs" onClick={() => void verification.refetch()} loading={verification.isFetching}>
      Verify again
    </Button>
  );
  if (verification.isPending)
    return (
      <Group mb="md" data-testid="audit-verification">
        <Loader size="sm" aria-label="verifying" />
        <Text>Verifying the audit log&apos;s hash chain…</Text>
      </Group>
    );
  if (verification.error)
    return (
      <Stack mb="md" gap="xs" data-testid="audit-verification">
        <ErrorNote error={verification.error} />
        {again}
      </Stack>
    );
  const v = verification.data;
  if (!v.ok)
    return (
      <Alert color="red" title={`Chain broken at entry ${v.seq}`} mb="md" role="alert" data-testid="audit-verification" styles={TITLE}>
        <Stack gap="xs">
          <Text>{v.reason}</Text>
          <Text size="sm">Entries from {v.seq} on cannot be trusted. Compare with an export kept elsewhere (osprey audit verify).</Text>
          <div>{again}</div>
        </Stack>
      </Alert>
    );
  return (
    <Alert color="green" title="Chain verified" mb="md" data-testid="audit-verification" styles={TITLE}>
      <Stack gap="xs">
        <Text>
          {v.head
            ? `All ${v.head.seq.toLocaleString()} entries link up from the first: none was changed, removed or inserted since it was written.`
            : 'The log is empty.'}
        </Text>
        {v.head ? (
          <Text size="sm">
            Head: entry {v.head.seq}, hash <Code>{v.head.hash}</Code>. Record it elsewhere to detect later a log cut short or rewritten as a whole (osprey audit
            verify --expect-head).
          </Text>
        ) : null}
        <div>{again}</div>
      </Stack>
    </Alert>
  );
}

export function AuditLog() {
  const session = useSession();
  const [shown, setShown] = useState<Entry | undefined>();
  const columns = [
    column.accessor('seq', { id: 'seq', header: 'Entry', enableSorting: true }),
    column.accessor('at', { header: 'Time', cell: (c) => <time dateTime={c.getValue()}>{new Date(c.getValue()).toLocaleString()}</time> }),
    column.accessor('actor', { header: 'Actor' }),
    column.accessor('action', { header: 'Action' }),
    column.accessor((e) => `${e.subject.type} ${e.subject.id}`, { id: 'subject', header: 'Subject' }),
    column.display({
      id: 'details',
      header: 'Details',
      cell: (c) => (
        <Button variant="subtle" size="compact-xs" onClick={() => setShown(c.row.original)} aria-label={`Details of entry ${c.row.original.seq}`}>
          Show
        </Button>
      ),
    }),
  ];
  const fetchPage = async (r: PageRequest) => {
    const page = (offset: number, limit: number) =>
      ok(session.api.GET('/rest/v1/audit', { params: { query: { offset: String(offset), limit: String(limit) } } }));
    if (r.sort === 'seq:ASC') {
      const p = await page(r.offset, r.limit);
      return { content: p.content, total: p.total };
    }
    // Newest first (the default): learn the total, then read the range that holds this page.
    const { total } = await page(0, 1);
    const range = newestFirstRange(total, r.offset, r.limit);
    if (!range) return { content: [], total };
    const p = await page(range.offset, range.limit);
    return { content: [...p.content].reverse(), total: p.total };
  };
  return (
    <>
      <PageTitle>Audit log</PageTitle>
      <Verification />
      <DataTable<Entry>
        queryKey={['audit']}
        caption="audit entries"
        fetchPage={fetchPage}
        columns={columns}
        initialSort={[{ id: 'seq', desc: true }]}
        empty="No audit entries yet."
      />
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={shown !== undefined}
        onClose={() => setShown(undefined)}
        title={shown ? `Entry ${shown.seq}: ${shown.action}` : ''}
        size="lg"
      >
        {shown ? (
          <Stack gap="xs">
            <Text size="sm">
              {shown.actor} · {shown.subject.type} {shown.subject.id} · {new Date(shown.at).toLocaleString()}
            </Text>
            <Text fw={600} size="sm">
              Before
            </Text>
            <Code block>{JSON.stringify(shown.before, null, 2)}</Code>
            <Text fw={600} size="sm">
              After
            </Text>
            <Code block>{JSON.stringify(shown.after, null, 2)}</Code>
            <Text size="xs" c="dimmed">
              hash {shown.hash}, follows {shown.prevHash}
            </Text>
          </Stack>
        ) : null}
      </Modal>
    </>
  );
}
