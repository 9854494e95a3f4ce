/** One distribution set: its modules, metadata and release into the TUF repository; delete. */
import { Anchor, Badge, Card, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { ConfirmButton } from '../software/ConfirmButton.js';
import { formatTime } from '../software/format.js';
import { ReleasePanel } from '../trust/ReleasePanel.js';
import { Metadata } from './Metadata.js';

export function SetPage() {
  const { id } = useParams();
  const setId = Number(id);
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const set = useQuery({
    queryKey: ['distributionset', setId],
    queryFn: () => ok(session.api.GET('/rest/v1/distributionsets/{id}', { params: { path: { id: String(setId) } } })),
  });
  const remove = useMutation({
    mutationFn: () => ok(session.api.DELETE('/rest/v1/distributionsets/{id}', { params: { path: { id: String(setId) } } })),
    onSuccess: async () => {
      notifications.show({ color: 'teal', message: `Distribution set ${set.data?.name ?? setId} deleted.` });
      await queryClient.invalidateQueries({ queryKey: ['distributionsets'] });
      void navigate('/distributionsets');
    },
  });

  if (set.isPending) return <Loader aria-label="loading the distribution set" />;
  if (set.error)
    return (
      <>
        <PageTitle>Distribution set</PageTitle>
        <ErrorNote error={set.error} />
        <Anchor component={Link} to="/distributionsets">
          Back to the distribution sets
        </Anchor>
      </>
    );
  const d = set.data;
  return (
    <>
      <PageTitle
        actions={
          <ConfirmButton label="Delete set" title={`Delete ${d.name} ${d.version}?`} confirmLabel="Delete" needs="DELETE_DISTRIBUTION_SET" mutation={remove}>
            The set is removed. A set that devices or rollouts have been given cannot be deleted.
          </ConfirmButton>
        }
      >{`${d.name} ${d.version}`}</PageTitle>
      <Anchor component={Link} to="/distributionsets" size="sm">
        ← Distribution sets
      </Anchor>
      <SimpleGrid cols={{ base: 1, sm: 3 }} my="md">
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Type
          </Text>
          <Text>{d.type}</Text>
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Completeness
          </Text>
          {d.complete ? <Text>complete</Text> : <Badge color="yellow">incomplete: no modules</Badge>}
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Created
          </Text>
          <Text>
            {formatTime(d.createdAt)}
            {d.createdBy ? ` by ${d.createdBy}` : ''}
          </Text>
        </Card>
      </SimpleGrid>
      {d.description ? <Text mb="md">{d.description}</Text> : null}
      <Stack gap="xl">
        <ReleasePanel setId={setId} />
        <section aria-label="modules">
          <Title order={2} size="h3" mb="sm">
            Modules
          </Title>
          {d.modules.length === 0 ? (
            <Text c="dimmed">No modules.</Text>
          ) : (
            <Table>
              <caption style={{ captionSide: 'top', textAlign: 'left' }}>modules of the set</caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Encryption</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.modules.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/software/${m.id}`}>
                        {m.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{m.version}</Table.Td>
                    <Table.Td>{m.type}</Table.Td>
                    <Table.Td>{m.encrypted ? 'encrypted' : 'plain'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </section>
        <Metadata setId={setId} />
      </Stack>
    </>
  );
}
