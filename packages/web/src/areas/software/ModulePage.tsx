/** One software module: what it is, its artifacts (hashes, signature, encryption) and the upload. */
import { Alert, Anchor, Badge, Button, Card, CopyButton, Group, Loader, SimpleGrid, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ApiError, ok } from '../../lib/api.js';
import { useSession } from '../../lib/session.js';
import { ArtifactUpload } from './ArtifactUpload.js';
import { ConfirmButton } from './ConfirmButton.js';
import { formatBytes, formatTime } from './format.js';
import type { Artifact } from './types.js';

function Hash({ algorithm, value, filename }: { algorithm: string; value: string; filename: string }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Text size="xs" c="dimmed" w={48}>
        {algorithm}
      </Text>
      <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
        {value}
      </Text>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button size="compact-xs" variant="subtle" onClick={copy} aria-label={`copy ${algorithm} of ${filename}`}>
            {copied ? 'copied' : 'copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

/** The artifact's detached signature: present, absent, or not readable with the user's permissions. */
function SignatureState({ moduleId, artifact }: { moduleId: number; artifact: Artifact }) {
  const session = useSession();
  const allowed = session.can('READ_SOFTWARE_MODULE_ARTIFACT');
  const signature = useQuery({
    queryKey: ['softwaremodule', moduleId, 'signature', artifact.id],
    enabled: allowed,
    queryFn: async () => {
      const { data, response, error } = await session.api.GET('/rest/v1/softwaremodules/{id}/artifacts/{artifactId}/signature', {
        params: { path: { id: String(moduleId), artifactId: String(artifact.id) } },
        parseAs: 'blob',
      });
      if (response.status === 404) return null;
      if (!response.ok) throw new ApiError(response.status, error as ConstructorParameters<typeof ApiError>[1]);
      return data as Blob;
    },
  });
  if (!allowed)
    return (
      <Tooltip label="Needs the permission READ_SOFTWARE_MODULE_ARTIFACT">
        <Badge variant="outline" color="gray" tabIndex={0}>
          signature not readable
        </Badge>
      </Tooltip>
    );
  if (signature.isPending) return <Loader size="xs" aria-label={`loading the signature of ${artifact.providedFilename}`} />;
  if (signature.error) return <ErrorNote error={signature.error} mb="0" />;
  if (!signature.data)
    return (
      <Badge color="yellow" variant="filled">
        not signed
      </Badge>
    );
  const blob = signature.data;
  const save = () => {
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${artifact.providedFilename}.sig`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Group gap="xs" wrap="nowrap">
      <Badge color="teal" variant="filled">
        signed
      </Badge>
      <Text size="xs" c="dimmed">
        ECDSA P-256
      </Text>
      <Button size="compact-xs" variant="subtle" onClick={save} aria-label={`download the signature of ${artifact.providedFilename}`}>
        .sig
      </Button>
    </Group>
  );
}

function ArtifactsTable({ moduleId, artifacts }: { moduleId: number; artifacts: Artifact[] }) {
  if (artifacts.length === 0) return <Text c="dimmed">No artifacts yet.</Text>;
  return (
    <Table.ScrollContainer minWidth={800}>
      <Table striped>
        <caption style={{ captionSide: 'top', textAlign: 'left' }}>
          <Text size="sm" c="dimmed" component="span">
            {artifacts.length} artifact{artifacts.length === 1 ? '' : 's'}
          </Text>
        </caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Hashes (of the bytes served)</Table.Th>
            <Table.Th>Signature</Table.Th>
            <Table.Th>Encryption</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {artifacts.map((a) => (
            <Table.Tr key={a.id}>
              <Table.Td>
                <Text fw={500}>{a.providedFilename}</Text>
                <Text size="xs" c="dimmed">
                  uploaded {formatTime(a.createdAt)}
                </Text>
                {a.tufTarget ? (
                  <Text size="xs" c="dimmed">
                    TUF target {a.tufTarget}
                  </Text>
                ) : null}
                {a.damaged ? (
                  <Badge color="red" mt={4}>
                    damaged ({a.damage}): no longer offered
                  </Badge>
                ) : null}
              </Table.Td>
              <Table.Td>{formatBytes(a.size)}</Table.Td>
              <Table.Td>
                <Hash algorithm="sha256" value={a.hashes.sha256} filename={a.providedFilename} />
                <Hash algorithm="sha1" value={a.hashes.sha1} filename={a.providedFilename} />
                <Hash algorithm="md5" value={a.hashes.md5} filename={a.providedFilename} />
              </Table.Td>
              <Table.Td>
                <SignatureState moduleId={moduleId} artifact={a} />
              </Table.Td>
              <Table.Td>
                {a.encrypted ? (
                  <Stack gap={2}>
                    <Badge variant="light">encrypted (age)</Badge>
                    {a.plaintext ? (
                      <>
                        <Text size="xs">plaintext {formatBytes(a.plaintext.size)}</Text>
                        <Hash algorithm="sha256" value={a.plaintext.sha256} filename={`${a.providedFilename} (plaintext)`} />
                      </>
                    ) : null}
                  </Stack>
                ) : (
                  <Badge variant="outline" color="gray">
                    plain
                  </Badge>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function ModulePage() {
  const { id } = useParams();
  const moduleId = Number(id);
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const module = useQuery({
    queryKey: ['softwaremodule', moduleId],
    queryFn: () => ok(session.api.GET('/rest/v1/softwaremodules/{id}', { params: { path: { id: String(moduleId) } } })),
  });
  const artifacts = useQuery({
    queryKey: ['softwaremodule', moduleId, 'artifacts'],
    queryFn: () => ok(session.api.GET('/rest/v1/softwaremodules/{id}/artifacts', { params: { path: { id: String(moduleId) } } })),
  });
  const remove = useMutation({
    mutationFn: () => ok(session.api.DELETE('/rest/v1/softwaremodules/{id}', { params: { path: { id: String(moduleId) } } })),
    onSuccess: async () => {
      notifications.show({ color: 'teal', message: `Software module ${module.data?.name ?? moduleId} deleted.` });
      await queryClient.invalidateQueries({ queryKey: ['softwaremodules'] });
      void navigate('/software');
    },
  });

  if (module.isPending) return <Loader aria-label="loading the software module" />;
  if (module.error)
    return (
      <>
        <PageTitle>Software module</PageTitle>
        <ErrorNote error={module.error} />
        <Anchor component={Link} to="/software">
          Back to the software modules
        </Anchor>
      </>
    );
  const m = module.data;
  return (
    <>
      <PageTitle
        actions={
          <ConfirmButton label="Delete module" title={`Delete ${m.name} ${m.version}?`} confirmLabel="Delete" needs="DELETE_SOFTWARE_MODULE" mutation={remove}>
            The module and its artifacts are removed. A module that a distribution set uses cannot be deleted.
          </ConfirmButton>
        }
      >{`${m.name} ${m.version}`}</PageTitle>
      <Anchor component={Link} to="/software" size="sm">
        ← Software modules
      </Anchor>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} my="md">
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Type
          </Text>
          <Text>{m.type}</Text>
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Vendor
          </Text>
          <Text>{m.vendor ?? '—'}</Text>
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Artifacts
          </Text>
          <Text>{m.encrypted ? 'encrypted at rest and on the wire' : 'stored as uploaded'}</Text>
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Created
          </Text>
          <Text>
            {formatTime(m.createdAt)}
            {m.createdBy ? ` by ${m.createdBy}` : ''}
          </Text>
        </Card>
      </SimpleGrid>
      {m.description ? <Text mb="md">{m.description}</Text> : null}
      <Title order={2} size="h3" mb="sm">
        Artifacts
      </Title>
      {artifacts.error ? <ErrorNote error={artifacts.error} /> : null}
      {artifacts.isPending ? <Loader size="sm" aria-label="loading the artifacts" /> : <ArtifactsTable moduleId={moduleId} artifacts={artifacts.data ?? []} />}
      <Title order={2} size="h3" mt="lg" mb="sm">
        Upload an artifact
      </Title>
      {m.encrypted ? (
        <Alert color="blue" mb="sm">
          This module encrypts its artifacts: the server stores and serves only the age ciphertext of what you upload.
        </Alert>
      ) : null}
      <ArtifactUpload moduleId={moduleId} />
    </>
  );
}
